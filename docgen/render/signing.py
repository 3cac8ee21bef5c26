"""Signing positions for e-seal platforms: where each unit seals a PDF, a keyword anchor, the 骑缝章 range.

Chinese e-signature platforms place a seal either by keyword (the text the seal covers) or by page
and rectangle, and stamp the 骑缝章 (the seal across page edges) over a range of pages. For each PDF
docgen writes, this module finds every signatory's block on the signature page by the unit's name
next to the （盖章） mark, and returns, per unit, the page, a rectangle in PDF points (origin at the
page's lower left) that holds the unit's name and room for a 40 mm seal, and a line of text unique in
the document to use as the keyword. A signatory whose block cannot be found is an error, never a
silent omission.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from docgen.errors import ConversionError

__all__ = ["SealPosition", "Signatory", "SigningPositions", "TextLine", "lines_of", "signing_positions"]

SEAL_MARK = "盖章"
SEAL_SIZE = 113.4  # a 40 mm round seal, in points
_SAME_LINE = 2.0   # text chunks whose baselines differ by less than this many points share a line
_LOOKAHEAD = 3     # the 盖章 mark may stand on the name's line or on one of the next three


@dataclass(frozen=True)
class Signatory:
    """A unit that signs a document: its name and credit code."""

    name: str
    credit_code: str


@dataclass(frozen=True)
class SealPosition:
    """Where one unit seals: page (1-based), rectangle [x0, y0, x1, y1] in points, keyword anchor."""

    credit_code: str
    name: str
    designation: str
    keyword: str
    page: int
    rect: tuple[float, float, float, float]

    def as_dict(self, page_offset: int = 0) -> dict[str, object]:
        """Return the position as JSON data, its page moved by page_offset (for a merged package)."""
        return {"credit_code": self.credit_code, "name": self.name, "designation": self.designation,
                "keyword": self.keyword, "page": self.page + page_offset, "rect": list(self.rect)}


@dataclass(frozen=True)
class SigningPositions:
    """The signing positions of one PDF: its pages, the 骑缝章 range (all pages) and each unit's seal."""

    file: str
    pages: int
    units: tuple[SealPosition, ...]

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "pages": self.pages, "riding_seal": {"from_page": 1, "to_page": self.pages},
                "units": [unit.as_dict() for unit in self.units]}


@dataclass(frozen=True)
class TextLine:
    """One line of a PDF page: its text, baseline, and the x position and font size of each character."""

    page: int   # 1-based
    y: float
    text: str
    xs: tuple[float, ...]
    size: float


def lines_of(pdf: bytes, filename: str = "PDF") -> list[TextLine]:
    """Return every text line of every page, top to bottom; raise ConversionError if pdf is unreadable."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
        pages = list(reader.pages)
    except (PdfReadError, ValueError, OSError) as exc:
        raise ConversionError(f"无法读取 PDF 文件 {filename}：{exc}") from exc
    lines: list[TextLine] = []
    for number, page in enumerate(pages, start=1):
        chunks: list[tuple[float, float, float, str]] = []

        def visit(text: str, cm: Sequence[float], tm: Sequence[float], _font: object, size: float,
                  chunks: list[tuple[float, float, float, str]] = chunks) -> None:
            if text.strip():
                x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
                y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
                chunks.append((x, y, size * (abs(tm[0]) or 1) * (abs(cm[0]) or 1), text))

        page.extract_text(visitor_text=visit)
        lines.extend(_group(number, chunks))
    return lines


def _group(page: int, chunks: list[tuple[float, float, float, str]]) -> list[TextLine]:
    rows: list[list[tuple[float, float, float, str]]] = []
    for chunk in sorted(chunks, key=lambda c: (-c[1], c[0])):
        if rows and abs(rows[-1][0][1] - chunk[1]) < _SAME_LINE:
            rows[-1].append(chunk)
        else:
            rows.append([chunk])
    out = []
    for row in rows:
        row.sort(key=lambda c: c[0])
        text, xs = "", []
        for x, _y, size, piece in row:
            piece = piece.replace("\n", "")
            for index, _char in enumerate(piece):
                xs.append(x + index * size)  # CJK text advances one em per character
            text += piece
        out.append(TextLine(page, row[0][1], text, tuple(xs), max(c[2] for c in row)))
    return out


def signing_positions(pdf: bytes, filename: str, signatories: Sequence[Signatory]) -> SigningPositions:
    """Return the signing positions of pdf: its page count and per signatory the page, seal rectangle
    and a keyword unique in the document.

    The designation is what the signature line calls the unit (甲方（牵头单位）, 承诺单位（盖章）…).
    Raise ConversionError naming every signatory whose block (its name with the 盖章 mark on the same
    line or just below) is not in the PDF, or whose line is not unique in the document.
    """
    lines = lines_of(pdf, filename)
    texts = [line.text for line in lines]
    units, missing = [], []
    for signatory in signatories:
        found = _block(lines, signatory.name)
        if found is None:
            missing.append(signatory.name)
            continue
        line, start = found
        end = min(start + len(signatory.name), len(line.xs)) - 1
        x0, x1 = line.xs[start], line.xs[end] + line.size
        keyword = line.text.strip()
        if sum(t.count(keyword) for t in texts) != 1:
            raise ConversionError(f"{filename}：{signatory.name}的签章行“{keyword}”在文件中不唯一，无法作为关键字定位")
        top = line.y + line.size
        rect = (round(x0, 1), round(top - SEAL_SIZE, 1), round(max(x1, x0 + SEAL_SIZE), 1), round(top, 1))
        designation = keyword.split("：")[0] if "：" in keyword else ""
        units.append(SealPosition(signatory.credit_code, signatory.name, designation, keyword, line.page, rect))
    if missing:
        raise ConversionError(f"{filename}：签署页上找不到以下单位的签章位置：" + "、".join(missing))
    return SigningPositions(filename, max((line.page for line in lines), default=0), tuple(units))


def _block(lines: list[TextLine], name: str) -> tuple[TextLine, int] | None:
    """Return the last line holding name with the 盖章 mark on it or on one of the next lines of its page,
    and where name starts in it."""
    found = None
    for index, line in enumerate(lines):
        start = line.text.find(name)
        if start < 0:
            continue
        following = [other for other in lines[index:index + 1 + _LOOKAHEAD] if other.page == line.page]
        if any(SEAL_MARK in other.text for other in following):
            found = (line, start)
    return found
