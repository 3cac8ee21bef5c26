"""Signing positions for e-seal platforms: each unit's seal rectangle holds its name; keywords unique."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import SAMPLES
from pypdf import PdfReader
from test_pdf import needs_soffice

import docgen

HUMANOID = SAMPLES / "humanoid-robot.yaml"


def text_in(pdf: Path, page: int, rect: list[float]) -> str:
    """Return the characters pypdf places inside rect on page (1-based), line by line, left to right.

    A CJK character advances one em, so each character of a text chunk sits at x + index × font size.
    """
    x0, y0, x1, y1 = rect
    found: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        x, y = cm[0] * tm[4] + cm[4], cm[3] * tm[5] + cm[5]
        for index, char in enumerate(text.replace("\n", "")):
            cx = x + index * size * tm[0]
            if char.strip() and x0 - 0.5 <= cx < x1 and y0 <= y <= y1:
                found.append((-round(y), cx, char))

    PdfReader(str(pdf)).pages[page - 1].extract_text(visitor_text=visit)
    return "".join(c for _, _, c in sorted(found))


def all_text(pdf: Path) -> str:
    return "".join(p.extract_text() for p in PdfReader(str(pdf)).pages).replace("\n", "").replace(" ", "")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("signing") / "run"
    docgen.render_to(docgen.load(HUMANOID), out, pdf=True)
    return out


@needs_soffice
def test_each_unit_seals_the_agreement_where_its_name_is(rendered: Path) -> None:
    consortium = docgen.load(HUMANOID)
    (positions_file,) = rendered.glob("*组建协议.签章位置.json")
    positions = json.loads(positions_file.read_text(encoding="utf-8"))
    pdf = rendered / positions["file"]
    pages = len(PdfReader(str(pdf)).pages)
    assert positions["pages"] == pages and positions["riding_seal"] == {"from_page": 1, "to_page": pages}
    assert [u["credit_code"] for u in positions["units"]] == [u.credit_code for u in consortium.units]
    text = all_text(pdf)
    for unit in positions["units"]:
        assert unit["name"] in text_in(pdf, unit["page"], unit["rect"])
        x0, y0, x1, y1 = unit["rect"]
        assert x1 - x0 >= 113 and y1 - y0 >= 113  # room for a 40 mm seal
        assert text.count(unit["keyword"].replace(" ", "")) == 1
        assert unit["keyword"].startswith(unit["designation"]) and "盖章" in unit["keyword"]
    assert positions["units"][0]["designation"] == "甲方（牵头单位）"


@needs_soffice
def test_each_commitment_is_sealed_by_its_own_unit(rendered: Path) -> None:
    consortium = docgen.load(HUMANOID)
    files = sorted((rendered / "诚信承诺书").glob("*.签章位置.json"))
    assert len(files) == len(consortium.units)
    for path, unit in zip(files, consortium.units, strict=True):
        positions = json.loads(path.read_text(encoding="utf-8"))
        (seal,) = positions["units"]
        assert seal["credit_code"] == unit.credit_code
        assert unit.name in text_in(rendered / positions["file"], seal["page"], seal["rect"])


@needs_soffice
def test_package_positions_point_into_the_merged_pdf(rendered: Path) -> None:
    (path,) = rendered.glob("*备案材料.签章位置.json")
    positions = json.loads(path.read_text(encoding="utf-8"))
    package = rendered / positions["file"]
    assert positions["pages"] == len(PdfReader(str(package)).pages)
    assert positions["parts"][0]["title"].endswith("组建协议")
    for part in positions["parts"]:
        for unit in part["units"]:
            assert part["riding_seal"]["from_page"] <= unit["page"] <= part["riding_seal"]["to_page"]
            assert unit["name"] in text_in(package, unit["page"], unit["rect"])


@needs_soffice
def test_the_leaver_and_the_joiner_both_seal_the_supplement(tmp_path: Path) -> None:
    old, new = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    folder = docgen.render_change(old, new, tmp_path / "changes", pdf=True).parent
    (path,) = [p for p in folder.glob("*.签章位置.json") if "补充协议" in p.name and "材料" not in p.name]
    positions = json.loads(path.read_text(encoding="utf-8"))
    codes = {u["credit_code"] for u in positions["units"]}
    assert codes == {u.credit_code for u in old.units} | {u.credit_code for u in new.units}
    for unit in positions["units"]:
        assert unit["name"] in text_in(folder / positions["file"], unit["page"], unit["rect"])
    # nine signatories run onto further pages: each signature page is headed 本页无正文 (the repeated row)
    pages = PdfReader(str(folder / positions["file"])).pages
    signature_pages = sorted({unit["page"] for unit in positions["units"]})
    assert len(signature_pages) >= 2
    assert signature_pages == list(range(signature_pages[0], signature_pages[-1] + 1))
    for page in signature_pages:
        text = pages[page - 1].extract_text().replace("\n", "").replace(" ", "")
        heading = "（本页无正文，为《青岛市海洋领域大模型创新联合体组建协议补充协议（第一号）》签署页）"
        assert text.startswith(heading), page


def test_a_signatory_missing_from_the_pdf_is_an_error() -> None:
    from pypdf import PdfWriter

    from docgen.render.signing import Signatory, signing_positions

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(docgen.ConversionError, match="找不到以下单位的签章位置：某某有限公司"):
        signing_positions(buffer.getvalue(), "x.pdf", [Signatory("某某有限公司", "91370212MA3R7K2L4D")])
