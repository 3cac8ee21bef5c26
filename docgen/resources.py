"""Locate the clause library and the templates, in a source checkout or an installed wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from docgen.errors import TemplateError

__all__ = ["clauses_dir", "samples_dir", "templates_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    return _locate(_PACKAGE, name)


@lru_cache(maxsize=8)  # looked up once per process: every render asks for the templates folder
def _locate(package: Path, name: str) -> Path:
    # A wheel carries the folders inside the package (see pyproject.toml, force-include); a source
    # checkout or an editable install keeps them at the repository root, beside the package.
    for candidate in (package / "_resources" / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise TemplateError(f"docgen 找不到资源目录 {name}/（安装不完整？）")


def clauses_dir() -> Path:
    """Return the folder of the clause library (clauses/)."""
    return _find("clauses")


def templates_dir() -> Path:
    """Return the folder of the Chinese .docx templates (templates/zh_CN/)."""
    return _find("templates") / "zh_CN"


def samples_dir() -> Path:
    """Return the folder of the sample inputs (samples/)."""
    return _find("samples")
