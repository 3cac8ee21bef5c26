"""Build the docxtpl Word templates under templates/ from code, reproducibly.

Run from the repository root::

    .venv/bin/python templates/build_templates.py

It writes five templates under ``templates/zh_CN/``:

``formation_agreement.docx``
    the 组建协议 (formation agreement) of an innovation consortium; context in
    ``FORMATION_AGREEMENT_CONTEXT``.
``construction_plan.docx``
    the 建设方案 (construction plan): a cover, then a generic renderer for a flat list of
    blocks (headings, paragraphs, captions, notes, tables) whose order comes from the data;
    context in ``CONSTRUCTION_PLAN_CONTEXT``.
``integrity_commitment.docx``
    the 诚信承诺书 (integrity commitment), one document per unit; context in
    ``INTEGRITY_COMMITMENT_CONTEXT``.
``supplementary_agreement.docx``
    the 补充协议 (supplementary agreement on member changes): the formation agreement's
    cover, preamble, article, signature and annex builders with articles directly under
    the preamble (no chapters) and a list of annexes; context in
    ``SUPPLEMENTARY_AGREEMENT_CONTEXT``.
``change_table.docx``
    the 修订对照表 (table of amended articles): title, subtitle, intro, a three-column
    条款 | 修改前 | 修改后 table and a note, on A4 landscape; context in
    ``CHANGE_TABLE_CONTEXT``.

Every template is one section (docxtpl renders footnotes once per section), A4 with
GB/T 9704 margins (the change table: landscape, see ``_setup_page``) and a "— 1 —" footer
page number, with a 草稿 header mark when ``doc.draft`` is true. Formatting lives in
named "DG …" styles. Each template reads one context variable, ``doc``. Rendering must use a
SandboxedEnvironment with StrictUndefined and autoescape on (see docgen/render.py).

The construction plan's block table carries Jinja inside XML attributes (gridCol widths,
gridSpan, cell shading, paragraph alignment) and text inside w:tblGrid, so that file is
only meaningful to docxtpl: Word will most likely refuse the unrendered template (not
tested here). Change it here, not in Word; the rendered output is ordinary WordprocessingML.

The output is byte-stable: fixed core properties, no thumbnail, fixed zip timestamps.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
FORMATION_AGREEMENT = HERE / "zh_CN" / "formation_agreement.docx"
CONSTRUCTION_PLAN = HERE / "zh_CN" / "construction_plan.docx"
INTEGRITY_COMMITMENT = HERE / "zh_CN" / "integrity_commitment.docx"
SUPPLEMENTARY_AGREEMENT = HERE / "zh_CN" / "supplementary_agreement.docx"
CHANGE_TABLE = HERE / "zh_CN" / "change_table.docx"
COMPLIANCE_TABLE = HERE / "zh_CN" / "compliance_table.docx"
REDLINE_AGREEMENT = HERE / "zh_CN" / "formation_agreement_redline.docx"

FORMATION_AGREEMENT_CONTEXT = """
doc.title, doc.number ("" omits the line), doc.draft (bool), doc.signing_place, doc.signing_date
doc.parties[]: designation, role ("牵头单位"/"成员单位"), name, credit_code, address,
               legal_representative, contact_name, contact_phone, contact_email
doc.recitals[]: str
doc.chapters[]: heading, articles[]: number, title, paragraphs[] (>= 1)
doc.closing: str (the centred line after the last article, e.g. "（以下无正文）")
doc.annexes.members: title, rows[]: no, name, credit_code, kind, chain_position, role
doc.annexes.tasks: title, rows[]: id, title, owner, participants, period, deliverables, budget; total
doc.annexes.funding: title, rows[]: unit, self, fiscal, social, other, total; total_row (same keys)
doc.annexes.background_ip: title, rows[] (may be empty): no, unit, title, kind, number
doc.signatures[]: designation, role, name
doc.signature_heading
"""

CONSTRUCTION_PLAN_CONTEXT = """
doc.title, doc.draft (bool)
doc.cover_lines[]: label, value          (cover page: "label：value", e.g. 牵头单位（盖章）)
doc.blocks[]: a flat list, rendered in order; each block has a kind:
  {kind: "heading", level: 1|2|3, text}  1 黑体, 2 楷体, 3 仿宋 bold; all 三号
  {kind: "paragraph", text}              仿宋 三号, first-line indent 2, fixed 28.95pt lines
  {kind: "caption", text}                centred 黑体 12pt, kept with the next block
  {kind: "note", text}                   right-aligned 仿宋 10.5pt, kept with the next block
  {kind: "table", table: {widths[], header[], rows[][]}}
      widths: int dxa per grid column (full width is about 8845)
      header[]: text, span                (one header row, repeated on every page)
      rows[][]: text, fill ("auto" or hex "2F5597"), align ("left"|"center"|"right"),
                span (int >= 1)
      every row's spans (and the header's) must add up to len(widths): docxtpl's fix_tables
      otherwise drops or adds grid columns and rescales the widths.
  Any other kind (or heading level) fails the render: it falls through to the table branch,
  where b.table is undefined.
"""

INTEGRITY_COMMITMENT_CONTEXT = """
doc.title, doc.draft (bool)
doc.addressee: str        first line, no indent, e.g. "青岛市科学技术局："
doc.paragraphs[]: str     body, first-line indent 2
doc.items[]: str          numbered commitments, already numbered "（一）…"; same style as the body
                          (read as doc["items"]: on a dict, doc.items is the dict method)
doc.closing[]: str        paragraphs after the items
doc.unit_name, doc.signer_label ("法定代表人（签字）："), doc.date_line ("______年____月____日")
"""

SUPPLEMENTARY_AGREEMENT_CONTEXT = """
doc.title, doc.number ("" omits the line), doc.draft (bool), doc.signing_place, doc.signing_date
doc.parties[]: as in the formation agreement; role is "牵头单位", "成员单位", "新加入成员单位" or
               "退出成员单位". The cover lists the 牵头单位 first, then every other party under
               "成员单位：", those whose role is not "成员单位" followed by "（role）".
