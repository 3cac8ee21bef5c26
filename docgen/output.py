"""Write a run's documents and its manifest.json: all or nothing, never silently overwriting."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from docgen.constants import DocumentKind
from docgen.errors import OutputError, OutputExistsError

__all__ = ["MANIFEST", "Document", "commit", "contents_of", "locked_root", "manifest", "output_errors",
           "read_versions", "recover", "refuse_existing", "safe_filename", "write_documents"]

MANIFEST = "manifest.json"

# Characters Windows or POSIX refuse in a file name, mapped to full-width look-alikes that read the
# same in Chinese text; control characters are dropped.
_UNSAFE = str.maketrans({"/": "／", "\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜",
                         ">": "＞", "|": "｜", **{chr(i): None for i in range(32)}})


# A file name's bytes, leaving room under the usual 255-byte limit for a prefix (01-) and the longest
# suffix docgen adds (.签章位置.json).
MAX_NAME_BYTES = 200


def safe_filename(name: str) -> str:
    """Return name usable as one file name on any system (a unit name may contain "/" or ":"), cut on a
    character boundary to at most MAX_NAME_BYTES bytes of UTF-8."""
    cleaned = name.translate(_UNSAFE).strip().strip(".")
    cut = cleaned.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip().rstrip(".")
    return cut or "未命名"


@dataclass(frozen=True)
class Document:
    """One produced file: its kind (agreement, plan, …), file name, bytes and provenance.

    clauses maps each clause id (or resource such as plan_outline) to its version; variants maps the
    ids of clauses with variants to the variant chosen.
    """

    kind: DocumentKind | str  # docgen's own documents carry a DocumentKind; a caller may name others
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
    existing = [name for name in names if os.path.lexists(Path(out_dir) / name)]
    if existing:
        raise OutputExistsError(
            f"输出目录 {out_dir} 中已有以下文件，未做任何写入（如需覆盖请使用 --force）：" + "、".join(existing)
        )


# --- the output root: locked, staged inside itself, committed through a journal ---------------------------

STAGING_PREFIX = ".docgen-staging-"
JOURNAL = "journal.json"
LOCK_TIMEOUT = 600.0  # seconds a run waits for another run writing into the same folder


@contextmanager
def locked_root(root: Path, *, timeout: float | None = None) -> Iterator[Path]:
    """Hold an exclusive lock on the output folder root (created if missing) and yield it.

    The lock is an flock on the folder itself, so nothing is added to it; a second run into the same
    folder waits (up to timeout seconds, default LOCK_TIMEOUT) instead of racing. On entry, what a
    killed run left is repaired first: a staged run whose journal was written is completed, any other
    staging folder is removed.
    """
    root = Path(root)
    with output_errors(root):
        _make_folder(root)
        handle = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _wait_for_lock(handle, root, LOCK_TIMEOUT if timeout is None else timeout)
        with output_errors(root):
            recover(root)
        yield root
    finally:
        os.close(handle)  # releases the lock


def _wait_for_lock(handle: int, root: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OutputError(root, f"另一个 docgen 进程正在写入此文件夹，等待{timeout:g}秒后仍未结束") from None
            time.sleep(0.05)
        except OSError as exc:
            raise OutputError(root, f"无法锁定输出文件夹：{exc.strerror}") from None


@contextmanager
def output_errors(path: Path) -> Iterator[None]:
    """Turn any OSError inside the block into an OutputError naming the file and the reason."""
    try:
        yield
    except OSError as exc:
        where = Path(exc.filename) if exc.filename else path
        raise OutputError.from_os(where, exc) from None


def _make_folder(folder: Path) -> None:
    """Create folder and its parents (modes from the umask); refuse a folder that is a symlink's target."""
    if folder.is_symlink() and not folder.is_dir():
        raise OutputError(folder, "是指向不存在位置的符号链接，未写入")
    folder.mkdir(parents=True, exist_ok=True)


def recover(root: Path) -> list[Path]:
    """Complete or remove what killed runs left in root; return the staging folders dealt with.

    A staging folder with a journal had every file written: its moves are redone (each is a rename,
    so redoing is safe) and the files the journal retires are removed. One without a journal never
    reached its first move and is simply removed: the folder still holds the previous run intact.
    Call only while holding the lock.
    """
    handled = []
    for staging in sorted(Path(root).glob(STAGING_PREFIX + "*")):
        if staging.is_dir() and not staging.is_symlink():
            if (staging / JOURNAL).is_file():
                _roll_forward(root, staging)
            shutil.rmtree(staging, ignore_errors=True)
            handled.append(staging)
    return handled


def _roll_forward(root: Path, staging: Path) -> None:
    """Move every staged file of the journal into place (the manifest last), then retire the stale ones."""
    journal = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    target = root / journal["target"] if journal["target"] else root
    for name in journal["files"]:
        source = staging / "files" / name
        if source.is_file():
            _no_symlink(root, target / name)
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target / name)
    for name in journal["remove"]:
        path = target / name
        if path.is_file() and not path.is_symlink():
            path.unlink()
            if path.parent != target:  # a sub-folder (诚信承诺书/) left empty goes too
                with contextlib.suppress(OSError):
                    path.parent.rmdir()


def _no_symlink(root: Path, path: Path) -> None:
    """Raise OutputError if path, or a folder between root and path, is a symbolic link."""
    relative = path.relative_to(root)
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            raise OutputError(current, "是符号链接；docgen 不会跟随输出文件夹中的符号链接写入")


