"""PDF conversion and the filing package: open the PDFs and check their words, pages, bookmarks and fonts.

The tests that start LibreOffice are skipped, with the reason shown, where soffice is missing; the
tests of error handling, the watermark file and fonts.conf run everywhere. One module-scoped
conversion of the deep-sea sample serves every test that reads its PDFs. Every test here is marked
``slow`` (``make test`` runs them; ``pytest -m "not slow"`` leaves them out while iterating).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader

from docgen.clauses.library import load_library
from docgen.documents import PLAN_OUTLINE, all_documents
from docgen.drafting.agreement import assemble_agreement
from docgen.drafting.plan import assemble_plan, load_outline
from docgen.errors import ConversionError, OutputExistsError
from docgen.formatting import rmb_upper
from docgen.input.model import Consortium
from docgen.output import Document
from docgen.render import pdf
from docgen.resources import templates_dir

pytestmark = pytest.mark.slow

_skip_without_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed: apt-get install --no-install-recommends "
           "libreoffice-writer-nogui fonts-noto-cjk poppler-utils",
)


def needs_soffice(test: Callable[..., None]) -> Callable[..., None]:
    """Mark a test that starts LibreOffice: slow, and skipped with the reason where soffice is missing."""
    return pytest.mark.slow(_skip_without_soffice(test))


def poppler(tool: str) -> str:
    """Return the path of a poppler-utils tool, skipping the calling test with a reason if it is missing."""
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not installed (apt-get install poppler-utils)")
    return found


def compact(text: str) -> str:
    """Return text without whitespace (LibreOffice puts spaces between CJK and Latin text, and breaks lines)."""
    return re.sub(r"\s+", "", text)


@cache
def pages_text(data: bytes) -> tuple[str, ...]:
    """Return the compacted text of every page of a PDF (cached: extracting ~90 pages takes seconds)."""
    return tuple(compact(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages)


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def one_line_docx(text: str, font: str, *, lang: str | None = None) -> bytes:
    """Return a .docx with one 40 pt line of text in font (East Asian and Latin), optionally tagged lang."""
    document = docx.Document()
    run = document.add_paragraph().add_run(text)
    run.font.size = Pt(40)
    properties = run._r.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attribute), font)
    if lang:
        properties.append(properties.makeelement(qn("w:lang"), {qn("w:eastAsia"): lang}))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- fixtures: one conversion of the sample, two concurrent small ones --------------------------------

@pytest.fixture(scope="module")
def documents(base: Consortium) -> list[Document]:
    """Return the deep-sea sample's .docx Documents (agreement, plan, commitments)."""
    return all_documents(base)


@pytest.fixture(scope="module")
def pdfs(documents: list[Document]) -> list[Document]:
    """Return the sample's documents converted to PDF in one LibreOffice start."""
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return pdf.convert(documents)


# Glyph probes: 骨 and 直 have different shapes in Simplified Chinese and Japanese. No language tag,
# so only the font face LibreOffice picks decides the shape.
PROBES = {"宋体": "宋体", "serif_sc": "Noto Serif CJK SC", "serif_jp": "Noto Serif CJK JP",
          "黑体": "黑体", "sans_sc": "Noto Sans CJK SC"}


