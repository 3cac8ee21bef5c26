"""docgen drafts the legal documents of a Qingdao innovation consortium (创新联合体).

Data flows one way: ``load`` (YAML/JSON → model) → ``check`` (guideline rules → findings) →
``render_*`` (clause library + template → .docx bytes) → ``render_to`` (files + manifest.json).
"""

from pathlib import Path

from docgen.changes import ChangeSet, check_change, diff
from docgen.documents import (
    input_digest, render_agreement, render_change, render_commitments, render_plan, render_to,
)
from docgen.errors import (
    ConversionError, DocgenError, InputError, InputProblem, OutputExistsError, RuleError, TemplateError,
)
from docgen.loading import load, parse
from docgen.models import Consortium
from docgen.rules import Finding, check


def to_pdf(paths: list[Path], *, overwrite: bool = False, timeout: float = 300) -> list[Path]:
    """Return the PDFs converted from .docx files (written beside them) with one LibreOffice start.

    Raise ConversionError naming the packages to install when LibreOffice is missing, and
    OutputExistsError when a PDF exists and overwrite is False.
    """
    from docgen import pdf  # imported here: pypdf and LibreOffice are needed only for PDFs

    return pdf.to_pdf(paths, overwrite=overwrite, timeout=timeout)


def build_package(pdf_paths: list[Path], out: Path, *, title: str, author: str, subject: str = "",
                  keywords: str = "", draft: bool = False, overwrite: bool = False) -> Path:
    """Return out, the merged filing package of the PDFs: one bookmark per document, metadata set,
    and a diagonal 草稿 watermark on every page when draft."""
    from docgen import pdf

    return pdf.build_package(pdf_paths, out, title=title, author=author, subject=subject, keywords=keywords,
                             draft=draft, overwrite=overwrite)


def schema() -> dict[str, object]:
    """Return the JSON Schema of the input (draft 2020-12), with Chinese titles on every field."""
    return Consortium.model_json_schema()


__all__ = [
    "ChangeSet", "check_change", "diff", "render_change",
    "Consortium", "ConversionError", "DocgenError", "Finding", "InputError", "InputProblem",
    "OutputExistsError", "RuleError", "TemplateError", "check", "input_digest", "load", "parse",
    "build_package", "render_agreement", "render_commitments", "render_plan", "render_to", "schema",
    "to_pdf",
]
__version__ = "0.1.0"