doc.recitals[]: str
doc.articles[]: number, title, paragraphs[] (>= 1)       (no chapters)
doc.closing: str
doc.annexes[] (may be empty): key, title, rows[] and, by key, the formation agreement's shapes:
    key "members": rows[]: no, name, credit_code, kind, chain_position, role
    key "tasks":   rows[]: id, title, owner, participants, period, deliverables, budget; total
    key "funding": rows[]: unit, self, fiscal, social, other, total; total_row (same keys)
  each annex starts a new page. Any other key fails the render (its branch reads a field
  named unknown_annex_key__use_members_tasks_or_funding).
doc.signature_heading, doc.signatures[]: designation, role, name
"""

CHANGE_TABLE_CONTEXT = """
doc.title, doc.subtitle, doc.draft (bool)
doc.intro[]: str                  paragraphs before the table
doc.rows[]: clause: str, before[]: str, after[]: str
            one table row per entry; each string of before/after is its own paragraph in the
            cell (an empty list renders "（无）", as a cell must hold a paragraph)
doc.note: str                     paragraph after the table; "" omits it
"""

# --- fonts and sizes (GB/T 9704 names; 号 sizes in points) -------------------------------
LATIN = "Times New Roman"
FANGSONG = "仿宋"
HEITI = "黑体"
KAITI = "楷体"
SONGTI = "宋体"
XIAOBIAOSONG = "方正小标宋简体"
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_S4 = Pt(12)  # 小四
SIZE_5 = Pt(10.5)  # 五号
ZERO = Pt(0)
BODY_LINE = Pt(26)  # fixed line pitch for 14pt body text (the agreement)
GB_LINE = Pt(28.95)  # GB/T 9704 pitch for 16pt text: 22 lines per page (29pt loses line 22)

# --- page (A4, GB/T 9704 margins) -------------------------------------------------------
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_WIDTH_MM = 210 - 28 - 26  # 156 mm
LANDSCAPE_TOP, LANDSCAPE_BOTTOM = Mm(30), Mm(28)  # A4 landscape (the change table)
LANDSCAPE_TEXT_WIDTH_MM = 297 - 28 - 26  # 243 mm

STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# =========================================================================================
# styles
# =========================================================================================
def _set_fonts(rPr, east_asia: str, latin: str = LATIN) -> None:
    """Set explicit w:rFonts on *rPr*, dropping theme fonts (which would override them)."""
    rFonts = rPr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rFonts.attrib.pop(qn(f"w:{attr}"), None)
    rFonts.set(qn("w:ascii"), latin)
    rFonts.set(qn("w:hAnsi"), latin)
    rFonts.set(qn("w:eastAsia"), east_asia)
    rFonts.set(qn("w:cs"), latin)


def _set_indent_chars(pPr, chars: int, size: Length) -> None:
    """Set a first-line indent of *chars* characters (w:firstLineChars, with a twips fallback)."""
    ind = pPr.get_or_add_ind()
    for attr in ("hanging", "hangingChars"):
        ind.attrib.pop(qn(f"w:{attr}"), None)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(int(chars * size.pt * 20)))


def _set_doc_defaults(doc: DocumentObject, size: Length) -> None:
    """Make 仿宋 / Times New Roman / zh-CN the document defaults and neutralise theme fonts."""
    styles = doc.styles.element
    rPr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rPr, FANGSONG)
    rPr.find(qn("w:sz")).set(qn("w:val"), str(int(size.pt * 2)))
    rPr.find(qn("w:szCs")).set(qn("w:val"), str(int(size.pt * 2)))
    lang = rPr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = spacing.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    spacing.set(qn("w:lineRule"), "auto")
    # Theme fonts resolve through themeFontLang; ja-JP is what put CJK text in MS Mincho.
    for rFonts in styles.iter(qn("w:rFonts")):
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            rFonts.attrib.pop(qn(f"w:{attr}"), None)
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def _style_fonts(style: BaseStyle, east_asia: str, size: Length | None = None,
                 bold: bool | None = None) -> None:
    """Set the fonts (and optionally size and bold) of *style*."""
    _set_fonts(style.element.get_or_add_rPr(), east_asia)
    if size is not None:
        style.font.size = size
    if bold is not None:
        style.font.bold = bold


def _paragraph_style(
    doc: DocumentObject,
    name: str,
    *,
    base: str = "Normal",
    east_asia: str = FANGSONG,
    size: Length = SIZE_4,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    line_exact: Length | None = BODY_LINE,
    indent_chars: int = 0,
    space_before: Length = ZERO,
    space_after: Length = ZERO,
    keep_with_next: bool = False,
    page_break_before: bool = False,
    outline_level: int | None = None,
):
    """Return a new paragraph style *name* with every property set explicitly.

    *outline_level* (0 = level 1) puts the style's paragraphs in Word's navigation pane.
    """
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[base]
    style.next_paragraph_style = style
    style.quick_style = True
    _style_fonts(style, east_asia, size, bold)
    pf = style.paragraph_format
    pf.alignment = align
    if line_exact is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing = line_exact
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.space_before = space_before
    pf.space_after = space_after
    pf.keep_with_next = keep_with_next
    pf.page_break_before = page_break_before
    pf.widow_control = True
    # Always write the indent: a derived style must override an inherited firstLineChars.
    pPr = style.element.get_or_add_pPr()
    _set_indent_chars(pPr, indent_chars, size)
    if outline_level is not None:
        outline = OxmlElement("w:outlineLvl")  # last in pPr's sequence that a style uses
        outline.set(qn("w:val"), str(outline_level))
        pPr.append(outline)
    return style


def _base_styles(doc: DocumentObject, body_size: Length) -> None:
    """Document defaults, Normal, Header (draft mark) and Footer (page number)."""
    _set_doc_defaults(doc, body_size)
    styles = doc.styles

    _style_fonts(styles["Normal"], FANGSONG, body_size)
    _style_fonts(styles["Header"], FANGSONG, Pt(12))
    styles["Header"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _style_fonts(styles["Footer"], SONGTI, SIZE_4)  # page number: 4号 宋体
    styles["Footer"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name in ("Default Paragraph Font", "Normal Table", "No List", "Table Grid"):
        if name in [s.name for s in styles]:
            _set_fonts(styles[name].element.get_or_add_rPr(), FANGSONG)


def _title_style(doc: DocumentObject) -> None:
    """DG Title: 二号 方正小标宋简体, centred."""
    _paragraph_style(doc, "DG Title", east_asia=XIAOBIAOSONG, size=SIZE_2,
                     align=WD_ALIGN_PARAGRAPH.CENTER, line_exact=Pt(36),
                     space_after=Pt(18), keep_with_next=True)


def _cover_style(doc: DocumentObject) -> None:
    """DG Cover: the cover-page lines under the title; DG Cover List: the members listed there."""
    _paragraph_style(doc, "DG Cover", size=SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER,
                     line_exact=Pt(32))
    _paragraph_style(doc, "DG Cover List", size=SIZE_4, align=WD_ALIGN_PARAGRAPH.CENTER,
                     line_exact=Pt(22))


def _table_styles(doc: DocumentObject) -> None:
    """DG Table (五号 仿宋) and its header (黑体, centred), number and centred variants."""
    _paragraph_style(doc, "DG Table", size=SIZE_5, align=WD_ALIGN_PARAGRAPH.LEFT,
                     line_exact=None)
    _paragraph_style(doc, "DG Table Header", base="DG Table", east_asia=HEITI, size=SIZE_5,
                     align=WD_ALIGN_PARAGRAPH.CENTER, line_exact=None)
    _paragraph_style(doc, "DG Table Number", base="DG Table", size=SIZE_5,
                     align=WD_ALIGN_PARAGRAPH.RIGHT, line_exact=None)
    _paragraph_style(doc, "DG Table Center", base="DG Table", size=SIZE_5,
                     align=WD_ALIGN_PARAGRAPH.CENTER, line_exact=None)


def _gb_body_style(doc: DocumentObject) -> None:
    """DG Body for GB/T 9704 documents: 三号 仿宋, fixed 28.95pt, first-line indent 2."""
    _paragraph_style(doc, "DG Body", size=SIZE_3, line_exact=GB_LINE, indent_chars=2)


def _agreement_styles(doc: DocumentObject) -> None:
    """Styles of the formation agreement (四号 body on a 26pt pitch)."""
    _base_styles(doc, SIZE_4)
    _title_style(doc)
    _cover_style(doc)
    _paragraph_style(doc, "DG Chapter", east_asia=HEITI, size=SIZE_3,
                     align=WD_ALIGN_PARAGRAPH.CENTER, line_exact=Pt(30),
                     space_before=Pt(12), space_after=Pt(6), keep_with_next=True)
    _paragraph_style(doc, "DG Body", indent_chars=2)
    _paragraph_style(doc, "DG Party", base="DG Body", align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph_style(doc, "DG Signature", align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph_style(doc, "DG Annex Title", east_asia=HEITI, size=SIZE_3,
                     align=WD_ALIGN_PARAGRAPH.CENTER, line_exact=Pt(30),
                     space_after=Pt(12), keep_with_next=True, page_break_before=True)
    _table_styles(doc)

    heading = doc.styles.add_style("DG Article Heading", WD_STYLE_TYPE.CHARACTER)
    heading.base_style = doc.styles["Default Paragraph Font"]
    heading.quick_style = True
    _style_fonts(heading, HEITI, bold=True)


def _plan_styles(doc: DocumentObject) -> None:
    """Styles of the construction plan: GB/T 9704 headings 一、（一）1. and a 三号 body."""
    _base_styles(doc, SIZE_3)
    _title_style(doc)
    _cover_style(doc)
    for level, font, bold in ((1, HEITI, False), (2, KAITI, False), (3, FANGSONG, True)):
        _paragraph_style(doc, f"DG Heading {level}", east_asia=font, size=SIZE_3, bold=bold,
                         align=WD_ALIGN_PARAGRAPH.LEFT, line_exact=GB_LINE, indent_chars=2,
                         keep_with_next=True, outline_level=level - 1)
    _gb_body_style(doc)
    _paragraph_style(doc, "DG Caption", east_asia=HEITI, size=SIZE_S4,
                     align=WD_ALIGN_PARAGRAPH.CENTER, line_exact=None,
                     space_before=Pt(6), space_after=Pt(3), keep_with_next=True)
    _paragraph_style(doc, "DG Note", size=SIZE_5, align=WD_ALIGN_PARAGRAPH.RIGHT,
                     line_exact=None, space_after=Pt(2), keep_with_next=True)
    _table_styles(doc)


def _commitment_styles(doc: DocumentObject) -> None:
    """Styles of the integrity commitment: GB/T 9704 body, addressee and signature lines."""
    _base_styles(doc, SIZE_3)
    _title_style(doc)
    _gb_body_style(doc)
    _paragraph_style(doc, "DG Addressee", base="DG Body", size=SIZE_3, line_exact=GB_LINE,
                     align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph_style(doc, "DG Signature", size=SIZE_3, line_exact=GB_LINE,
                     align=WD_ALIGN_PARAGRAPH.RIGHT)


# =========================================================================================
# page setup, header, footer, properties, saving
# =========================================================================================
def _setup_page(doc: DocumentObject, landscape: bool = False) -> None:
    """A4 portrait with GB/T 9704 margins, or A4 landscape; one section.

    Landscape keeps the left/right margins (binding edge on the left) and takes the
    top/bottom margins down to 30/28 mm; the page number stays about 7 mm below the text.
    """
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = PAGE_H, PAGE_W
        section.top_margin, section.bottom_margin = LANDSCAPE_TOP, LANDSCAPE_BOTTOM
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_W, PAGE_H
        section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.gutter = Mm(0)
    section.header_distance = Mm(15)
    # GB/T 9704: page number 7 mm below the text block (35 - 7 - ~6 mm line height).
    section.footer_distance = Mm(15) if landscape else Mm(22)


def _add_field(paragraph: Paragraph, instr: str, placeholder: str) -> None:
    """Append a complex field (fldChar begin / instrText / separate / result / end)."""
    def fld(kind: str):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    fld("begin")
    instr_run = paragraph.add_run()
    instr_el = OxmlElement("w:instrText")
    instr_el.set(qn("xml:space"), "preserve")
    instr_el.text = f" {instr} "
    instr_run._r.append(instr_el)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def _build_header_footer(doc: DocumentObject) -> None:
    """Header: draft mark (only when doc.draft). Footer: centred '— PAGE —'."""
    section = doc.sections[0]
    header = section.header
    header.is_linked_to_previous = False
    hp = header.paragraphs[0]
    hp.style = doc.styles["Header"]
    run = hp.add_run("{% if doc.draft %}草稿 · 仅供审阅，不得签署{% endif %}")
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    run.font.bold = True

    footer = section.footer
    footer.is_linked_to_previous = False
    fp = footer.paragraphs[0]
    fp.style = doc.styles["Footer"]
    fp.add_run("— ")
    _add_field(fp, "PAGE", "1")
    fp.add_run(" —")


def _set_properties(doc: DocumentObject, title: str) -> None:
    """Fixed core properties, so rebuilding gives the same bytes."""
    cp = doc.core_properties
    cp.title = title
    cp.author = "docgen"
    cp.last_modified_by = "docgen"
    cp.comments = ""
    cp.subject = ""
    cp.keywords = ""
    cp.category = ""
    cp.created = FIXED_TIME
    cp.modified = FIXED_TIME
    cp.last_printed = FIXED_TIME
    cp.revision = 1


def _drop_default_template_parts(doc: DocumentObject) -> None:
    """Drop python-docx's thumbnail, Word-2010 stylesWithEffects and customXml parts."""
    package_rels = doc.part.package.rels
    for rId, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package_rels.pop(rId)
    drop = {STYLES_WITH_EFFECTS, RT.CUSTOM_XML}
    for rId, rel in list(doc.part.rels.items()):
        if rel.reltype in drop:
            doc.part.rels.pop(rId)


