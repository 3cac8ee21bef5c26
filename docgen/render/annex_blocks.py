"""Copy the formation agreement's annex pages into the templates that print the same annexes.

The annex tables are laid out once, in templates/zh_CN/formation_agreement.docx (附件1 to 附件4, the wide
ones on landscape pages). The consolidated agreement (汇编本) prints all four from the same context
(``doc.annexes.<key>``); the supplementary agreement prints the ones it revises, each block under
``{%p if "<key>" in doc.annexes %}``. Edit the annexes in the formation agreement, then run

    python -m docgen.render.annex_blocks          # rewrites the two other templates' annex pages

``blocks`` returns each template's annex blocks as canonical XML: tests/test_templates.py fails when a
template's copy differs from the formation agreement's.
"""

from __future__ import annotations

import copy
import io
import sys
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from docgen.errors import TemplateError
from docgen.resources import templates_dir

__all__ = ["SOURCE", "TARGETS", "blocks", "main", "sync"]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SOURCE = "formation_agreement.docx"
# target template → True when each annex block is printed only if the annex is in doc.annexes
TARGETS = {"consolidated_agreement.docx": False, "supplementary_agreement.docx": True}
KEYS = ("members", "tasks", "funding", "background_ip")
_SUPPLEMENT_TITLE = "{%p for a in doc.annexes %}"  # where the supplement's old annex loop began


def _w(name: str) -> str:
    return f"{{{_W}}}{name}"


def _text(element: Any) -> str:
    return "".join(element.itertext())


def _body(path: Path) -> tuple[list[tuple[zipfile.ZipInfo, bytes]], Any]:
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info.filename)) for info in archive.infolist()]
    document = next(data for info, data in entries if info.filename == "word/document.xml")
    return entries, etree.fromstring(document)


def _source_block(body: Any) -> list[Any]:
    """Return the source's annex elements: from the section break ending the body to the last element."""
    children = list(body)
    title = next(i for i, e in enumerate(children) if _text(e).strip() == "{{ doc.annexes.members.title }}")
    start = title - 1
    if children[start].find(f"{_w('pPr')}/{_w('sectPr')}") is None:
        raise TemplateError(f"{SOURCE}: no section break right before 附件1")
    return children[start:-1]


def _key_of(element: Any) -> str | None:
    text = _text(element).strip()
    for key in KEYS:
        if text == f"{{{{ doc.annexes.{key}.title }}}}":
            return key
    return None


def _marker(template: Any, text: str) -> Any:
    """Return a copy of paragraph template holding only text (a ``{%p … %}`` line)."""
    paragraph = etree.Element(_w("p"))
    ppr = template.find(_w("pPr"))
    if ppr is not None:
        style = ppr.find(_w("pStyle"))
        if style is not None:
            paragraph.append(etree.Element(_w("pPr")))
            paragraph[0].append(copy.deepcopy(style))
    run = etree.SubElement(paragraph, _w("r"))
    t = etree.SubElement(run, _w("t"))
    t.text = text
    return paragraph


def _conditional(block: list[Any]) -> list[Any]:
    """Return block with each annex (its title to the next title or section break) under
    ``{%p if "<key>" in doc.annexes %}`` and each section break under a condition that some annex of its
    section is printed, so a supplement revising no annex, or none of a section's, has no empty page."""
    out: list[Any] = []
    open_key: str | None = None
    section: list[str] = []
    for element in block:
        key = _key_of(element)
        breaks = element.find(f"{_w('pPr')}/{_w('sectPr')}") is not None
        if open_key is not None and (key is not None or breaks):
            out.append(_marker(element, "{%p endif %}"))
            open_key = None
        if key is not None:
            out.append(_marker(element, f'{{%p if "{key}" in doc.annexes %}}'))
            open_key = key
            section.append(key)
        if breaks:
            condition = " or ".join(f'"{k}" in doc.annexes' for k in section) if section else "doc.annexes"
            out += [_marker(element, f"{{%p if {condition} %}}"), element, _marker(element, "{%p endif %}")]
            section = []
        else:
            out.append(element)
    if open_key is not None:
        out.append(_marker(block[-1], "{%p endif %}"))
    return out


