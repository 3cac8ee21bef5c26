"""The compliance self-check table (合规自查表): one row per requirement, statuses from check's findings."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
from conftest import BASE_SAMPLE, SAMPLES, changed

import docgen
from docgen.drafting.compliance import load_compliance_texts

INVALID = SAMPLES / "invalid"


def rule_codes() -> set[str]:
    """Return every finding code the guideline rules can yield: the upper-case string literals of
    docgen/rules/guideline.py that are not the module's own names (INDUSTRIES, RULES, …)."""
    from docgen.rules import guideline

    text = Path(guideline.__file__).read_text(encoding="utf-8")
    return {code for code in re.findall(r'"([A-Z][A-Z0-9_]{3,})"', text) if not hasattr(guideline, code)}


def table_rows(data: bytes) -> list[list[str]]:
    document = docx.Document(io.BytesIO(data))
    (table,) = document.tables
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_every_rule_code_has_a_requirement_row() -> None:
    listed = load_compliance_texts().codes
    codes = rule_codes()
    assert {"TOO_FEW_ENTERPRISES", "ARBITRATION_COMMISSION_INVALID", "DUPLICATE_NAME"} <= codes
    assert codes - listed == set(), "add these codes to clauses/compliance/requirements.yaml"


def test_a_valid_sample_meets_every_requirement_with_its_evidence() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    rows = table_rows(docgen.render_compliance(consortium))
    assert rows[0] == ["序号", "指引条款", "要求", "状态", "落实文件及条款", "证据"]
    body = rows[1:]
    assert len(body) == len(load_compliance_texts().requirements)
    # 三（五）and 三（六）are 符合 only when the annexes and the plan show what the input commits
    # (tests/test_formation_findings.py, test_review_fixes)
    assert {row[3] for row in body if row[1] not in ("指引三（五）", "指引三（六）")} == {"符合"}
    enterprises = next(row for row in body if "上下游企业原则上不少于3家" in row[2])
    count = sum(1 for u in consortium.members if u.kind == "企业")
    assert enterprises[5].startswith(f"成员企业{count}家：")
    lead = next(row for row in body if row[1] == "指引四（一）1")
    assert consortium.lead.name in lead[5] and "组建协议鉴于条款第（一）项" in lead[4]
    term = next(row for row in body if row[1] == "指引五（六）")
    assert "2026年1月1日至2028年12月31日" in term[5]
    integrity = next(row for row in body if row[1] == "指引七（四）")
    assert integrity[4] == "诚信承诺书" and f"{len(consortium.units)}份" in integrity[5]


def test_where_names_the_printed_article_numbers(base_data: dict) -> None:
    from docgen.clauses.library import load_library
    from docgen.drafting.agreement import assemble_agreement

    consortium = docgen.load(BASE_SAMPLE)
    numbers = {a.id: a.number for a in assemble_agreement(consortium, load_library()).articles}
    rows = table_rows(docgen.render_compliance(consortium))[1:]
    chief = next(row for row in rows if row[1] == "指引五（四）")
    assert chief[4].startswith(f"组建协议{numbers['organisation.chief_expert']}")
    assert "建设方案“三、组织架构及运行机制”之“（一）组织架构”" in chief[4]


def test_a_failing_input_shows_not_met_on_the_right_rows() -> None:
    consortium = docgen.load(INVALID / "lead-outside-qingdao.yaml")
    rows = table_rows(docgen.render_compliance(consortium))[1:]
    failed = [row for row in rows if row[3] == "不符合"]
    assert [row[1] for row in failed] == ["指引四（一）1"]
    assert "不在青岛市辖区内" in failed[0][5]


def test_a_waived_rule_shows_its_reason(base_data: dict) -> None:
    academics = [m for m in base_data["members"] if m["kind"] in ("高等院校", "科研院所")]

    def edit(d: dict) -> None:
        keep = academics[0]["credit_code"]
        d["members"] = [m for m in d["members"] if m["kind"] not in ("高等院校", "科研院所")
                        or m["credit_code"] == keep]
        drop = {m["credit_code"] for m in academics[1:]}
        for task in d["tasks"]:
            task["participants"] = [p for p in task["participants"] if p not in drop]
            if task["owner"] in drop:
                task["owner"] = d["lead"]["credit_code"]
        d["funding"] = [f for f in d["funding"] if f["unit"] not in drop]
        d["benefit"]["shares"] = [s for s in d["benefit"].get("shares", []) if s["unit"] not in drop]
        d["exceptions"] = [{"code": "TOO_FEW_ACADEMIC", "reason": "本领域具备条件的高校院所仅一家，已在建设方案中说明"}]

    consortium = changed(base_data, edit)
    rows = table_rows(docgen.render_compliance(consortium, draft=True))[1:]
    row = next(row for row in rows if "高校院所原则上不少于2家" in row[2])
    assert row[3] == "例外（说明理由）"
    assert "本领域具备条件的高校院所仅一家" in row[5]


def test_unlisted_codes_get_a_row_of_their_own() -> None:
    from docgen.clauses.library import load_library
    from docgen.drafting.agreement import assemble_agreement
    from docgen.drafting.compliance import assemble_compliance

    texts = load_compliance_texts()
    trimmed = texts.model_copy(update={"requirements": tuple(
        r for r in texts.requirements if "LEAD_NOT_IN_QINGDAO" not in r.codes)})
    consortium = docgen.load(INVALID / "lead-outside-qingdao.yaml")
    library = load_library()
    table = assemble_compliance(consortium, docgen.check(consortium), assemble_agreement(consortium, library),
                                library, [], trimmed)
    last = table.rows[-1]
    assert (last.clause, last.requirement, last.status) == ("指引 四（一）1", "其他检查事项", "不符合")
    assert "不在青岛市辖区内" in last.evidence


def test_same_input_same_bytes() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    assert docgen.render_compliance(consortium) == docgen.render_compliance(consortium)
