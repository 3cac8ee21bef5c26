"""The supplement's revised annexes and the 汇编本's annexes are the formation agreement's annex pages (F40)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

import docgen
from docgen.clauses.phrases import phrase
from docgen.documents import change_run, render_to
from docgen.render.annex_blocks import SOURCE, TARGETS, blocks, sync
from docgen.resources import templates_dir

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_annex_pages_are_copied_from_the_formation_agreement(target: str) -> None:
    # run `python -m docgen.render.annex_blocks` after editing the formation agreement's annexes
    assert blocks(templates_dir() / target) == blocks(templates_dir() / SOURCE)


def test_copying_the_annex_pages_again_changes_nothing(tmp_path: Path) -> None:
    # a second run once left the earlier copy's condition over the body's section break behind (unbalanced if)
    for name in (SOURCE, *TARGETS):
        (tmp_path / name).write_bytes((templates_dir() / name).read_bytes())
    for _ in range(2):
        sync(tmp_path)
        assert {n: (tmp_path / n).read_bytes() for n in TARGETS} == {n: (templates_dir() / n).read_bytes()
                                                                     for n in TARGETS}


def _tables(path: Path) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(path.read_bytes()))
    return [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]


def _texts(path: Path) -> str:
    document = docx.Document(io.BytesIO(path.read_bytes()))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])


@pytest.fixture(scope="module")
def first_change(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("series")
    v1, v2 = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    render_to(v2, root / "v2")
    render_to(v1, root / "changes")
    manifest, _ = change_run(v1, v2, root / "changes")
    return manifest.parent


def test_revised_and_consolidated_annex3_are_the_agreements(first_change: Path) -> None:
    agreement = next((first_change.parent.parent / "v2").glob("*组建协议.docx"))
    supplement = next(first_change.glob("*补充协议（第一号）.docx"))
    consolidated = next(first_change.glob("*汇编本）.docx"))
    expected = _tables(agreement)
    # 附件1–3 of the v2 agreement (members, tasks and shares, funding, by year, in kind by year, items)
    in_kind_caption = phrase("annexes.in_kind_caption")
    for path in (supplement, consolidated):
        tables = _tables(path)
        for table in expected:
            if len(table[0]) >= 5:  # the annex tables, not the signature grid
                assert table in tables, (path.name, table[0])
        text = _texts(path)
        assert in_kind_caption in text
        assert "分年度实物投入明细及投入汇总" in text
        assert "出资方" in text and "2026年" in text
