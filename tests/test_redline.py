"""The redline's tracked changes: accepting them gives the new text, rejecting them the old."""

from __future__ import annotations

import re
from html import unescape

from hypothesis import given
from hypothesis import strategies as st

from docgen.drafting.redline import _Marks, _paragraphs

_TEXT = st.text(alphabet="甲乙丙丁联合体协议第一条、，。<>&\"' ab1", max_size=40)


def accept(xml: str) -> str:
    kept = re.sub(r"<w:del [^>]*>.*?</w:del>", "", xml)
    return unescape("".join(re.findall(r"<w:t [^>]*>(.*?)</w:t>", kept)))


def reject(xml: str) -> str:
    kept = re.sub(r"<w:ins [^>]*>.*?</w:ins>", "", xml)
    return unescape("".join(re.findall(r"<w:(?:t|delText) [^>]*>(.*?)</w:(?:t|delText)>", kept)))


@given(_TEXT, _TEXT)
def test_compare_accepts_to_new_and_rejects_to_old(old: str, new: str) -> None:
    xml = _Marks().compare(old, new)
    assert accept(xml) == new
    assert reject(xml) == old


@given(st.lists(_TEXT, max_size=5), st.lists(_TEXT, max_size=5))
def test_paragraph_alignment_keeps_both_versions(old: list[str], new: list[str]) -> None:
    marked = list(_paragraphs(_Marks(), tuple(old), tuple(new)))
    assert [p for p in (accept(x) for x in marked) if p] == [p for p in new if p]
    assert [p for p in (reject(x) for x in marked) if p] == [p for p in old if p]


def test_change_ids_are_unique() -> None:
    marks = _Marks()
    xml = marks.compare("甲方投入一百万元", "乙方投入二百万元") + marks.compare("第一条", "第二条")
    ids = re.findall(r'w:id="(\d+)"', xml)
    assert len(ids) == len(set(ids)) >= 4
