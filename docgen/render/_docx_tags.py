"""docgen's table tags for Word templates, and the docxtpl template class that understands them.

Word refuses a document whose XML attributes or table grid hold Jinja, so a template keeps every tag in
its text. Six tags, each alone in its own paragraph inside a table cell, set what only attributes can
hold; before docxtpl's own ``patch_xml`` they are removed and their expression moved where Word expects
the value:

``{% colwidths EXPR %}``
    the table's grid: one column per entry of EXPR (relative widths), scaled by the ``dg_fit_widths``
    filter to the table's width in the template (``w:tblW``, else the sum of its columns), so that a
    wider or narrower page in Word still gives a table as wide as the text;
``{% colspan EXPR %}``
    the cell spans EXPR grid columns (``w:gridSpan``);
``{% cellbg EXPR %}``
    the cell's shading colour, a hex RGB or ``auto`` (``w:shd``);
``{% cellalign EXPR %}``
    the alignment of the cell's paragraphs: ``left``, ``center``, ``right`` or ``both`` (``w:jc``);
``{% rowheader EXPR %}``
    the cell's row repeats at the top of every page the table runs onto when EXPR is true
    (``w:tblHeader``; Word and LibreOffice repeat the unbroken run of such rows at the table's top);
``{% keepnext EXPR %}``
    the cell's paragraphs stay on the page of the next row when EXPR is true (``w:keepNext``), as
    the row before a total row needs.

docxtpl's own ``colspan`` and ``cellbg`` would put their element first in the cell properties, out of
the schema's order; here each element goes to its place. Everything else is docxtpl's: ``{%tr %}``,
``{%tc %}``, ``{%p %}`` and ``{%r %}`` tags, Jinja in runs.
"""

from __future__ import annotations

import re
from typing import Any

from docxtpl import DocxTemplate
from lxml import etree

from docgen.errors import TemplateError

__all__ = ["TABLE_TAGS", "TAG_PARAGRAPH", "Template", "patch_table_tags"]

TABLE_TAGS = ("colwidths", "colspan", "cellbg", "cellalign", "rowheader", "keepnext")

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_QUICK = re.compile(r"\{%\s*(?:" + "|".join(TABLE_TAGS) + r")\b")
TAG_PARAGRAPH = re.compile(r"\s*\{%\s*(" + "|".join(TABLE_TAGS) + r")\s+(.+?)\s*%\}\s*", re.DOTALL)
_MARKUP = re.compile(r"<[^>]*>")

# Children order of w:tcPr and w:pPr (ECMA-376 CT_TcPr, CT_PPr): a new element goes before the first
# sibling that comes later in this order.
_TC_PR = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
          "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge",
          "tcPrChange")
_P_PR = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
         "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
         "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
         "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
         "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")


def _w(name: str) -> str:
    return f"{{{_W}}}{name}"


def paragraph_text(paragraph: Any) -> str:
    """Return the text of a w:p as Word shows it: its w:t elements joined (nested tables excluded)."""
    return "".join(t.text or "" for t in paragraph.iter(_w("t")) if _owner(t, "p") is paragraph)


def _owner(element: Any, name: str) -> Any:
    """Return the nearest ancestor w:name of element, or None."""
    tag = _w(name)
    parent = element.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _place(parent: Any, element: Any, order: tuple[str, ...]) -> None:
    """Put element into parent in schema order, replacing a child of the same name."""
    name = etree.QName(element).localname
    for old in parent.findall(_w(name)):
        parent.remove(old)
    rank = order.index(name)
    for index, child in enumerate(parent):
        local = etree.QName(child).localname
        if local in order and order.index(local) > rank:
            parent.insert(index, element)
            return
    parent.append(element)


def _child(parent: Any, name: str, first: bool = False) -> Any:
    """Return parent's w:name child, created (first or last) if missing."""
    found = parent.find(_w(name))
    if found is None:
        found = etree.Element(_w(name))
        if first:
            parent.insert(0, found)
        else:
            parent.append(found)
    return found