def _new_document(title: str, styles: Callable[[DocumentObject], None], *,
                  landscape: bool = False) -> DocumentObject:
    """Return an empty one-section A4 document with *styles*, header, footer and properties."""
    doc = Document()
    _drop_default_template_parts(doc)
    styles(doc)
    _setup_page(doc, landscape)
    _build_header_footer(doc)
    _set_properties(doc, title)
    # Document() starts with an empty body; the caller appends everything in order.
    return doc


def _save(doc: DocumentObject) -> bytes:
    """Return the bytes of *doc*, zipped deterministically."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return _stable_zip(buffer.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """Return *data* re-zipped with fixed timestamps and the original entry order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


# =========================================================================================
# body helpers
# =========================================================================================
def _p(doc: DocumentObject, text: str = "", style: str = "DG Body", **fmt) -> Paragraph:
    """Return a new body paragraph with *text* in *style*; *fmt* sets direct formatting."""
    paragraph = doc.add_paragraph(style=style)
    if text:
        paragraph.add_run(text)
    pf = paragraph.paragraph_format
    for key, value in fmt.items():
        setattr(pf, key, value)
    return paragraph


def _tag(doc: DocumentObject, tag: str) -> Paragraph:
    """Return a paragraph holding only a docxtpl paragraph tag ({%p … %}); it is removed."""
    return _p(doc, tag, style="Normal")


