"""The HTTP service (docgen serve), driven in-process through httpx's ASGI transport: every endpoint, the
problem+json errors with the CLI's labels and lines, the limits (body size, queue, timeout) and the
temporary folders. The .docx files that come back are opened and read."""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
import threading
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the service extra is not installed (pip install 'docgen[service]')")

import httpx
from conftest import BASE_SAMPLE, SAMPLES
from docx import Document

import docgen
from docgen.errors import InputError
from docgen.service import jobs
from docgen.service.app import create_app
from docgen.service.settings import Settings

YAML = {"content-type": "application/yaml"}
SAMPLE = BASE_SAMPLE.read_bytes()


def call(app: Any, go: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
    """Return go(client) run against app on one event loop."""
    async def main() -> Any:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://docgen.test", timeout=120) as client:
            return await go(client)

    return asyncio.run(main())


def request(method: str, url: str, app: Any = None, **kwargs: Any) -> httpx.Response:
    return call(app or create_app(Settings()), lambda c: c.request(method, url, **kwargs))  # type: ignore[no-any-return]


def members(response: httpx.Response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def text_of(docx: bytes) -> str:
    document = Document(io.BytesIO(docx))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_health_schema_clauses_and_openapi() -> None:
    app = create_app(Settings())

    async def go(c: httpx.AsyncClient) -> list[httpx.Response]:
        return [await c.get(p) for p in ("/healthz", "/v1/schema", "/v1/clauses", "/openapi.json", "/docs")]

    health, schema, clauses, openapi, docs = call(app, go)
    assert health.json()["status"] == "ok" and health.json()["version"] == docgen.__version__
    assert schema.json() == docgen.schema() and schema.headers["content-type"] == "application/schema+json"
    ids = [c["id"] for c in clauses.json()["agreement"]]
    assert "ip.patent_right" in ids or any(c["variants"] for c in clauses.json()["agreement"])
    assert clauses.json()["supplement"]
    paths = openapi.json()["paths"]
    assert {"/v1/check", "/v1/render", "/v1/change", "/v1/schema", "/v1/clauses", "/healthz"} <= set(paths)
    assert "application/yaml" in paths["/v1/render"]["post"]["requestBody"]["content"]
    assert "/v1/render" in docs.text and "http://" not in docs.text and "https://" not in docs.text


def test_check_returns_the_findings_of_docgen_check() -> None:
    bad = SAMPLES / "invalid" / "lead-not-enterprise.yaml"
    good = request("POST", "/v1/check", content=SAMPLE, headers=YAML).json()
    assert good["valid"] is True and good["errors"] == 0
    result = request("POST", "/v1/check", content=bad.read_bytes(), headers=YAML).json()
    assert result["valid"] is False
    assert result["findings"] == [f.as_dict() for f in docgen.check(docgen.load(bad))]
    assert "LEAD_NOT_ENTERPRISE" in [f["code"] for f in result["findings"] if f["severity"] == "error"]


def test_check_accepts_json() -> None:
    data = docgen.load(BASE_SAMPLE).model_dump(mode="json")
    response = request("POST", "/v1/check", json=data)
    assert response.status_code == 200 and response.json()["valid"] is True


def test_bad_input_is_problem_json_with_the_cli_labels_paths_and_lines() -> None:
    bad = SAMPLES / "invalid" / "bad-fields.yaml"
    response = request("POST", "/v1/check", content=bad.read_bytes(), headers=YAML)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "INPUT_ERROR" and body["status"] == 422 and body["instance"] == "/v1/check"
    with pytest.raises(InputError) as cli:
        docgen.load(bad)
    expected = [{"path": p.path, "label": p.label, "message": p.message, "line": p.line} for p in cli.value.problems]
    assert body["problems"] == expected and any(p["line"] for p in expected)


def test_render_returns_the_documents_and_manifest() -> None:
    response = request("POST", "/v1/render", content=SAMPLE, headers=YAML)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    files = members(response)
    manifest = json.loads(files["manifest.json"])
    assert sorted(d["path"] for d in manifest["documents"]) == sorted(n for n in files if n != "manifest.json")
    agreement = next(d["path"] for d in manifest["documents"] if d["kind"] == "agreement")
    consortium = docgen.load(BASE_SAMPLE)
    assert files[agreement] == docgen.render_agreement(consortium)
    assert consortium.lead.name in text_of(files[agreement])
    assert manifest["input_sha256"] == docgen.input_digest(consortium)


def test_render_is_deterministic_and_selects_kinds() -> None:
    app = create_app(Settings())

    async def go(c: httpx.AsyncClient) -> list[httpx.Response]:
        return [await c.post("/v1/render", content=SAMPLE, headers=YAML),
                await c.post("/v1/render", content=SAMPLE, headers=YAML),
                await c.post("/v1/render?kinds=agreement,plan", content=SAMPLE, headers=YAML),
                await c.post("/v1/render?kinds=contract", content=SAMPLE, headers=YAML)]

    first, second, some, bad = call(app, go)
    assert first.content == second.content
    kinds = sorted(d["kind"] for d in json.loads(members(some)["manifest.json"])["documents"])
    assert kinds == ["agreement", "plan"] and len(members(some)) == 3
    assert bad.status_code == 400 and bad.json()["code"] == "BAD_KINDS" and "agreement" in bad.json()["available"]


def test_rule_errors_refuse_unless_draft() -> None:
    bad = (SAMPLES / "invalid" / "lead-not-enterprise.yaml").read_bytes()
    refused = request("POST", "/v1/render", content=bad, headers=YAML)
    assert refused.status_code == 422 and refused.json()["code"] == "RULE_ERROR"
    assert "LEAD_NOT_ENTERPRISE" in [f["code"] for f in refused.json()["findings"]]
    drafted = request("POST", "/v1/render?draft=true&kinds=agreement", content=bad, headers=YAML)
    assert drafted.status_code == 200
    agreement = next(v for k, v in members(drafted).items() if k.endswith(".docx"))
    assert docgen.render_agreement(docgen.load(SAMPLES / "invalid" / "lead-not-enterprise.yaml"), draft=True) \
        == agreement


def test_change_from_uploaded_files_and_from_json() -> None:
    v1, v2 = SAMPLES / "marine-ai-v1.yaml", SAMPLES / "marine-ai-v2.yaml"
    uploaded = request("POST", "/v1/change", files={"old": (v1.name, v1.read_bytes(), "application/yaml"),
                                                    "new": (v2.name, v2.read_bytes(), "application/yaml")})
    assert uploaded.status_code == 200, uploaded.text
    files = members(uploaded)
    assert all(name.startswith("补充协议第一号/") for name in files)
    manifest = json.loads(files["补充协议第一号/manifest.json"])
    supplement = next(d["path"] for d in manifest["documents"] if d["kind"] == "supplement")
    text = text_of(files[f"补充协议第一号/{supplement}"])
    assert "补充协议" in text and docgen.load(v2).lead.name in text
    pair = {"old": docgen.load(v1).model_dump(mode="json"), "new": docgen.load(v2).model_dump(mode="json")}
    as_json = request("POST", "/v1/change", json=pair)
    assert as_json.status_code == 200 and members(as_json) == files


def test_change_series_over_http_keeps_the_designations() -> None:
    v1, v2, v3 = (SAMPLES / f"marine-ai-v{n}.yaml" for n in (1, 2, 3))

    def upload(old: Path, new: Path, **extra: Any) -> Any:
        files = {"old": (old.name, old.read_bytes(), "application/yaml"),
                 "new": (new.name, new.read_bytes(), "application/yaml"), **extra}
        return request("POST", "/v1/change", files=files)

    first = members(upload(v1, v2))
    previous = first["补充协议第一号/manifest.json"]
    second = upload(v2, v3, previous=("manifest.json", previous, "application/json"))
    assert second.status_code == 200, second.text
    files = members(second)
    manifest = json.loads(files["补充协议第二号/manifest.json"])
    assert manifest["serial"] == 2 and manifest["warnings"] == []
    supplement = next(d["path"] for d in manifest["documents"] if d["kind"] == "supplement")
    text = text_of(files[f"补充协议第二号/{supplement}"])
    assert "乙方五（成员单位）" in text and "乙方八（成员单位）" in text and "补充协议（第二号）" in text
    # as JSON, with serial stated: the same
    as_json = request("POST", "/v1/change?serial=2", json={
        "old": docgen.load(v2).model_dump(mode="json"), "new": docgen.load(v3).model_dump(mode="json"),
        "previous": json.loads(previous)})
    assert as_json.status_code == 200 and members(as_json) == files
    # validated: the wrong number, a manifest whose new version is not old, a number out of range
    wrong = request("POST", "/v1/change?serial=3", json={
        "old": docgen.load(v2).model_dump(mode="json"), "new": docgen.load(v3).model_dump(mode="json"),
        "previous": json.loads(previous)})
    assert wrong.status_code == 422 and "本次应为第2号" in wrong.text
    unrelated = upload(v1, v2, previous=("manifest.json", previous, "application/json"))
    assert unrelated.status_code == 422 and "与本次的原版本（old）不一致" in unrelated.text
    assert request("POST", "/v1/change?serial=0", json={"old": {}, "new": {}}).status_code == 400
    # serial alone numbers the supplement and warns that the designations are not carried over
    alone = members(request("POST", "/v1/change?serial=2", json={
        "old": docgen.load(v2).model_dump(mode="json"), "new": docgen.load(v3).model_dump(mode="json")}))
    assert any("无法沿用其当事人称谓登记" in w for w in json.loads(alone["补充协议第二号/manifest.json"])["warnings"])


def test_change_names_the_file_of_each_problem() -> None:
    v1 = SAMPLES / "marine-ai-v1.yaml"
    bad = SAMPLES / "invalid" / "bad-fields.yaml"
    files = {"old": (v1.name, v1.read_bytes()), "new": (bad.name, bad.read_bytes())}
    response = request("POST", "/v1/change", files=files)
    assert response.status_code == 422
    assert all(p["label"].startswith("新版本 bad-fields.yaml：") for p in response.json()["problems"])
    assert request("POST", "/v1/change", content=b"{}").json()["code"] == "BAD_CHANGE_BODY"


def test_body_size_limit() -> None:
    app = create_app(Settings(max_body=1000))
    response = request("POST", "/v1/check", app, content=SAMPLE, headers=YAML)
    assert response.status_code == 413 and response.json()["code"] == "BODY_TOO_LARGE"

    async def streamed(c: httpx.AsyncClient) -> httpx.Response:
        async def chunks() -> Any:
            for start in range(0, len(SAMPLE), 500):
                yield SAMPLE[start:start + 500]
        return await c.post("/v1/check", content=chunks(), headers=YAML)  # no Content-Length

    assert call(app, streamed).status_code == 413


def _blocking(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make check_job wait until the returned event is set."""
    release = threading.Event()
    original = jobs.check_job

    def slow(item: jobs.Input) -> dict[str, Any]:
        release.wait(30)
        return original(item)

    monkeypatch.setattr(jobs, "check_job", slow)
    return release


def test_a_full_queue_is_refused_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    release = _blocking(monkeypatch)
    app = create_app(Settings(renders=1, render_queue=1))

    async def go(c: httpx.AsyncClient) -> tuple[list[httpx.Response], int]:
        running = [asyncio.create_task(c.post("/v1/check", content=SAMPLE, headers=YAML)) for _ in range(2)]
        while app.state.render_gate.held < 2:
            await asyncio.sleep(0.01)
        refused = await c.post("/v1/check", content=SAMPLE, headers=YAML)
        release.set()
        done = [await task for task in running]
        return [refused, *done], app.state.render_gate.held

    (refused, *done), held = call(app, go)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    assert refused.json()["code"] == "BUSY"
    assert [r.status_code for r in done] == [200, 200] and held == 0


def test_a_request_past_the_timeout_gets_503_and_keeps_its_slot_until_the_work_ends(
        monkeypatch: pytest.MonkeyPatch) -> None:
    release = _blocking(monkeypatch)
    app = create_app(Settings(timeout=0.3, renders=1, render_queue=0))

    async def go(c: httpx.AsyncClient) -> tuple[httpx.Response, httpx.Response, int]:
        late = await c.post("/v1/check", content=SAMPLE, headers=YAML)
        busy = await c.post("/v1/check", content=SAMPLE, headers=YAML)  # the timed-out work still runs
        release.set()
        while app.state.render_gate.held:
            await asyncio.sleep(0.01)
        return late, busy, app.state.render_gate.held

    late, busy, held = call(app, go)
    assert late.status_code == 503 and late.json()["code"] == "TIMEOUT" and "retry-after" in late.headers
    assert busy.status_code == 429 and held == 0


def test_each_request_works_in_a_temporary_folder_removed_afterwards(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen: list[Path] = []
    original = jobs._load

    def spy(item: jobs.Input, folder: Path, stem: str = "input") -> Any:
        seen.append(folder)
        return original(item, folder, stem)

    monkeypatch.setattr(jobs, "_load", spy)
    assert request("POST", "/v1/render?kinds=agreement", content=SAMPLE, headers=YAML).status_code == 200
    assert request("POST", "/v1/check", content=b"name: [", headers=YAML).status_code == 422
    assert len(seen) == 2 and all(folder.parent == tmp_path for folder in seen)
    assert not any(folder.exists() for folder in seen) and list(tmp_path.iterdir()) == []


def test_unknown_routes_and_bad_parameters_are_problems_too() -> None:
    missing = request("GET", "/v2/nothing")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    bad = request("POST", "/v1/render?pdf=maybe", content=SAMPLE, headers=YAML)
    assert bad.status_code == 400 and bad.json()["code"] == "BAD_PARAMETER" and "pdf" in bad.json()["detail"]
    empty = request("POST", "/v1/check", content=b"  ", headers=YAML)
    assert empty.status_code == 400 and empty.json()["code"] == "EMPTY_BODY"


def test_docgen_serve_answers_on_loopback() -> None:
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    docgen_cli = Path(sys.executable).with_name("docgen")
    server = subprocess.Popen([str(docgen_cli), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "docgen serve did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        checked = httpx.post(f"http://127.0.0.1:{port}/v1/check", content=SAMPLE, headers=YAML, timeout=60)
        assert checked.json()["valid"] is True
    finally:
        server.terminate()
        server.wait(10)
        if server.stdout:
            server.stdout.close()


def test_spreadsheet_endpoints() -> None:
    import openpyxl

    consortium = docgen.load(BASE_SAMPLE)
    app = create_app(Settings())
    base = json.dumps(consortium.model_dump(mode="json"), ensure_ascii=False)

    async def go(c: httpx.AsyncClient) -> list[httpx.Response]:
        template = await c.get("/v1/template.xlsx")
        exported = await c.post("/v1/export", content=SAMPLE, headers=YAML)
        imported = await c.post("/v1/import", files={"file": ("book.xlsx", exported.content)}, data={"base": base})
        book = openpyxl.load_workbook(io.BytesIO(exported.content))
        book["经费投入"]["D2"] = "abc"
        buffer = io.BytesIO()
        book.save(buffer)
        broken = await c.post("/v1/import", files={"file": ("book.xlsx", buffer.getvalue())})
        return [template, exported, imported, broken]

    template, exported, imported, broken = call(app, go)
    assert template.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames[0] == "成员单位"
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.content))["成员单位"].iter_rows(values_only=True))
    assert rows[1][1] == consortium.lead.name
    assert imported.status_code == 200 and docgen.parse(imported.json()) == consortium
    assert broken.status_code == 422
    assert broken.json()["problems"][0]["label"] == "工作表“经费投入”第2行D列（金额（元））"
    assert broken.json()["problems"][0]["path"] == "funding[0].amount"
