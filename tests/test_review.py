"""The reviewer's edition (审阅本): a comment on every article, the non-default choices, not for signing."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import BASE_SAMPLE, SAMPLES
from test_cli import run

import docgen
from docgen.clauses.library import load_library
from docgen.drafting.agreement import assemble_agreement

HUMANOID = SAMPLES / "humanoid-robot.yaml"
ARTICLE = re.compile(r"^第[零一二三四五六七八九十百]+条　")


def review_of(path: Path) -> docx.document.Document:
    return docx.Document(io.BytesIO(docgen.render_review(docgen.load(path))))


@pytest.fixture(scope="module")
def humanoid() -> docx.document.Document:
    return review_of(HUMANOID)


def test_every_article_has_a_comment_naming_its_clause_version_and_legal_basis(
        humanoid: docx.document.Document) -> None:
    outline = assemble_agreement(docgen.load(HUMANOID), load_library())
    comments = list(humanoid.comments)
    assert len(comments) == len(outline.articles)
    library = load_library()
    for article, comment in zip(outline.articles, comments, strict=True):
        clause = library.get(article.id)
        assert f"条款：{article.id}，版本{article.version}" in comment.text
        basis = clause.variant(article.variant).legal_basis if article.variant else clause.legal_basis
        assert basis[0] in comment.text
        assert comment.author == "docgen条款库"


def test_a_comment_names_the_variant_chosen_and_its_alternatives(humanoid: docx.document.Document) -> None:
    patent = next(c for c in humanoid.comments if "ip.patent，" in c.text)
    assert "所采用文本：归完成方，其他成员享有免费实施许可（非默认）" in patent.text
    assert "可选文本：" in patent.text and "完成各方共有" in patent.text


def test_first_page_lists_only_the_choices_that_differ_from_the_default(humanoid: docx.document.Document) -> None:
    texts = [p.text for p in humanoid.paragraphs]
    start = texts.index("与默认文本不同的选择")
    choices = texts[start + 1:texts.index("", start)]
    patent = assemble_agreement(docgen.load(HUMANOID), load_library())
    number = next(a.number for a in patent.articles if a.id == "ip.patent")
    assert any(t.startswith(f"{number}　专利申请权：采用“归完成方") for t in choices)
    assert any("争议解决" in t and "采用“诉讼”" in t for t in choices)
    outline = assemble_agreement(docgen.load(HUMANOID), load_library())
    library = load_library()
    non_default = [a for a in outline.articles
                   if a.variant and not library.get(a.id).variant(a.variant).default]
    assert len(choices) == len(non_default)


def test_the_signing_text_follows_unchanged() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    signing = [p.text for p in docx.Document(io.BytesIO(docgen.render_agreement(consortium))).paragraphs]
    review = [p.text for p in docx.Document(io.BytesIO(docgen.render_review(consortium))).paragraphs]
    assert review[-len(signing):] == signing
    assert sum(1 for t in signing if ARTICLE.match(t)) == len(list(
        docx.Document(io.BytesIO(docgen.render_review(consortium))).comments))


def test_every_page_header_says_not_for_signing(humanoid: docx.document.Document) -> None:
    for section in humanoid.sections:
        for header in (section.header, section.first_page_header, section.even_page_header):
            assert "不得用于签署" in "".join(p.text for p in header.paragraphs)


def test_same_input_same_bytes() -> None:
    consortium = docgen.load(HUMANOID)
    assert docgen.render_review(consortium) == docgen.render_review(consortium)
    # Comments must not carry the time of the run (two runs within one second would hide it).
    with zipfile.ZipFile(io.BytesIO(docgen.render_review(consortium))) as edition:
        assert b"w:date=" not in edition.read("word/comments.xml")


def test_rule_errors_block_the_review_unless_draft(base_data: dict) -> None:
    from conftest import changed

    broken = changed(base_data, lambda d: d["lead"].update(kind="高等院校"))
    with pytest.raises(docgen.RuleError):
        docgen.render_review(broken)
    assert docgen.render_review(broken, draft=True)[:2] == b"PK"


def test_cli_render_review_writes_the_edition_into_the_manifest(tmp_path: Path) -> None:
    result = run("render", str(HUMANOID), "-o", str(tmp_path / "out"), "--review")
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    reviews = [d for d in manifest["documents"] if d["kind"] == "agreement_review"]
    assert len(reviews) == 1 and reviews[0]["path"].endswith("（审阅本）.docx")
    assert (tmp_path / "out" / reviews[0]["path"]).exists()
    plain = run("render", str(HUMANOID), "-o", str(tmp_path / "plain"))
    assert plain.returncode == 0
    kinds = [d["kind"] for d in json.loads((tmp_path / "plain" / "manifest.json").read_text())["documents"]]
    assert "agreement_review" not in kinds