def _no_indent(paragraph: Paragraph) -> None:
    """Override the style's first-line indent on one paragraph."""
    _set_indent_chars(paragraph._p.get_or_add_pPr(), 0, SIZE_4)


def _end_paragraph(doc: DocumentObject) -> None:
    """Word expects the body to end with a paragraph, not a table: a 1pt closing paragraph."""
    closing = _p(doc, style="DG Table", line_spacing=Pt(1),
                 line_spacing_rule=WD_LINE_SPACING.EXACTLY)
    closing.paragraph_format.keep_with_next = False


def _table(doc: DocumentObject, widths_mm: list[float], rows: int, *,
           borders: bool = True, header: bool = True) -> Table:
    """Return a full-width fixed-layout table: single borders and a repeating header row
    unless turned off; rows never split across pages."""
    section = doc.sections[0]  # the page is stored in twips: allow their rounding
    text_width_mm = (section.page_width - section.left_margin - section.right_margin) / Mm(1)
    assert abs(sum(widths_mm) - text_width_mm) < 0.1, (widths_mm, text_width_mm)
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblPr = table._tbl.tblPr
    tblW = tblPr.find(qn("w:tblW"))
    if tblW is None:
        tblW = OxmlElement("w:tblW")
        tblPr.append(tblW)
    tblW.set(qn("w:type"), "dxa")
    tblW.set(qn("w:w"), str(int(sum(Mm(w).twips for w in widths_mm))))
    if borders:
        tbl_borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            el = OxmlElement(f"w:{edge}")
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "4")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "auto")
            tbl_borders.append(el)
        # schema order: … tblW, jc, tblCellSpacing, tblInd, tblBorders, shd, tblLayout …
        anchor = tblPr.find(qn("w:jc"))
        (anchor if anchor is not None else tblW).addnext(tbl_borders)
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_mm, strict=False):
        col.set(qn("w:w"), str(Mm(width).twips))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            cell.paragraphs[0].style = doc.styles["DG Table"]
        trPr = row._tr.get_or_add_trPr()
        trPr.append(OxmlElement("w:cantSplit"))
    if header:
        header_trPr = table.rows[0]._tr.get_or_add_trPr()
        header_trPr.append(OxmlElement("w:tblHeader"))
    return table


