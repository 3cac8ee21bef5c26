"""The formation agreement as a reader sees it: open the .docx and check its words, numbers and tables."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import docx
import pytest
from conftest import BASE_SAMPLE, VALID_SAMPLES, changed

import docgen
from docgen.clauses.library import load_library
from docgen.drafting.agreement import (
    document_context,
    number_articles,
    render_clause,
    select_variant,
    text_context,
)
from docgen.formatting import cn_number, money, rmb_upper

AGREEMENT_SAMPLES = [p for p in VALID_SAMPLES]


@cache
def rendered(path: Path, draft: bool = False) -> bytes:
    return docgen.render_agreement(docgen.load(path), draft=draft)


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def body_text(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def signature_page(document: docx.document.Document) -> list[str]:
    """Return the paragraphs of the signature table (its header row holds the 本页无正文 heading)."""
    table = next(t for t in document.tables if t.rows[0].cells[0].text.startswith("（本页无正文"))
    return [p.text for row in table.rows for cell in row.cells for p in cell.paragraphs]


def table_rows(table: docx.table.Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def all_text(document: docx.document.Document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(body_text(document) + cells)


@pytest.mark.parametrize("path", AGREEMENT_SAMPLES, ids=lambda p: p.name)
def test_every_party_in_preamble_and_signature_page(path: Path) -> None:
    consortium = docgen.load(path)
    document = open_docx(rendered(path))
    preamble, signatures = body_text(document), signature_page(document)
    assert not any(p.startswith("（本页无正文") for p in preamble)
    for index, unit in enumerate(consortium.units):
        designation = "甲方" if index == 0 else f"乙方{cn_number(index)}"
        role = "牵头单位" if index == 0 else "成员单位"
        assert f"{designation}（{role}）：{unit.name}" in preamble
        assert f"统一社会信用代码：{unit.credit_code}" in preamble
        assert f"{designation}（{role}）：{unit.name}（盖章）" in signatures
    assert sum(p.startswith("法定代表人或授权代表（签字）") for p in signatures) == len(consortium.units)


@pytest.mark.parametrize("path", AGREEMENT_SAMPLES, ids=lambda p: p.name)
def test_articles_and_chapters_are_numbered_without_gaps(path: Path) -> None:
    paragraphs = body_text(open_docx(rendered(path)))
    articles = [m.group(1) for p in paragraphs if (m := re.match(r"^(第[一二三四五六七八九十百零]+条)　", p))]
    assert articles == [f"第{cn_number(i)}条" for i in range(1, len(articles) + 1)]
    assert len(articles) >= 40
    chapters = [m.group(1) for p in paragraphs if (m := re.match(r"^(第[一二三四五六七八九十]+章)　", p))]
    assert chapters == [f"第{cn_number(i)}章" for i in range(1, len(chapters) + 1)]


def _article_text(paragraphs: list[str], number: str) -> str:
    """Return the text of the article with this number, up to the next article or chapter heading."""
    start = next(i for i, p in enumerate(paragraphs) if p.startswith(f"{number}　"))
    end = next((i for i, p in enumerate(paragraphs[start + 1:], start + 1)
                if re.match(r"^第[一二三四五六七八九十百零]+[条章]　", p) or p.startswith("（以下无正文")),
               len(paragraphs))
    return "".join(paragraphs[start:end])


def numbered(path: Path) -> tuple[list, dict[str, str], dict]:  # type: ignore[type-arg]
    """Return (applicable clauses, {id: 第N条}, the full text context) of a sample's agreement."""
    library = load_library()
    context = document_context(docgen.load(path), library.documents["agreement"])
    applicable, numbers = number_articles(library, context)
    return applicable, numbers, text_context(library, context, numbers)


@pytest.mark.parametrize("path", AGREEMENT_SAMPLES, ids=lambda p: p.name)
def test_cross_references_name_the_right_article(path: Path) -> None:
    library = load_library()
    applicable, numbers, full = numbered(path)
    paragraphs = body_text(open_docx(rendered(path)))
    titles = {c.id: c.title for c in library.clauses}
    checked = 0
    for clause in applicable:
        called: list[str] = []
        recording = dict(full, ref=lambda target, called=called: called.append(target) or full["ref"](target))
        render_clause(clause, select_variant(clause, full), recording)
        for target in called:  # the references this article actually prints
            assert any(p.startswith(f"{numbers[target]}　{titles[target]}") for p in paragraphs)
            assert numbers[target] in _article_text(paragraphs, numbers[clause.id])
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize("path", AGREEMENT_SAMPLES, ids=lambda p: p.name)
def test_chosen_variants_present_and_others_absent(path: Path) -> None:
    applicable, _, full = numbered(path)
    paragraphs = body_text(open_docx(rendered(path)))

    def present(paragraph: str) -> bool:  # a whole paragraph, or an article's first one after its heading
        return any(p == paragraph or p.endswith("　" + paragraph) for p in paragraphs)

    for clause in (c for c in applicable if c.variants):
        chosen = select_variant(clause, full)
        mine = render_clause(clause, chosen, full)
        assert all(present(p) for p in mine), f"{clause.id}/{chosen} missing"
        for variant in clause.variants:
            if variant.key == chosen:
                continue
            try:
                theirs = [p for p in render_clause(clause, variant.key, full) if p not in mine]
            except docgen.TemplateError:
                continue  # the variant needs data this sample does not have (e.g. a court venue)
            assert theirs, f"{clause.id}/{variant.key} is not distinguishable from {chosen}"
            assert not any(present(p) for p in theirs), f"{clause.id}/{variant.key} leaked"


