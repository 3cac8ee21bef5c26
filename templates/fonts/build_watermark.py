"""Build templates/fonts/draft-watermark.pdf, the 草稿 mark that docgen.pdf.package stamps on draft pages.

Run from the repository root (needs LibreOffice and fonts-noto-cjk)::

    .venv/bin/python templates/fonts/build_watermark.py

The mark is real text, so it can be searched and extracted: a one-line .docx in 宋体 bold (Noto
Serif CJK SC Bold through fonts.conf) goes through the same LibreOffice conversion as the documents;
its page is then cropped to the two characters' em boxes and its content wrapped in a graphics
state of 35 % opacity, so text under the mark stays readable. The committed PDF is the output;
package() only reads it and never needs LibreOffice or fonts itself.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    FloatObject,
    NameObject,
    RectangleObject,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from docgen.output import Document
from docgen.render.pdf import convert, watermark_pdf

TEXT = "草稿"
SIZE = 96           # points; package() scales the mark to the page anyway
GREY = RGBColor(0x99, 0x99, 0x99)
OPACITY = 0.35
EM_BOTTOM = -0.12   # Noto CJK's ideographic em box runs from -0.12 em to 0.88 em around the baseline
MARGIN = 0.05       # em, kept around the characters


def mark_docx() -> bytes:
    """Return a one-paragraph .docx holding TEXT in grey 宋体 bold on a small page."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Pt(SIZE * len(TEXT) + 2 * SIZE), Pt(3 * SIZE)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Pt(SIZE / 2)
    section.header_distance = section.footer_distance = Pt(0)
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(TEXT)
    run.font.size, run.font.bold, run.font.color.rgb = Pt(SIZE), True, GREY
    properties = run._r.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attribute), "宋体")
    properties.append(properties.makeelement(qn("w:lang"), {qn("w:eastAsia"): "zh-CN"}))
    document.core_properties.title = TEXT
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_origin(page) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """Return (x, y, size) of the first text run on page, in page coordinates."""
    found: list[tuple[float, float, float]] = []

    def visit(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip() and not found:
            scale = abs(tm[3] * cm[3]) or 1.0
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y, size * scale))

    page.extract_text(visitor_text=visit)
    if not found:
        raise SystemExit("the converted mark has no text")
    return found[0]


def build() -> bytes:
    """Return the watermark PDF: the converted mark, cropped and made translucent."""
    pdf = convert([Document("watermark", "watermark.docx", mark_docx())])[0]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf.data)))
    page = writer.pages[0]
    x, y, size = text_origin(page)
    box = RectangleObject([x - MARGIN * size, y + (EM_BOTTOM - MARGIN) * size,
                           x + (len(TEXT) + MARGIN) * size, y + (EM_BOTTOM + 1 + MARGIN) * size])
    page.mediabox = page.cropbox = box
    state = DictionaryObject({NameObject("/Type"): NameObject("/ExtGState"),
                              NameObject("/ca"): FloatObject(OPACITY), NameObject("/CA"): FloatObject(OPACITY)})
    resources = page["/Resources"].get_object()
    states = resources.setdefault(NameObject("/ExtGState"), DictionaryObject()).get_object()
    states[NameObject("/GSdocgenDraft")] = state
    content = page.get_contents()
    assert isinstance(content, ContentStream)
    content.operations.insert(0, (ArrayObject([NameObject("/GSdocgenDraft")]), b"gs"))
    content.isolate_graphics_state()
    page.replace_contents(content)
    writer.add_metadata({"/Title": "草稿水印", "/Creator": "docgen templates/fonts/build_watermark.py"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    target = watermark_pdf()
    target.write_bytes(build())
    print(f"wrote {target} ({target.stat().st_size} bytes)")
