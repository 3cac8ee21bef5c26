"""Totals, investment ratios and liquidated damages computed from the deep-sea sample."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from conftest import changed

import docgen
from docgen.input.totals import damages, damages_base, investment_ratios, totals

LEAD = "91370212MA3R7K2L4D"
METROLOGY = "123702004275209454"   # 海洋计量院: in kind and a grant, no own cash
ASSOCIATION = "51370200MJD60427X0"  # 仪器仪表协会: in kind only


def test_totals_of_the_deep_sea_sample(base: docgen.Consortium) -> None:
    t = totals(base)
    assert t.by_source == {"自筹资金": Decimal(54_000_000), "财政资助": Decimal(15_000_000),
                           "社会资本": Decimal(12_000_000), "其他资金": Decimal(0)}
    assert (t.cash, t.in_kind, t.total) == (Decimal(81_000_000), Decimal(35_200_000), Decimal(116_200_000))
    lead = t.unit(LEAD)
    assert lead is not None
    assert (lead.own_cash, lead.grants, lead.third_party, lead.in_kind) == (
        Decimal(21_000_000), Decimal(8_000_000), Decimal(8_000_000), Decimal(11_000_000))
    assert lead.committed == Decimal(32_000_000)
    assert sum(t.cash_by_year.values()) == t.cash


def test_ratio_counts_in_kind_and_excludes_grants(base: docgen.Consortium) -> None:
    ratios = {r.unit.credit_code: r for r in investment_ratios(base)}
    assert sum(r.percent for r in ratios.values()) == Decimal(100)
    # the metrology institute brings no own cash, a grant and ¥2.5 m in kind: 2.5 / 89.2 of the whole
    assert ratios[METROLOGY].base == Decimal(2_500_000)
    assert ratios[METROLOGY].percent == Decimal("2.80")
    assert ratios[ASSOCIATION].percent == Decimal("0.67")


def test_ratio_on_cash_only_and_with_grants(base_data: dict[str, Any]) -> None:
    cash_only = changed(base_data, lambda d: d["benefit"].update(basis="cash"))
    ratios = {r.unit.credit_code: r for r in investment_ratios(cash_only)}
    assert ratios[METROLOGY].percent == 0 and ratios[LEAD].base == Decimal(21_000_000)
    with_grants = changed(base_data, lambda d: d["benefit"].update(include_grants=True))
    assert {r.unit.credit_code: r for r in investment_ratios(with_grants)}[METROLOGY].base == Decimal(3_500_000)


def test_damages_for_an_in_kind_only_member(base: docgen.Consortium, base_data: dict[str, Any]) -> None:
    t = totals(base)
    association = t.unit(ASSOCIATION)
    assert association is not None
    assert damages_base(base, association) == Decimal(600_000)   # its in-kind value, no grant
    assert damages(base, association) == Decimal(60_000)          # 10 %
    lead = t.unit(LEAD)
    assert lead is not None and damages(base, lead) == Decimal(2_000_000)  # 10 % of 32 m, capped at 2 m
    floored = changed(base_data, lambda d: d["breach"].update(base="own_cash", floor="50000"))
    unit = totals(floored).unit(ASSOCIATION)
    assert unit is not None and damages(floored, unit) == Decimal(50_000)


def test_stated_totals_are_checked_to_the_fen(base_data: dict[str, Any]) -> None:
    right = changed(base_data, lambda d: d.update(totals={"cash": "81000000", "in_kind": "35200000",
                                                           "total": "116200000.00"}))
    assert "STATED_TOTAL_MISMATCH" not in [f.code for f in docgen.check(right)]
    wrong = changed(base_data, lambda d: d.update(totals={"total": "116200000.01"}))
    finding = next(f for f in docgen.check(wrong) if f.code == "STATED_TOTAL_MISMATCH")
    assert "¥116,200,000.01" in finding.message and "¥116,200,000.00" in finding.message


def test_in_kind_in_task_budgets_is_accepted(base_data: dict[str, Any]) -> None:
    """The sample puts every task's in-kind items in its budget (实物投入 lines with their paying unit)."""
    consortium = docgen.parse(base_data)
    assert [f.code for f in docgen.check(consortium) if f.severity == "error"] == []
    t6 = totals(consortium).task("T6")
    assert t6 is not None and t6.in_kind == t6.in_kind_items == Decimal("11700000")
    assert t6.by_payer["9137020016357421XF"]["实物投入"] == Decimal("7500000")   # 蓝港海工's vessel days
