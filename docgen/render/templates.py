"""Check and tidy a Word template after an edit in Word or LibreOffice (``make templates``).

``check`` lists what would make Word refuse a template or docgen misread it: Jinja outside text
(in an attribute, a table grid or between elements), a tag split across runs, a part that is not one
valid Jinja template once patched, and properties out of the schema's order (Word reports such a file
as damaged). ``tidy`` merges the runs a tag was split into when they carry the same formatting:
LibreOffice splits runs where the script changes (``{%p if p.role == "牵头单位" %}`` becomes three
runs), Word around a spelling mark; the merged file renders the same.

    python -m docgen.render.templates [--tidy] FILE.docx …    # exit 1 when a problem remains
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

__all__ = ["check", "main", "tidy"]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_JINJA = re.compile(r"\{[{%#]|[}%#]\}")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TEMPLATED = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# Child order of the property elements the schema defines as sequences (ECMA-376 Part 1, §17: paragraph,
# table, cell and section properties; run and row properties are choices, in any order): a child must
# not come before one listed earlier. Names not listed (other namespaces, extensions) are not checked.
ORDER: dict[str, tuple[str, ...]] = {
    "pPr": ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
            "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
            "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
            "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
            "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
            "sectPr", "pPrChange"),
    "tblPr": ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize",
              "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
              "tblCaption", "tblDescription", "tblPrChange"),
    "tcPr": ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar",
             "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge",
             "tcPrChange"),
    # header and footer references come first, in any order (footerReference ranks as headerReference)
    "sectPr": ("headerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar",
               "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote",
               "titlePg", "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange"),
}
_SAME_RANK = {"footerReference": "headerReference"}


def _w(name: str) -> str:
    return f"{{{_W}}}{name}"


def _local(element: Any) -> str | None:
    """Return the local name of a w: element, None for any other node."""
    if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{_W}}}"):
        return None
    return str(element.tag[len(_W) + 2:])


def _texts(paragraph: Any) -> list[Any]:
    """Return the w:t elements of a paragraph (not of a paragraph nested in it, e.g. in a text box)."""
    return [t for t in paragraph.iter(_w("t")) if next(t.iterancestors(_w("p"))) is paragraph]


# --- check ---------------------------------------------------------------------------------------------

def check(path: Path) -> list[str]:
    """Return the problems of the template at path, each naming the part and the place; [] if none."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not (name.endswith(".xml") or name.endswith(".rels")):
                continue
            root = etree.fromstring(archive.read(name))
            problems += [f"{path.name}:{name}: {p}" for p in _outside_text(root)]
            problems += [f"{path.name}:{name}: {p}" for p in _out_of_order(root)]
            if _TEMPLATED.fullmatch(name):
                problems += [f"{path.name}:{name}: {p}" for p in _split_tags(root)]
                problems += [f"{path.name}:{name}: {p}" for p in _table_tags_alone(root)]
    if not problems:
        problems += [f"{path.name}: {p}" for p in _jinja_problems(path)]
    return problems


def _outside_text(root: Any) -> list[str]:
    """Jinja in an attribute, between elements or in the text of anything but w:t."""
    found = []
    for element in root.iter():
        name = _local(element) or str(element.tag)
        for key, value in element.attrib.items():
            if _JINJA.search(value):
                found.append(f"<{name}> attribute {etree.QName(key).localname}={value!r} holds Jinja")
        if element.tail and _JINJA.search(element.tail):
            found.append(f"Jinja between elements after <{name}>: {element.tail.strip()!r}")
        if name != "t" and element.text and _JINJA.search(element.text):
            found.append(f"<{name}> holds Jinja outside a text run: {element.text.strip()!r}")
    return found


def _out_of_order(root: Any) -> list[str]:
    found = []
    for container, order in ORDER.items():
        for element in root.iter(_w(container)):
            rank = -1
            for child in element:
                name = _local(child)
                if name is None or (name not in order and name not in _SAME_RANK):
                    continue
                position = order.index(_SAME_RANK.get(name, name))
                if position < rank:
                    found.append(f"<{container}>: <{name}> after <{order[rank]}> (Word's schema order)")
                    break
                rank = position
    return found


def _reorder(root: Any) -> int:
    """Put the children of every property element in Word's schema order; return how many were reordered.

    LibreOffice sometimes saves a section break's <w:sectPr> before the paragraph's other properties;
    Word rejects such a file. A child the order does not list moves with the listed child before it.
    """
    reordered = 0
    for container, order in ORDER.items():
        for element in root.iter(_w(container)):
            keyed, rank = [], -1
            for index, child in enumerate(element):
                name = _local(child)
                if name is not None and (name in order or name in _SAME_RANK):
                    rank = order.index(_SAME_RANK.get(name, name))
                keyed.append((rank, index, child))
            ordered = [child for _, _, child in sorted(keyed, key=lambda k: (k[0], k[1]))]
            if ordered != list(element):
                for child in ordered:
                    element.append(child)  # lxml moves an appended child: the element ends in the new order
                reordered += 1
    return reordered


