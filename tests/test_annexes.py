"""The formation agreement's signature blocks and annexes: words, table cells and numbers of the .docx."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from conftest import SAMPLES
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

import docgen
from docgen.input.totals import totals

DEEP_SEA, HUMANOID = SAMPLES / "deep-sea-sensing.yaml", SAMPLES / "humanoid-robot.yaml"


def _paragraphs(data: bytes) -> list[str]:
    """Return the text of every paragraph in body order, table cells included (the signatures are a table)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    return [Paragraph(p, document).text for p in document.element.body.iter(qn("w:p"))]


@pytest.mark.parametrize("path", [DEEP_SEA, HUMANOID], ids=lambda p: p.name)
def test_each_signature_block_names_unit_credit_code_signer_and_date(path: Path) -> None:
    consortium = docgen.load(path)
    text = _paragraphs(docgen.render_agreement(consortium))
    start = max(i for i, p in enumerate(text) if p.startswith("（本页无正文"))
    for unit in consortium.units:
        seal = next(i for i, p in enumerate(text) if i > start and p.endswith(f"：{unit.name}（盖章）"))
        assert text[seal + 1: seal + 4] == [f"统一社会信用代码：{unit.credit_code}",
                                            "法定代表人或授权代表（签字）：________________",
                                            "日期：______年____月____日"]


def _tables(data: bytes) -> dict[str, list[list[str]]]:
    """Return the annex tables by their first two header cells (three where two tables share the first two),
    as rows of cell texts."""
    out: dict[str, list[list[str]]] = {}
    for table in docx.Document(io.BytesIO(data)).tables:
        rows = [[c.text for c in r.cells] for r in table.rows]
        key = "|".join(rows[0][:2])
        out["|".join(rows[0][:3]) if key in out else key] = rows  # 附件2's second table: 编号|任务名称|研究内容…
    return out


def _money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@pytest.mark.parametrize("path", [DEEP_SEA, HUMANOID], ids=lambda p: p.name)
def test_annexes_agree_with_the_input_and_each_other(path: Path) -> None:
    consortium = docgen.load(path)
    sums = totals(consortium)
    data = docgen.render_agreement(consortium)
    tables = _tables(data)
    short = {u.credit_code: u.display_name for u in consortium.units}

    # 附件1: the 简称 the other annexes use, each unit's cash, in-kind and people (never 0人)
    members = tables["序号|单位名称"]
    assert members[0][2:4] == ["简称", "统一社会信用代码"] and members[0][-3:] == ["资金投入合计", "实物投入折价合计",
                                                                          "研发人员"]
    for row, unit in zip(members[1:], consortium.units, strict=True):
        ut = sums.unit(unit.credit_code)
        assert ut is not None
        assert row[2] == (unit.short_name or "—") and row[3] == unit.credit_code
        assert [_money(row[7]), _money(row[8])] == [ut.cash, ut.in_kind]
        assert row[9] == (f"{unit.resources.people}人" if unit.resources.people else "—")
    defined = {r[2] for r in members[1:]} | {r[1] for r in members[1:]}

    # 附件2: each task's payer rows add up to the task budget; every payer a defined name
    tasks = {r[0]: _money(r[-1]) for r in tables["编号|任务名称"][1:-1]}
    shares = tables["任务编号|出资单位"]
    assert shares[0][2:] == ["自筹资金", "财政资助", "社会资本", "其他资金", "实物投入", "合计"]
    for task in consortium.tasks:
        rows = [r for r in shares[1:-1] if r[0] == task.id and r[1] != "小计"]
        assert rows and {r[1] for r in rows} <= defined
        for r in rows:
            assert sum(map(_money, r[2:7]), Decimal(0)) == _money(r[7])
        assert sum((_money(r[7]) for r in rows), Decimal(0)) == tasks[task.id] == sum(
            (b.amount for b in task.budget), Decimal(0))
        payer_of = {short[b.unit or task.owner] for b in task.budget}
        assert {r[1] for r in rows} == payer_of

    # 附件3: per unit by source equals 附件2's per-payer sums (one computation), and the funding lines
    funding = tables["单位|自筹资金"]
    for row, ut in zip(funding[1:-1], sums.units, strict=True):
        assert row[0] == short[ut.code]
        assert [_money(v) for v in row[1:5]] == list(ut.cash_by_source.values())
        for column, source in zip(row[1:5], ("自筹资金", "财政资助", "社会资本", "其他资金"), strict=True):
            paid = sum((_money(r[2 + ("自筹资金", "财政资助", "社会资本", "其他资金").index(source)])
                        for r in shares[1:-1] if r[1] == row[0]), Decimal(0))
            assert paid == _money(column), (row[0], source)
    assert [_money(v) for v in funding[-1][1:]] == [*sums.by_source.values(), sums.cash, sums.in_kind, sums.total]

    # 附件3 by year: the total row per year is the sum of the funding lines of that year; payers printed
    by_year = tables["单位|资金来源"]
    years = sorted({f.year for f in consortium.funding})
    assert by_year[0][3:-1] == [f"{y}年" for y in years]
    total_row = by_year[-1]
    for y, cell in zip(years, total_row[3:-1], strict=True):
        assert _money(cell) == sum((f.amount for f in consortium.funding if f.year == y), Decimal(0))
    assert _money(total_row[-1]) == sums.cash
    for f in consortium.funding:
        if f.payer:
            assert any(r[0] == short[f.unit] and r[1] == f.source and r[2] == f.payer for r in by_year[1:])
    assert all(r[0] in defined for r in by_year[1:] if r[1] in {"自筹资金", "财政资助", "社会资本", "其他资金", "小计"})


