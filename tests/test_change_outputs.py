"""What a change run's companions say about themselves: the redline's header, the revised plan (issue 13)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest

import docgen
from docgen.constants import DocumentKind
from docgen.documents import change_documents

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def documents() -> dict[str, Any]:
    old, new = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    return {d.kind: d for d in change_documents(old, new)}


def _headers(data: bytes) -> list[str]:
    return [p.text for s in docx.Document(io.BytesIO(data)).sections for p in s.header.paragraphs]


def test_redline_header_says_it_is_for_reading(documents: dict[str, Any]) -> None:
    assert _headers(documents[DocumentKind.REDLINE].data) == ["修订痕迹稿（仅供阅读）"]


def test_draft_redline_header_keeps_the_draft_mark() -> None:
    old, new = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    redline = next(d for d in change_documents(old, new, draft=True) if d.kind == DocumentKind.REDLINE)
    assert _headers(redline.data) == ["修订痕迹稿（仅供阅读）　草稿 · 仅供审阅，不得签署"]


def test_revised_plan_says_it_is_revised_by_the_supplement(documents: dict[str, Any]) -> None:
    plan = documents[DocumentKind.PLAN]
    assert plan.filename == "青岛市海洋领域大模型创新联合体建设方案（修订版）.docx"
    document = docx.Document(io.BytesIO(plan.data))
    text = [p.text for p in document.paragraphs]
    assert text.count("青岛市海洋领域大模型创新联合体建设方案（修订版）") == 2   # cover and first page
    cover = {row.cells[0].text: row.cells[1].text for table in document.tables[:1] for row in table.rows}
    assert cover["修订依据："] == "根据第一号补充协议修订"
    assert cover["修订日期："] == "2026年9月18日"       # the supplement's signing date (amendment)
    assert cover["编制日期："] == "2025年12月20日"


def test_plan_of_a_plain_render_is_not_marked_revised() -> None:
    data = docgen.render_plan(docgen.load(SAMPLES / "marine-ai-v1.yaml"))
    text = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert not any("修订" in p for p in text[:3])