def _check_names(folder: Path, names: list[str]) -> None:
    """Raise OutputError if a file name repeats or would leave folder."""
    if len(set(names)) != len(names):
        raise OutputError(folder, "文件名重复：" + "、".join(sorted({n for n in names if names.count(n) > 1})))
    for name in names:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or not path.parts or name.startswith(STAGING_PREFIX):
            raise OutputError(folder / name, "文件名不能离开输出文件夹")


def _listed(manifest_path: Path) -> list[str]:
    """Return the relative paths a previous run's manifest lists (nothing if it is not ours)."""
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    documents = data.get("documents", []) if isinstance(data, dict) else []
    names = [d.get("path") for d in documents if isinstance(d, dict)]
    return [n for n in names if isinstance(n, str) and n and not PurePosixPath(n).is_absolute()
            and ".." not in PurePosixPath(n).parts]


def commit(root: Path, sub: str, contents: list[tuple[str, bytes]], *, overwrite: bool = False) -> Path:
    """Write contents (relative name, bytes; the manifest last) into root/sub and return that folder.

    Call while holding ``locked_root(root)``. Everything is first written to a staging folder inside
    root (same filesystem, so a mount point given as root works). A new sub-folder then appears with
    one rename. Otherwise a journal listing the moves is written and the files are renamed into place,
    the manifest last; the files the previous manifest listed and this run does not write are removed
    (with overwrite), so no stale document stays. A run killed at any point leaves either the previous
    set or, once the next run in root has recovered it, the new one.
    """
    names = [name for name, _ in contents]
    target = root / sub if sub else root
    _check_names(target, names)
    with output_errors(target):
        _no_symlink(root, target)
        for name in names:
            _no_symlink(root, target / name)
        if os.path.lexists(target) and not target.is_dir():
            raise OutputError(target, "已存在同名文件，不是文件夹")
        existing = [n for n in names if os.path.lexists(target / n)]
        if existing and not overwrite:
            raise OutputExistsError(f"输出目录 {target} 中已有以下文件，未做任何写入（如需覆盖请使用 --force）："
                                    + "、".join(existing))
        stale = [n for n in _listed(target / MANIFEST) if n not in names] if overwrite else []
        staging = root / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        staging.mkdir()
        journaled = False
        try:
            for name, data in contents:
                path = staging / "files" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("xb") as stream:
                    stream.write(data)
            if not target.exists():  # a new folder: it appears whole, with one rename
                os.rename(staging / "files", target)
                return target
            journal = json.dumps({"target": sub, "files": names, "remove": stale}, ensure_ascii=False)
            (staging / (JOURNAL + ".tmp")).write_text(journal, encoding="utf-8")
            os.replace(staging / (JOURNAL + ".tmp"), staging / JOURNAL)
            journaled = True  # from here on the run completes: now, or in the next run's recover()
            _roll_forward(root, staging)
            shutil.rmtree(staging, ignore_errors=True)
        finally:
            if not journaled:
                shutil.rmtree(staging, ignore_errors=True)
    return target


def manifest_bytes(documents: list[Document], input_sha256: str, extra: dict[str, object] | None = None) -> bytes:
    """Return manifest.json's bytes for documents."""
    text = json.dumps(manifest(documents, input_sha256, extra), ensure_ascii=False, indent=2) + "\n"
    return text.encode("utf-8")


def contents_of(documents: list[Document], input_sha256: str,
                extra: dict[str, object] | None = None) -> list[tuple[str, bytes]]:
    """Return what a run writes: each document's name and bytes, then manifest.json."""
    return [(d.filename, d.data) for d in documents] + [(MANIFEST, manifest_bytes(documents, input_sha256, extra))]


def write_documents(out_dir: Path, documents: list[Document], input_sha256: str, *,
                    overwrite: bool = False, extra: dict[str, object] | None = None) -> Path:
    """Write the documents and manifest.json into out_dir and return the manifest's path.

    Raise OutputExistsError, writing nothing, if any target exists and overwrite is False; OutputError
    naming the path and reason if the file system refuses. out_dir is locked for the run and written
    through ``commit``: all or nothing, and with overwrite the previous run's other files removed.
    """
    contents = contents_of(documents, input_sha256, extra)
    _check_names(Path(out_dir), [name for name, _ in contents])
    with locked_root(Path(out_dir)) as root:
        commit(root, "", contents, overwrite=overwrite)
    return Path(out_dir) / MANIFEST


def read_versions(root: Path) -> list[dict[str, Any]]:
    """Return the manifests of the change runs already in root (folders holding a supplement), by serial.

    A folder whose manifest is another kind of run is passed over; a manifest that cannot be read, or
    names a supplement without a serial number, raises OutputError (the next serial number would be
    unsure).
    """
    found = []
    for path in sorted(Path(root).glob(f"*/{MANIFEST}")):
        if path.parent.is_symlink() or path.is_symlink():
            continue  # a link inside the root is not one of its versions (and is never written through)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise OutputError.from_os(path, exc, "清单无法读取，无法确定补充协议的编号") from exc
        except ValueError as exc:
            raise OutputError(path, f"清单不是有效的JSON（{exc}），无法确定补充协议的编号") from exc
        documents = data.get("documents") if isinstance(data, dict) else None
        if not isinstance(documents, list) or not any(isinstance(d, dict) and d.get("kind") == DocumentKind.SUPPLEMENT
                                                      for d in documents):
            continue  # another kind of run (render): not a change version
        if not isinstance(data.get("serial"), int) or isinstance(data["serial"], bool):
            raise OutputError(path, "补充协议的清单缺少编号（serial），无法确定下一号补充协议的编号")
        found.append({**data, "folder": str(path.parent)})
    return sorted(found, key=lambda d: int(d["serial"]))
