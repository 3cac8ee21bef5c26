"""The work behind each endpoint: synchronous, run in a worker thread, each in its own temporary folder
that is removed when the job ends. Inputs go through docgen's public loading (``docgen.load`` on the body
written to a file), so problems carry the same labels, paths and line numbers as the CLI."""

from __future__ import annotations

import io
import json
import tempfile
import typing
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

import docgen
from docgen.drafting.register import PartyRegister
from docgen.errors import InputError, InputProblem, OutputError
from docgen.input.model import Consortium
from docgen.render.warm import WarmOffice, using
from docgen.rules.guideline import has_errors
from docgen.service.problems import Problem

__all__ = ["Input", "change_job", "check_job", "export_job", "import_job", "parse_job", "render_job", "template_job",
           "zip_folder"]

Format = Literal["json", "yaml"]
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where available
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same documents give the same zip bytes


@dataclass(frozen=True)
class Input:
    """One input as received: its bytes, their format and the name to show in messages."""

    data: bytes
    format: Format
    name: str = "请求体"


@dataclass(frozen=True)
class Archive:
    """A zip to send back and the file name to offer for it."""

    filename: str
    data: bytes


def _load(item: Input, folder: Path, stem: str = "input") -> Consortium:
    """Return the consortium in item, loaded from a file in folder like the CLI loads one."""
    path = folder / f"{stem}.{item.format}"
    path.write_bytes(item.data)
    try:
        return docgen.load(path)
    except InputError as exc:
        raise InputError(exc.problems, item.name) from None


def parse_job(item: Input) -> Any:
    """Return the data of item as JSON-ready values, not validated (a form loads it to be completed);
    raise InputError for a YAML or JSON syntax error, with its line."""
    import json

    try:
        text = item.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([InputProblem("", "输入文件", f"不是 UTF-8 编码的文本（第{exc.start}字节）")],
                         item.name) from None
    try:
        data = json.loads(text) if item.format == "json" else yaml.load(text, Loader=_SAFE_LOADER)
    except json.JSONDecodeError as exc:
        raise InputError([InputProblem("", "输入文件", f"JSON 语法错误：{exc.msg}", exc.lineno)], item.name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = InputProblem("", "输入文件", f"YAML 语法错误：{getattr(exc, 'problem', None) or exc}",
                               mark.line + 1 if mark is not None else None)
        raise InputError([problem], item.name) from None
    if not isinstance(data, dict):
        raise InputError([InputProblem("", "输入", "顶层应为键值结构（YAML 映射或 JSON 对象）")], item.name)
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))  # dates → "2025-03-06"


def check_job(item: Input) -> dict[str, Any]:
    """Return check's findings for item as ``docgen check --json`` gives them, with counts."""
    with tempfile.TemporaryDirectory(prefix="docgen-request-") as tmp:
        consortium = _load(item, Path(tmp))
    findings = docgen.check(consortium)
    errors = sum(f.severity == "error" for f in findings)
    return {"valid": not has_errors(findings), "errors": errors, "warnings": len(findings) - errors,
            "findings": [f.as_dict() for f in findings]}


def render_job(item: Input, *, pdf: bool = False, draft: bool = False, review: bool = False,
               kinds: list[str] | None = None, office: WarmOffice | None = None) -> Archive:
    """Return a zip of the documents of item and their manifest; with kinds, only those kinds. PDFs are
    converted by office (a LibreOffice kept running) when given, else by a LibreOffice started for them."""
    from docgen.documents import all_documents, render_record, with_pdfs
    from docgen.output import safe_filename, write_documents

    wanted = set(kinds or [])
    review = review or "agreement_review" in wanted
    with tempfile.TemporaryDirectory(prefix="docgen-request-") as tmp:
        folder = Path(tmp)
        consortium = _load(item, folder)
        findings = docgen.check(consortium)
        documents = all_documents(consortium, draft=draft, review=review, findings=findings)
        if wanted:
            unknown = sorted(wanted - {d.kind for d in documents})
            if unknown:
                raise Problem(400, "参数无效", f"kinds 中有未知的文件类型：{'、'.join(unknown)}", code="BAD_KINDS",
                              available=sorted({d.kind for d in documents}))
            documents = [d for d in documents if d.kind in wanted]
        if pdf:
            with using(office):
                documents = with_pdfs(documents, consortium, draft=draft)
        out = folder / "out"
        write_documents(out, documents, docgen.input_digest(consortium),
                        extra=render_record(consortium, draft=draft, pdf=pdf, review=review))
        return Archive(safe_filename(consortium.short_name) + ".zip", zip_folder(out))


