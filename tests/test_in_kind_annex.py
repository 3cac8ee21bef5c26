"""The funding annex (附件3) lists every in-kind item per unit, with its agreed value and a 合计 row."""

from __future__ import annotations

import io
from typing import Any

import docx
from conftest import BASE_SAMPLE, changed

import docgen
from docgen.clauses.phrases import phrase
from docgen.formatting import amount
from docgen.input.totals import totals

HEADER = ["单位", "投入内容", "用于任务", "数量或期限", "作价方式", "作价确认", "折价金额"]


def _document(consortium: docgen.Consortium) -> docx.document.Document:
    return docx.Document(io.BytesIO(docgen.render_agreement(consortium)))


def _in_kind_rows(document: docx.document.Document) -> list[list[str]] | None:
    tables = [t for t in document.tables if [c.text for c in t.rows[0].cells] == HEADER]
    assert len(tables) <= 1
    return [[c.text for c in row.cells] for row in tables[0].rows[1:]] if tables else None


def _paragraphs(document: docx.document.Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_sample_lists_every_in_kind_item_with_total() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    document = _document(consortium)
    rows = _in_kind_rows(document)
    assert rows is not None
    assert ["蓝港海工", "海试作业船舶及海上作业平台使用（累计不少于60个船日）", "T6",
            "2027年7月至2028年12月，累计不少于60个船日", "评估作价",
            "山东正源资产评估有限公司鲁正源评报字〔2025〕第0562号资产评估报告", "7,500,000.00"] in rows
    assert ["海澜深海", "深海潜标与着陆器平台3套共享使用", "T6", "3套，2027年7月至2028年12月", "协商作价",
            "各方于2025年11月20日组建筹备会议协商确认，协议签订后提交理事会第一次会议备案", "4,200,000.00"] in rows
    assert rows[-2][2] == "联合体整体"   # the association's item serves no one task
    items = totals(consortium).in_kind_items
    assert len(rows) == len(items) + 1 == 13
    assert [r[1] for r in rows[:-1]] == [item.description for _, item in items]
    assert rows[-1] == ["合计"] * 6 + ["35,200,000.00"]   # the label spans six columns
    assert rows[-1][-1] == amount(totals(consortium).in_kind)
    # the table sits in 附件3 (经费投入计划表), before 附件4, under its caption
    paragraphs = _paragraphs(document)
    annex3, annex4 = paragraphs.index("附件3　经费投入计划表"), paragraphs.index("附件4　背景知识产权清单")
    assert paragraphs.index(phrase("annexes.in_kind_caption")) in range(annex3, annex4)
    assert phrase("annexes.in_kind_none") not in paragraphs
    # the articles that list in-kind items point at that annex
    text = "\n".join(paragraphs)
    assert "明细同时载于附件3《经费投入计划表》" in text
    assert "明细载于附件3《经费投入计划表》" in text


def _without_in_kind(data: dict[str, Any], keep: str | None = None) -> None:
    """Drop every unit's in-kind items but keep's, and the task budget lines (实物投入) they paid."""
    kept = set()
    for unit in [data["lead"], *data["members"]]:
        if unit["name"] != keep:
            unit["resources"]["in_kind"] = []
        else:
            kept.add(unit["credit_code"])
    for task in data["tasks"]:
        task["budget"] = [b for b in task["budget"] if b["source"] != "实物投入" or b.get("unit") in kept]


def test_units_without_in_kind_items_are_omitted(base_data: dict[str, Any]) -> None:
    def change(data: dict[str, Any]) -> None:
        _without_in_kind(data, keep="青岛蓝港海洋工程集团有限公司")
        unit = next(u for u in data["members"] if u["name"] == "青岛蓝港海洋工程集团有限公司")
        unit["resources"]["in_kind"][0].update(description="海试作业船舶使用", quantity=None, valuation="协商作价",
                                               confirmed_by=None)

    rows = _in_kind_rows(_document(changed(base_data, change)))
    assert rows == [["蓝港海工", "海试作业船舶使用", "T6", "—", "协商作价", "—", "7,500,000.00"],
                    ["合计"] * 6 + ["7,500,000.00"]]


def test_no_in_kind_items_says_so(base_data: dict[str, Any]) -> None:
    document = _document(changed(base_data, _without_in_kind))
    assert _in_kind_rows(document) is None
    paragraphs = _paragraphs(document)
    assert paragraphs.index(phrase("annexes.in_kind_none")) in range(
        paragraphs.index("附件3　经费投入计划表"), paragraphs.index("附件4　背景知识产权清单"))