def test_wide_annexes_are_on_landscape_pages() -> None:
    document = docx.Document(io.BytesIO(docgen.render_agreement(docgen.load(DEEP_SEA))))
    sections = document.sections
    assert [s.orientation for s in sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert sections[1].page_width > sections[1].page_height
    # every annex table repeats its header row on each page
    for table in document.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


SYNTHETIC_BIO = SAMPLES / "synthetic-bio.yaml"


def test_in_kind_by_year_keeps_cross_year_items_apart_and_states_cash_and_in_kind_per_year() -> None:
    consortium = docgen.load(SYNTHETIC_BIO)
    data = docgen.render_agreement(consortium)
    table = next(rows for key, rows in _tables(data).items() if key.startswith("单位|") and key.endswith("年"))
    years = sorted({f.year for f in consortium.funding})
    assert table[0] == ["单位", *(f"{y}年" for y in years), "跨年度", "合计"]
    caption = "分年度实物投入明细及投入汇总（按单位；未注明投入年度的实物投入列为跨年度，不分摊到各年度）"
    assert caption in _paragraphs(data)
    by_label = {row[0]: [_money(v) for v in row[1:]] for row in table[1:]}
    columns: list[int | None] = [*years, None]
    for unit in consortium.units:
        expected = [sum((i.value for i in unit.resources.in_kind if i.year == y), Decimal(0)) for y in columns]
        assert by_label[unit.display_name] == [*expected, sum(expected, Decimal(0))], unit.display_name
    in_kind = [sum((i.value for u in consortium.units for i in u.resources.in_kind if i.year == y), Decimal(0))
               for y in columns]
    cash = [sum((f.amount for f in consortium.funding if f.year == y), Decimal(0)) for y in columns]
    assert by_label["实物投入合计"] == [*in_kind, sum(in_kind, Decimal(0))]
    assert by_label["资金投入合计"] == [*cash, sum(cash, Decimal(0))]
    overall = [a + b for a, b in zip(by_label["资金投入合计"], by_label["实物投入合计"], strict=True)]
    assert by_label["投入总计"] == overall
    # the sample gives 2027 and 2028 items and items with no year; the latter are never split over the years
    assert in_kind[years.index(2027)] == Decimal("2200000") and in_kind[years.index(2028)] == Decimal("1500000")
    assert in_kind[-1] == totals(consortium).in_kind - Decimal("3700000")
    assert by_label["投入总计"][-1] == totals(consortium).total


def test_in_kind_by_year_table_is_left_out_when_no_unit_contributes_in_kind() -> None:
    data = docgen.load(SYNTHETIC_BIO).model_dump(mode="json")
    for unit in [data["lead"], *data["members"]]:
        unit["resources"]["in_kind"] = []
        unit["resources"].pop("totals", None)
    rendered = docgen.render_agreement(docgen.parse(data))
    assert not any(key.endswith("年") and key.startswith("单位|") for key in _tables(rendered))
    assert not any(p.startswith("分年度实物投入明细") for p in _paragraphs(rendered))


def _listed(items: list[str]) -> str:
    return "；".join(items) or "—"


@pytest.mark.parametrize("path", [DEEP_SEA, HUMANOID], ids=lambda p: p.name)
def test_member_annex_lists_each_units_staff_equipment_sites_and_data_platforms(path: Path) -> None:
    consortium = docgen.load(path)
    data = docgen.render_agreement(consortium)
    table = _tables(data)["单位（简称）|核心研发人员"]
    assert "成员单位承诺投入的人员、仪器设备、场地和数据平台" in _paragraphs(data)
    assert table[0] == ["单位（简称）", "核心研发人员", "开放共享仪器设备", "办公科研场地", "数据及平台"]
    assert len(table) == len(consortium.units) + 1
    for row, unit in zip(table[1:], consortium.units, strict=True):
        r = unit.resources
        assert row == [unit.display_name, _listed(r.key_staff), _listed(r.equipment), _listed(r.sites),
                       _listed(r.data_platforms)], unit.name
    if path == DEEP_SEA:  # the sample's items, exactly as in the input
        lead = table[1]
        assert lead[2] == "120MPa深海压力模拟试验舱；高精度恒温槽及温度标准装置；三坐标测量机"
        assert lead[3] == "崂山区株洲路研发中心3200平方米；西海岸新区深海装备中试车间2600平方米"


def test_member_annex_leaves_the_resources_table_out_when_no_unit_gives_any() -> None:
    data = docgen.load(DEEP_SEA).model_dump(mode="json")
    for unit in [data["lead"], *data["members"]]:
        for key in ("key_staff", "equipment", "sites", "data_platforms"):
            unit["resources"][key] = []
    rendered = docgen.render_agreement(docgen.parse(data))
    assert "单位（简称）|核心研发人员" not in _tables(rendered)
    assert not any(p.startswith("成员单位承诺投入的人员") for p in _paragraphs(rendered))


@pytest.mark.parametrize("path", [DEEP_SEA, HUMANOID], ids=lambda p: p.name)
def test_task_annex_states_each_tasks_research_content(path: Path) -> None:
    consortium = docgen.load(path)
    data = docgen.render_agreement(consortium)
    tables = _tables(data)
    assert "攻关任务内容（研究内容和技术路线）" in _paragraphs(data)
    assert tables["编号|任务名称"][0][-1] == "经费合计"  # the 分工表 itself is still keyed by its first two
    table = tables["编号|任务名称|研究内容和技术路线"]
    assert table[1:] == [[t.id, t.title, t.content] for t in consortium.tasks]


def test_resources_row_of_the_compliance_table_is_met_for_deep_sea() -> None:
    (table,) = docx.Document(io.BytesIO(docgen.render_compliance(docgen.load(DEEP_SEA)))).tables
    rows = [[c.text for c in r.cells] for r in table.rows]
    (row,) = [r for r in rows if r[1] == "指引三（六）"]
    assert row[3] == "符合" and "均已在组建协议附件中列明" in row[5]
    assert not any(r[3] == "待补充" for r in rows[1:])
