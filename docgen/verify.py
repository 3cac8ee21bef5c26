"""Verify a run's files against its manifest: hashes, and for an edited .docx the text edited outside docgen.

``verify_folder`` recomputes the SHA-256 of every file the manifest lists. A .docx whose bytes differ is
compared, paragraph by paragraph (table cells included, in order), with the same document drafted
again from the input recorded in the manifest, so the report shows the words someone changed in Word
rather than a bare hash mismatch. PDFs can only be reported as changed or missing.
"""

from __future__ import annotations

import difflib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docgen.errors import DocgenError, InputError, OutputError
from docgen.output import MANIFEST, Document, sha256

__all__ = ["FileCheck", "verify_file", "verify_folder"]


@dataclass(frozen=True)
class FileCheck:
    """The verdict on one file: ok, changed or missing; for a changed .docx, the edited text."""

    path: str
    status: str  # "ok", "changed", "missing"
    edits: tuple[str, ...] = ()  # "- 原文" / "+ 现文" lines of a paragraph-level diff


def read_manifest(path: Path) -> dict[str, Any]:
    """Return the manifest at path; raise OutputError when it cannot be read or is not a docgen manifest."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(Path(path), f"无法读取清单：{exc}") from exc
    if not isinstance(data, dict) or data.get("manifest_version") != 2 or "documents" not in data:
        raise OutputError(Path(path), "不是docgen第2版清单（manifest_version 2），无法核验")
    return data


def verify_folder(folder: Path | str) -> list[FileCheck]:
    """Return the verdict on every file the folder's manifest.json lists, in manifest order."""
    folder = Path(folder)
    manifest = read_manifest(folder / MANIFEST)
    return [_check(folder / entry["path"], entry, manifest) for entry in manifest["documents"]]


def verify_file(path: Path | str, manifest_path: Path | str) -> FileCheck:
    """Return the verdict on one file against the manifest entry with its name (or its relative path)."""
    path, manifest_path = Path(path), Path(manifest_path)
    manifest = read_manifest(manifest_path)
    for entry in manifest["documents"]:
        if path.resolve() == (manifest_path.parent / entry["path"]).resolve():
            return _check(path, entry, manifest)
    matches = [e for e in manifest["documents"] if Path(e["path"]).name == path.name]
    if len(matches) != 1:
        raise OutputError(path, f"清单 {manifest_path} 中{'没有' if not matches else '有多个'}名为“{path.name}”的文件")
    return _check(path, matches[0], manifest)


def _check(path: Path, entry: dict[str, Any], manifest: dict[str, Any]) -> FileCheck:
    if not path.is_file():
        return FileCheck(entry["path"], "missing")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OutputError(path, str(exc.strerror or exc)) from exc
    if sha256(data) == entry["sha256"]:
        return FileCheck(entry["path"], "ok")
    if entry["format"] != "docx":
        return FileCheck(entry["path"], "changed")
    original = _redraft(entry, manifest)
    return FileCheck(entry["path"], "changed", tuple(_text_diff(text_of(original), text_of(data))))


def _redraft(entry: dict[str, Any], manifest: dict[str, Any]) -> bytes:
    """Return the bytes docgen drafts again for this entry from the input the manifest records."""
    from docgen.documents import change_documents, run_documents
    from docgen.drafting.register import PartyRegister
    from docgen.input.loading import parse

    options = manifest.get("options", {})
    try:
        new = parse(manifest["input"], source="manifest.json input")
        if manifest.get("command") == "change":
            old = parse(manifest["base_input"], source="manifest.json base_input")
            from docgen.drafting.supplement import PriorSupplement

            previous = [PriorSupplement.from_record(r)
                        for r in manifest.get("previous_supplements", manifest.get("previous", []))]
            recorded = manifest.get("parties")
            register = (PartyRegister.from_json(recorded, Path(entry["path"])).retreat()
                        if recorded is not None else None)
            documents: list[Document] = change_documents(old, new, serial=int(manifest["serial"]),
                                                         previous=previous, draft=bool(options.get("draft")),
                                                         original_parties=list(manifest.get("original_parties", [])),
                                                         register=register,
                                                         differences=list(manifest.get("library_differences", [])))
        else:
            documents = run_documents(new, draft=bool(options.get("draft")), review=bool(options.get("review")),
                                      scope=str(options.get("for", "all")))
    except (KeyError, InputError) as exc:
        raise OutputError(Path(entry["path"]), f"清单记录的输入无法重新生成该文件：{exc}") from exc
    except DocgenError:
        raise
    for document in documents:
        if document.filename == entry["path"]:
            return document.data
    raise OutputError(Path(entry["path"]), "按清单记录的输入重新生成时没有这个文件（生成它的docgen版本不同？）")


def text_of(docx_bytes: bytes) -> list[str]:
    """Return the text of a .docx: body paragraphs and table cells in document order."""
    from docx import Document as open_docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = open_docx(io.BytesIO(docx_bytes))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                lines.extend(cell.text for cell in row.cells)
    return [line for line in lines if line.strip()]


def _text_diff(before: list[str], after: list[str]) -> list[str]:
    """Return the paragraphs removed (- 原文：…) and added (+ 现文：…), in document order."""
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            out.extend(f"- 原文：{line}" for line in before[i1:i2])
        if op in ("insert", "replace"):
            out.extend(f"+ 现文：{line}" for line in after[j1:j2])
    return out