def change_job(old: Input, new: Input, *, pdf: bool = False, draft: bool = False,
               office: WarmOffice | None = None, serial: int | None = None,
               previous: bytes | None = None) -> Archive:
    """Return a zip of the change folder (补充协议第N号/…) drafted from old to new.

    previous is the manifest.json of the change that produced old (from the earlier response's zip):
    the supplement is then No. its serial + 1, its parties keep the designations that manifest records
    and the original's clause library is checked against it, exactly as ``docgen change`` does in one
    folder. serial alone numbers the supplement (the parties then in old's input order, with a warning);
    given with previous it must be the next number.
    """
    from docgen.documents import change_run, input_digest
    from docgen.drafting.supplement import serial_name
    from docgen.output import safe_filename

    with tempfile.TemporaryDirectory(prefix="docgen-request-") as tmp:
        folder = Path(tmp)
        problems = []
        loaded: list[Consortium] = []
        for item, stem in ((old, "old"), (new, "new")):
            try:
                loaded.append(_load(item, folder, stem))
            except InputError as exc:
                problems.append(exc)
        if problems:  # every problem of both files at once, each file named
            raise InputError([p for exc in problems for p in _named(exc)], "、".join(e.source or "" for e in problems))
        out = folder / "out"
        if previous is not None:
            record = _previous(previous, input_digest(loaded[0]), serial)
            earlier = out / f"补充协议{serial_name(int(record['serial']))}"
            earlier.mkdir(parents=True)
            (earlier / "manifest.json").write_bytes(previous)
        with using(office):
            manifest, _findings = change_run(loaded[0], loaded[1], out, draft=draft, pdf=pdf, serial=serial)
        return Archive(safe_filename(loaded[1].short_name + manifest.parent.name) + ".zip",
                       zip_folder(manifest.parent, prefix=manifest.parent.name))


def _about_previous(message: str) -> list[InputProblem]:
    return [InputProblem("previous", "上一号补充协议的清单", message)]


def _previous(data: bytes, old_digest: str, serial: int | None) -> dict[str, Any]:
    """Return the earlier change's manifest; raise InputError unless it is one whose new version is old
    and, with serial, whose number precedes it."""
    try:
        record = json.loads(data)
    except (ValueError, RecursionError):
        raise InputError(_about_previous(
            "不是有效的JSON（应为上一号补充协议变更文件夹中的 manifest.json）"), "previous") from None
    documents = record.get("documents") if isinstance(record, dict) else None
    earlier = record.get("serial") if isinstance(record, dict) else None
    if (record.get("command") if isinstance(record, dict) else None) != "change" or not isinstance(documents, list) \
            or not isinstance(earlier, int) or isinstance(earlier, bool) or not 1 <= earlier < 999:
        raise InputError(_about_previous(
            "不是补充协议变更运行的清单（command 应为 change，并有编号 serial）"), "previous")
    if not any(isinstance(d, dict) and d.get("kind") == "supplement" for d in documents):
        raise InputError(_about_previous(
            "清单中没有补充协议"), "previous")
    try:
        PartyRegister.from_json(record.get("parties"), Path("previous"))
    except OutputError as exc:
        raise InputError(_about_previous(
            exc.reason), "previous") from None
    if record.get("input_sha256") != old_digest:
        raise InputError(_about_previous(
            "其变更后的版本与本次的原版本（old）不一致：原版本应为上一号补充协议变更后的版本"), "previous")
    if serial is not None and serial != earlier + 1:
        raise InputError(_about_previous(
            f"上一号补充协议为第{earlier}号，本次应为第{earlier + 1}号，而 serial 为 {serial}"), "previous")
    return typing.cast(dict[str, Any], record)


def import_job(workbook: bytes, base: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """Return input data: base (not validated: a form being filled in) with the workbook's units, tasks
    and funding; InputError names the sheet, row and column of every problem."""
    from docgen.input.spreadsheet import read_workbook

    return read_workbook(workbook, base, name=name)


def export_job(item: Input) -> bytes:
    """Return the .xlsx of item's units, tasks and funding."""
    from docgen.input.spreadsheet import write_workbook

    with tempfile.TemporaryDirectory(prefix="docgen-request-") as tmp:
        return write_workbook(_load(item, Path(tmp)))


def template_job() -> bytes:
    """Return the empty template workbook."""
    from docgen.input.spreadsheet import write_workbook

    return write_workbook()


def _named(exc: InputError) -> list[Any]:
    """Return exc's problems with the file's name in front of each label."""
    from docgen.errors import InputProblem

    return [InputProblem(p.path, f"{exc.source}：{p.label}" if exc.source else p.label, p.message, p.line)
            for p in exc.problems]


def zip_folder(folder: Path, *, prefix: str = "") -> bytes:
    """Return a zip of every file under folder, in name order with fixed timestamps (deterministic)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            info = zipfile.ZipInfo(f"{prefix}/{name}" if prefix else name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
