"""What a change run's companions say about themselves: the redline's header, the revised plan (issue 13)."""

from __future__ import annotations

import io
import itertools
import json
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
    assert set(_headers(documents[DocumentKind.REDLINE].data)) == {"修订痕迹稿（仅供阅读）"}   # every section


def test_draft_redline_header_keeps_the_draft_mark() -> None:
    old, new = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    redline = next(d for d in change_documents(old, new, draft=True) if d.kind == DocumentKind.REDLINE)
    assert set(_headers(redline.data)) == {"修订痕迹稿（仅供阅读）　草稿 · 仅供审阅，不得签署"}


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


def test_change_reissues_only_the_commitments_that_changed_and_says_why(tmp_path: Path) -> None:
    from docgen.documents import change_run

    versions = [docgen.load(SAMPLES / f"marine-ai-v{n}.yaml") for n in (1, 2, 3, 4)]
    issued: dict[int, list[str]] = {}
    for serial, (old, new) in enumerate(itertools.pairwise(versions), start=1):
        manifest_path, _ = change_run(old, new, tmp_path)
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        record = {c["unit"]: c for c in manifest["commitments"]}
        assert set(record) == {u.name for u in new.units}
        files = sorted(p.relative_to(manifest_path.parent).as_posix()
                       for p in (manifest_path.parent / "诚信承诺书").glob("*.docx"))
        assert files == sorted(c["file"] for c in record.values() if c["file"])
        assert all(c["reasons"] for c in record.values())
        for c in record.values():
            if c["file"]:   # each letter opened: a 备案变更 commitment by that unit
                text = "\n".join(p.text for p in docx.Document(manifest_path.parent / c["file"]).paragraphs)
                assert c["unit"] in text and "备案变更" in text
        issued[serial] = sorted(u for u, c in record.items() if c["file"])
    first = {c["unit"]: c["reasons"] for c in json.loads(
        (tmp_path / "补充协议第一号" / "manifest.json").read_text(encoding="utf-8"))["commitments"]}
    assert issued[1] == ["青岛海图智算科技股份有限公司", "青岛海洋遥感研究院"]   # the lead and the joiner
    assert first["青岛海洋遥感研究院"] == ["新加入成员单位，此前未出具诚信承诺书"]
    assert first["青岛海事科技大学"] == ["备案信息和承诺投入均未变化，此前出具的诚信承诺书继续有效，不重新出具"]
    assert "青岛蓝算数据智能科技有限公司" in issued[2]        # renamed in v3
    assert {"青岛海图智算科技股份有限公司", "青岛蓝算数据智能科技有限公司"} <= set(issued[3])   # the lead swap
