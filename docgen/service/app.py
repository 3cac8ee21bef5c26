"""The HTTP application: ``create_app()`` for uvicorn (``docgen serve``) and for tests.

FastAPI, because docgen's input is already a pydantic model (one validation library), it writes the
OpenAPI document from the routes, and Starlette's test client drives it in-process. Every route that
drafts runs its job in a worker thread behind a Gate (limits.py); errors are problem+json (problems.py).
"""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

import docgen
from docgen.errors import DocgenError
from docgen.render.warm import WarmOffice, system_python
from docgen.service import jobs
from docgen.service.limits import BodyLimit, Gate
from docgen.service.problems import PROBLEM_JSON, Problem, from_error, problem_response
from docgen.service.settings import Settings

__all__ = ["create_app"]

T = TypeVar("T")

_WEB = Path(__file__).with_name("web")  # the web page: index.html, app.js, app.css (nothing from outside)
_STATIC = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}

_INPUT_BODY: dict[str, Any] = {
    "required": True,
    "description": "创新联合体输入：JSON（结构见 GET /v1/schema）或 YAML 文本，与命令行的输入文件相同。",
    "content": {
        "application/json": {"schema": {"$ref": "/v1/schema"}},
        "application/yaml": {"schema": {"type": "string"}},
    },
}
_PROBLEM: dict[str, Any] = {
    "description": "错误（RFC 9457 problem+json）：输入问题附 problems（path、label、message、line），"
                   "检查未通过附 findings",
    "content": {PROBLEM_JSON: {"schema": {"type": "object"}}},
}
_LIMITS: dict[int | str, dict[str, Any]] = {
    413: _PROBLEM, 422: _PROBLEM,
    429: {**_PROBLEM, "description": "排队已满，见 Retry-After"},
    503: {**_PROBLEM, "description": "PDF 队列已满、处理超时或 PDF 不可用，见 Retry-After"},
}
_ZIP: dict[int | str, dict[str, Any]] = {200: {"description": "文件包（.zip，含 manifest.json）",
              "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the application with settings (default: from DOCGEN_* environment variables)."""
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="docgen",
        version=docgen.__version__,
        summary="青岛市创新联合体组建协议、建设方案及备案材料生成服务",
        description="检查输入、生成组建协议等文件（.docx，可选 PDF 与备案材料合订本）、起草成员变更补充协议。"
                    "错误以 application/problem+json 返回，中文标签、字段路径和行号与命令行一致。",
        docs_url=None, redoc_url=None, lifespan=_lifespan,
    )
    app.state.settings = settings
    python = system_python() if settings.warm_pdf else None  # None: each PDF request starts LibreOffice
    app.state.office = WarmOffice(python=python, timeout=settings.pdf_timeout) if python else None
    app.state.render_gate = Gate("生成队列", settings.renders, settings.render_queue, status=429, retry_after=2)
    app.state.pdf_gate = Gate("PDF 队列", settings.pdf, settings.pdf_queue, status=503, retry_after=10)
    _handlers(app)
    _routes(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Stop the worker's LibreOffice when the worker shuts down."""
    yield
    office: WarmOffice | None = app.state.office
    if office is not None:
        office.stop()


async def _run(request: Request, job: Callable[[], T], *, pdf: bool = False) -> T:
    """Return job() run behind the render gate (the PDF gate when it converts), within the timeout."""
    state = request.app.state
    gate: Gate = state.pdf_gate if pdf else state.render_gate
    return await gate.run(job, state.settings.timeout)


async def _input(request: Request) -> jobs.Input:
    """Return the request body as an Input, its format from Content-Type (or its first character)."""
    data = await request.body()
    if not data.strip():
        raise Problem(400, "请求体为空", "请在请求体中提供 JSON 或 YAML 格式的输入", code="EMPTY_BODY")
    return jobs.Input(data, _format(request.headers.get("content-type", ""), data))


def _format(content_type: str, data: bytes, filename: str = "") -> jobs.Format:
    lowered = content_type.lower()
    if filename.lower().endswith(".json") or "json" in lowered:
        return "json"
    if filename.lower().endswith((".yaml", ".yml")) or "yaml" in lowered:
        return "yaml"
    return "json" if data.lstrip()[:1] in (b"{", b"[") else "yaml"


def _zip(archive: jobs.Archive) -> Response:
    disposition = f"attachment; filename=\"docgen.zip\"; filename*=UTF-8''{quote(archive.filename)}"
    return Response(archive.data, media_type="application/zip", headers={"Content-Disposition": disposition})


def _warm_state(office: WarmOffice | None) -> dict[str, Any]:
    if office is None:
        return {"enabled": False}
    return {"enabled": True, "running": office.running, "starts": office.starts}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> Response:
    disposition = f"attachment; filename=\"docgen.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


async def _workbook(request: Request) -> tuple[bytes, dict[str, Any] | None, str]:
    """Return the uploaded workbook, the optional base input (a JSON object) and the workbook's name."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        data = await request.body()
        if not data:
            raise Problem(400, "请求体为空", "请上传 .xlsx 工作簿", code="EMPTY_BODY")
        return data, None, "工作簿"
    async with request.form() as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Problem(400, "缺少文件", "请上传 file（.xlsx 工作簿）", code="MISSING_FILE")
        data = await upload.read()
        name = upload.filename or "工作簿"
        raw = form.get("base")
        text = (await raw.read()).decode("utf-8") if isinstance(raw, UploadFile) else raw
    base = None
    if text and text.strip():
        try:
            base = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested beyond the stack
            base = None
        if not isinstance(base, dict):
            raise Problem(400, "参数无效", "base 应为 JSON 对象（已有的输入）", code="BAD_BASE")
    return data, base, name


def _kinds(values: list[str]) -> list[str]:
    return [kind.strip() for value in values for kind in value.split(",") if kind.strip()]


def _routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["服务"], summary="健康检查")
    async def healthz() -> dict[str, Any]:
        state = app.state
        return {"status": "ok", "version": docgen.__version__,
                "render": {"running_or_waiting": state.render_gate.held, "slots": state.render_gate.slots},
                "pdf": {"running_or_waiting": state.pdf_gate.held, "slots": state.pdf_gate.slots,
                        "warm": _warm_state(state.office)}}

    @app.get("/v1/schema", tags=["输入"], summary="输入的 JSON Schema（可直接生成表单）")
    async def schema() -> JSONResponse:
        return JSONResponse(docgen.schema(), media_type="application/schema+json")

    @app.get("/v1/clauses", tags=["输入"], summary="条款库：条款、版本和可选方案")
    async def clauses() -> dict[str, Any]:
        from docgen.clauses.library import load_library
        from docgen.resources import clauses_dir

        def listing(library: Any) -> list[dict[str, Any]]:
            return [{"id": c.id, "title": c.title, "version": c.version, "chapter": c.chapter,
                     "legal_basis": list(c.legal_basis), "select": c.select,
                     "variants": [{"key": v.key, "label": v.label, "default": v.default,
                                   "legal_basis": list(v.legal_basis)} for v in c.variants]}
                    for c in library.clauses]

        return {"agreement": listing(load_library()), "supplement": listing(load_library(clauses_dir() / "supplement"))}

    @app.post("/v1/check", tags=["生成"], summary="按指引检查输入，返回检查结果",
              openapi_extra={"requestBody": _INPUT_BODY}, responses={422: _PROBLEM, 413: _PROBLEM, 429: _LIMITS[429]})
    async def check(request: Request) -> dict[str, Any]:
        item = await _input(request)
        return await _run(request, lambda: jobs.check_job(item))

    @app.post("/v1/render", tags=["生成"], summary="生成全部文件，返回 .zip",
              openapi_extra={"requestBody": _INPUT_BODY}, responses={**_ZIP, **_LIMITS},
              response_class=Response)
    async def render(
        request: Request,
        pdf: Annotated[bool, Query(description="同时生成 PDF 与备案材料合订本")] = False,
        draft: Annotated[bool, Query(description="检查有错误时仍生成草稿，每页标注“草稿”")] = False,
        review: Annotated[bool, Query(description="同时生成审阅本（逐条批注，不用于签署）")] = False,
        kinds: Annotated[list[str] | None, Query(
            description="只生成这些类型（逗号分隔或重复）：agreement、plan、commitment、compliance_table、"
                        "agreement_review")] = None,
    ) -> Response:
        item = await _input(request)
        wanted = _kinds(kinds or [])
        office = request.app.state.office
        archive = await _run(request, lambda: jobs.render_job(item, pdf=pdf, draft=draft, review=review,
                                                              kinds=wanted, office=office), pdf=pdf)
        return _zip(archive)

    @app.post("/v1/change", tags=["生成"], summary="由原版本和新版本起草补充协议，返回变更文件夹的 .zip",
              openapi_extra={"requestBody": {
                  "required": True,
                  "description": "multipart/form-data 的两个文件 old、new（.yaml 或 .json），"
                                 "或 JSON 对象 {\"old\": 输入, \"new\": 输入}；续签第二号及以后的补充协议时，"
                                 "另附 previous：上一号补充协议返回的 .zip 中的 manifest.json"
                                 "（old 须为其变更后的版本），各方称谓由此沿用"
                                 "（退出方的称谓不再使用，新加入方顺延编号）",
                  "content": {
                      "multipart/form-data": {"schema": {"type": "object", "required": ["old", "new"], "properties": {
                          "old": {"type": "string", "format": "binary"},
                          "new": {"type": "string", "format": "binary"},
                          "previous": {"type": "string", "format": "binary",
                                       "description": "上一号补充协议的 manifest.json（可选）"}}}},
                      "application/json": {"schema": {"type": "object", "required": ["old", "new"], "properties": {
                          "old": {"$ref": "/v1/schema"}, "new": {"$ref": "/v1/schema"},
                          "previous": {"type": "object", "description": "上一号补充协议的 manifest.json（可选）"}}}}}}},
              responses={**_ZIP, **_LIMITS}, response_class=Response)
    async def change(
        request: Request,
        pdf: Annotated[bool, Query(description="同时生成 PDF 与合订本")] = False,
        draft: Annotated[bool, Query(description="容忍两个版本的检查错误（变更规则除外），每页标注“草稿”")] = False,
        serial: Annotated[int | None, Query(ge=1, le=998, description=(
            "补充协议的编号（2 即第二号）。附 previous 时可省略，给出时须为其下一号；不附 previous 时各方称谓按 old "
            "的单位顺序编排，清单 warnings 中注明"))] = None,
    ) -> Response:
        old, new, previous = await _pair(request)
        office = request.app.state.office
        archive = await _run(request, lambda: jobs.change_job(old, new, pdf=pdf, draft=draft, office=office,
                                                              serial=serial, previous=previous), pdf=pdf)
        return _zip(archive)

    @app.get("/v1/template.xlsx", tags=["表格"], summary="空白导入模板（成员单位、攻关任务、任务经费、经费投入）",
             response_class=Response, responses={200: {"content": {XLSX: {}}, "description": "模板工作簿"}})
    async def template() -> Response:
        return _xlsx(jobs.template_job(), "创新联合体导入模板.xlsx")

    @app.post("/v1/export", tags=["表格"], summary="把输入中的成员单位、任务和经费导出为 .xlsx",
              openapi_extra={"requestBody": _INPUT_BODY}, response_class=Response,
              responses={200: {"content": {XLSX: {}}, "description": "工作簿"}, **_LIMITS})
    async def export(request: Request) -> Response:
        item = await _input(request)
        return _xlsx(await _run(request, lambda: jobs.export_job(item)), "创新联合体成员任务经费.xlsx")

    @app.post("/v1/import", tags=["表格"], summary="从 .xlsx 导入成员单位、任务和经费，返回输入 JSON",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                      "file": {"type": "string", "format": "binary", "description": "工作簿（.xlsx）"},
                      "base": {"type": "string", "description": "可选：已有输入（JSON），其余内容保留"}}}},
                  XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
              responses={422: {**_PROBLEM, "description": "工作簿有问题：每项注明工作表、行和列"}, **_LIMITS})
    async def import_(request: Request) -> JSONResponse:
        workbook, base, name = await _workbook(request)
        data = await _run(request, lambda: jobs.import_job(workbook, base, name))
        return JSONResponse(data)

    @app.post("/v1/parse", tags=["输入"], summary="把 YAML 或 JSON 输入转为 JSON（不校验），供表单载入",
              openapi_extra={"requestBody": _INPUT_BODY}, responses={422: _PROBLEM, 413: _PROBLEM})
    async def parse(request: Request) -> JSONResponse:
        item = await _input(request)
        return JSONResponse(jobs.parse_job(item))

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return Response((_WEB / "index.html").read_bytes(), media_type="text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> Response:
        media = _STATIC.get(name)
        if media is None:
            raise Problem(404, "未找到", f"没有文件 {name}", code="HTTP_404")
        return Response((_WEB / name).read_bytes(), media_type=media)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page(app.openapi()))


async def _pair(request: Request) -> tuple[jobs.Input, jobs.Input, bytes | None]:
    """Return the old and new inputs of a change request (multipart files or a JSON object) and the
    previous change's manifest, when sent."""
    content_type = request.headers.get("content-type", "")
    previous: bytes | None = None
    if content_type.startswith("multipart/form-data"):
        items = []
        async with request.form() as form:  # closes the uploaded files' spools
            sent = form.get("previous")
            if isinstance(sent, UploadFile):
                previous = await sent.read()
            elif isinstance(sent, str):
                previous = sent.encode("utf-8")
            for field, label in (("old", "原版本"), ("new", "新版本")):
                upload = form.get(field)
                if not isinstance(upload, UploadFile):
                    raise Problem(400, "缺少文件", f"请上传 {field}（{label}）文件", code="MISSING_FILE")
                data = await upload.read()
                name = upload.filename or field
                items.append(jobs.Input(data, _format(upload.content_type or "", data, name), f"{label} {name}"))
        return items[0], items[1], previous
    body = await request.body()
    try:
        pair = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested beyond the stack
        pair = None
    if not isinstance(pair, dict) or not {"old", "new"} <= pair.keys():
        raise Problem(400, "请求体无效", "请以 multipart/form-data 上传 old、new 两个文件，或提交 JSON 对象 "
                      "{\"old\": …, \"new\": …}", code="BAD_CHANGE_BODY")
    if "previous" in pair:
        previous = json.dumps(pair["previous"], ensure_ascii=False).encode("utf-8")
    old, new = (jobs.Input(json.dumps(pair[k], ensure_ascii=False).encode("utf-8"), "json", label)
                for k, label in (("old", "原版本"), ("new", "新版本")))
    return old, new, previous


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc, request.url.path)

    @app.exception_handler(DocgenError)
    async def docgen_error(request: Request, exc: DocgenError) -> Response:
        return problem_response(from_error(exc), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"path": ".".join(map(str, e.get("loc", ()))), "message": e.get("msg", "")} for e in exc.errors()]
        return problem_response(Problem(400, "参数无效", "请求参数无效：" + "；".join(
            f"{e['path']} {e['message']}" for e in errors), code="BAD_PARAMETER", errors=errors), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "未找到", 405: "方法不允许"}
        return problem_response(Problem(exc.status_code, titles.get(exc.status_code, "请求错误"), str(exc.detail),
                                        code=f"HTTP_{exc.status_code}"), request.url.path)


