"""Chinese formatting of money, dates, numbers and lists, shared by clauses and templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from docgen.errors import FormatError

__all__ = [
    "FILTERS", "cn_count", "cn_date", "cn_number", "join_cn", "money", "ordinal", "percent", "percent_cn", "rmb_upper",
    "wan", "yuan",
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


# Numerals in words, written as cn2an 0.5 writes them (an2cn "low" and "rmb"), without its regular
# expressions: importing cn2an and compiling its patterns cost about a third of a cold render.
_LOWER = "零一二三四五六七八九"
_UPPER = "零壹贰叁肆伍陆柒捌玖"
_LOWER_UNITS = ("", "十", "百", "千", "万", "十", "百", "千", "亿", "十", "百", "千", "万", "十", "百", "千")
_UPPER_UNITS = ("", "拾", "佰", "仟", "万", "拾", "佰", "仟", "亿", "拾", "佰", "仟", "万", "拾", "佰", "仟")


def _integer_words(digits: str, numerals: str, units: tuple[str, ...]) -> str:
    """Return the integer in words: one numeral and unit per non-zero digit, one 零 per run of zeros.

    零 stands for a run of zeros inside the number (1001 → 一千零一, 10500 → 一万零五百) but not before
    万 or 亿, nor between 万 or 亿 and a thousands digit (1005000 → 一百万五千, which the payment rules
    allow: "万位是0而千位不是0时，可以只写一个零字，也可以不写零字").
    """
    digits = digits.lstrip("0") or "0"
    length = len(digits)
    if length > len(units):
        raise FormatError(f"数字过大，最多{len(units)}位：{digits}")
    out: list[str] = []
    for i, digit in enumerate(digits):
        place = length - i - 1
        if digit != "0":
            out.append(numerals[int(digit)] + units[place])
            continue
        if place % 4 == 0:
            out.append("零" + units[place])
        if i > 0 and not (out and out[-1].endswith("零")):
            out.append("零")
    words = "".join(out).replace("零零", "零").replace("零万", "万").replace("零亿", "亿").replace("亿万", "亿")
    words = words.strip("零")
    thousand = units[3]
    result: list[str] = []
    for j, char in enumerate(words):  # 万零五千 → 万五千, 亿零三千 → 亿三千
        if (char == "零" and 0 < j < len(words) - 2 and words[j - 1] in "万亿"
                and words[j + 1] in numerals[1:] and words[j + 2] == thousand):
            continue
        result.append(char)
    return "".join(result) or "零"


def yuan(amount: Decimal | int | str) -> str:
    """Return ¥1,234,567.89 for 1234567.891."""
    return f"¥{_to_cents(amount):,.2f}"


def amount(amount: Decimal | int | str) -> str:
    """Return 1,234,567.89 (no currency sign), the form used inside tables headed （元）."""
    return f"{_to_cents(amount):,.2f}"


def wan(amount: Decimal | int | str) -> str:
    """Return the amount in 万元, exact to the fen: 2,100.00 for 21000000, 0.1024 for 1024 (never rounded)."""
    value = _to_cents(amount) / 10000
    text = f"{value:,.6f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def rmb_upper(amount: Decimal | int | str) -> str:
    """Return the uppercase amount, e.g. 壹佰万元整, 壹仟零贰拾叁元伍角整, 零元整.

    整 follows 元 or 角 and never 分, as the accounting rules (会计基础工作规范) require. The words are
    those cn2an 0.5 writes (tests/test_formatting.py compares the two over a wide range of amounts).
    """
    value = _to_cents(amount)
    if value == 0:
        return "零元整"
    yuan_digits, cents = format(value, "f").split(".")
    words = _integer_words(yuan_digits, _UPPER, _UPPER_UNITS)
    jiao, fen = _UPPER[int(cents[0])], _UPPER[int(cents[1])]
    if jiao != "零":
        words = (jiao if words == "零" else words + "元" + jiao) + "角" + (fen + "分" if fen != "零" else "整")
    elif fen != "零":
        words = fen + "分" if words == "零" else words + "元零" + fen + "分"
    else:
        words += "元整"
    return words


def money(amount: Decimal | int | str) -> str:
    """Return the contract form 人民币壹佰万元整（¥1,000,000.00）."""
    return f"人民币{rmb_upper(amount)}（{yuan(amount)}）"


def cn_date(value: dt.date) -> str:
    """Return 2025年3月6日 (GB/T 9704: Arabic numerals, no padding)."""
    return f"{value.year}年{value.month}月{value.day}日"


def cn_number(number: int) -> str:
    """Return the lowercase Chinese numeral: 3 → 三, 21 → 二十一, 101 → 一百零一."""
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise FormatError(f"cn_number 需要非负整数，得到：{number!r}")
    return _lower_words(int(number))


@lru_cache(maxsize=2048)  # article, item and chapter numbers: a few hundred calls per package
def _lower_words(number: int) -> str:
    words = _integer_words(str(number), _LOWER, _LOWER_UNITS)
    return words[1:] if words.startswith("一十") else words  # 十二, not 一十二


def cn_count(number: int) -> str:
    """Return a numeral for counting things: 2 → 两 (两份), otherwise as cn_number (三份, 十二份)."""
    return "两" if number == 2 else cn_number(number)


def ordinal(number: int) -> str:
    """Return 第三 for 3."""
    return "第" + cn_number(number)


def percent(value: Decimal | int | str, places: int | None = None) -> str:
    """Return 12.5% for 12.50 and 100% for 100.00; with places=2, 2.80% for 2.8 (a column of shares)."""
    number = _cents(value)
    if places is None:
        return f"{number.normalize():f}%"
    if places not in (0, 1, 2):
        raise FormatError(f"percent 的小数位数应为0至2，得到：{places!r}")
    return f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}%"


def percent_cn(value: Decimal | int | str) -> str:
    """Return the prose form of a percentage, words then figures: 百分之十（10%）, 百分之十二点五（12.5%）."""
    number = _cents(value)
    if number < 0:
        raise FormatError(f"百分比不能为负数：{value}")
    whole, _, fraction = f"{number.normalize():f}".partition(".")
    words = cn_number(int(whole)) + ("点" + "".join(_LOWER[int(d)] for d in fraction) if fraction else "")
    return f"百分之{words}（{percent(number)}）"


def join_cn(items: Iterable[str]) -> str:
    """Return 甲、乙和丙 for three items, 甲和乙 for two, 甲 for one."""
    parts = [str(item) for item in items]
    if len(parts) <= 1:
        return "".join(parts)
    return "、".join(parts[:-1]) + "和" + parts[-1]


FILTERS = {
    "money": money, "yuan": yuan, "amount": amount, "wan": wan, "rmb_upper": rmb_upper, "cn_date": cn_date,
    "cn_number": cn_number, "cn_count": cn_count, "ordinal": ordinal, "percent": percent,
    "percent_cn": percent_cn, "join_cn": join_cn,
}
