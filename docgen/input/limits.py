"""Bounds on what docgen reads: file size, nesting depth and the size of the data after YAML aliases.

Each check runs before the data is built and costs time and memory in proportion to the text, so a
hostile file (a "billion laughs" of nested aliases, 100,000 nested brackets) is refused in milliseconds
instead of exhausting memory or the stack. A problem names the line where the limit was crossed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import yaml

from docgen.errors import InputProblem

__all__ = ["DEFAULT_MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "Limits", "check_data", "check_json", "check_yaml",
           "limits", "too_large"]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64          # nested mappings and lists (the model needs 5)
MAX_NODES = 200_000     # values after every alias is expanded (the samples have about 1,000)
_ENV_MAX_BYTES = "DOCGEN_MAX_INPUT_BYTES"


@dataclass(frozen=True)
class Limits:
    """The bounds applied to one input."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES


def limits(max_bytes: int | None = None) -> Limits:
    """Return the limits in force: max_bytes if given, else $DOCGEN_MAX_INPUT_BYTES, else 5 MB."""
    if max_bytes is None:
        raw = os.environ.get(_ENV_MAX_BYTES, "").strip()
        max_bytes = int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BYTES
    return Limits(max_bytes=max_bytes)


def _problem(message: str, line: int | None = None) -> InputProblem:
    return InputProblem("", "输入文件", message, line)


def too_large(size: int, bound: Limits) -> InputProblem:
    """Return the problem for an input of size bytes over the size limit."""
    return _problem(f"文件过大（{size:,}字节），上限为{bound.max_bytes:,}字节"
                    f"（可通过环境变量 {_ENV_MAX_BYTES} 调整）")


def _too_deep(bound: Limits, line: int | None) -> InputProblem:
    return _problem(f"嵌套层次过深（超过{bound.max_depth}层）", line)


def _too_many(bound: Limits, line: int | None) -> InputProblem:
    return _problem(f"数据过大：展开锚点和别名（&、*）后超过{bound.max_nodes:,}个值，已拒绝读取", line)


class _Frame:
    """A mapping or list being read: its line, anchor, values so far and height (1 + its deepest child's)."""

    __slots__ = ("anchor", "height", "line", "size")

    def __init__(self, anchor: str | None, line: int) -> None:
        self.anchor, self.line, self.size, self.height = anchor, line, 1, 1


def check_yaml(text: str, bound: Limits, loader: Any) -> InputProblem | None:
    """Return a problem if the YAML text nests too deep or expands (through aliases) to too many values.

    One pass over the parser's events: each anchored node's expanded size and height are recorded, and
    an alias adds those of its anchor, so the cost does not depend on how far the aliases would expand.
    A syntax error is left for the real parse to report.
    """
    anchors: dict[str, tuple[int, int]] = {}
    stack: list[_Frame] = []
    total = 0

    try:
        for event in yaml.parse(text, Loader=loader):
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
                if isinstance(event, yaml.AliasEvent):
                    size, height = anchors.get(str(event.anchor), (1, 0))
                else:
                    size, height = 1, 0
                    if event.anchor:
                        anchors[event.anchor] = (size, height)
                total += size
                if total > bound.max_nodes:
                    return _too_many(bound, line)
                if len(stack) + height > bound.max_depth:
                    return _too_deep(bound, line)
                if stack:
                    stack[-1].size += size
                    stack[-1].height = max(stack[-1].height, height + 1)
            elif isinstance(event, yaml.CollectionStartEvent):
                total += 1
                if len(stack) + 1 > bound.max_depth:
                    return _too_deep(bound, line)
                stack.append(_Frame(event.anchor, line))
            elif isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                if frame.anchor:
                    anchors[frame.anchor] = (frame.size, frame.height)
                if stack:
                    stack[-1].size += frame.size
                    stack[-1].height = max(stack[-1].height, frame.height + 1)
    except yaml.YAMLError:
        return None
    return None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def check_json(text: str, bound: Limits) -> InputProblem | None:
    """Return a problem if the JSON text nests deeper than the limit (before json.loads recurses into it)."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > bound.max_depth:
                return _too_deep(bound, text.count("\n", 0, match.start()) + 1)
        elif token in "]}":
            depth -= 1
    return None


def check_data(data: Any, bound: Limits | None = None) -> InputProblem | None:
    """Return a problem if already-decoded data (a portal's dict) nests too deep or holds too many values.

    Iterative, so a self-referencing dict or a very deep one is refused rather than recursed into.
    """
    bound = bound or Limits()
    stack: list[tuple[Any, int]] = [(data, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > bound.max_nodes:
            return _problem(f"数据过大：超过{bound.max_nodes:,}个值")
        if isinstance(node, dict | list | tuple):
            if depth > bound.max_depth:
                return _too_deep(bound, None)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return None