def _docs_page(spec: dict[str, Any]) -> str:
    """Return a self-contained HTML page listing the operations of spec (no script or style from outside)."""
    rows = []
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            params = "、".join(f"{p['name']}（{p.get('description', '')}）" for p in op.get("parameters", []))
            rows.append(f"<tr><td><code>{method.upper()} {html.escape(path)}</code></td>"
                        f"<td>{html.escape(op.get('summary', ''))}</td><td>{html.escape(params)}</td></tr>")
    info = spec.get("info", {})
    return (f"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>docgen 接口说明</title>"
            "<style>body{font-family:sans-serif;margin:2em;max-width:70em}td{border-top:1px solid #ccc;"
            "padding:.4em;vertical-align:top}code{white-space:nowrap}</style></head><body>"
            f"<h1>{html.escape(info.get('title', ''))} {html.escape(info.get('version', ''))} 接口说明</h1>"
            f"<p>{html.escape(info.get('description', ''))}</p>"
            "<p>完整的 OpenAPI 文档：<a href=\"/openapi.json\">/openapi.json</a>（可导入 Postman、"
            "OpenAPI Generator 等工具生成 Java 或 .NET 客户端）。</p>"
            "<table><tr><th>接口</th><th>用途</th><th>参数</th></tr>" + "".join(rows) + "</table></body></html>")
