"""Layout of the plan and the covers: 目录, repeated header rows, rows kept together, no page number on covers."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import BASE_SAMPLE
from lxml import etree

import docgen
from docgen.resources import templates_dir

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
COVERED = ("construction_plan.docx", "consolidated_agreement.docx", "supplementary_agreement.docx",
           "formation_agreement.docx")


def _part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read(name))


def _text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{W}t"))


@pytest.fixture(scope="module")
def plan_bytes() -> bytes:
    return docgen.render_plan(docgen.load(BASE_SAMPLE))


def test_plan_has_a_toc_field_filled_with_its_headings(plan_bytes: bytes) -> None:
    body = _part(plan_bytes, "word/document.xml")
    instructions = [t.text or "" for t in body.iter(f"{W}instrText")]
    assert any(i.strip().startswith("TOC ") for i in instructions)
    entries = [_text(p) for p in body.iter(f"{W}p")
               if p.find(f"{W}pPr/{W}pStyle") is not None
               and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") in ("TOC1", "TOC2") and _text(p)]
    headings = [_text(p) for p in body.iter(f"{W}p")
                if p.find(f"{W}pPr/{W}pStyle") is not None
                and p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") in ("DGHeading1", "DGHeading2")]
    assert entries == headings and entries[0] == "一、建设意义"
    settings = _part(plan_bytes, "word/settings.xml")
    assert settings.find(f"{W}updateFields").get(f"{W}val") == "true"


def test_every_multi_row_table_repeats_its_header(plan_bytes: bytes) -> None:
    body = _part(plan_bytes, "word/document.xml")
    tables = list(body.iter(f"{W}tbl"))[1:]  # after the cover's layout table
    assert len(tables) >= 10
    for table in tables:
        rows = table.findall(f"{W}tr")
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None, _text(rows[0])
        assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)


def test_schedule_quarter_row_repeats_and_total_rows_stay_with_the_row_before(plan_bytes: bytes) -> None:
    body = _part(plan_bytes, "word/document.xml")
    for table in body.iter(f"{W}tbl"):
        rows = table.findall(f"{W}tr")
        if _text(rows[0]).startswith("攻关任务"):
            flags = [r.find(f"{W}trPr/{W}tblHeader") for r in rows[:3]]
            assert flags[1] is not None and flags[1].get(f"{W}val") == "true"  # 季度 row
            assert flags[2] is not None and flags[2].get(f"{W}val") == "false"
        if _text(rows[-1]).startswith("合计") and len(rows) > 2:
            keep = rows[-2].find(f".//{W}pPr/{W}keepNext")
            assert keep is not None and keep.get(f"{W}val") == "true", _text(rows[-1])


@pytest.mark.parametrize("name", COVERED)
def test_cover_has_no_page_number(name: str) -> None:
    with zipfile.ZipFile(templates_dir() / name) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        rels = etree.fromstring(z.read("word/_rels/document.xml.rels"))
        section = next(body.iter(f"{W}sectPr"))  # the section the cover opens
        assert section.find(f"{W}titlePg") is not None
        first = [f for f in section.findall(f"{W}footerReference") if f.get(f"{W}type") == "first"]
        assert len(first) == 1
        rid = first[0].get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        footer = etree.fromstring(z.read(f"word/{target}"))
        assert not [i for i in footer.iter(f"{W}instrText") if "PAGE" in (i.text or "")]
        assert any(h.get(f"{W}type") == "first" for h in section.findall(f"{W}headerReference"))


@pytest.mark.slow
def test_pdf_shows_the_toc_and_no_number_on_the_cover(tmp_path: Path) -> None:
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    from test_rule_messages import _data, _yearly

    from docgen.documents import plan_document
    from docgen.render import pdf

    document = plan_document(docgen.load(BASE_SAMPLE))
    yearly = plan_document(docgen.parse(_yearly(_data())))  # task budgets by payer and year
    converted, converted_yearly = pdf.convert([document, yearly])
    path = tmp_path / "plan.pdf"
    path.write_bytes(converted.data)

    def page(n: int) -> str:
        out = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
                             capture_output=True, text=True, check=True).stdout
        return "".join(out.split())

    assert "—1—" not in page(1)
    toc = page(2)
    assert toc.startswith("目录") and "一、建设意义" in toc and "（一）牵头单位基础" in toc

    # no amount of any table breaks mid-figure: each prints whole on one line of the laid-out text
    amount = re.compile(r"[\d,]+\.\d\d")
    (tmp_path / "yearly.pdf").write_bytes(converted_yearly.data)
    for docx_data, pdf_path in ((document.data, path), (yearly.data, tmp_path / "yearly.pdf")):
        cells = {_text(tc).strip() for tc in _part(docx_data, "word/document.xml").iter(f"{W}tc")}
        amounts = {c for c in cells if amount.fullmatch(c)}
        layout = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                                check=True).stdout
        assert len(amounts) > 40 and amounts - set(amount.findall(layout)) == set(), pdf_path.name



@pytest.mark.parametrize("template", ["formation_agreement.docx", "supplementary_agreement.docx"])
def test_signature_heading_repeats_on_every_signature_page(template: str) -> None:
    """The signatures sit in a borderless table whose header row, repeated on each page, holds the
    （本页无正文，为《…》签署页） heading; each signatory's block is one row that never splits."""
    body = _part((templates_dir() / template).read_bytes(), "word/document.xml")
    table = next(t for t in body.iter(f"{W}tbl") if "doc.signature_heading" in _text(t))
    rows = table.findall(f"{W}tr")
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert rows[0].find(f"{W}trPr/{W}cantSplit") is not None
    assert rows[0].find(f".//{W}pageBreakBefore") is not None  # the signature section starts a page
    assert "{%tr for s in doc.signatures %}" in _text(rows[1])
    assert rows[2].find(f"{W}trPr/{W}cantSplit") is not None
    borders = table.find(f"{W}tblPr/{W}tblBorders")
    assert borders is not None and all(b.get(f"{W}val") == "nil" for b in borders)
    outside = [p for p in body.findall(f"{W}p") if "doc.signature_heading" in _text(p)]
    assert outside == []  # the heading is printed by the table only, once per page