def _table_width(table: Any) -> int:
    """Return the table's width in twentieths of a point: w:tblW if in dxa, else the sum of its grid."""
    width = table.find(f"{_w('tblPr')}/{_w('tblW')}")
    if width is not None and width.get(_w("type")) == "dxa" and (width.get(_w("w")) or "").isdigit():
        return int(width.get(_w("w")))
    total = sum(int(c.get(_w("w")) or 0) for c in table.iterfind(f"{_w('tblGrid')}/{_w('gridCol')}"))
    if total <= 0:
        raise TemplateError("colwidths：表格在模板中没有宽度（w:tblW 或各列宽）")
    return total


def patch_table_tags(xml: str) -> str:
    """Return xml (a part's XML as docxtpl reads it) with docgen's table tags applied; else xml itself."""
    if _QUICK.search(_MARKUP.sub("", xml)) is None:
        return xml
    root = etree.fromstring(xml.encode("utf-8"))
    jinja: dict[str, str] = {}  # placeholder → Jinja, put back after serialising (no XML escaping)

    def hold(code: str) -> str:
        key = f"@@docgen{len(jinja)}@@"
        jinja[key] = code
        return key

    for paragraph in list(root.iter(_w("p"))):
        match = TAG_PARAGRAPH.fullmatch(paragraph_text(paragraph))
        if match is None:
            continue
        name, expression = match.groups()
        cell = paragraph.getparent()
        if cell is None or cell.tag != _w("tc"):
            raise TemplateError(f"{{% {name} %}} 须独占表格单元格中的一个段落")
        cell.remove(paragraph)
        if name == "colwidths":
            table = _owner(cell, "tbl")
            total = _table_width(table)
            grid = _child(table, "tblGrid")
            for column in list(grid):
                grid.remove(column)
            grid.text = hold(f"{{% for w in ({expression})|dg_fit_widths({total}) %}}")
            column = etree.SubElement(grid, _w("gridCol"))
            column.set(_w("w"), hold("{{ w }}"))
            column.tail = hold("{% endfor %}")
            continue
        if name == "rowheader":
            row = _owner(cell, "tr")
            header = etree.Element(_w("tblHeader"))
            header.set(_w("val"), hold(f"{{{{ 'true' if ({expression}) else 'false' }}}}"))
            row_properties = _child(row, "trPr", first=True)
            for old in row_properties.findall(_w("tblHeader")):
                row_properties.remove(old)
            row_properties.append(header)  # CT_TrPrBase is a choice: any order
            continue
        if name == "keepnext":
            value = hold(f"{{{{ 'true' if ({expression}) else 'false' }}}}")
            for p in cell.findall(_w("p")):
                keep = etree.Element(_w("keepNext"))
                keep.set(_w("val"), value)
                _place(_child(p, "pPr", first=True), keep, _P_PR)
            continue
        properties = _child(cell, "tcPr", first=True)
        if name == "colspan":
            span = etree.Element(_w("gridSpan"))
            span.set(_w("val"), hold(f"{{{{ {expression} }}}}"))
            _place(properties, span, _TC_PR)
        elif name == "cellbg":
            shading = etree.Element(_w("shd"))
            shading.set(_w("val"), "clear")
            shading.set(_w("color"), "auto")
            shading.set(_w("fill"), hold(f"{{{{ {expression} }}}}"))
            _place(properties, shading, _TC_PR)
        else:  # cellalign
            value = hold(f"{{{{ {expression} }}}}")
            for p in cell.findall(_w("p")):
                jc = etree.Element(_w("jc"))
                jc.set(_w("val"), value)
                _place(_child(p, "pPr", first=True), jc, _P_PR)
    patched = etree.tostring(root, encoding="unicode")
    for key, code in jinja.items():
        patched = patched.replace(key, code)
    return patched


class Template(DocxTemplate):  # type: ignore[misc]  # docxtpl ships no types
    """docxtpl's DocxTemplate with docgen's table tags applied before its own patching."""

    def patch_xml(self, src_xml: str) -> str:
        patched: str = super().patch_xml(patch_table_tags(src_xml))
        return patched
