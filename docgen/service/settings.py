"""The service's limits, read from DOCGEN_* environment variables so that every uvicorn worker gets them."""

from __future__ import annotations

import os
from dataclasses import dataclass

from docgen.errors import ArgumentError

__all__ = ["Settings"]


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        raise ArgumentError(f"环境变量 {name} 应为数字，当前为“{value}”") from None
    if number < 0:
        raise ArgumentError(f"环境变量 {name} 不能为负数，当前为“{value}”")
    return number


@dataclass(frozen=True)
class Settings:
    """Limits of one worker process.

    max_body: largest request body in bytes (413 past it). timeout: seconds a request may take, queueing
    included (503 past it). renders / render_queue: documents drafted at once and requests waiting for a
    slot (429 past both). pdf / pdf_queue: the same for requests that convert to PDF, which share one
    LibreOffice per worker (503 past both). pdf_timeout: seconds one PDF conversion may take.
    """

    max_body: int = 5 * 1024 * 1024
    timeout: float = 120.0
    renders: int = 2
    render_queue: int = 8
    pdf: int = 1
    pdf_queue: int = 4
    pdf_timeout: float = 60.0
    warm_pdf: bool = True

    @classmethod
    def from_env(cls) -> Settings:
        """Return the settings given by DOCGEN_MAX_BODY, DOCGEN_TIMEOUT, DOCGEN_RENDERS, DOCGEN_RENDER_QUEUE,
        DOCGEN_PDF, DOCGEN_PDF_QUEUE, DOCGEN_PDF_TIMEOUT and DOCGEN_WARM_PDF (0 turns the kept LibreOffice
        off), each defaulting to the class's value."""
        d = cls()
        return cls(
            max_body=int(_number("DOCGEN_MAX_BODY", d.max_body)),
            timeout=_number("DOCGEN_TIMEOUT", d.timeout),
            renders=max(1, int(_number("DOCGEN_RENDERS", d.renders))),
            render_queue=int(_number("DOCGEN_RENDER_QUEUE", d.render_queue)),
            pdf=max(1, int(_number("DOCGEN_PDF", d.pdf))),
            pdf_queue=int(_number("DOCGEN_PDF_QUEUE", d.pdf_queue)),
            pdf_timeout=_number("DOCGEN_PDF_TIMEOUT", d.pdf_timeout),
            warm_pdf=os.environ.get("DOCGEN_WARM_PDF", "1").strip() not in ("0", "false", "no"),
        )