@pytest.mark.parametrize("path", AGREEMENT_SAMPLES, ids=lambda p: p.name)
def test_amounts_in_words_and_figures_and_annex_totals(path: Path) -> None:
    consortium = docgen.load(path)
    document = open_docx(rendered(path))
    text = all_text(document)
    total = sum(f.amount for f in consortium.funding)
    assert money(total) in text
    assert f"人民币{rmb_upper(total)}" in text
    funding = next(t for t in document.tables if [c.text for c in t.rows[0].cells[:2]] == ["单位", "自筹资金"])
    rows = table_rows(funding)
    assert len(rows) == 1 + len(consortium.units) + 1
    assert rows[-1][0] == "合计"
    assert rows[0][5] == "资金合计" and rows[-1][5] == f"{total:,.2f}"
    members = next(t for t in document.tables if t.rows[0].cells[0].text == "序号" and "统一社会信用代码" in
                   [c.text for c in t.rows[0].cells])
    assert [r[1] for r in table_rows(members)[1:]] == [u.name for u in consortium.units]
    tasks = next(t for t in document.tables if t.rows[0].cells[0].text == "编号")
    assert [r[0] for r in table_rows(tasks)[1:-1]] == [t.id for t in consortium.tasks]
    task_total = sum(b.amount for t in consortium.tasks for b in t.budget)
    assert table_rows(tasks)[-1][-1] == f"{task_total:,.2f}"


_RESIDUE = re.compile(r"\{\{|\}\}|\{%|%\}|(?<![A-Za-z])(None|none|undefined|nan|NaN|null)(?![A-Za-z])")


@pytest.mark.parametrize("path", AGREEMENT_SAMPLES, ids=lambda p: p.name)
def test_no_template_residue_none_or_empty_blanks(path: Path) -> None:
    document = open_docx(rendered(path))
    text = all_text(document)
    assert not _RESIDUE.search(text)
    assert "（）" not in text and "《》" not in text and "“”" not in text
    for paragraph in body_text(document):
        blanks = re.findall(r"_{3,}", paragraph)
        if blanks:  # the deliberate blanks: signature lines, and the cover's 协议编号 when none is given
            assert paragraph.startswith(("法定代表人或授权代表（签字）", "日期", "协议编号：")), paragraph
    assert not re.search(r"[\u4e00-\u9fff][,;:()]|[,;:()][\u4e00-\u9fff]", text)


def test_user_strings_appear_literally(base_data: dict) -> None:
    nasty = '青岛“&<>"{{ 7*7 }}{% raw %}科技有限公司'
    consortium = changed(base_data, lambda d: d["members"][0].update(name=nasty))
    document = open_docx(docgen.render_agreement(consortium))
    text = all_text(document)
    assert nasty in text
    assert text.count(nasty) >= 3  # preamble, signature page, member table


def test_same_input_gives_identical_bytes() -> None:
    first = docgen.render_agreement(docgen.load(BASE_SAMPLE))
    second = docgen.render_agreement(docgen.load(BASE_SAMPLE))
    assert first == second


def test_draft_marks_pages_and_checks_refuse(base_data: dict) -> None:
    broken = changed(base_data, lambda d: d.update(head=None))
    with pytest.raises(docgen.RuleError) as caught:
        docgen.render_agreement(broken)
    assert "HEAD_MISSING" in {f.code for f in caught.value.findings}
    document = open_docx(docgen.render_agreement(broken, draft=True))
    header = "".join(p.text for p in document.sections[0].header.paragraphs)
    assert "草稿" in header
    clean = open_docx(rendered(BASE_SAMPLE))
    assert "草稿" not in "".join(p.text for p in clean.sections[0].header.paragraphs)


def test_core_properties_name_the_agreement() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    props = open_docx(rendered(BASE_SAMPLE)).core_properties
    assert props.title == f"{consortium.name}组建协议"
    assert props.author == consortium.lead.name


@pytest.mark.parametrize("path", AGREEMENT_SAMPLES, ids=lambda p: p.name)
def test_cover_states_the_agreement_number_or_leaves_a_blank_for_it(path: Path) -> None:
    consortium = docgen.load(path)
    cover = [p for p in body_text(open_docx(rendered(path))) if p.startswith("协议编号：")]
    assert cover == [f"协议编号：{consortium.agreement_number or '__________'}"]
