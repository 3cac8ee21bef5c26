"""Members, tasks and funding as an Excel workbook (.xlsx), the form admin teams already keep.

Four sheets, their column headers the model's Chinese titles: 成员单位 (the lead unit and the members, one
row each), 攻关任务, 任务经费 (each task's budget lines) and 经费投入 (the funding plan), and a 说明 sheet.
``write_workbook`` exports an input (or, without one, the empty template, with drop-down lists for the
enumerations); ``read_workbook`` imports one into input data, on top of a base input when given (the
sheets replace lead, members, tasks and funding; a unit's background IP and in-kind contributions, which
have no columns, are kept from the base unit with the same credit code).

Every problem of an import is reported at once, each naming the sheet, row and column, with the field's
English path: ``工作表“成员单位”第5行C列（统一社会信用代码）`` — the rows are validated by docgen's own
loading (``docgen.parse``), so the messages are those of the CLI.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import typing
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from docgen.errors import ArgumentError, InputError, InputProblem
from docgen.input.model import Consortium, FundingLine, Task, Unit

__all__ = ["SHEETS", "read_workbook", "workbook_problems", "write_workbook"]

LIST_SEPARATOR = "；"
_ROLE_HEADER = "角色"
_ROLES = ("牵头单位", "成员单位")


@dataclass(frozen=True)
class Column:
    """One column: the field's dotted path in the row's record, its header, and how its cells read."""

    path: str
    header: str
    kind: str = "text"  # text, list, money, int, date
    choices: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]


def _field(model: type[BaseModel], dotted: str) -> tuple[str, str, Any]:
    """Return (title, description, annotation) of the field at dotted under model."""
    current: Any = model
    title = description = ""
    annotation: Any = None
    for part in dotted.split("."):
        info = current.model_fields[part]
        title = info.title or next((getattr(m, "title", None) for m in info.metadata if getattr(m, "title", None)),
                                   None) or part
        description = info.description or ""
        annotation = info.annotation
        current = _inner(annotation)
    return str(title), description, annotation


def _inner(annotation: Any) -> Any:
    """Return annotation without Optional/Annotated/list wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin is typing.Annotated or origin in (list, typing.Union, __import__("types").UnionType):
            if not args:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _column(model: type[BaseModel], dotted: str, kind: str = "text", header: str | None = None) -> Column:
    title, description, annotation = _field(model, dotted)
    inner = _inner(annotation)
    choices = tuple(typing.get_args(inner)) if typing.get_origin(inner) is typing.Literal else ()
    if kind == "text" and typing.get_origin(annotation) is list:
        kind = "list"
    if kind == "text" and inner is int:
        kind = "int"
    if kind == "text" and inner is dt.date:
        kind = "date"
    if kind == "text" and inner is Decimal:
        kind = "money"
    note = description + ("（多项以“；”分隔）" if kind == "list" else "")
    note += "（格式 2025-03-06）" if kind == "date" else ""
    return Column(dotted, header or title, kind, choices, note)


def _sheets() -> tuple[Sheet, ...]:
    units = Sheet("成员单位", (
        Column("_role", _ROLE_HEADER, "text", _ROLES, "牵头单位（仅一行）或成员单位"),
        *(_column(Unit, p) for p in ("name", "short_name", "credit_code", "kind", "chain_position", "address",
                                      "district", "legal_representative")),
        _column(Unit, "contact.name"), _column(Unit, "contact.phone"), _column(Unit, "contact.email"),
        _column(Unit, "role"),
        *(_column(Unit, f"resources.{p}") for p in ("cash", "people", "equipment", "sites")),
    ))
    tasks = Sheet("攻关任务", tuple(_column(Task, p) for p in (
        "id", "title", "content", "owner", "participants", "start", "end", "deliverables")))
    budget = Sheet("任务经费", (
        _column(Task, "id"),
        _column(Task, "budget.source"), _column(Task, "budget.amount"), _column(Task, "budget.unit"),
        _column(Task, "budget.year"),
    ))
    funding = Sheet("经费投入", tuple(_column(FundingLine, p)
                                      for p in ("unit", "source", "year", "amount", "payer", "status")))
    return units, tasks, budget, funding


SHEETS: tuple[Sheet, ...] = _sheets()
_UNITS, _TASKS, _BUDGET, _FUNDING = SHEETS


# --- reading ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Row:
    """Where a record came from: its sheet, its row number, and the column letter of each field path."""

    sheet: str
    row: int
    letters: dict[str, str]
    headers: dict[str, str]


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _where(sheet: str, row: int, letter: str = "", header: str = "") -> str:
    cell = f"{letter}列（{header}）" if letter else ""
    return f"工作表“{sheet}”第{row}行{cell}"