def sync(folder: Path | None = None) -> list[Path]:
    """Replace each target's annex pages with the source's; return the files rewritten."""
    folder = folder or templates_dir()
    _, source = _body(folder / SOURCE)
    written = []
    for name, conditional in TARGETS.items():
        path = folder / name
        entries, root = _body(path)
        body = root.find(_w("body"))
        children = list(body)
        final = children[-1]
        first = next((i for i, e in enumerate(children)
                      if _text(e).strip() in ("{{ doc.annexes.members.title }}", _SUPPLEMENT_TITLE)
                      or (e.find(f"{_w('pPr')}/{_w('sectPr')}") is not None)), None)
        if first is None:
            raise TemplateError(f"{name}: no annex pages to replace")
        if first and _text(children[first - 1]).strip() == "{%p if doc.annexes %}":
            first -= 1  # the condition over the body's section break (a supplement's earlier copy): replaced too
        # the body's own section (cover without a page number): from the break a previous copy left, else
        # from the final section, which holds it until annex pages are first copied in
        kept = next((e.find(f"{_w('pPr')}/{_w('sectPr')}") for e in children[first:first + 2]
                     if e.find(f"{_w('pPr')}/{_w('sectPr')}") is not None), None)
        body_section = copy.deepcopy(kept if kept is not None else final)
        for element in children[first:-1]:
            body.remove(element)
        block = [copy.deepcopy(e) for e in _source_block(source.find(_w("body")))]
        # the body's section keeps the target's own page, header and footer (cover without a page number)
        body_break = block[0].find(f"{_w('pPr')}/{_w('sectPr')}")
        body_break.getparent().replace(body_break, body_section)
        # the last section (附件4) is no cover: every page with its header and footer
        for child in list(final):
            if _local(child) == "titlePg" or (_local(child) in ("headerReference", "footerReference")
                                              and child.get(_w("type")) == "first"):
                final.remove(child)
        if conditional:  # the last paragraph stays: the last section's only paragraph when no annex 4
            block = [*_conditional(block[:-1]), block[-1]]
        for element in block:
            final.addprevious(element)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, content in entries:
                archive.writestr(info, data if info.filename == "word/document.xml" else content)
        path.write_bytes(buffer.getvalue())
        written.append(path)
    return written


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _canonical(elements: list[Any]) -> list[str]:
    out = []
    for element in elements:
        e = copy.deepcopy(element)
        for sect in e.iter(_w("sectPr")):  # the body's section break is the target's own
            if sect.find(_w("headerReference")) is not None:
                sect.getparent().remove(sect)
        out.append(etree.tostring(e, method="c14n").decode())
    return out


def blocks(path: Path) -> list[str]:
    """Return the annex elements of a template (``{%p if … in doc.annexes %}`` and endif lines left out) as
    canonical XML, the body's section break without its page settings."""
    _, root = _body(path)
    children = list(root.find(_w("body")))
    if path.name == SOURCE:
        elements = _source_block(root.find(_w("body")))
    else:
        first = next(i for i, e in enumerate(children) if e.find(f"{_w('pPr')}/{_w('sectPr')}") is not None)
        elements = children[first:-1]
    kept = [e for e in elements
            if not (_text(e).strip() in ("{%p endif %}", "{%p if doc.annexes %}")
                    or _text(e).strip().endswith(" in doc.annexes %}"))]
    return _canonical(kept)


def main(argv: list[str] | None = None) -> int:
    """Copy the annex pages; print the files rewritten."""
    folder = Path(argv[0]) if argv else None
    for path in sync(folder):
        print(f"{path}: annex pages copied from {SOURCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
