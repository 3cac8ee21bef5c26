"""Merge two rendered .docx files into one whose differences are Word tracked changes.

``track_changes(old, new)`` reads the body of both documents (drafted from the same template, so their
paragraphs and tables line up), aligns the blocks by their text, and writes the new document with every
difference marked: changed words as ``w:del`` / ``w:ins`` runs (phrase by phrase, see
``docgen.drafting.redline``), removed and added paragraphs with their paragraph marks tracked, removed and
added table rows as deleted and inserted rows. Every revision carries the author and the date. Rejecting
all revisions gives back the old document's text, paragraph by paragraph and cell by cell; accepting all
gives the new one's. Headers, styles and everything outside the body are the new document's.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from lxml import etree

from docgen.drafting.redline import compare, tokens

__all__ = ["track_changes"]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

Element = Any  # lxml's _Element (lxml ships no stubs here)


class _Revisions:
    """Make w:ins / w:del elements with unique ids, one author and one date."""

    def __init__(self, author: str, date: dt.date) -> None:
        self._ids = itertools.count(1)
        self.author = author
        self.date = f"{date.isoformat()}T00:00:00Z"

    def mark(self, kind: str) -> Element:
        element = etree.Element(f"{W}{kind}")
        element.set(f"{W}id", str(next(self._ids)))
        element.set(f"{W}author", self.author)
        element.set(f"{W}date", self.date)
        return element


def _text(element: Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


# --- runs --------------------------------------------------------------------------------------------

def _pieces(paragraph: Element) -> list[tuple[str, Element | None, Element | None]]:
    """Return the paragraph's content as (token, its run's rPr, a non-text run) pieces."""
    out: list[tuple[str, Element | None, Element | None]] = []
    for run in paragraph.iterchildren(f"{W}r"):
        rpr = run.find(f"{W}rPr")
        texts = run.findall(f"{W}t")
        others = [c for c in run if c.tag not in (f"{W}rPr", f"{W}t")]
        if others or not texts:
            out.append((etree.tostring(run).decode(), rpr, run))  # a break, tab or drawing: one token
            continue
        for token in tokens("".join(t.text or "" for t in texts)):
            out.append((token, rpr, None))
    return out


def _run(text: str, rpr: Element | None, deleted: bool) -> Element:
    run = etree.Element(f"{W}r")
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    t = etree.SubElement(run, f"{W}delText" if deleted else f"{W}t")
    t.text = text
    t.set(_XML_SPACE, "preserve")
    return run


def _runs(pieces: list[tuple[str, Element | None, Element | None]], deleted: bool) -> Iterator[Element]:
    """Yield runs for pieces, consecutive text pieces with the same formatting joined into one run."""
    def key(piece: tuple[str, Element | None, Element | None]) -> tuple[bool, bytes]:
        rpr = piece[1]
        return piece[2] is not None, (etree.tostring(rpr) if rpr is not None else b"")

    for raw, group in itertools.groupby(pieces, key=key):
        items = list(group)
        if raw[0]:
            for _, _, run in items:
                yield _as_deleted(copy.deepcopy(run)) if deleted else copy.deepcopy(run)
        else:
            yield _run("".join(p[0] for p in items), items[0][1], deleted)


def _as_deleted(element: Element) -> Element:
    for t in list(element.iter(f"{W}t")):
        t.tag = f"{W}delText"
    return element


def _wrapped(kind: str, runs: Iterator[Element], marks: _Revisions) -> list[Element]:
    mark = marks.mark(kind)
    mark.extend(runs)
    return [mark] if len(mark) else []


# --- paragraphs ----------------------------------------------------------------------------------------

def _paragraph_mark(paragraph: Element, kind: str, marks: _Revisions) -> None:
    """Track the paragraph mark itself as inserted or deleted (pPr/rPr/w:ins|w:del)."""
    ppr = paragraph.find(f"{W}pPr")
    if ppr is None:
        ppr = etree.Element(f"{W}pPr")
        paragraph.insert(0, ppr)
    rpr = ppr.find(f"{W}rPr")
    if rpr is None:
        rpr = etree.SubElement(ppr, f"{W}rPr")
    rpr.append(marks.mark(kind))


def _whole(paragraph: Element, kind: str, marks: _Revisions) -> Element:
    """Return the paragraph with all its content and its mark inserted ("ins") or deleted ("del")."""
    out = etree.Element(f"{W}p")
    ppr = paragraph.find(f"{W}pPr")
    if ppr is not None:
        out.append(copy.deepcopy(ppr))
    out.extend(_wrapped(kind, _runs(_pieces(paragraph), deleted=kind == "del"), marks))
    _paragraph_mark(out, kind, marks)
    return out


def _merged_paragraph(old: Element, new: Element, marks: _Revisions) -> Element:
    """Return new with the phrases that differ from old tracked."""
    out = etree.Element(f"{W}p")
    ppr = new.find(f"{W}pPr")
    if ppr is not None:
        out.append(copy.deepcopy(ppr))
    before, after = _pieces(old), _pieces(new)
    for op, i1, i2, j1, j2 in compare([p[0] for p in before], [p[0] for p in after]):
        if op == "equal":
            out.extend(_runs(after[j1:j2], deleted=False))
            continue
        if op in ("delete", "replace"):
            out.extend(_wrapped("del", _runs(before[i1:i2], deleted=True), marks))
        if op in ("insert", "replace"):
            out.extend(_wrapped("ins", _runs(after[j1:j2], deleted=False), marks))
    return out


# --- tables ---------------------------------------------------------------------------------------------

def _row_mark(row: Element, kind: str, marks: _Revisions) -> Element:
    """Return the row with its cells' content and the row itself tracked as inserted or deleted."""
    out = copy.deepcopy(row)
    for cell in out.iterchildren(f"{W}tc"):
        for index, paragraph in enumerate(list(cell.iterchildren(f"{W}p"))):
            replacement = _whole(paragraph, kind, marks)
            if index == 0:  # a cell keeps one paragraph mark of its own: the row's mark tracks it
                rpr = replacement.find(f"{W}pPr").find(f"{W}rPr")
                rpr.remove(rpr[-1])
            cell.replace(paragraph, replacement)
    trpr = out.find(f"{W}trPr")
    if trpr is None:
        trpr = etree.Element(f"{W}trPr")
        out.insert(1 if out.find(f"{W}tblPrEx") is not None else 0, trpr)
    trpr.append(marks.mark(kind))
    return out