def _fill_row(doc: DocumentObject, row, texts: list[str], styles: list[str],
              bold: bool = False) -> None:
    """Write one run per cell with the given paragraph styles."""
    for cell, text, style in zip(row.cells, texts, styles, strict=False):
        paragraph = cell.paragraphs[0]
        paragraph.style = doc.styles[style]
        if text:
            run = paragraph.add_run(text)
            if bold:
                run.bold = True


def _loop_table(doc: DocumentObject, widths: list[float], headers: list[str],
                loop: str, cells: list[str], cell_styles: list[str],
                extra_rows: int = 0) -> Table:
    """Return a table: header row, {%tr for %} row, data row, {%tr endfor %} row, extras."""
    table = _table(doc, widths, 4 + extra_rows)
    _fill_row(doc, table.rows[0], headers, ["DG Table Header"] * len(headers))
    _fill_row(doc, table.rows[1], [f"{{%tr for r in {loop} %}}"], ["DG Table"])
    _fill_row(doc, table.rows[2], cells, cell_styles)
    _fill_row(doc, table.rows[3], ["{%tr endfor %}"], ["DG Table"])
    return table


# =========================================================================================
# the formation agreement
# =========================================================================================
def _cover(doc: DocumentObject, *, members: str = 'p.role == "成员单位"',
           member_line: str = "{{ p.name }}") -> None:
    """Title, number, 牵头单位, "成员单位：" and the parties selected by the Jinja test
    *members* (one *member_line* each), signing place and date."""
    # Spacing is tight enough that a cover listing 14 members still fits on one page.
    _p(doc, "{{ doc.title }}", "DG Title", space_before=Pt(48), space_after=Pt(30))
    _tag(doc, "{%p if doc.number %}")
    _p(doc, "协议编号：{{ doc.number }}", "DG Cover")
    _tag(doc, "{%p endif %}")
    _tag(doc, '{%p for p in doc.parties if p.role == "牵头单位" %}')
    _p(doc, "牵头单位：{{ p.name }}", "DG Cover", space_before=Pt(24))
    _tag(doc, "{%p endfor %}")
    _p(doc, "成员单位：", "DG Cover")
    _tag(doc, f"{{%p for p in doc.parties if {members} %}}")
    _p(doc, member_line, "DG Cover List")
    _tag(doc, "{%p endfor %}")
    _p(doc, "签订地点：{{ doc.signing_place }}", "DG Cover", space_before=Pt(24))
    _p(doc, "签订日期：{{ doc.signing_date }}", "DG Cover")


def _preamble(doc: DocumentObject) -> None:
    _p(doc, "{{ doc.title }}", "DG Title", page_break_before=True)
    _tag(doc, "{%p for p in doc.parties %}")
    first = _p(doc, style="DG Party", space_before=Pt(6), keep_with_next=True)
    first.add_run("{{ p.designation }}（{{ p.role }}）：{{ p.name }}").bold = True
    _p(doc, "统一社会信用代码：{{ p.credit_code }}", "DG Party", keep_with_next=True)
    _p(doc, "住所：{{ p.address }}", "DG Party", keep_with_next=True)
    _p(doc, "法定代表人：{{ p.legal_representative }}", "DG Party", keep_with_next=True)
    _p(doc, "联系人：{{ p.contact_name }}　联系电话：{{ p.contact_phone }}"
            "　电子邮箱：{{ p.contact_email }}", "DG Party")
    _tag(doc, "{%p endfor %}")
    _p(doc, "鉴于：", "DG Body", space_before=Pt(6))
    _tag(doc, "{%p for r in doc.recitals %}")
    _p(doc, "{{ r }}", "DG Body")
    _tag(doc, "{%p endfor %}")


def _articles(doc: DocumentObject, articles: str, *, runs: bool = False) -> None:
    """The articles of the list *articles* (a Jinja expression), one paragraph per entry of
    a.paragraphs; the first opens with the bold "第一条　标题　". With *runs*, each entry is
    ready-made run XML (the redline's w:ins/w:del runs), placed with docxtpl's {{r }} tag, which
    replaces the whole run holding it — so it gets a run of its own."""
    _tag(doc, f"{{%p for a in {articles} %}}")
    _tag(doc, "{%p for para in a.paragraphs %}")
    # `loop` is the paragraph loop: the article number and title open its first paragraph.
    # The if/endif sit in the runs around the heading run, so the false branch drops the
    # whole heading run and leaves two well-formed runs with empty text.
    paragraph = _p(doc, style="DG Body")
    paragraph.add_run("{% if loop.first %}")
    paragraph.add_run("{{ a.number }}　{{ a.title }}", style="DG Article Heading")
    if runs:
        paragraph.add_run("　{% endif %}")
        paragraph.add_run("{{r para }}")
    else:
        paragraph.add_run("　{% endif %}{{ para }}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p endfor %}")


def _body(doc: DocumentObject, *, chapters: bool = True, runs: bool = False) -> None:
    """doc.chapters[].articles (each chapter under its DG Chapter heading), or doc.articles
    when *chapters* is false; then the centred closing line. *runs*: see _articles."""
    if chapters:
        _tag(doc, "{%p for ch in doc.chapters %}")
        _p(doc, "{{ ch.heading }}", "DG Chapter")
        _articles(doc, "ch.articles", runs=runs)
        _tag(doc, "{%p endfor %}")
    else:
        _articles(doc, "doc.articles")
    end = _p(doc, "{{ doc.closing }}", "DG Body", alignment=WD_ALIGN_PARAGRAPH.CENTER,
             space_before=Pt(12))
    _no_indent(end)