def _split_tags(root: Any) -> list[str]:
    found = []
    for paragraph in root.iter(_w("p")):
        pieces = [t.text or "" for t in _texts(paragraph)]
        joined = "".join(pieces)
        if not _JINJA.search(joined):
            continue
        whole = sum(len(_TAG.findall(piece)) for piece in pieces)
        if whole != len(_TAG.findall(joined)) or any(_JINJA.search(_TAG.sub("", piece)) for piece in pieces):
            found.append(f"a tag is split across runs or unclosed in {joined!r}")
    return found


def _table_tags_alone(root: Any) -> list[str]:
    """docgen's table tags must each fill a paragraph of a table cell (docxtpl would read one inline)."""
    from docgen.render._docx_tags import TABLE_TAGS, TAG_PARAGRAPH

    found = []
    for paragraph in root.iter(_w("p")):
        text = "".join(t.text or "" for t in _texts(paragraph))
        tags = re.findall(r"\{%\s*(" + "|".join(TABLE_TAGS) + r")\b", text)
        if not tags:
            continue
        parent = paragraph.getparent()
        if len(tags) > 1 or TAG_PARAGRAPH.fullmatch(text) is None or parent is None or _local(parent) != "tc":
            found.append(f"{{% {tags[0]} %}} must stand alone in a paragraph of a table cell: {text!r}")
    return found


def _jinja_problems(path: Path) -> list[str]:
    """Every templated part, patched as docgen renders it, must parse as one Jinja template."""
    import jinja2

    from docgen.errors import TemplateError
    from docgen.render._docx_tags import Template
    from docgen.render.docx import environment

    template = Template(str(path))
    template.init_docx()
    found = []
    sources = [("word/document.xml", template.get_xml())]
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        sources += [(str(part.partname).lstrip("/"), template.get_part_xml(part))
                    for _, part in template.get_headers_footers(uri)]
    for name, xml in sources:
        try:
            source = template.patch_xml(xml)
            environment().parse(source)
        except TemplateError as exc:
            found.append(f"{name}: {exc}")
            continue
        except jinja2.TemplateSyntaxError as exc:
            found.append(f"{name}: Jinja 语法错误：{exc.message}（在“{_context(source, exc.lineno)}”附近）")
            continue
    return found


def _context(source: str, line: int | None) -> str:
    lines = source.splitlines()
    if not line or line > len(lines):
        return ""
    return re.sub(r"<[^>]+>", "", lines[line - 1])[:80]


# --- tidy ----------------------------------------------------------------------------------------------

def tidy(path: Path) -> int:
    """Merge the runs each split tag spans when they carry the same formatting, and put property elements
    in Word's schema order; rewrite path if any.

    Return the number of paragraphs and property elements changed. Runs with different formatting are left
    for check to report.
    """
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    changed = 0
    out = []
    for info, data in entries:
        if _TEMPLATED.fullmatch(info.filename):
            root = etree.fromstring(data)
            merged = sum(_merge_paragraph(p) for p in list(root.iter(_w("p")))) + _reorder(root)
            if merged:
                changed += merged
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        out.append((info, data))
    if changed:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in out:
                archive.writestr(info, data)
        path.write_bytes(buffer.getvalue())
    return changed


def _plain_run(run: Any) -> bool:
    """A run holding only properties and text (nothing a merge could lose)."""
    return all(_local(child) in ("rPr", "t") for child in run)


def _merge_paragraph(paragraph: Any) -> int:
    """Merge each group of adjacent plain runs of equal formatting in which a tag is split; return 1 if any."""
    if not _split_tags(paragraph):
        return 0
    runs: list[list[Any]] = []  # groups of adjacent plain runs with the same rPr
    key = None
    for child in paragraph:
        name = _local(child)
        if name == "proofErr":
            continue  # spelling marks split runs and carry nothing
        if name == "r" and _plain_run(child):
            properties = child.find(_w("rPr"))
            this = etree.tostring(properties) if properties is not None and len(properties) else b""
            if runs and key == this and runs[-1]:
                runs[-1].append(child)
            else:
                runs.append([child])
            key = this
        else:
            key = None
            runs.append([])
    merged = 0
    for group in runs:
        if len(group) < 2:
            continue
        texts = ["".join(t.text or "" for t in run.iter(_w("t"))) for run in group]
        first = group[0]
        for t in first.findall(_w("t"))[1:]:
            first.remove(t)
        target = first.find(_w("t"))
        if target is None:
            target = etree.SubElement(first, _w("t"))
        target.text = "".join(texts)
        target.set(_SPACE, "preserve")
        for run in group[1:]:
            paragraph.remove(run)
        merged = 1
    for mark in paragraph.findall(_w("proofErr")):
        paragraph.remove(mark)
    return merged


def main(argv: list[str] | None = None) -> int:
    """Check (with --tidy: first tidy) each template named; print the problems; return 1 if any."""
    args = list(sys.argv[1:] if argv is None else argv)
    tidy_first = "--tidy" in args
    paths = [Path(a) for a in args if a != "--tidy"]
    problems = []
    for path in paths:
        if tidy_first:
            merged = tidy(path)
            if merged:
                print(f"{path}: merged the runs of split tags in {merged} paragraph(s)")
        problems += check(path)
    for problem in problems:
        print(problem)
    print(f"{len(paths)} template(s) checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
