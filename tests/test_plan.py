"""The construction plan: outline order, every member and task, totals equal to the input, schedule."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import docx
import pytest
from conftest import BASE_SAMPLE, VALID_SAMPLES
from docx.oxml.ns import qn

import docgen
from docgen.documents import PLAN_OUTLINE
from docgen.drafting.plan import assemble_plan, load_outline, quarters
from docgen.formatting import wan as amount  # the plan prints money in 万元
from docgen.resources import templates_dir

OUTLINE = templates_dir() / PLAN_OUTLINE


@cache
def plan_docx(path: Path) -> docx.document.Document:
    return docx.Document(io.BytesIO(docgen.render_plan(docgen.load(path))))


def headings(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith("DG Heading")]


def captioned_table(document: docx.document.Document, caption: str) -> docx.table.Table:
    """Return the table that follows the caption paragraph ending with caption."""
    body = document.element.body
    seen = False
    for child in body.iterchildren():
        text = "".join(t.text or "" for t in child.iter(qn("w:t"))) if child.tag == qn("w:p") else ""
        if re.fullmatch(r"[表图]\d+　" + re.escape(caption), text):  # the caption, not a heading or 目录 entry
            seen = True
        elif seen and child.tag == qn("w:tbl"):
            return docx.table.Table(child, document)
    raise AssertionError(f"no table after caption {caption}")


def rows(table: docx.table.Table) -> list[list[str]]:
    out = []
    for row in table.rows:
        texts = []
        for cell in row._tr.iter(qn("w:tc")):  # one entry per real cell, spans not repeated
            texts.append("".join(t.text or "" for t in cell.iter(qn("w:t"))))
        out.append(texts)
    return out


def _outline_titles(sections, level=1):  # type: ignore[no-untyped-def]
    for section in sections:
        yield level, section.title
        yield from _outline_titles(section.sections, level + 1)


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_every_outline_section_present_and_in_order(path: Path) -> None:
    outline = load_outline(OUTLINE)
    found = [re.sub(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)", "", h)
             for h in headings(plan_docx(path))]
    assert found == [title for _, title in _outline_titles(outline.sections)]
    top = [h for h in headings(plan_docx(path)) if re.match(r"^[一二三四五六七八九十]+、", h)]
    assert [h.split("、")[0] for h in top] == ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_every_member_and_task_present(path: Path) -> None:
    consortium = docgen.load(path)
    document = plan_docx(path)
    members = rows(captioned_table(document, "成员单位构成"))
    assert [r[1] for r in members[1:]] == [u.name for u in consortium.units]
    tasks = rows(captioned_table(document, "攻关任务与技术攻关计划"))
    assert [r[0] for r in tasks[1:-1]] == [t.id for t in consortium.tasks]
    text = "\n".join(p.text for p in document.paragraphs)
    for task in consortium.tasks:
        assert task.content in text


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_table_totals_equal_input_totals(path: Path) -> None:
    consortium = docgen.load(path)
    document = plan_docx(path)
    total = sum((f.amount for f in consortium.funding), Decimal(0))
    for caption in ("经费投入计划（按资金来源）", "经费投入计划（按年度）"):
        table = rows(captioned_table(document, caption))
        assert table[-1][0] == "合计"
        assert table[-1][-1] == amount(total)
        for row in table[1:]:  # each row total is the sum of its cells
            cells = [yuan_of(c) for c in row[1:-1]]
            assert amount(sum(cells, Decimal(0))) == row[-1]
        for column in range(1, len(table[0])):  # each column total is the sum of its column
            cells = [yuan_of(r[column]) for r in table[1:-1]]
            assert amount(sum(cells, Decimal(0))) == table[-1][column]
    by_source = rows(captioned_table(document, "经费投入计划（按资金来源）"))
    for column, source in enumerate(by_source[0][1:-1], start=1):
        expected = sum((f.amount for f in consortium.funding if f.source == source), Decimal(0))
        assert by_source[-1][column] == amount(expected)
    tasks = rows(captioned_table(document, "攻关任务与技术攻关计划"))
    assert tasks[-1][-1] == amount(sum((b.amount for t in consortium.tasks for b in t.budget), Decimal(0)))
    assert money_line(document) == docgen.formatting.money(total)


def money_line(document: docx.document.Document) -> str:
    """Return the cash total stated in the plan's 投入总体安排 (资金投入人民币…（¥…）)."""
    text = next(p.text for p in document.paragraphs if p.text.startswith("联合体建设期内计划总投入"))
    return re.search(r"资金投入(人民币[^（]+（¥[\d,.]+）)", text).group(1)  # type: ignore[union-attr]