def _signature_page(doc: DocumentObject) -> None:
    _p(doc, "{{ doc.signature_heading }}", "DG Signature", page_break_before=True,
       space_after=Pt(12))
    _tag(doc, "{%p for s in doc.signatures %}")
    _p(doc, "{{ s.designation }}（{{ s.role }}）：{{ s.name }}（盖章）", "DG Signature",
       space_before=Pt(24), keep_with_next=True)
    _p(doc, "法定代表人或授权代表（签字）：________________", "DG Signature",
       keep_with_next=True)
    _p(doc, "日期：______年____月____日", "DG Signature")
    _tag(doc, "{%p endfor %}")


# Each annex writer takes the Jinja expression of its annex (title, rows, …) and writes the
# DG Annex Title (which starts a page) and the table.
T, H, N, C = "DG Table", "DG Table Header", "DG Table Number", "DG Table Center"


def _members_annex(doc: DocumentObject, annex: str) -> None:
    """Annex: title; rows[]: no, name, credit_code, kind, chain_position, role."""
    _p(doc, f"{{{{ {annex}.title }}}}", "DG Annex Title")
    _loop_table(
        doc, [12, 42, 40, 20, 20, 22],
        ["序号", "单位名称", "统一社会信用代码", "单位类型", "产业链位置", "分工定位"],
        f"{annex}.rows",
        ["{{ r.no }}", "{{ r.name }}", "{{ r.credit_code }}", "{{ r.kind }}",
         "{{ r.chain_position }}", "{{ r.role }}"],
        [C, T, T, T, T, T],
    )


def _tasks_annex(doc: DocumentObject, annex: str) -> None:
    """Annex: title; rows[]: id, title, owner, participants, period, deliverables, budget; total."""
    _p(doc, f"{{{{ {annex}.title }}}}", "DG Annex Title")
    table = _loop_table(
        doc, [12, 30, 24, 22, 20, 22, 26],
        ["编号", "任务名称", "承担单位", "参与单位", "起止时间", "交付成果", "经费（元）"],
        f"{annex}.rows",
        ["{{ r.id }}", "{{ r.title }}", "{{ r.owner }}", "{{ r.participants }}",
         "{{ r.period }}", "{{ r.deliverables }}", "{{ r.budget }}"],
        [C, T, T, T, T, T, N],
        extra_rows=1,
    )
    total = table.rows[4]
    merged = total.cells[0].merge(total.cells[5])
    _fill_row(doc, total, ["合计"], [H])
    total.cells[6].paragraphs[0].style = doc.styles[N]
    total.cells[6].paragraphs[0].add_run(f"{{{{ {annex}.total }}}}").bold = True
    assert merged.paragraphs[0].text == "合计"


def _funding_annex(doc: DocumentObject, annex: str) -> None:
    """Annex: title; rows[]: unit, self, fiscal, social, other, total; total_row (same keys)."""
    _p(doc, f"{{{{ {annex}.title }}}}", "DG Annex Title")
    table = _loop_table(
        doc, [36, 24, 24, 24, 24, 24],
        ["单位名称", "自筹资金", "财政资助", "社会资本", "其他资金", "合计"],
        f"{annex}.rows",
        ["{{ r.unit }}", "{{ r.self }}", "{{ r.fiscal }}", "{{ r.social }}",
         "{{ r.other }}", "{{ r.total }}"],
        [T, N, N, N, N, N],
        extra_rows=1,
    )
    tr = f"{annex}.total_row"
    _fill_row(
        doc,
        table.rows[4],
        [f"{{{{ {tr}.{key} }}}}" for key in ("unit", "self", "fiscal", "social", "other", "total")],
        [H, N, N, N, N, N],
        bold=True,
    )


def _background_ip_annex(doc: DocumentObject, annex: str) -> None:
    """Annex: title; rows[] (may be empty): no, unit, title, kind, number."""
    _p(doc, f"{{{{ {annex}.title }}}}", "DG Annex Title")
    _tag(doc, f"{{%p if {annex}.rows %}}")
    _loop_table(
        doc, [12, 40, 52, 22, 30],
        ["序号", "权利人", "名称", "类型", "登记号"],
        f"{annex}.rows",
        ["{{ r.no }}", "{{ r.unit }}", "{{ r.title }}", "{{ r.kind }}", "{{ r.number }}"],
        [C, T, T, T, T],
    )
    _tag(doc, "{%p else %}")
    _p(doc, "各方均未申报背景知识产权。", "DG Body")
    _tag(doc, "{%p endif %}")


def _annexes(doc: DocumentObject) -> None:
    """The formation agreement's four fixed annexes, doc.annexes.members … .background_ip."""
    _members_annex(doc, "doc.annexes.members")
    _tasks_annex(doc, "doc.annexes.tasks")
    _funding_annex(doc, "doc.annexes.funding")
    _background_ip_annex(doc, "doc.annexes.background_ip")
    _end_paragraph(doc)


def _annex_list(doc: DocumentObject) -> None:
    """doc.annexes as a list (may be empty): one branch per key; an unknown key fails."""
    _tag(doc, "{%p for a in doc.annexes %}")
    _tag(doc, '{%p if a.key == "members" %}')
    _members_annex(doc, "a")
    _tag(doc, '{%p elif a.key == "tasks" %}')
    _tasks_annex(doc, "a")
    _tag(doc, '{%p elif a.key == "funding" %}')
    _funding_annex(doc, "a")
    _tag(doc, "{%p else %}")
    # StrictUndefined: the missing field's name is the error message.
    _p(doc, "{{ a.unknown_annex_key__use_members_tasks_or_funding }}", "DG Body")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _end_paragraph(doc)


def build_formation_agreement(*, redline: bool = False) -> bytes:
    """Return the bytes of the formation-agreement template; with *redline*, the variant whose
    article paragraphs are run XML carrying tracked changes (w:ins / w:del)."""
    title = "创新联合体组建协议修订痕迹模板" if redline else "创新联合体组建协议模板"
    doc = _new_document(title, _agreement_styles)
    _cover(doc)
    _preamble(doc)
    _body(doc, runs=redline)
    _signature_page(doc)
    _annexes(doc)
    return _save(doc)


