"""The text policy: what characters, line breaks, lengths and magnitudes an input's values may have.

docgen never changes user text silently, so anything that would be dropped, reordered or made invalid on
the way into a .docx (XML-illegal characters, bidirectional overrides, zero-width characters, carriage
returns) or would break a file name, a document property or a signature line (a line break in a name,
a name of thousands of characters) is refused here, each problem naming its field. Dates far outside
any consortium's life and absurdly large numbers are refused too; merely implausible ones are left to
``check``'s findings.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

__all__ = [
    "MAX_INT",
    "MAX_MULTILINE",
    "MAX_NAME",
    "MAX_SINGLE_LINE",
    "MAX_YEAR",
    "MIN_YEAR",
    "bad_character",
    "date_problems",
    "problems",
    "same_name",
]

MAX_NAME = 100          # a unit's, consortium's or person's name: file names, document properties
MAX_SINGLE_LINE = 300   # any other one-line value
MAX_MULTILINE = 20_000  # prose: a plan section, a task's content, a reason
MIN_YEAR, MAX_YEAR = 1900, 2199
MAX_INT = 10**9

# Fields holding prose, where a line break starts a new paragraph; every other text is one line.
_MULTILINE_PARENTS = {"narrative", "mechanisms"}
_MULTILINE_FIELDS = {"content", "description", "profile", "reason", "scope", "composition", "role", "note"}
_NAME_FIELDS = {"name", "short_name", "legal_representative", "commission", "chair", "position"}

_NAMED = {
    "\u061c": "阿拉伯字母标记", "\u200e": "从左至右标记", "\u200f": "从右至左标记",
    "\u202a": "从左至右嵌入", "\u202b": "从右至左嵌入", "\u202c": "方向格式结束", "\u202d": "从左至右覆盖",
    "\u202e": "从右至左覆盖", "\u2066": "从左至右隔离", "\u2067": "从右至左隔离", "\u2068": "首字符方向隔离",
    "\u2069": "方向隔离结束", "\u200b": "零宽空格", "\u200c": "零宽不连字", "\u200d": "零宽连字",
    "\u2060": "零宽不换行", "\ufeff": "零宽不换行空格（BOM）", "\u180e": "蒙古文元音分隔符", "\u00ad": "软连字符",
    "\r": "回车符", "\t": "制表符", "\u2028": "行分隔符", "\u2029": "段分隔符",
}


def bad_character(char: str, *, multiline: bool) -> str | None:
    """Return the Chinese name of char if a value may not hold it (None if it may)."""
    code = ord(char)
    if char == "\n":
        return None if multiline else "换行符"
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return "控制字符"
    if 0xD800 <= code <= 0xDFFF:
        return "代理码位（不成对的 UTF-16 代理）"
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return "非字符码位"
    if unicodedata.category(char) == "Cf":  # any other invisible formatting character
        return "不可见的格式字符"
    return None


def same_name(value: str) -> str:
    """Return the form two names are compared in: NFKC, case and white space folded (全角Ａ = A)."""
    return "".join(unicodedata.normalize("NFKC", value).casefold().split())


def problems(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Return (location, Chinese message) for every text or number in decoded data breaking the policy.

    It runs on the data before the model does, so its problems are reported together with the model's.
    """
    return list(_walk(data, ()))


def date_problems(model: BaseModel) -> list[tuple[tuple[str | int, ...], str]]:
    """Return (location, message) for every date of a validated model outside MIN_YEAR..MAX_YEAR and
    every whole number beyond MAX_INT."""
    return list(_dates(model, ()))


def _kind(loc: tuple[str | int, ...]) -> tuple[bool, int]:
    """Return (may hold line breaks, longest length) for the value at loc, from its field name."""
    keys = [part for part in loc if isinstance(part, str)]
    name = keys[-1] if keys else ""
    if (len(keys) > 1 and keys[-2] in _MULTILINE_PARENTS) or name in _MULTILINE_FIELDS:
        return True, MAX_MULTILINE
    return False, MAX_NAME if name in _NAME_FIELDS else MAX_SINGLE_LINE


def _walk(node: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*loc, key if isinstance(key, str | int) else str(key)))
    elif isinstance(node, list | tuple):
        for index, item in enumerate(node):
            yield from _walk(item, (*loc, index))
    elif isinstance(node, str):
        multiline, limit = _kind(loc)
        message = _text_problem(node, multiline=multiline, limit=limit)
        if message:
            yield loc, message


def _dates(node: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _dates(getattr(node, name), (*loc, name))
    elif isinstance(node, list | tuple):
        for index, item in enumerate(node):
            yield from _dates(item, (*loc, index))
    elif isinstance(node, dt.date) and not MIN_YEAR <= node.year <= MAX_YEAR:
        yield loc, f"日期超出合理范围（{MIN_YEAR}年至{MAX_YEAR}年）"
    elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_INT:
        yield loc, f"数值过大（不应超过{MAX_INT:,}）"


def _text_problem(value: str, *, multiline: bool, limit: int) -> str | None:
    if len(value) > limit:
        return f"过长（{len(value):,}个字符，最多{limit:,}个字符）"
    for position, char in enumerate(value, start=1):
        name = bad_character(char, multiline=multiline)
        if name is not None:
            where = "此项只能写一行，" if name == "换行符" else ""
            return f"{where}第{position}个字符是不允许的{name}（U+{ord(char):04X}）；docgen 不会改动原文，请删除后重试"
    return None
