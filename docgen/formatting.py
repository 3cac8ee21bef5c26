"""Chinese formatting of money, dates, numbers and lists, shared by clauses and templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_decimal

from docgen.errors import FormatError

__all__ = [
    "FILTERS", "cn_count", "cn_date", "cn_number", "join_cn", "money", "ordinal", "percent", "rmb_upper", "yuan",
]

_CENT = Decimal("0.01")


def _cents(value: Decimal | int | str) -> Decimal:
    """Return value as a Decimal rounded half-up to two places; raise FormatError if it is not a number."""
    try:
        number = Decimal(str(value))
        if number.is_finite():
            return number.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        pass
    raise FormatError(f"不是有效的数额：{value!r}")


def _to_cents(amount: Decimal | int | str) -> Decimal:
    """Return amount rounded half-up to two places (cn2an truncates instead of rounding)."""
    value = _cents(amount)
    if value < 0:
        raise FormatError(f"金额不能为负数：{amount}")
    return value


def yuan(amount: Decimal | int | str) -> str:
    """Return ¥1,234,567.89 for 1234567.891."""
    return "¥" + format_decimal(_to_cents(amount), format="#,##0.00", locale="zh_CN")


def amount(amount: Decimal | int | str) -> str:
    """Return 1,234,567.89 (no currency sign), the form used inside tables headed （元）."""
    return format_decimal(_to_cents(amount), format="#,##0.00", locale="zh_CN")


def rmb_upper(amount: Decimal | int | str) -> str:
    """Return the uppercase amount, e.g. 壹佰万元整, 壹仟零贰拾叁元伍角整, 零元整.

    整 follows 元 or 角 and never 分, as the accounting rules (会计基础工作规范) require.
    """
    value = _to_cents(amount)
    if value == 0:
        return "零元整"
    import cn2an  # imported here: it costs ~100 ms, a third of `import docgen`

    words: str = cn2an.an2cn(format(value, "f"), "rmb")
    return words + "整" if words.endswith(("元", "角")) and not words.endswith("整") else words


def money(amount: Decimal | int | str) -> str:
    """Return the contract form 人民币壹佰万元整（¥1,000,000.00）."""
    return f"人民币{rmb_upper(amount)}（{yuan(amount)}）"


def cn_date(value: dt.date) -> str:
    """Return 2025年3月6日 (GB/T 9704: Arabic numerals, no padding)."""
    return format_date(value, format="long", locale="zh_CN")


def cn_number(number: int) -> str:
    """Return the lowercase Chinese numeral: 3 → 三, 21 → 二十一, 101 → 一百零一."""
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise FormatError(f"cn_number 需要非负整数，得到：{number!r}")
    import cn2an

    return str(cn2an.an2cn(number, "low"))


def cn_count(number: int) -> str:
    """Return a numeral for counting things: 2 → 两 (两份), otherwise as cn_number (三份, 十二份)."""
    return "两" if number == 2 else cn_number(number)


def ordinal(number: int) -> str:
    """Return 第三 for 3."""
    return "第" + cn_number(number)


def percent(value: Decimal | int | str) -> str:
    """Return 12.5% for 12.50 and 100% for 100.00."""
    number = _cents(value).normalize()
    return f"{number:f}%"


def join_cn(items: Iterable[str]) -> str:
    """Return 甲、乙和丙 for three items, 甲和乙 for two, 甲 for one."""
    parts = [str(item) for item in items]
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


FILTERS = {
    "money": money, "yuan": yuan, "amount": amount, "rmb_upper": rmb_upper, "cn_date": cn_date,
    "cn_number": cn_number, "cn_count": cn_count, "ordinal": ordinal, "percent": percent, "join_cn": join_cn,
}
