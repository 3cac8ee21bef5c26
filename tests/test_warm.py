"""The LibreOffice the service keeps running (docgen.render.warm): it converts, it is started again after
it dies or overruns its timeout, the service uses it for /v1/render?pdf=true, and the CLI never does.
Skipped, with the reason shown, where LibreOffice or the system Python's uno module is missing."""

from __future__ import annotations

import io
import os
import shutil
import signal
from pathlib import Path

import pytest
from conftest import BASE_SAMPLE
from pypdf import PdfReader

import docgen
from docgen.documents import all_documents
from docgen.errors import ConversionError
from docgen.render import warm
from docgen.render.pdf import convert

PYTHON = warm.system_python()
pytestmark = [
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"),
    pytest.mark.skipif(PYTHON is None, reason="the system Python has no uno module (apt-get install python3-uno)"),
]


@pytest.fixture(scope="module")
def office() -> object:
    office = warm.WarmOffice(python=PYTHON)
    yield office
    office.stop()


@pytest.fixture(scope="module")
def commitment() -> docgen.Consortium:
    consortium = docgen.load(BASE_SAMPLE)
    return next(d for d in all_documents(consortium) if d.kind == "commitment"), consortium


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")


def test_converts_keeps_running_and_restarts_after_dying(office: warm.WarmOffice, commitment: tuple) -> None:
    document, consortium = commitment
    with warm.using(office):
        first = convert([document])
        pid = office.pid
        second = convert([document])
    assert office.starts == 1 and office.pid == pid and pid is not None
    assert "诚信承诺书" in _text(first[0].data) and consortium.lead.name in _text(first[0].data)
    assert first[0].filename.endswith(".pdf") and _text(second[0].data) == _text(first[0].data)
    os.killpg(pid, signal.SIGKILL)  # LibreOffice dies between two requests
    with warm.using(office):
        again = convert([document])
    assert office.starts == 2 and office.pid not in (None, pid)
    assert _text(again[0].data) == _text(first[0].data)


def test_a_conversion_past_its_timeout_stops_it_and_the_next_starts_afresh(office: warm.WarmOffice,
                                                                             commitment: tuple) -> None:
    document, _ = commitment
    with warm.using(office):
        convert([document])
        starts = office.starts
        with pytest.raises(ConversionError, match=r"超过 0\.001 秒未完成"):
            convert([document], timeout=0.001)
        assert not office.running
        assert convert([document])[0].data.startswith(b"%PDF")
    assert office.starts == starts + 1


def test_outside_using_the_cold_path_is_taken(monkeypatch: pytest.MonkeyPatch, commitment: tuple) -> None:
    document, _ = commitment
    assert warm.current() is None
    calls = []
    monkeypatch.setattr(warm.WarmOffice, "convert", lambda *a, **k: calls.append(a))
    assert convert([document])[0].data.startswith(b"%PDF") and calls == []


def test_the_service_renders_pdfs_with_its_office(tmp_path: Path) -> None:
    pytest.importorskip("fastapi", reason="the service extra is not installed")
    from test_service import YAML, call, members

    from docgen.service.app import create_app
    from docgen.service.settings import Settings

    app = create_app(Settings())
    try:
        async def go(c: object) -> list:
            render = await c.post("/v1/render?pdf=true&kinds=agreement,commitment", content=BASE_SAMPLE.read_bytes(),
                                  headers=YAML)
            return [render, await c.get("/healthz")]

        render, health = call(app, go)
        assert render.status_code == 200, render.text
        files = members(render)
        pdfs = [name for name in files if name.endswith(".pdf")]
        assert any("备案材料" in name for name in pdfs) and len(pdfs) >= 3
        assert health.json()["pdf"]["warm"] == {"enabled": True, "running": True, "starts": 1}
    finally:
        app.state.office.stop()
