"""docgen drafts the legal documents of a Qingdao innovation consortium (创新联合体).

Data flows one way: ``load`` (YAML/JSON → model) → ``check`` (guideline rules → findings) →
``render_*`` (clause library + template → .docx bytes) → ``render_to`` (files + manifest.json).
Member changes: ``diff`` / ``check_change`` → ``render_change`` (补充协议 and the regenerated set).

The names below are imported on first use (PEP 562), so ``import docgen`` stays cheap for a portal
or a CLI call that needs only part of it; the errors are plain imports.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.constants import DocumentKind
from docgen.errors import (
    ArgumentError,
    ConversionError,
    DocgenError,
    FormatError,
    InputError,
    InputProblem,
    OutputError,
    OutputExistsError,
    RuleError,
    TemplateError,
)

if TYPE_CHECKING:
    from docgen.documents import (
        input_digest,
        render_agreement,
        render_change,
        render_commitments,
        render_plan,
        render_to,
    )
    from docgen.input.loading import load, parse
    from docgen.input.model import Consortium
    from docgen.rules.change import ChangeSet, check_change, diff
    from docgen.rules.guideline import Finding, check

__all__ = [
    "ArgumentError", "ChangeSet", "Consortium", "ConversionError", "DocgenError", "DocumentKind", "Finding",
    "FormatError", "InputError", "InputProblem",
    "OutputError", "OutputExistsError", "RuleError", "TemplateError", "build_package", "check", "check_change",
    "diff", "input_digest", "load", "parse", "render_agreement", "render_change", "render_commitments",
    "render_compliance", "render_plan", "render_review", "render_to", "schema", "to_pdf",
]
__version__ = "0.1.0"

# public name → the module that defines it
_LAZY = {
    "ChangeSet": "docgen.rules.change", "check_change": "docgen.rules.change", "diff": "docgen.rules.change",
    "input_digest": "docgen.documents", "render_agreement": "docgen.documents",
    "render_change": "docgen.documents", "render_commitments": "docgen.documents",
    "render_compliance": "docgen.documents",
    "render_plan": "docgen.documents", "render_review": "docgen.documents", "render_to": "docgen.documents",
    "load": "docgen.input.loading", "parse": "docgen.input.loading",
    "Consortium": "docgen.input.model",
    "Finding": "docgen.rules.guideline", "check": "docgen.rules.guideline",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'docgen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups are ordinary attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def schema() -> dict[str, object]:
    """Return the form-ready JSON Schema of the input (draft 2020-12): Chinese titles and descriptions on
    every field, enumerations as ``oneOf`` of ``const`` + Chinese ``title``, the 10+1 industries and
    Qingdao's districts as enumerations, patterns for credit codes, phones, money and percentages."""
    from docgen.input.schema import form_schema

    return form_schema()


def to_pdf(paths: list[Path], *, overwrite: bool = False, timeout: float = 300) -> list[Path]:
    """Return the PDFs converted from .docx files (written beside them) with one LibreOffice start.

    Raise ConversionError naming the packages to install when LibreOffice is missing, and
    OutputExistsError when a PDF exists and overwrite is False.
    """
    from docgen.render import pdf  # imported here: pypdf and LibreOffice are needed only for PDFs

    return pdf.to_pdf(paths, overwrite=overwrite, timeout=timeout)


def build_package(pdf_paths: list[Path], out: Path, *, title: str, author: str, subject: str = "",
                  keywords: str = "", draft: bool = False, overwrite: bool = False) -> Path:
    """Return out, the merged filing package of the PDFs: one bookmark per document, metadata set,
    and a diagonal 草稿 watermark on every page when draft."""
    from docgen.render import pdf

    return pdf.build_package(pdf_paths, out, title=title, author=author, subject=subject, keywords=keywords,
                             draft=draft, overwrite=overwrite)