def yuan_of(cell: str) -> Decimal:
    """Return the amount in yuan of a plan table's cell, which prints 万元."""
    return Decimal(cell.replace(",", "")) * 10000


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_schedule_shades_each_task_period(path: Path) -> None:
    consortium = docgen.load(path)
    table = captioned_table(plan_docx(path), "攻关任务进度安排（按季度）")
    periods = quarters(consortium.term_start, consortium.term_end)
    body = table._tbl.findall(qn("w:tr"))[2:]  # after the year row and the quarter row
    assert len(body) == len(consortium.tasks)
    for task, row in zip(consortium.tasks, body, strict=False):
        cells = row.findall(qn("w:tc"))
        label = "".join(t.text or "" for t in cells[0].iter(qn("w:t")))
        assert label.startswith(task.id)
        fills = [c.find(qn("w:tcPr")).find(qn("w:shd")).get(qn("w:fill")) for c in cells[1:]]
        shaded = [p for p, fill in zip(periods, fills, strict=False) if fill == "2F5597"]
        assert shaded == quarters(task.start, task.end)


def test_organisation_chart_names_lead_head_expert_and_teams() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    chart = rows(captioned_table(plan_docx(BASE_SAMPLE), "组织架构图"))
    flat = "\n".join(c for r in chart for c in r)
    assert consortium.lead.name in flat
    assert consortium.head is not None and consortium.head.name in flat
    assert consortium.chief_expert is not None and consortium.chief_expert.name in flat
    assert all(f"{t.id}任务团队" in flat for t in consortium.tasks)


def test_same_input_same_bytes() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    assert docgen.render_plan(consortium) == docgen.render_plan(consortium)


def test_replaced_outline_changes_order_without_code(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(OUTLINE.read_text(encoding="utf-8"))
    data["sections"] = [data["sections"][-2], *data["sections"][:-2], data["sections"][-1]]
    data["sections"][0]["title"] = "考核指标与预期成效"
    replaced = tmp_path / "outline.yaml"
    replaced.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    plan = assemble_plan(docgen.load(BASE_SAMPLE), load_outline(replaced))
    assert plan.headings[0] == "一、考核指标与预期成效"
    assert "二、建设意义" in plan.headings


def test_outline_defects_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: '1'\ntitle: x\nsections:\n  - title: 甲\n    blocks:\n      - table: nonsense\n",
                   encoding="utf-8")
    with pytest.raises(docgen.TemplateError, match="nonsense"):
        load_outline(bad)


def test_no_empty_sections_or_residue() -> None:
    for path in VALID_SAMPLES:
        plan = assemble_plan(docgen.load(path), load_outline(OUTLINE))
        for index, block in enumerate(plan.blocks):
            if block.kind == "heading":
                following = plan.blocks[index + 1] if index + 1 < len(plan.blocks) else None
                assert following is not None, block.text
                assert following.kind != "heading" or following.level > block.level, block.text
            assert "{{" not in block.text and "None" not in block.text and "- " not in block.text[:2]


def test_commitments_one_per_unit_naming_unit_and_consortium() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    letters = docgen.render_commitments(consortium)
    assert list(letters) == [u.credit_code for u in consortium.units]
    for unit in consortium.units:
        document = docx.Document(io.BytesIO(letters[unit.credit_code]))
        text = "\n".join(p.text for p in document.paragraphs)
        assert text.startswith("诚信承诺书")
        assert f"{unit.name}（统一社会信用代码：{unit.credit_code}）" in text
        assert consortium.name in text
        assert "真实、有效、完整" in text and "科研信用档案" in text
        assert f"承诺单位（盖章）：{unit.name}" in text
        if unit.resources.cash:
            assert docgen.formatting.money(unit.resources.cash) in text
        else:
            assert "自筹资金" not in text
