"""Placeholders: the marked values of ``docgen init`` (【请填写：…】) that must never reach a document.

Any text in an input that contains a placeholder mark is a problem, whoever wrote it: ``load`` and
``parse`` report each one, naming its field, together with every other problem of the input, so
``check`` lists them all and ``render`` refuses (even with ``--draft``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["MARKS", "fill", "is_placeholder", "problems", "select"]

# The starter writes 【请填写：…】 for a value and 【请选择：…】 for a choice; both marks are refused.
MARKS: tuple[str, ...] = ("【请填写", "【请选择")


def fill(label: str) -> str:
    """Return the placeholder of a value to write: 【请填写：label】."""
    return f"【请填写：{label}】"


def select(label: str) -> str:
    """Return the placeholder of a choice to make: 【请选择：label】."""
    return f"【请选择：{label}】"


def is_placeholder(value: object) -> bool:
    """Return True if value is text holding a placeholder mark."""
    return isinstance(value, str) and any(mark in value for mark in MARKS)


def problems(data: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Return (location, Chinese message) for every text in decoded data that holds a placeholder."""
    return list(_walk(data, ()))


def _walk(node: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*loc, key if isinstance(key, str | int) else str(key)))
    elif isinstance(node, list | tuple):
        for index, item in enumerate(node):
            yield from _walk(item, (*loc, index))
    elif is_placeholder(node):
        yield loc, (f"尚未填写（仍是占位内容“{_clip(node)}”，不能进入签署文本）；"
                    "请替换为实际内容，不适用的可选项请删除该行")


def _clip(value: str, width: int = 60) -> str:
    return value if len(value) <= width else value[:width] + "……"
