"""The web page in a real browser: Playwright driving Debian's chromium against ``docgen serve`` on
loopback. Fill the form (a sample uploaded, a field typed), import the workbook, see a finding, fix it,
download the package and open its .docx. Skipped, with the reason printed, where chromium or Playwright
is missing (``make test`` installs chromium when it can)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BASE_SAMPLE
from docx import Document

import docgen

pytest.importorskip("fastapi", reason="the service extra is not installed (pip install 'docgen[service]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                reason="chromium is not installed (make browser-deps: apt-get install chromium)")
NEW_NAME = "青岛深海智能传感创新联合体"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([str(Path(sys.executable).with_name("docgen")), "serve", "--port", str(port)],
                               env={**os.environ, "DOCGEN_WARM_PDF": "0"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "docgen serve did not start"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(20)


def _text(docx: bytes) -> str:
    document = Document(io.BytesIO(docx))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_page_has_no_outside_assets(server: str) -> None:
    import httpx

    page = httpx.get(server + "/").text
    assert "<html lang=\"zh-CN\">" in page and "创新联合体" in page
    for asset in ("/static/app.js", "/static/app.css"):
        text = httpx.get(server + asset).text
        assert "http://" not in text and "https://" not in text
    assert "http://" not in page and "https://" not in page


def test_fill_import_find_fix_and_download(server: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from docgen.input.spreadsheet import write_workbook

    consortium = docgen.load(BASE_SAMPLE)
    book = load_workbook(io.BytesIO(write_workbook(consortium)))
    assert book["成员单位"]["E1"].value == "单位类型" and book["成员单位"]["A2"].value == "牵头单位"
    book["成员单位"]["E2"] = "高等院校"  # the lead unit is no longer an enterprise
    workbook = tmp_path / "成员任务经费.xlsx"
    book.save(workbook)

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        try:
            page = browser.new_page(accept_downloads=True)
            page.set_default_timeout(90_000)
            outside: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(server) or r.url.startswith("blob:")
                    else outside.append(r.url))
            page.goto(server + "/")
            page.wait_for_selector("body[data-ready=true]")
            assert page.title() == "创新联合体文件生成"
            # enumerations are drop-downs with Chinese labels
            assert "人工智能" in page.locator('select[data-path="industry"]').inner_text()

            # fill the form: load the sample, then type a new name
            page.set_input_files("#upload-input", str(BASE_SAMPLE))
            page.wait_for_selector("#findings .ok")
            assert page.input_value('[data-path="lead.name"]') == consortium.lead.name
            page.fill('[data-path="name"]', NEW_NAME)

            # import the workbook: the lead unit becomes a university, and a finding says so
            page.set_input_files("#upload-xlsx", str(workbook))
            page.wait_for_selector('#findings [data-code="LEAD_NOT_ENTERPRISE"]')
            assert page.input_value('[data-path="name"]') == NEW_NAME  # the rest of the form is kept
            assert page.input_value('[data-path="lead.kind"]') == "高等院校"

            # fix it in the form; the finding goes away
            page.select_option('[data-path="lead.kind"]', "企业")
            page.wait_for_selector("#findings .ok")
            assert page.locator('#findings [data-code="LEAD_NOT_ENTERPRISE"]').count() == 0

            # download the package and open its agreement
            with page.expect_download() as info:
                page.click("#render-docx")
            target = tmp_path / "package.zip"
            info.value.save_as(target)
            assert outside == []
        finally:
            browser.close()

    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        agreement = next(n for n in names if n.endswith("组建协议.docx"))
        text = _text(archive.read(agreement))
    assert "manifest.json" in names
    assert NEW_NAME in text and consortium.lead.name in text