def build_redline_agreement() -> bytes:
    """Return the bytes of the redline variant of the formation agreement."""
    return build_formation_agreement(redline=True)


# =========================================================================================
# the supplementary agreement
# =========================================================================================
def build_supplementary_agreement() -> bytes:
    """Return the bytes of the supplementary-agreement template (the agreement's builders)."""
    doc = _new_document("创新联合体组建协议补充协议模板", _agreement_styles)
    _cover(doc, members='p.role != "牵头单位"',
           member_line='{{ p.name }}{% if p.role != "成员单位" %}（{{ p.role }}）{% endif %}')
    _preamble(doc)
    _body(doc, chapters=False)
    _signature_page(doc)
    _annex_list(doc)
    return _save(doc)


# =========================================================================================
# the change table (修订对照表)
# =========================================================================================
def _change_table_styles(doc: DocumentObject) -> None:
    """Title, 楷体 三号 subtitle, the agreement's 四号 body, table styles, and DG Table Text
    (五号 cell paragraphs, justified, first-line indent 2)."""
    _base_styles(doc, SIZE_4)
    _title_style(doc)
    _paragraph_style(doc, "DG Subtitle", east_asia=KAITI, size=SIZE_3,
                     align=WD_ALIGN_PARAGRAPH.CENTER, line_exact=Pt(30),
                     space_after=Pt(18), keep_with_next=True)
    _paragraph_style(doc, "DG Body", indent_chars=2)
    _table_styles(doc)
    _paragraph_style(doc, "DG Table Text", base="DG Table", size=SIZE_5, indent_chars=2,
                     line_exact=None)


def _cell_paragraphs(doc: DocumentObject, cell, items: str) -> None:
    """Fill *cell* with one DG Table Text paragraph per entry of *items* ("（无）" if none)."""
    first = cell.paragraphs[0]
    first.style = doc.styles[T]
    first.add_run(f"{{%p for t in {items} %}}")
    cell.add_paragraph("{{ t }}", style="DG Table Text")
    cell.add_paragraph("{%p else %}", style=T)
    cell.add_paragraph("（无）", style="DG Table Text")
    cell.add_paragraph("{%p endfor %}", style=T)


def build_change_table() -> bytes:
    """Return the bytes of the change-table template (A4 landscape)."""
    doc = _new_document("修订对照表模板", _change_table_styles, landscape=True)
    _p(doc, "{{ doc.title }}", "DG Title", space_after=Pt(6))
    _p(doc, "{{ doc.subtitle }}", "DG Subtitle")
    _tag(doc, "{%p for t in doc.intro %}")
    _p(doc, "{{ t }}", "DG Body")
    _tag(doc, "{%p endfor %}")
    width = LANDSCAPE_TEXT_WIDTH_MM
    clause = round(width * 0.18)
    text = (width - clause) / 2
    table = _loop_table(doc, [clause, text, text], ["条款", "修改前", "修改后"], "doc.rows",
                        ["{{ r.clause }}"], [T])
    row = table.rows[2]
    _cell_paragraphs(doc, row.cells[1], "r.before")
    _cell_paragraphs(doc, row.cells[2], "r.after")
    # Long amendments may run past a page: this row may split, and reads from the top.
    row._tr.trPr.remove(row._tr.trPr.find(qn("w:cantSplit")))
    for cell in row.cells:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    _tag(doc, "{%p if doc.note %}")
    _p(doc, "{{ doc.note }}", "DG Body", space_before=Pt(6))
    _tag(doc, "{%p endif %}")
    _end_paragraph(doc)
    return _save(doc)



# =========================================================================================
# the compliance self-check table (合规自查表)
# =========================================================================================
def build_compliance_table() -> bytes:
    """Return the bytes of the compliance-table template (A4 landscape, the change table's styles)."""
    doc = _new_document("合规自查表模板", _change_table_styles, landscape=True)
    _p(doc, "{{ doc.title }}", "DG Title", space_after=Pt(6))
    _p(doc, "{{ doc.subtitle }}", "DG Subtitle")
    _p(doc, "{{ doc.intro }}", "DG Body")
    rest = LANDSCAPE_TEXT_WIDTH_MM - 12 - 26 - 30  # after 序号, 指引条款 and 状态
    widths = [12, 26, rest * 0.30, 30, rest * 0.30, rest * 0.40]
    _loop_table(doc, widths, ["序号", "指引条款", "要求", "状态", "落实文件及条款", "证据"], "doc.rows",
                ["{{ r.number }}", "{{ r.clause }}", "{{ r.requirement }}", "{{ r.status }}", "{{ r.where }}",
                 "{{ r.evidence }}"], [C, C, T, C, T, T])
    _p(doc, "{{ doc.note }}", "DG Body", space_before=Pt(6))
    _end_paragraph(doc)
    return _save(doc)


# =========================================================================================
# the construction plan
# =========================================================================================
def _plan_cover(doc: DocumentObject) -> None:
    """Title in the upper third, then "label：value" lines in a borderless two-column table."""
    _p(doc, "{{ doc.title }}", "DG Title", space_before=Pt(120), space_after=Pt(48))
    table = _table(doc, [60, 96], 3, borders=False, header=False)
    _fill_row(doc, table.rows[0], ["{%tr for line in doc.cover_lines %}"], ["DG Cover"])
    _fill_row(doc, table.rows[1], ["{{ line.label }}：", "{{ line.value }}"],
              ["DG Cover", "DG Cover"])
    _fill_row(doc, table.rows[2], ["{%tr endfor %}"], ["DG Cover"])
    label, value = (cell.paragraphs[0] for cell in table.rows[1].cells)
    label.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    value.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _jinja_cell(tc, *, span: str, fill: str, align: str | None = None) -> None:
    """Template one cell: gridSpan and shading in its tcPr, jc in its paragraph; auto width."""
    tcPr = tc.tcPr
    tcW = tcPr.find(qn("w:tcW"))
    grid_span = OxmlElement("w:gridSpan")
    grid_span.set(qn("w:val"), span)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcW.addnext(grid_span)  # schema order: tcW, gridSpan, …, shd, …, vAlign
    grid_span.addnext(shd)
    if align is not None:
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), align)
        tc.find(qn("w:p")).find(qn("w:pPr")).append(jc)  # pPr holds only pStyle