def _merged_row(old: Element, new: Element, marks: _Revisions) -> list[Element]:
    old_cells, new_cells = old.findall(f"{W}tc"), new.findall(f"{W}tc")
    if len(old_cells) != len(new_cells):
        return [_row_mark(old, "del", marks), _row_mark(new, "ins", marks)]
    out = copy.deepcopy(new)
    for cell, before, after in zip(out.findall(f"{W}tc"), old_cells, new_cells, strict=True):
        for child in [c for c in cell if c.tag in (f"{W}p", f"{W}tbl")]:
            cell.remove(child)
        cell.extend(_blocks(before.findall(f"{W}p"), after.findall(f"{W}p"), marks))
    return [out]


def _merged_table(old: Element, new: Element, marks: _Revisions) -> Element:
    out = etree.Element(f"{W}tbl")
    for child in new:
        if child.tag != f"{W}tr":
            out.append(copy.deepcopy(child))
    before, after = old.findall(f"{W}tr"), new.findall(f"{W}tr")
    for op, i1, i2, j1, j2 in compare([_row_key(r) for r in before], [_row_key(r) for r in after]):
        if op == "equal":
            for a, b in zip(before[i1:i2], after[j1:j2], strict=True):
                out.extend([copy.deepcopy(b)] if _text(a) == _text(b) else _merged_row(a, b, marks))
            continue
        for a, b in itertools.zip_longest(before[i1:i2], after[j1:j2]):
            if b is None:
                out.append(_row_mark(a, "del", marks))
            elif a is None:
                out.append(_row_mark(b, "ins", marks))
            else:
                out.extend(_merged_row(a, b, marks))
    return out


def _whole_table(table: Element, kind: str, marks: _Revisions) -> Element:
    out = etree.Element(f"{W}tbl")
    for child in table:
        out.append(_row_mark(child, kind, marks) if child.tag == f"{W}tr" else copy.deepcopy(child))
    return out


