"""Write a reviewer's edition into a rendered agreement: Word comments, a first page and a header mark.

This is the one place that adds comments (python-docx 1.2 writes them); the agreement itself is
rendered as for signing, so the edition's text is the signing text. Comments carry no date, so the
same input gives the same bytes.
"""

from __future__ import annotations

import io
import re

from docx import Document as open_docx
from docx.document import Document as WordDocument
from docx.enum.text import WD_BREAK
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from docgen.drafting.review import ReviewEdition
from docgen.errors import TemplateError
from docgen.render.docx import _normalise_zip as normalise_zip

__all__ = ["annotate"]

# An article's first paragraph starts with its number in a run of its own: "第十二条　标题".
_ARTICLE = re.compile(r"^(第[零一二三四五六七八九十百]+条)　")

TITLE_STYLE, HEADING_STYLE, BODY_STYLE = "DG Title", "DG Chapter", "DG Body"


def annotate(agreement_docx: bytes, edition: ReviewEdition) -> bytes:
    """Return agreement_docx with edition's comments on every article, its first page and header mark.

    Raise TemplateError when an article of the edition is not found in the document (the template
    no longer prints article numbers as docgen writes them).
    """
    document = open_docx(io.BytesIO(agreement_docx))
    notes = {note.number: note for note in edition.notes}
    found: set[str] = set()
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            match = _ARTICLE.match(run.text)
            if match and match.group(1) in notes and match.group(1) not in found:
                note = notes[match.group(1)]
                comment = document.add_comment(run, text=note.lines[0], author=edition.author,
                                               initials=edition.initials)
                for line in note.lines[1:]:
                    comment.add_paragraph(line)
                # python-docx stamps the current time; an undated comment keeps the bytes deterministic.
                comment._comment_elm.attrib.pop(qn("w:date"), "")
                found.add(note.number)
                break
    missing = [n for n in notes if n not in found]
    if missing:
        raise TemplateError(f"审阅本：组建协议模板中找不到{'、'.join(missing[:5])}的条文编号，无法添加批注")
    _first_page(document, edition)
    _mark_headers(document, edition.mark)
    out = io.BytesIO()
    document.save(out)
    return normalise_zip(out.getvalue())


def _first_page(document: WordDocument, edition: ReviewEdition) -> None:
    """Insert the edition's explanation and its list of non-default choices before the cover."""
    first = document.element.body[0]
    paragraphs: list[tuple[str, str]] = [(TITLE_STYLE, edition.title)]
    paragraphs += [(BODY_STYLE, text) for text in edition.intro]
    paragraphs.append((HEADING_STYLE, edition.choices_heading))
    paragraphs += [(BODY_STYLE, text) for text in edition.choices]
    for style, text in paragraphs:
        first.addprevious(_paragraph(document, style, text)._p)
    breaker = _paragraph(document, BODY_STYLE, "")
    breaker.add_run().add_break(WD_BREAK.PAGE)
    first.addprevious(breaker._p)


def _paragraph(document: WordDocument, style: str, text: str) -> Paragraph:
    """Return a new paragraph in style holding text, at the body's end until the caller moves it."""
    return document.add_paragraph(text, style=style)


def _mark_headers(document: WordDocument, mark: str) -> None:
    """Add mark as a paragraph to every header of every section (first-page and even headers too)."""
    for section in document.sections:
        for header in (section.header, section.first_page_header, section.even_page_header):
            header.is_linked_to_previous = False
            template = header.paragraphs[0] if header.paragraphs else None
            paragraph = header.add_paragraph(mark)
            if template is not None and template.style is not None:
                paragraph.style = template.style
                paragraph.alignment = template.alignment
