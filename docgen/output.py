"""Write a run's documents and its manifest.json: all or nothing, never silently overwriting."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docgen.errors import OutputError, OutputExistsError

__all__ = ["MANIFEST", "Document", "manifest", "read_versions", "refuse_existing", "safe_filename",
           "write_documents"]

MANIFEST = "manifest.json"

# Characters Windows or POSIX refuse in a file name, mapped to full-width look-alikes that read the
# same in Chinese text; control characters are dropped.
_UNSAFE = str.maketrans({"/": "／", "\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜",
                         ">": "＞", "|": "｜", **{chr(i): None for i in range(32)}})


def safe_filename(name: str) -> str:
    """Return name usable as one file name on any system (a unit name may contain "/" or ":")."""
    cleaned = name.translate(_UNSAFE).strip().strip(".")
    return cleaned[:120] or "未命名"


@dataclass(frozen=True)
class Document:
    """One produced file: its kind (agreement, plan, …), file name, bytes and provenance.

    clauses maps each clause id (or resource such as plan_outline) to its version; variants maps the
    ids of clauses with variants to the variant chosen.
    """

    kind: str
    filename: str
    data: bytes
    template: str = ""
    clauses: dict[str, str] = field(default_factory=dict)
    variants: dict[str, str] = field(default_factory=dict)


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of data."""
    return hashlib.sha256(data).hexdigest()


MANIFEST_VERSION = 2


def manifest(documents: list[Document], input_sha256: str,
             extra: dict[str, object] | None = None) -> dict[str, object]:
    """Return the manifest of a run (version 2, schema in docs/manifest.schema.json).

    It records the docgen version, the input's hash (of the validated model's canonical JSON, the same
    for the CLI and the API), the SHA-256 of every template used, and per document its kind, path,
    hash, template and each clause's version and chosen variant. extra adds run-level facts (the input
    itself and the options, so ``docgen verify`` can draft the run again; a change run's base input and
    serial number).
    """
    from docgen import __version__

    outline = {"zh_CN/plan_outline.yaml"} if any("plan_outline" in d.clauses for d in documents) else set()
    templates = sorted({d.template for d in documents if d.template} | outline)
    return {
        "manifest_version": MANIFEST_VERSION,
        "docgen_version": __version__,
        "input_sha256": input_sha256,
        "templates": {name: _template_hash(name) for name in templates},
        **(extra or {}),
        "documents": [
            {"kind": d.kind, "format": Path(d.filename).suffix.lstrip("."), "path": d.filename,
             "sha256": sha256(d.data), "template": d.template,
             "clauses": {key: {"version": version, "variant": d.variants.get(key)}
                         for key, version in sorted(d.clauses.items())}}
            for d in documents
        ],
    }


def _template_hash(name: str) -> str:
    """Return the SHA-256 of a template named as in the manifest (zh_CN/formation_agreement.docx)."""
    from docgen.resources import templates_dir

    return sha256((templates_dir().parent / name).read_bytes())  # templates_dir() is templates/zh_CN


def refuse_existing(out_dir: Path, documents: list[Document]) -> None:
    """Raise OutputExistsError naming every target (document or manifest) that already exists."""
    names = [d.filename for d in documents] + [MANIFEST]
    existing = [name for name in names if (Path(out_dir) / name).exists()]
    if existing:
        raise OutputExistsError(
            f"输出目录 {out_dir} 中已有以下文件，未做任何写入（如需覆盖请使用 --force）：" + "、".join(existing)
        )


def write_documents(out_dir: Path, documents: list[Document], input_sha256: str, *,
                    overwrite: bool = False, extra: dict[str, object] | None = None) -> Path:
    """Write the documents and manifest.json into out_dir and return the manifest's path.

    Raise OutputExistsError, writing nothing, if any target exists and overwrite is False. Files are
    first written to a staging folder beside out_dir and then moved into place, so an interrupted run
    leaves either the complete set or nothing new. Raise OutputError (the folder and the system's
    reason) when a file cannot be written.
    """
    out_dir = Path(out_dir)
    names = [d.filename for d in documents] + [MANIFEST]
    if len(set(names)) != len(names):
        raise OutputError(out_dir, "文件名重复：" + "、".join(sorted({n for n in names if names.count(n) > 1})))
    if not overwrite:
        refuse_existing(out_dir, documents)
    text = json.dumps(manifest(documents, input_sha256, extra), ensure_ascii=False, indent=2) + "\n"
    contents = [(d.filename, d.data) for d in documents] + [(MANIFEST, text.encode("utf-8"))]
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    except OSError as exc:
        raise OutputError.from_os(out_dir, exc) from exc
    try:
        for name, data in contents:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        if not out_dir.exists():
            os.replace(staging, out_dir)  # the whole folder appears at once
            return out_dir / MANIFEST
        for name, _ in contents:
            target = out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
    except OSError as exc:
        raise OutputError.from_os(out_dir, exc) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / MANIFEST


def read_versions(root: Path) -> list[dict[str, Any]]:
    """Return the manifests of the change runs already in root (folders holding a supplement), by serial.

    A folder whose manifest is another kind of run is passed over; a manifest that cannot be read, or
    names a supplement without a serial number, raises OutputError (the next serial number would be
    unsure).
    """
    found = []
    for path in sorted(Path(root).glob(f"*/{MANIFEST}")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise OutputError.from_os(path, exc, "清单无法读取，无法确定补充协议的编号") from exc
        except ValueError as exc:
            raise OutputError(path, f"清单不是有效的JSON（{exc}），无法确定补充协议的编号") from exc
        documents = data.get("documents") if isinstance(data, dict) else None
        if not isinstance(documents, list) or not any(isinstance(d, dict) and d.get("kind") == "supplement"
                                                      for d in documents):
            continue  # another kind of run (render): not a change version
        if not isinstance(data.get("serial"), int) or isinstance(data["serial"], bool):
            raise OutputError(path, "补充协议的清单缺少编号（serial），无法确定下一号补充协议的编号")
        found.append({**data, "folder": str(path.parent)})
    return sorted(found, key=lambda d: int(d["serial"]))