@pytest.fixture(scope="module")
def concurrent() -> dict[str, list[Document] | BaseException]:
    """Return the results of two conversions started at the same time in two threads.

    One converts the glyph probes; the other two documents with the same base name in different
    folders, which must not overwrite each other.
    """
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    jobs = {
        "probes": [Document(name, f"probe/{name}.docx", one_line_docx("骨直", font)) for name, font in PROBES.items()],
        "same_name": [Document("commitment", "甲/同名.docx", one_line_docx("甲方文本", "宋体"), "t", {"c": "1"}),
                      Document("commitment", "乙/同名.docx", one_line_docx("乙方文本", "宋体"), "t", {"c": "1"})],
    }
    results: dict[str, list[Document] | BaseException] = {}
    start = threading.Barrier(len(jobs))

    def run(name: str) -> None:
        start.wait()
        try:
            results[name] = pdf.convert(jobs[name])
        except BaseException as exc:  # reported by the test, not lost in the thread
            results[name] = exc

    threads = [threading.Thread(target=run, args=(name,)) for name in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- conversion ------------------------------------------------------------------------------------------

@needs_soffice
def test_convert_keeps_order_kind_and_provenance(documents: list[Document], pdfs: list[Document]) -> None:
    assert [p.filename for p in pdfs] == [d.filename.removesuffix(".docx") + ".pdf" for d in documents]
    assert [(p.kind, p.template, p.clauses) for p in pdfs] == [(d.kind, d.template, d.clauses) for d in documents]
    assert pdfs[2].filename.startswith("诚信承诺书/01-")
    assert all(p.data.startswith(b"%PDF") and page_count(p.data) >= 1 for p in pdfs)


@needs_soffice
def test_agreement_pdf_has_parties_amount_and_articles(base: Consortium, pdfs: list[Document]) -> None:
    text = "".join(pages_text(pdfs[0].data))
    for unit in base.units:
        assert compact(unit.name) in text, unit.name
        assert unit.credit_code in text
    total = sum((f.amount for f in base.funding), Decimal(0))
    assert rmb_upper(total) in text
    articles = [a for chapter in assemble_agreement(base, load_library()).chapters for a in chapter.articles]
    assert "第一条" in text and "第二条" in text
    assert articles[-1].number in text
    assert text.index("第一条") < text.index(articles[-1].number)


@needs_soffice
def test_plan_pdf_has_its_section_headings(base: Consortium, pdfs: list[Document]) -> None:
    text = "".join(pages_text(pdfs[1].data))
    plan = assemble_plan(base, load_outline(templates_dir() / PLAN_OUTLINE))
    top = [h for h in plan.headings if re.match(r"^[一二三四五六七八九十]+、", h)]
    assert "一、建设意义" in top
    positions = [text.index(compact(h)) for h in top]
    assert positions == sorted(positions)  # every top-level heading, in the outline's order


@needs_soffice
def test_commitment_pdfs_name_their_unit(base: Consortium, pdfs: list[Document]) -> None:
    commitments = [p for p in pdfs if p.kind == "commitment"]
    assert len(commitments) == len(base.units)
    for unit, commitment in zip(base.units, commitments, strict=False):
        assert compact(unit.name) in "".join(pages_text(commitment.data))


@needs_soffice
def test_two_conversions_at_once_both_succeed(concurrent: dict[str, list[Document] | BaseException]) -> None:
    for name, result in concurrent.items():
        assert not isinstance(result, BaseException), f"{name}: {result}"
        assert result and all(d.data.startswith(b"%PDF") for d in result)


@needs_soffice
def test_same_base_name_in_two_folders_does_not_collide(
        concurrent: dict[str, list[Document] | BaseException]) -> None:
    result = concurrent["same_name"]
    assert isinstance(result, list)
    assert [d.filename for d in result] == ["甲/同名.pdf", "乙/同名.pdf"]
    assert ["甲方文本" in pages_text(d.data)[0] for d in result] == [True, False]
    assert ["乙方文本" in pages_text(d.data)[0] for d in result] == [False, True]


def test_convert_refuses_other_files_and_returns_nothing_for_nothing() -> None:
    assert pdf.convert([]) == []
    with pytest.raises(ConversionError, match=r"a\.pdf"):
        pdf.convert([Document("x", "a.pdf", b"%PDF-1.7")])


# --- fonts -------------------------------------------------------------------------------------------------

# Latin fonts LibreOffice may substitute for Times New Roman / Courier / Arial on a Linux machine.
LATIN = re.compile(r"DejaVu|Liberation|Times|Arial|Courier|Helvetica|Carlito|Caladea|OpenSymbol")


def pdffonts(path: str, data: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """Return (font name without subset tag, embedded yes/no) for every font pdffonts lists."""
    target = tmp_path / "fonts.pdf"
    target.write_bytes(data)
    lines = subprocess.run([path, str(target)], check=True, capture_output=True, text=True).stdout.splitlines()
    fonts = []
    for line in lines[2:]:
        name, *rest = line.split()
        embedded = rest[-5]  # columns: type (one or two words) encoding emb sub uni object ID
        fonts.append((name.split("+", 1)[-1], embedded))
    return fonts


@needs_soffice
def test_agreement_fonts_are_noto_cjk_serif_and_sans_all_embedded(pdfs: list[Document], tmp_path: Path) -> None:
    """Only Noto CJK and Latin fonts, all embedded; the body (宋体/仿宋) in the serif face.

    Debian's fonts-noto-cjk ships OpenType collections whose faces (JP, KR, SC, TC, HK) share one
    CFF table named "NotoSerifCJKjp-…", so pdffonts shows "jp" whichever face is used; that the SC
    face (and SC glyph shapes) is used is shown by the glyph test below.
    """
    fonts = pdffonts(poppler("pdffonts"), pdfs[0].data, tmp_path)
    assert fonts
    assert all(embedded == "yes" for _, embedded in fonts), fonts
    cjk = [name for name, _ in fonts if not LATIN.search(name)]
    assert all(re.match(r"Noto(Serif|Sans)CJK", name) for name in cjk), fonts
    assert any(name.startswith("NotoSerifCJK") for name in cjk), fonts
    assert any(name.startswith("NotoSansCJK") for name in cjk), fonts  # 黑体 headings


def raster(path: str, data: bytes, tmp_path: Path, name: str) -> bytes:
    """Return page 1 of a PDF as a greyscale PGM at 72 dpi."""
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(data)
    subprocess.run([path, "-r", "72", "-gray", "-f", "1", "-l", "1", "-singlefile", str(source),
                    str(tmp_path / name)], check=True)
    return (tmp_path / f"{name}.pgm").read_bytes()


@needs_soffice
def test_song_and_hei_render_with_simplified_chinese_glyphs(
        concurrent: dict[str, list[Document] | BaseException], tmp_path: Path) -> None:
    """宋体 draws exactly like Noto Serif CJK SC (not JP), 黑体 like Noto Sans CJK SC."""
    pdftoppm = poppler("pdftoppm")
    probes = concurrent["probes"]
    assert isinstance(probes, list)
    image = {d.kind: raster(pdftoppm, d.data, tmp_path, d.kind) for d in probes}
    assert image["serif_sc"] != image["serif_jp"]  # the probe can tell SC from JP
    assert image["宋体"] == image["serif_sc"]
    assert image["黑体"] == image["sans_sc"]


def test_fonts_conf_maps_template_fonts_to_noto_cjk_sc() -> None:
    conf = pdf.fonts_conf()
    text = conf.read_text(encoding="utf-8")
    assert "<include" in text and "/etc/fonts/fonts.conf" in text
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        pytest.skip("fc-match is not installed (fontconfig)")
    if not any("Noto Serif CJK SC" in line for line in subprocess.run(
            [fc_match, "-s", "Noto Serif CJK SC"], capture_output=True, text=True).stdout.splitlines()[:1]):
        pytest.skip("fonts-noto-cjk is not installed")
    expected = {"宋体": "Noto Serif CJK SC", "仿宋": "Noto Serif CJK SC", "仿宋_GB2312": "Noto Serif CJK SC",
                "楷体": "Noto Serif CJK SC", "方正小标宋简体": "Noto Serif CJK SC", "小标宋": "Noto Serif CJK SC",
                "黑体": "Noto Sans CJK SC"}
    environment = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    for family, noto in expected.items():
        found = subprocess.run([fc_match, "-f", "%{family[0]}", family], env=environment, check=True,
                               capture_output=True, text=True).stdout
        assert found == noto, family


# --- the package ---------------------------------------------------------------------------------------

PACKAGE_INFO = {"title": "青岛市深海探测传感器创新联合体备案材料", "author": "青岛海澜深海科技股份有限公司",
                "subject": "创新联合体备案申请", "keywords": "海洋；深海探测传感器"}


@pytest.fixture(scope="module")
def packages(pdfs: list[Document]) -> dict[bool, Document]:
    """Return the sample's package, without and with the draft watermark."""
    return {draft: pdf.package(pdfs, **PACKAGE_INFO, draft=draft) for draft in (False, True)}


@needs_soffice
def test_package_pages_are_the_parts_in_order(pdfs: list[Document], packages: dict[bool, Document]) -> None:
    merged = packages[False]
    assert (merged.kind, merged.filename) == ("package_pdf", "备案材料.pdf")
    assert page_count(merged.data) == sum(page_count(p.data) for p in pdfs)
    assert pages_text(merged.data) == tuple(text for p in pdfs for text in pages_text(p.data))


@needs_soffice
def test_package_has_one_bookmark_per_document_on_its_first_page(
        base: Consortium, pdfs: list[Document], packages: dict[bool, Document]) -> None:
    reader = PdfReader(io.BytesIO(packages[False].data))
    top = [item for item in reader.outline if not isinstance(item, list)]  # nested lists: a part's own bookmarks
    expected = ([d.filename.removesuffix(".pdf") for d in pdfs[:2]]
                + [f"诚信承诺书（{unit.name}）" for unit in base.units]
                + [f"{base.name}合规自查表"])
    assert [item.title for item in top] == expected == [pdf.document_title(p) for p in pdfs]
    starts = [0]
    for part in pdfs[:-1]:
        starts.append(starts[-1] + page_count(part.data))
    assert [reader.get_destination_page_number(item) for item in top] == starts


@needs_soffice
def test_package_metadata(packages: dict[bool, Document]) -> None:
    metadata = PdfReader(io.BytesIO(packages[False].data)).metadata
    assert metadata is not None
    assert (metadata.title, metadata.author, metadata.subject, metadata["/Keywords"]) == tuple(PACKAGE_INFO.values())


@needs_soffice
def test_draft_package_has_the_watermark_on_every_page(packages: dict[bool, Document], tmp_path: Path) -> None:
    assert not any("草稿" in text for text in pages_text(packages[False].data))  # the mark comes from the stamp
    draft = pages_text(packages[True].data)
    assert len(draft) == page_count(packages[False].data)
    assert all("草稿" in text for text in draft)
    pdftoppm = poppler("pdftoppm")
    clean, marked = (raster(pdftoppm, packages[d].data, tmp_path, f"page-{d}") for d in (False, True))
    assert clean != marked  # drawn, not only present as text


def test_watermark_file_is_text_in_an_embedded_cjk_font() -> None:
    page = PdfReader(pdf.watermark_pdf()).pages[0]
    assert compact(page.extract_text()) == "草稿"
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert [str(f["/BaseFont"]).split("+")[-1].startswith("NotoSerifCJK") for f in fonts] == [True]
    descriptor = fonts[0]["/FontDescriptor"].get_object()
    assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_package_rejects_nothing_and_unreadable_pdfs() -> None:
    with pytest.raises(ValueError):
        pdf.package([], **PACKAGE_INFO)
    with pytest.raises(ConversionError, match=r"坏文件\.pdf"):
        pdf.package([Document("pdf", "坏文件.pdf", b"not a pdf")], **PACKAGE_INFO)


# --- files on disk -------------------------------------------------------------------------------------

@needs_soffice
def test_to_pdf_and_build_package_on_files(documents: list[Document], tmp_path: Path) -> None:
    source = tmp_path / "诚信承诺书" / "01-甲.docx"
    source.parent.mkdir()
    source.write_bytes(documents[-1].data)
    [target] = pdf.to_pdf([source])
    assert target == source.with_suffix(".pdf") and target.read_bytes().startswith(b"%PDF")
    out = pdf.build_package([target], tmp_path / "备案材料.pdf", title="t", author="a", draft=True)
    assert all("草稿" in text for text in pages_text(out.read_bytes()))
    with pytest.raises(OutputExistsError):
        pdf.build_package([target], out, title="t", author="a")
    assert pdf.build_package([target], out, title="t", author="a", overwrite=True) == out


def test_to_pdf_refuses_to_overwrite_an_existing_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "协议.docx"
    source.write_bytes(b"docx")
    existing = tmp_path / "协议.pdf"
    existing.write_bytes(b"keep me")
    monkeypatch.setattr(pdf, "convert", lambda *a, **k: pytest.fail("must not convert"))
    with pytest.raises(OutputExistsError, match=r"协议\.pdf"):
        pdf.to_pdf([source])
    assert existing.read_bytes() == b"keep me"


# --- failures are loud -----------------------------------------------------------------------------------

def test_missing_soffice_names_the_packages_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pdf, "_KNOWN_SOFFICE", ())
    with pytest.raises(ConversionError) as caught:
        pdf.convert([Document("agreement", "协议.docx", b"docx")])
    message = str(caught.value)
    for package in ("libreoffice-writer-nogui", "fonts-noto-cjk", "poppler-utils"):
        assert package in message


def fake_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Make convert run a shell script instead of LibreOffice."""
    path = tmp_path / "soffice"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    monkeypatch.setattr(pdf, "soffice_path", lambda: str(path))


def test_missing_pdf_names_the_file_and_quotes_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_soffice(tmp_path, monkeypatch, "echo 'Error: source file could not be loaded' >&2\nexit 0\n")
    with pytest.raises(ConversionError, match=r"诚信承诺书/01-甲\.docx(.|\n)*source file could not be loaded"):
        pdf.convert([Document("commitment", "诚信承诺书/01-甲.docx", b"docx")])


def test_soffice_failure_reports_its_exit_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_soffice(tmp_path, monkeypatch, "echo 'profile locked' >&2\nexit 81\n")
    with pytest.raises(ConversionError, match=r"81(.|\n)*profile locked"):
        pdf.convert([Document("agreement", "协议.docx", b"docx")])


def test_timeout_kills_the_whole_process_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pids = tmp_path / "pids"
    fake_soffice(tmp_path, monkeypatch, f"sleep 60 &\necho $$ $! > {pids}\nwait\n")
    started = time.perf_counter()
    with pytest.raises(ConversionError, match="超过"):
        pdf.convert([Document("agreement", "协议.docx", b"docx")], timeout=1)
    assert time.perf_counter() - started < 30
    assert not any(alive(pid) for pid in map(int, pids.read_text().split()))


def alive(pid: int) -> bool:
    """Return whether pid runs, allowing a second for a killed orphan to be reaped (a zombie is dead)."""
    deadline = time.monotonic() + 1
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state in ("Z", "X") or time.monotonic() > deadline:
            return state not in ("Z", "X")
        time.sleep(0.05)


def test_soffice_sees_docgen_fonts_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = tmp_path / "env"
    fake_soffice(tmp_path, monkeypatch, f'echo "$FONTCONFIG_FILE" > {seen}\nexit 0\n')
    with pytest.raises(ConversionError):
        pdf.convert([Document("agreement", "协议.docx", b"docx")])
    assert seen.read_text().strip() == str(pdf.fonts_conf())
    assert "FONTCONFIG_FILE" not in os.environ or os.environ["FONTCONFIG_FILE"] != str(pdf.fonts_conf())


@needs_soffice
def test_render_to_with_pdf_writes_pdfs_and_the_package_in_filing_order(base: Consortium, tmp_path: Path) -> None:
    import json

    import docgen

    manifest = json.loads(docgen.render_to(base, tmp_path / "run", pdf=True).read_text(encoding="utf-8"))
    entries = manifest["documents"]
    docx_kinds = [d["kind"] for d in entries if d["format"] == "docx"]
    pdf_kinds = [d["kind"] for d in entries if d["format"] == "pdf" and d["kind"] != "package_pdf"]
    assert pdf_kinds == docx_kinds
    (bundle,) = [d for d in entries if d["kind"] == "package_pdf"]
    reader = PdfReader(tmp_path / "run" / bundle["path"])
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[0].endswith("合规自查表") and titles[1].endswith("建设方案") and titles[2].endswith("组建协议")
    assert all(t.startswith("诚信承诺书") for t in titles[3:]) and len(titles) == 3 + len(base.units)