# --- blocks ---------------------------------------------------------------------------------------------

# Item and article numbers shift when an item or article is added or removed; blocks are aligned on
# their text without them (and rows without their serial-number cells), then compared in full.
_NUMBERING = re.compile(r"^(（[一二三四五六七八九十百]+）|[0-9]+\.|第[一二三四五六七八九十百零]+条　)")


def _key(block: Element) -> str:
    if block.tag == f"{W}tbl":
        first = block.find(f"{W}tr")
        return "table:" + ("" if first is None else _text(first))
    return "p:" + _NUMBERING.sub("", _text(block))


def _row_key(row: Element) -> str:
    return "\u0001".join(t for t in (_text(c) for c in row.findall(f"{W}tc")) if not t.isdigit())


def _one(block: Element, kind: str, marks: _Revisions) -> Element:
    return _whole_table(block, kind, marks) if block.tag == f"{W}tbl" else _whole(block, kind, marks)


def _blocks(old: list[Element], new: list[Element], marks: _Revisions) -> list[Element]:
    """Return new's blocks (paragraphs and tables) with the differences from old tracked."""
    out: list[Element] = []
    for op, i1, i2, j1, j2 in compare([_key(b) for b in old], [_key(b) for b in new]):
        if op == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                if b.tag == f"{W}tbl":
                    out.append(_merged_table(a, b, marks))
                else:
                    out.append(copy.deepcopy(b) if _text(a) == _text(b) else _merged_paragraph(a, b, marks))
            continue
        for a, b in itertools.zip_longest(old[i1:i2], new[j1:j2]):
            if b is None:
                out.append(_one(a, "del", marks))
            elif a is None:
                out.append(_one(b, "ins", marks))
            elif a.tag != b.tag:
                out.extend([_one(a, "del", marks), _one(b, "ins", marks)])
            elif b.tag == f"{W}tbl":
                out.append(_merged_table(a, b, marks))
            else:
                out.append(_merged_paragraph(a, b, marks))
    return out


def _body(data: bytes) -> tuple[Element, Element]:
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    return root, root.find(f"{W}body")


def _headed(part: bytes, header: str) -> bytes:
    """Return a header part (word/headerN.xml) with header as the first run of its first paragraph, in
    that run's formatting; the paragraph's own text (a 草稿 mark) follows after a space."""
    root = etree.fromstring(part)
    paragraph = root.find(f"{W}p")
    if paragraph is None:
        paragraph = etree.SubElement(root, f"{W}p")
    runs = paragraph.findall(f"{W}r")
    run = etree.Element(f"{W}r")
    formatting = runs[0].find(f"{W}rPr") if runs else None
    if formatting is not None:
        run.append(copy.deepcopy(formatting))
    text = etree.SubElement(run, f"{W}t")
    text.text = header + ("\u3000" if _text(paragraph).strip() else "")
    text.set(_XML_SPACE, "preserve")
    properties = paragraph.find(f"{W}pPr")
    paragraph.insert(0 if properties is None else paragraph.index(properties) + 1, run)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


_HEADER_PART = re.compile(r"word/header\d+\.xml")


def track_changes(old: bytes, new: bytes, *, author: str, date: dt.date, header: str = "") -> bytes:
    """Return new (.docx bytes) with every difference from old marked as a tracked revision.

    header, when given, opens every page header (e.g. 修订痕迹稿（仅供阅读）), so no page of the
    redline passes for the agreement itself.
    """
    marks = _Revisions(author, date)
    _, old_body = _body(old)
    root, new_body = _body(new)
    blocks = [c for c in new_body if c.tag in (f"{W}p", f"{W}tbl")]
    before = [c for c in old_body if c.tag in (f"{W}p", f"{W}tbl")]
    section = new_body.find(f"{W}sectPr")
    for child in list(new_body):
        new_body.remove(child)
    new_body.extend(_blocks(before, blocks, marks))
    if section is not None:
        new_body.append(section)
    document = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    source = zipfile.ZipFile(io.BytesIO(new))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = document if info.filename == "word/document.xml" else source.read(info.filename)
            if header and _HEADER_PART.fullmatch(info.filename):
                data = _headed(data, header)
            target.writestr(info, data)
    return out.getvalue()