def _block_table(doc: DocumentObject) -> None:
    """The table block: grid widths, header cells and body cells all come from b.table.

    A docxtpl column loop needs a cell for {%tc for %}, the looped cell and a cell for
    {%tc endfor %}, so the table is built with three columns and four rows (header,
    {%tr for %}, data, {%tr endfor %}). Then the values python-docx cannot hold go into the
    XML: the grid becomes a Jinja loop over b.table.widths, cell widths become auto (the
    fixed layout follows the grid) and the looped cells get templated gridSpan, w:shd fill
    and w:jc. python-docx must not read this table afterwards.
    """
    H, T = "DG Table Header", "DG Table"
    table = _table(doc, [TEXT_WIDTH_MM / 3] * 3, 4)
    header, row_for, row, row_end = table.rows
    _fill_row(doc, header, ["{%tc for h in b.table.header %}", "{{ h.text }}", "{%tc endfor %}"],
              [H, H, H])
    _fill_row(doc, row_for, ["{%tr for row in b.table.rows %}"], [T])
    _fill_row(doc, row, ["{%tc for cell in row %}", "{{ cell.text }}", "{%tc endfor %}"],
              [T, T, T])
    _fill_row(doc, row_end, ["{%tr endfor %}"], [T])
    header_tcs = header._tr.findall(qn("w:tc"))
    row_tcs = row._tr.findall(qn("w:tc"))

    tbl = table._tbl
    tbl.tblPr.find(qn("w:tblW")).set(qn("w:w"), "{{ b.table.widths|sum }}")
    grid = tbl.tblGrid
    for col in list(grid):
        grid.remove(col)
    grid.text = "{% for w in b.table.widths %}"
    col = OxmlElement("w:gridCol")
    col.set(qn("w:w"), "{{ w }}")
    col.tail = "{% endfor %}"
    grid.append(col)
    for tcW in tbl.iter(qn("w:tcW")):
        tcW.set(qn("w:type"), "auto")
        tcW.set(qn("w:w"), "0")
    _jinja_cell(header_tcs[1], span="{{ h.span }}", fill="D9D9D9")
    _jinja_cell(row_tcs[1], span="{{ cell.span }}", fill="{{ cell.fill }}",
                align="{{ cell.align }}")


def _plan_blocks(doc: DocumentObject) -> None:
    """One branch per block kind; the table is the else branch, so an unknown kind fails."""
    _tag(doc, "{%p for b in doc.blocks %}")
    for level in (1, 2, 3):
        keyword = "if" if level == 1 else "elif"
        _tag(doc, f'{{%p {keyword} b.kind == "heading" and b.level == {level} %}}')
        _p(doc, "{{ b.text }}", f"DG Heading {level}")
    _tag(doc, '{%p elif b.kind == "paragraph" %}')
    _p(doc, "{{ b.text }}", "DG Body")
    _tag(doc, '{%p elif b.kind == "caption" %}')
    _p(doc, "{{ b.text }}", "DG Caption")
    _tag(doc, '{%p elif b.kind == "note" %}')
    _p(doc, "{{ b.text }}", "DG Note")
    _tag(doc, "{%p else %}")
    _block_table(doc)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")


def build_construction_plan() -> bytes:
    """Return the bytes of the construction-plan template."""
    doc = _new_document("创新联合体建设方案模板", _plan_styles)
    _plan_cover(doc)
    _p(doc, "{{ doc.title }}", "DG Title", page_break_before=True)
    _plan_blocks(doc)
    _end_paragraph(doc)
    return _save(doc)


# =========================================================================================
# the integrity commitment
# =========================================================================================
def build_integrity_commitment() -> bytes:
    """Return the bytes of the integrity-commitment template."""
    doc = _new_document("诚信承诺书模板", _commitment_styles)
    _p(doc, "{{ doc.title }}", "DG Title")
    _p(doc, "{{ doc.addressee }}", "DG Addressee")
    # doc["items"]: for a dict context, doc.items would be the dict's items() method.
    for source in ("doc.paragraphs", 'doc["items"]', "doc.closing"):
        _tag(doc, f"{{%p for text in {source} %}}")
        # the closing paragraphs stay on the page of the signature block
        _p(doc, "{{ text }}", "DG Body", keep_with_next=source == "doc.closing")
        _tag(doc, "{%p endfor %}")
    _p(doc, "承诺单位（盖章）：{{ doc.unit_name }}", "DG Signature",
       space_before=Pt(GB_LINE.pt * 2), keep_with_next=True)
    _p(doc, "{{ doc.signer_label }}________________", "DG Signature", keep_with_next=True)
    _p(doc, "{{ doc.date_line }}", "DG Signature")
    return _save(doc)


# =========================================================================================
TEMPLATES: dict[Path, Callable[[], bytes]] = {
    FORMATION_AGREEMENT: build_formation_agreement,
    CONSTRUCTION_PLAN: build_construction_plan,
    INTEGRITY_COMMITMENT: build_integrity_commitment,
    SUPPLEMENTARY_AGREEMENT: build_supplementary_agreement,
    CHANGE_TABLE: build_change_table,
    COMPLIANCE_TABLE: build_compliance_table,
    REDLINE_AGREEMENT: build_redline_agreement,
}


def main() -> int:
    """Build every template; return the exit code."""
    for path, build in TEMPLATES.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build())
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
