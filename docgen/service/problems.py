"""RFC 9457 problem details (application/problem+json) for every error the service returns.

An InputError carries its problems exactly as the CLI prints them (English path, Chinese label path,
message, line); a RuleError carries its findings as ``docgen check --json`` does.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from docgen.errors import (
    ConversionError,
    DocgenError,
    InputError,
    OutputError,
    OutputExistsError,
    RuleError,
    TemplateError,
)

__all__ = ["PROBLEM_JSON", "Problem", "from_error", "problem_response"]

PROBLEM_JSON = "application/problem+json"

# HTTP status of each docgen error; the most specific class that matches wins.
_STATUS: tuple[tuple[type[DocgenError], int, str], ...] = (
    (InputError, 422, "输入无效"),
    (RuleError, 422, "检查未通过"),
    (OutputExistsError, 409, "输出已存在"),
    (ConversionError, 503, "PDF 转换失败"),
    (TemplateError, 500, "条款或模板缺陷"),
    (OutputError, 500, "写出文件失败"),
)


class Problem(DocgenError):
    """An error response: status, a short Chinese title, a detail, and extension members. Raised inside
    the service only; the application answers it as problem+json."""

    def __init__(self, status: int, title: str, detail: str, *, code: str, headers: dict[str, str] | None = None,
                 **extensions: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code  # per instance: BUSY, TIMEOUT, a docgen error's code …
        self.headers = headers or {}
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        """Return the problem+json object."""
        out: dict[str, Any] = {"type": f"urn:docgen:problem:{self.code.lower().replace('_', '-')}",
                               "title": self.title, "status": self.status, "detail": self.detail,
                               "code": self.code}
        if instance:
            out["instance"] = instance
        return {**out, **self.extensions}


def from_error(exc: DocgenError) -> Problem:
    """Return the Problem for a docgen error, with the same labels, paths, lines and findings as the CLI."""
    status, title = 500, "内部错误"
    for kind, kind_status, label in _STATUS:
        if isinstance(exc, kind):
            status, title = kind_status, label
            break
    code = str(getattr(exc, "code", "DOCGEN_ERROR"))
    if isinstance(exc, InputError):
        problems = [{"path": p.path, "label": p.label, "message": p.message, "line": p.line} for p in exc.problems]
        return Problem(status, title, str(exc), code=code, problems=problems)
    if isinstance(exc, RuleError):
        errors = sum(f.severity == "error" for f in exc.findings)
        return Problem(status, title, f"检查未通过：{errors}项错误，未生成任何文件。", code=code,
                       findings=[f.as_dict() for f in exc.findings])
    return Problem(status, title, str(exc), code=code)


def problem_response(problem: Problem, instance: str | None = None) -> Response:
    """Return problem as an application/problem+json response."""
    text = json.dumps(problem.body(instance), ensure_ascii=False)
    return Response(text, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers)
