"""Money, dates and numerals as a Chinese contract writes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docgen.formatting import cn_date, cn_number, join_cn, money, ordinal, percent, rmb_upper, yuan


@pytest.mark.parametrize("amount,upper", [
    ("1000000", "壹佰万元整"),
    ("1002003.01", "壹佰万贰仟零叁元零壹分"),
    ("1023.5", "壹仟零贰拾叁元伍角整"),
    ("1023.50", "壹仟零贰拾叁元伍角整"),
    ("0.05", "伍分"),
    ("0", "零元整"),
    ("10", "壹拾元整"),
    ("100000000", "壹亿元整"),
    ("1.005", "壹元零壹分"),        # rounded half-up, not truncated as cn2an would
    ("12345678.994", "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角玖分"),
])
def test_uppercase_amounts(amount: str, upper: str) -> None:
    assert rmb_upper(Decimal(amount)) == upper


def test_contract_money_form() -> None:
    assert money(Decimal("1000000")) == "人民币壹佰万元整（¥1,000,000.00）"
    assert yuan(Decimal("1234567.891")) == "¥1,234,567.89"


def test_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError):
        money(Decimal("-1"))


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2))
def test_uppercase_never_ends_in_zheng_after_fen(value: Decimal) -> None:
    words = rmb_upper(value)
    assert not words.endswith("分整")
    assert words.endswith(("元整", "角整", "分"))


def test_dates_and_numerals() -> None:
    assert cn_date(dt.date(2025, 3, 6)) == "2025年3月6日"
    assert [cn_number(n) for n in (1, 10, 21, 101)] == ["一", "十", "二十一", "一百零一"]
    assert ordinal(3) == "第三"
    assert percent(Decimal("12.50")) == "12.5%" and percent(Decimal("100.00")) == "100%"
    assert join_cn(["甲", "乙", "丙"]) == "甲、乙和丙" and join_cn(["甲"]) == "甲" and join_cn([]) == ""
