"""The redline: every difference tracked, phrase by phrase, with author and date; rejecting all revisions
gives the old document's text (every paragraph and table cell), accepting all gives the new one's."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from docgen.drafting.redline import compare, tokens
from docgen.render.redline import track_changes

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = st.text(alphabet="甲乙丙丁联合体协议第一条、，。（）<>&\"' ab1", max_size=30)


def body_texts(data: bytes, mode: str | None = None) -> list[str]:
    """Return every body paragraph and table cell in order: as stored, all accepted or all rejected."""
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))

    def para(p: etree._Element) -> str | None:
        mark = p.find(f"{W}pPr/{W}rPr")
        if mark is not None and mode == "accept" and mark.find(f"{W}del") is not None:
            return None
        if mark is not None and mode == "reject" and mark.find(f"{W}ins") is not None:
            return None
        text = ""
        for node in p.iter(f"{W}t", f"{W}delText"):
            inserted = any(a.tag == f"{W}ins" for a in node.iterancestors())
            if (mode == "accept" and node.tag == f"{W}delText") or (mode == "reject" and inserted):
                continue
            text += node.text or ""
        return text

    out: list[str] = []
    for block in root.find(f"{W}body"):
        if block.tag == f"{W}p":
            text = para(block)
            if text is not None:
                out.append(text)
        elif block.tag == f"{W}tbl":
            for row in block.iter(f"{W}tr"):
                trpr = row.find(f"{W}trPr")
                if trpr is not None and trpr.find(f"{W}{'del' if mode == 'accept' else 'ins'}") is not None:
                    continue
                for cell in row.iter(f"{W}tc"):
                    out.append("|".join(t for t in (para(p) for p in cell.iter(f"{W}p")) if t is not None))
    return out


def make_docx(paragraphs: list[str], rows: list[list[str]]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=0, cols=2)
        for row in rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@given(_TEXT, _TEXT)
def test_tokens_and_compare_rebuild_both_texts(old: str, new: str) -> None:
    assert "".join(tokens(old)) == old
    a, b = tokens(old), tokens(new)
    rebuilt_old, rebuilt_new = [], []
    for op, i1, i2, j1, j2 in compare(a, b):
        rebuilt_old += a[i1:i2]
        rebuilt_new += b[j1:j2]
        if op == "equal":
            assert a[i1:i2] == b[j1:j2]
    assert ("".join(rebuilt_old), "".join(rebuilt_new)) == (old, new)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TEXT, max_size=5), st.lists(_TEXT, max_size=5),
       st.lists(st.lists(_TEXT, min_size=2, max_size=2), max_size=3),
       st.lists(st.lists(_TEXT, min_size=2, max_size=2), max_size=3))
def test_reject_gives_old_accept_gives_new(old_p: list[str], new_p: list[str], old_rows: list[list[str]],
                                           new_rows: list[list[str]]) -> None:
    old, new = make_docx(old_p, old_rows), make_docx(new_p, new_rows)
    marked = track_changes(old, new, author="第一号补充协议", date=dt.date(2026, 9, 18))
    assert body_texts(marked, "reject") == body_texts(old)
    assert body_texts(marked, "accept") == body_texts(new)


def test_revisions_carry_author_date_and_unique_ids() -> None:
    old = make_docx(["甲方投入一百万元。", "乙方退出。"], [["1", "杭州云澜算力科技有限公司"]])
    new = make_docx(["甲方投入二百万元。"], [["1", "青岛海洋遥感研究院"]])
    xml = zipfile.ZipFile(io.BytesIO(track_changes(old, new, author="第一号补充协议",
                                                   date=dt.date(2026, 9, 18)))).read("word/document.xml").decode()
    revisions = re.findall(r"<w:(?:ins|del) ([^>]*)>", xml)
    assert revisions and all('w:author="第一号补充协议"' in r and 'w:date="2026-09-18T00:00:00Z"' in r
                             for r in revisions)
    ids = [re.search(r'w:id="(\d+)"', r).group(1) for r in revisions]  # type: ignore[union-attr]
    assert len(ids) == len(set(ids))
    # a changed amount is one phrase deleted and one inserted, not scattered characters
    assert '<w:delText xml:space="preserve">甲方投入一百万元</w:delText>' in xml
    assert '<w:t xml:space="preserve">甲方投入二百万元</w:t>' in xml
