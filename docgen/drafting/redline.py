"""Compare two texts phrase by phrase: the alignment the redline marks as Word tracked changes.

Chinese has no spaces between words, and a character-by-character comparison marks fragments no reader
can follow ("杭州云澜算力" → "青岛海图智算" sharing "算"). ``tokens`` splits a text into phrases: runs of
Chinese characters between punctuation, runs of Latin letters and digits (an amount, a credit code, a
date), and each punctuation mark or space on its own. ``compare`` aligns two token lists and returns the
operations that turn one into the other; short unchanged stretches between two changes are folded into
one replacement, so a changed phrase reads as one deletion followed by one insertion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Sequence
from typing import Literal, TypeVar

__all__ = ["Op", "compare", "tokens"]

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z0-9¥$.,%\-_/]+|\s+|.", re.S)

Op = tuple[Literal["equal", "delete", "insert", "replace"], int, int, int, int]
T = TypeVar("T", bound=Hashable)

# An unchanged stretch this short (in tokens) between two changes is folded into them.
_SHORT_EQUAL = 1


def tokens(text: str) -> list[str]:
    """Return text split into phrases, numbers and single marks; "".join(tokens(t)) == t."""
    return _TOKEN.findall(text)


def compare(old: Sequence[T], new: Sequence[T]) -> list[Op]:
    """Return the opcodes turning old into new, short equal stretches between changes folded in."""
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    out: list[Op] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        op: Literal["equal", "delete", "insert", "replace"] = tag
        between = 0 < index < len(opcodes) - 1 and bool(out) and out[-1][0] != "equal"
        if op == "equal" and between and i2 - i1 <= _SHORT_EQUAL:
            op = "replace"
        if op != "equal" and out and out[-1][0] != "equal":
            _, a1, _, b1, _ = out.pop()
            out.append(("replace", a1, i2, b1, j2))
        else:
            out.append((op, i1, i2, j1, j2))
    return out
