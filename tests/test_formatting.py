"""Money, dates and numerals as a Chinese contract writes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docgen.formatting import cn_date, cn_number, join_cn, money, ordinal, percent, percent_cn, rmb_upper, yuan


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


# --- numerals and amounts in words, without cn2an at run time -----------------------------------------
# docgen writes numerals itself (importing cn2an and compiling its patterns cost a third of a cold render);
# the words must stay those cn2an 0.5 writes, so cn2an (a test dependency) is the oracle here.

@pytest.mark.parametrize("number,words", [
    (0, "零"), (10, "十"), (11, "十一"), (20, "二十"), (110, "一百一十"), (1001, "一千零一"),
    (1010, "一千零一十"), (10000, "一万"), (10500, "一万零五百"), (15000, "一万五千"),
    (100000, "十万"), (100010, "十万零一十"), (1005000, "一百万五千"), (100000000, "一亿"),
    (100001000, "一亿一千"), (100100000, "一亿零一十万"), (1000000000, "十亿"),
])
def test_lowercase_numerals(number: int, words: str) -> None:
    assert cn_number(number) == words


@pytest.mark.parametrize("amount,upper", [
    ("0.10", "壹角整"), ("0.01", "壹分"), ("0.11", "壹角壹分"), ("1.10", "壹元壹角整"), ("1.01", "壹元零壹分"),
    ("10000.00", "壹万元整"), ("10500.00", "壹万零伍佰元整"), ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("1000000000.00", "壹拾亿元整"), ("100100000.00", "壹亿零壹拾万元整"), ("20000001.00", "贰仟万零壹元整"),
])
def test_uppercase_zero_rules(amount: str, upper: str) -> None:
    assert rmb_upper(Decimal(amount)) == upper


def _cn2an_upper(value: Decimal) -> str:
    import cn2an

    if value == 0:
        return "零元整"
    words: str = cn2an.an2cn(format(value, "f"), "rmb")
    return words + "整" if words.endswith(("元", "角")) and not words.endswith("整") else words


def test_numerals_equal_cn2an_over_a_wide_range() -> None:
    import itertools

    import cn2an

    for number in range(0, 3000):
        assert cn_number(number) == cn2an.an2cn(number, "low"), number
    # every placement of zeros in up to 13 digits: the 零 rules
    for length in range(1, 14):
        for digits in itertools.product("07", repeat=length):
            text = "".join(digits).lstrip("0") or "0"
            assert cn_number(int(text)) == cn2an.an2cn(int(text), "low"), text
            for cents in ("00", "07", "70", "77"):
                value = Decimal(f"{text}.{cents}")
                assert rmb_upper(value) == _cn2an_upper(value), value


@given(st.decimals(min_value=0, max_value=Decimal("9999999999999.99"), places=2))
def test_uppercase_equals_cn2an(value: Decimal) -> None:
    assert rmb_upper(value) == _cn2an_upper(value)


@given(st.decimals(min_value=0, max_value=Decimal("9999999999999.99"), places=2),
       st.dates(min_value=dt.date(1000, 1, 1)))
def test_figures_and_dates_equal_babel(value: Decimal, day: dt.date) -> None:
    from babel.dates import format_date
    from babel.numbers import format_decimal

    assert yuan(value) == "¥" + format_decimal(value, format="#,##0.00", locale="zh_CN")
    assert cn_date(day) == format_date(day, format="long", locale="zh_CN")


def test_percent_in_prose_and_in_a_column() -> None:
    assert percent_cn(Decimal("10")) == "百分之十（10%）"
    assert percent_cn(Decimal("12.50")) == "百分之十二点五（12.5%）"
    assert percent_cn("0.5") == "百分之零点五（0.5%）" and percent_cn(100) == "百分之一百（100%）"
    assert percent("2.8", 2) == "2.80%" and percent(35, 2) == "35.00%" and percent("35.875", 2) == "35.88%"