def read_workbook(source: Path | bytes, base: dict[str, Any] | None = None, *,
                  name: str | None = None) -> dict[str, Any]:
    """Return input data: base (or an empty input) with lead, members, tasks and funding from the workbook.

    Raise InputError listing every problem of the workbook's rows, each naming sheet, row and column. The
    rest of the input is not checked here (``docgen check`` does that once it is complete).
    """
    data, problems = _read(source, base, name)
    if problems:
        raise InputError(problems, name or (str(source) if isinstance(source, Path) else "工作簿"))
    return data


def workbook_problems(source: Path | bytes, base: dict[str, Any] | None = None) -> list[InputProblem]:
    """Return the problems ``read_workbook`` would raise (an empty list when the workbook is fine)."""
    return _read(source, base, None)[1]


def _read(source: Path | bytes, base: dict[str, Any] | None, name: str | None) -> tuple[dict[str, Any],
                                                                                     list[InputProblem]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, read_only=True,
                             data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        reason = f"不是可读取的 .xlsx 工作簿（{type(exc).__name__}）"
        return {}, [InputProblem("", "工作簿", reason)]
    problems: list[InputProblem] = []
    rows: dict[str, list[tuple[int, dict[str, Any], _Row]]] = {}
    try:
        for sheet in SHEETS:
            if sheet.name not in book.sheetnames:
                problems.append(InputProblem("", f"工作表“{sheet.name}”", "工作簿中缺少这张工作表"))
                continue
            rows[sheet.name] = _records(book[sheet.name], sheet, problems)
    finally:
        book.close()
    data, origins = _assemble(rows, base or {}, problems)
    reported = {p.path for p in problems}
    # every problem at once: what loading finds too, except a field already reported (and so left out)
    problems += [p for p in _validate(data, origins) if p.path not in reported]
    return data, sorted(problems, key=_position)


def _position(problem: InputProblem) -> tuple[int, int, int, str]:
    """Return the sort key of a problem: sheet order, row, column."""
    match = re.match(r"工作表“(.+?)”(?:第(\d+)行)?([A-Z]*)", problem.label)
    if match is None:
        return (-1, 0, 0, problem.label)
    names = [sheet.name for sheet in SHEETS]
    sheet = names.index(match.group(1)) if match.group(1) in names else len(names)
    column = match.group(3)
    return (sheet, int(match.group(2) or 0), len(column), column)


def _records(ws: Any, sheet: Sheet, problems: list[InputProblem]) -> list[tuple[int, dict[str, Any], _Row]]:
    """Return (row number, record, origin) for every non-empty row of ws under its header row."""
    values = list(ws.iter_rows(values_only=True))
    if not values:
        problems.append(InputProblem("", f"工作表“{sheet.name}”", "工作表为空，第1行应为列标题"))
        return []
    header = [str(v).strip() if v is not None else "" for v in values[0]]
    by_header = {c.header: c for c in sheet.columns}
    positions: dict[str, int] = {}
    for place, text in enumerate(header):
        if text in by_header:
            positions[by_header[text].path] = place
        elif text:
            problems.append(InputProblem("", _where(sheet.name, 1, _letter(place), text),
                                         "无法识别的列标题（应为：" + "、".join(by_header) + "）"))
    missing = [c.header for c in sheet.columns if c.path not in positions]
    if missing:
        problems.append(InputProblem("", _where(sheet.name, 1), "缺少列：" + "、".join(missing)))
    letters = {path: _letter(place) for path, place in positions.items()}
    headers = {c.path: c.header for c in sheet.columns}
    out = []
    for number, row in enumerate(values[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        record: dict[str, Any] = {}
        for column in sheet.columns:
            index = positions.get(column.path)
            raw = row[index] if index is not None and index < len(row) else None
            try:
                value = _cell(raw, column)
            except ArgumentError as exc:  # reported with the field's path once the record's place is known
                record.setdefault("_cell_errors", []).append((column.path, str(exc)))
                continue
            if value is not None:
                _put(record, column.path, value)
        out.append((number, record, _Row(sheet.name, number, letters, headers)))
    return out


def _cell(raw: Any, column: Column) -> Any:
    """Return the input value of one cell (None for an empty cell); raise ArgumentError for a bad one."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if column.kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat()
        if isinstance(raw, dt.date):
            return raw.isoformat()
        return str(raw).strip()
    if column.kind == "money":
        if isinstance(raw, bool):
            raise ArgumentError("应为数字金额")
        if isinstance(raw, (int, float)):
            return format(Decimal(str(raw)).normalize(), "f")
        text = str(raw).strip().replace(",", "").replace("，", "")
        try:
            Decimal(text)
        except InvalidOperation:
            raise ArgumentError(f"应为数字金额（单位为元，不带单位），当前为“{raw}”") from None
        return text
    if column.kind == "int":
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        text = str(raw).strip()
        if not re.fullmatch(r"-?[0-9]+", text):
            raise ArgumentError(f"应为整数，当前为“{raw}”")
        return int(text)
    if column.kind == "list":
        return [part.strip() for part in re.split(r"[；;\n]", str(raw)) if part.strip()]
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a phone number or code typed as a number
    if isinstance(raw, (dt.date, dt.datetime)):
        return raw.isoformat()[:10]
    return str(raw).strip()


def _put(record: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        record = record.setdefault(part, {})
    record[last] = value


def _assemble(rows: dict[str, list[tuple[int, dict[str, Any], _Row]]], base: dict[str, Any],
              problems: list[InputProblem]) -> tuple[dict[str, Any], dict[str, _Row]]:
    """Return base with lead, members, tasks and funding from the records, and where each record came
    from by its path in the input ("lead", "members[2]", "tasks[0].budget[1]", …)."""
    data = dict(base)
    origins: dict[str, _Row] = {}
    old_units = {u.get("credit_code"): u for u in [base.get("lead") or {}, *(base.get("members") or [])]
                 if isinstance(u, dict)}
    lead: dict[str, Any] | None = None
    members: list[dict[str, Any]] = []
    for number, record, origin in rows.get(_UNITS.name, []):
        role = record.pop("_role", None)
        unit = _keep_from_base(record, old_units.get(record.get("credit_code")))
        where = _where(_UNITS.name, number, origin.letters.get("_role", ""), _ROLE_HEADER)
        if role not in _ROLES:
            problems.append(InputProblem("", where, f"应为“牵头单位”或“成员单位”，当前为“{role or ''}”"))
        elif role == "牵头单位":
            if lead is not None:
                problems.append(InputProblem("lead", where, "牵头单位只能有一行"))
            lead = unit
            origins["lead"] = origin
            _cell_problems(record, "lead", origin, problems)
        else:
            origins[f"members[{len(members)}]"] = origin
            _cell_problems(record, f"members[{len(members)}]", origin, problems)
            members.append(unit)
    if _UNITS.name in rows:
        if lead is None:
            problems.append(InputProblem("lead", f"工作表“{_UNITS.name}”", "没有角色为“牵头单位”的行"))
        else:
            data["lead"] = lead
        data["members"] = members
    if _TASKS.name in rows:
        tasks = []
        for index, (_number, record, origin) in enumerate(rows[_TASKS.name]):
            origins[f"tasks[{index}]"] = origin
            _cell_problems(record, f"tasks[{index}]", origin, problems)
            tasks.append(record)
        by_id = {t.get("id"): i for i, t in enumerate(tasks)}
        for number, record, origin in rows.get(_BUDGET.name, []):
            task_index = by_id.get(record.get("id"))
            if task_index is None:
                problems.append(InputProblem("", _where(_BUDGET.name, number, origin.letters.get("id", ""),
                                                        origin.headers["id"]),
                                             f"任务编号“{record.get('id', '')}”不在工作表“{_TASKS.name}”中"))
                continue
            lines = tasks[task_index].setdefault("budget", [])
            _cell_problems(record, f"tasks[{task_index}].budget[{len(lines)}]", origin, problems)
            origins[f"tasks[{task_index}].budget[{len(lines)}]"] = _Row(
                origin.sheet, origin.row, {k.removeprefix("budget."): v for k, v in origin.letters.items()},
                {k.removeprefix("budget."): v for k, v in origin.headers.items()})
            lines.append(record.get("budget", {}))
        data["tasks"] = tasks
    if _FUNDING.name in rows:
        funding = []
        for index, (_number, record, origin) in enumerate(rows[_FUNDING.name]):
            origins[f"funding[{index}]"] = origin
            _cell_problems(record, f"funding[{index}]", origin, problems)
            funding.append(record)
        data["funding"] = funding
    return data, origins


def _cell_problems(record: dict[str, Any], prefix: str, origin: _Row, problems: list[InputProblem]) -> None:
    """Move record's cell errors into problems, each with the field's path under prefix."""
    for path, message in record.pop("_cell_errors", []):
        field = path.removeprefix("budget.") if ".budget[" in prefix else path
        problems.append(InputProblem(f"{prefix}.{field}", _where(origin.sheet, origin.row, origin.letters[path],
                                                                 origin.headers[path]), message))


def _keep_from_base(unit: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """Return unit with what the sheet has no column for (background IP, in-kind) taken from old."""
    if not old:
        return unit
    out = dict(unit)
    if "background_ip" in old:
        out["background_ip"] = old["background_ip"]
    if isinstance(old.get("resources"), dict) and "in_kind" in old["resources"]:
        out.setdefault("resources", {})["in_kind"] = old["resources"]["in_kind"]
    return out


_COVERED = ("lead", "members", "tasks", "funding")


def _validate(data: dict[str, Any], origins: dict[str, _Row]) -> list[InputProblem]:
    """Return the problems docgen's loading finds in the workbook's part of data, located in the sheets."""
    import docgen

    try:
        docgen.parse(data)
    except InputError as exc:
        problems = exc.problems
    else:
        return []
    located = []
    for problem in problems:
        top = re.split(r"[.\[]", problem.path, maxsplit=1)[0]
        if top in _COVERED:  # problems elsewhere belong to the rest of the input, not to the workbook
            located.append(_locate(problem, origins))
    return located


def _locate(problem: InputProblem, origins: dict[str, _Row]) -> InputProblem:
    """Return problem with the sheet, row and column of its field in front of its label."""
    prefix = max((p for p in origins if problem.path == p or problem.path.startswith(p + ".")), key=len,
                 default=None)
    if prefix is None:
        return problem
    origin = origins[prefix]
    rest = problem.path[len(prefix):].lstrip(".")
    field = re.sub(r"\[\d+\]", "", rest)
    if field.startswith("budget.") or field == "budget":
        field = field.removeprefix("budget").lstrip(".")
    letter = origin.letters.get(field, "")
    header = origin.headers.get(field, "")
    return InputProblem(problem.path, _where(origin.sheet, origin.row, letter, header), problem.message, None)


# --- writing ------------------------------------------------------------------------------------------------

_EXPLANATION = (
    "本工作簿用于导入或导出创新联合体的成员单位、攻关任务、任务经费和经费投入计划。",
    "每张工作表第1行为列标题，请勿修改；从第2行起每行一条记录，空行会被忽略。",
    "“成员单位”中恰有一行的角色为“牵头单位”；统一社会信用代码为18位，含校验位。",
    "多项内容（参与单位、交付成果、仪器设备、场地）在一个单元格内以“；”分隔。",
    "金额单位为元，填数字，最多两位小数；日期填 2025-03-06 或 Excel 日期。",
    "导入：docgen import 工作簿.xlsx -o 输入.yaml [--base 原输入.yaml]；网页上可直接上传。",
    "其余内容（目标、机制、知识产权、争议解决等）在 YAML 输入或网页表单中填写。",
)


def write_workbook(data: dict[str, Any] | Consortium | None = None) -> bytes:
    """Return the .xlsx bytes of data's lead, members, tasks and funding; without data, the empty template.

    Headers carry the field's description as a comment; enumerated columns get a drop-down list.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    if isinstance(data, Consortium):
        data = data.model_dump(mode="json")
    book = Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.name)
        for index, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=index, value=column.header)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if column.note:
                cell.comment = Comment(column.note, "docgen")
            ws.column_dimensions[_letter(index - 1)].width = max(12, min(40, 2 * len(column.header) + 4))
            choices = column.choices
            if column.path == "district":
                from docgen.rules.guideline import QINGDAO_DISTRICTS

                choices = QINGDAO_DISTRICTS
            if choices:
                validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
                validation.showErrorMessage = column.path != "district"  # a member may be outside Qingdao
                validation.error = "请从下拉列表中选择"
                validation.add(f"{_letter(index - 1)}2:{_letter(index - 1)}1000")
                ws.add_data_validation(validation)
        ws.freeze_panes = "A2"
        for record in _rows_of(sheet, data or {}):
            ws.append([_out_cell(_get(record, c.path), c) for c in sheet.columns])
    notes = book.create_sheet("说明")
    notes.column_dimensions["A"].width = 100
    for line in _EXPLANATION:
        notes.append([line])
    book.properties.creator = "docgen"
    book.properties.created = dt.datetime(2000, 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed(buffer.getvalue())


def _fixed(data: bytes) -> bytes:
    """Return the workbook with fixed zip timestamps and modification date, so one input gives one file."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", content)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def _rows_of(sheet: Sheet, data: dict[str, Any]) -> list[dict[str, Any]]:
    if sheet is _UNITS:
        lead = [{**data["lead"], "_role": "牵头单位"}] if data.get("lead") else []
        return lead + [{**m, "_role": "成员单位"} for m in data.get("members") or []]
    if sheet is _TASKS:
        return list(data.get("tasks") or [])
    if sheet is _BUDGET:
        return [{"id": t.get("id"), "budget": line} for t in data.get("tasks") or [] for line in t.get("budget") or []]
    return list(data.get("funding") or [])


def _get(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _out_cell(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind == "list":
        return LIST_SEPARATOR.join(str(v) for v in value)
    if column.kind == "money":
        number = Decimal(str(value))
        return int(number) if number == number.to_integral_value() else float(number)
    return value
