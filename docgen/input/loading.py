"""Read a consortium from YAML, JSON or a dict; report every problem at once as an InputError."""

from __future__ import annotations

import json
import re
import typing
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from docgen.errors import InputError, InputProblem
from docgen.input import placeholders, text
from docgen.input.limits import Limits, check_data, check_json, check_yaml, limits, too_large
from docgen.input.model import Consortium

__all__ = ["field_label", "load", "parse", "read_yaml"]

Loc = tuple[str | int, ...]

# Chinese messages for pydantic's error types; "{…}" fields come from the error's ctx.
_MESSAGES: dict[str, str] = {
    "missing": "必填项缺失",
    "extra_forbidden": "不允许的字段（请核对字段名拼写）",
    "string_type": "应为文本",
    "string_too_short": "不能为空",
    "string_too_long": "过长（最多{max_length}个字符）",
    "string_pattern_mismatch": "格式不符合要求",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "decimal_type": "应为数字金额",
    "decimal_parsing": "应为数字金额",
    "decimal_max_places": "最多保留{decimal_places}位小数",
    "decimal_max_digits": "数值位数过多",
    "decimal_whole_digits": "数值位数过多",
    "greater_than": "应大于{gt}",
    "greater_than_equal": "应不小于{ge}",
    "less_than": "应小于{lt}",
    "less_than_equal": "应不大于{le}",
    "date_type": "应为日期，格式如 2025-03-06",
    "date_parsing": "日期格式不正确，应如 2025-03-06",
    "date_from_datetime_parsing": "日期无效，应如 2025-03-06",
    "date_from_datetime_inexact": "应为日期，不含时间",
    "literal_error": "取值应为以下之一：{expected}",
    "list_type": "应为列表",
    "too_short": "至少应有{min_length}项",
    "too_long": "最多{max_length}项",
    "model_type": "应为键值结构",
    "model_attributes_type": "应为键值结构",
    "dict_type": "应为键值结构",
    "bool_type": "应为是或否",
    "bool_parsing": "应为是或否",
    "union_tag_invalid": "取值应为以下之一：{expected_tags}",
    "union_tag_not_found": "缺少必填项 {discriminator}",
}


# libyaml's parser where PyYAML was built with it (several times faster), the pure-Python one otherwise.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc]
    """A safe loader that leaves dates as text, so pydantic reports a bad date against its field."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(text: str) -> Any:
    """Return the data of a YAML text (the clause library, the plan outline) with the fast safe loader."""
    return yaml.load(text, Loader=_SafeLoader)


def _compose_and_construct(text: str) -> tuple[yaml.Node | None, Any]:
    """Return the node tree (for line numbers) and the data of one YAML document, parsing it once."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def load(path: str | Path, *, max_bytes: int | None = None) -> Consortium:
    """Return the consortium described by a YAML or JSON file.

    Raise InputError listing every problem (with line numbers where known) if the file cannot be
    read, is not valid YAML/JSON, or does not fit the model. A file over max_bytes (default
    $DOCGEN_MAX_INPUT_BYTES or 5 MB), nested deeper than 64 levels or expanding through YAML aliases
    to more than 200,000 values is refused before it is built.
    """
    path = Path(path)
    source = str(path)
    bound = limits(max_bytes)
    try:
        with path.open("rb") as stream:
            raw = stream.read(bound.max_bytes + 1)
        if len(raw) > bound.max_bytes:
            raise InputError([too_large(path.stat().st_size, bound)], source)
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError([InputProblem("", "输入文件", f"文件不存在：{path}")], source) from None
    except UnicodeDecodeError as exc:
        raise InputError([InputProblem("", "输入文件", f"不是 UTF-8 编码的文本（第{exc.start}字节）")],
                         source) from None
    except IsADirectoryError:
        raise InputError([InputProblem("", "输入文件", f"是文件夹而不是文件：{path}")], source) from None
    except OSError as exc:
        raise InputError([InputProblem("", "输入文件", f"无法读取：{exc.strerror}")], source) from None
    data, lines, problems = _parse_text(text, is_json=path.suffix.lower() == ".json", bound=bound)
    if data is None and problems:  # a syntax error: nothing to validate
        raise InputError(problems, source)
    try:
        consortium = parse(data, source=source, lines=lines)
    except InputError as exc:
        raise InputError(problems + exc.problems, source,
                         findings=exc.findings if exc.rules_checked else None) from None
    if problems:  # duplicate keys alone are still an error: the file does not say one thing
        raise InputError(problems, source)
    return consortium


def parse(data: Any, *, source: str | None = None, lines: dict[Loc, int] | None = None) -> Consortium:
    """Return the consortium described by already-decoded data (a dict from a portal, say).

    Raise InputError listing every problem with its English path and Chinese label.
    """
    if not isinstance(data, dict):
        raise InputError([InputProblem("", "输入", "顶层应为键值结构（YAML 映射或 JSON 对象）")], source)
    if lines is None:  # data from a caller, not from load(): bound it here (load bounded the text)
        bounded = check_data(data)
        if bounded is not None:
            raise InputError([InputProblem("", "输入", bounded.message)], source)
    policy = [_policy_problem(loc, message, lines or {}) for loc, message in placeholders.problems(data)]
    marked = {p.path for p in policy}
    policy += [p for loc, message in text.problems(data)
               if (p := _policy_problem(loc, message, lines or {})).path not in marked]
    try:
        consortium = Consortium.model_validate(data)
    except ValidationError as exc:
        problems = _collapse_references([_problem(err, lines or {}) for err in exc.errors(include_url=False)])
        flagged = {p.path for p in policy}
        raise InputError(policy + [p for p in problems if not any(_under(p.path, f) for f in flagged)], source,
                         findings=rules_despite(data, lines or {})) from None
    policy += [_policy_problem(loc, message, lines or {}) for loc, message in text.date_problems(consortium)]
    if policy:
        from docgen.rules.guideline import check

        raise InputError(policy, source, findings=locate(check(consortium), lines or {}))
    return consortium


def _policy_problem(loc: Loc, message: str, lines: dict[Loc, int]) -> InputProblem:
    """Return the InputProblem for a value the text policy refuses (docgen.input.text)."""
    line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    return InputProblem(_english_path(loc), _label_path(loc), message, line)


_UNIT_CODE = re.compile(r"^(lead|members\[\d+\])\.credit_code$")


def _collapse_references(problems: list[InputProblem]) -> list[InputProblem]:
    """Return problems with a wrong credit code reported once, where the unit declares it.

    Tasks, funding lines and shares refer to a unit by its code; when the unit's own code is wrong, every
    reference repeats it, and correcting the unit's code (everywhere) is one fix, not many.
    """
    declared = {p.value for p in problems if _UNIT_CODE.match(p.path) and p.value is not None}
    return [p for p in problems
            if _UNIT_CODE.match(p.path) or p.value is None or p.value not in declared]



_MAX_REPAIRS = 8


def rules_despite(data: dict[str, Any], lines: dict[Loc, int]) -> list[Any] | None:
    """Return the guideline findings of an input that failed validation, on every field that loaded.

    The input is validated again leniently (a credit code with a wrong check character is kept as
    written), and each field that still fails is left out where the model allows it (an optional field
    or an unknown key); the rules then run on what remains. Findings on a left-out field are dropped, so
    every finding is about data the user wrote. None when the input cannot be repaired this way (a
    required field other than text is wrong): the rules then run once the field problems are fixed.
    """
    import copy

    from docgen.rules.guideline import check

    repaired = copy.deepcopy(data)
    removed: list[Loc] = []
    for _ in range(_MAX_REPAIRS):
        try:
            consortium = Consortium.model_validate(repaired, context={"lenient": True})
        except ValidationError as exc:
            if not all(_leave_out(repaired, tuple(err["loc"]), err["type"], removed)
                       for err in exc.errors(include_url=False)):
                return None
            continue
        prefixes = [_english_path(loc) for loc in removed]
        return [replace(f, line=_line_of(f.path, lines)) for f in check(consortium)
                if not any(_under(f.path, prefix) for prefix in prefixes)]
    return None


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


# Stand-ins for a required text field that failed, so the rules can still run on the rest; findings on
# the field itself are dropped (see rules_despite).
_STAND_INS: dict[str, str] = {"phone": "0532-00000000", "email": "placeholder@example.com"}
_TEXT_ERRORS = ("missing", "string_type", "string_too_short", "string_pattern_mismatch")


def _leave_out(data: Any, loc: Loc, kind: str, removed: list[Loc]) -> bool:
    """Set aside the failing field at loc: delete it (or its nearest optional ancestor), or give a
    required text field a stand-in; return False if neither is possible."""
    loc = _strip_union_tags(loc)
    if loc and isinstance(loc[-1], str) and kind in _TEXT_ERRORS:
        container = _at(data, loc[:-1])
        annotation = _walk(loc)[-1][0]
        if isinstance(container, dict) and _unwrap(annotation) is str and _is_required(loc):
            stand_in = _STAND_INS.get(loc[-1], "【未填写】")
            if kind != "string_pattern_mismatch" or loc[-1] in _STAND_INS:
                container[loc[-1]] = stand_in
                removed.append(loc)
                return True
    for end in range(len(loc), 0, -1):
        key, parent_loc = loc[end - 1], loc[: end - 1]
        if isinstance(key, int):
            continue
        if (kind == "extra_forbidden" and end == len(loc)) or not _is_required(loc[:end]):
            container = _at(data, parent_loc)
            if isinstance(container, dict) and key in container:
                del container[key]
                removed.append(loc[:end])
                return True
    return False


def _is_required(loc: Loc) -> bool:
    """Return True unless the field at loc (a key) has a default in every model that has it."""
    key = loc[-1]
    parent = _walk(loc[:-1])[-1][0] if loc[:-1] else Consortium
    model = _model_of(parent)
    members = [model] if model is not None else _union_members(parent)
    infos = [m.model_fields[str(key)] for m in members if str(key) in m.model_fields]
    return not infos or any(i.is_required() for i in infos)


def _at(data: Any, loc: Loc) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _loc_of(path: str) -> Loc:
    """Return ("members", 2, "kind") for "members[2].kind"."""
    out: list[str | int] = []
    for part in path.replace("[", ".[").split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            out.append(int(part[1:-1]))
        elif part:
            out.append(part)
    return tuple(out)


def _line_of(path: str, lines: dict[Loc, int]) -> int | None:
    """Return the line of the field at path, or of its nearest ancestor the file shows."""
    loc = _loc_of(path)
    return next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)


def locate(findings: list[Any], lines: dict[Loc, int]) -> list[Any]:
    """Return findings with the line of each one's field in the input file."""
    return [replace(f, line=_line_of(f.path, lines)) for f in findings]


def _parse_text(text: str, *, is_json: bool, bound: Limits) -> tuple[Any, dict[Loc, int], list[InputProblem]]:
    """Return (data, line map, problems) for YAML or JSON text within bound."""
    limit = check_json(text, bound) if is_json else check_yaml(text, bound, _Loader)
    if limit is not None:
        return None, {}, [limit]
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return None, {}, [InputProblem("", "输入文件", f"JSON 语法错误：{exc.msg}", exc.lineno)]
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            return None, {}, [InputProblem("", "输入文件", f"JSON 数值无法读取：{exc}")]
        try:  # JSON is YAML for line-number purposes; line numbers are a courtesy only
            node, _ = _compose_and_construct(text)
        except (yaml.YAMLError, ValueError):
            return data, {}, []
        lines, problems = _line_map(node)
        return data, lines, problems
    try:
        node, data = _compose_and_construct(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        return None, {}, [InputProblem("", "输入文件", f"YAML 语法错误：{reason}", line)]
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return None, {}, [InputProblem("", "输入文件", f"YAML 数值无法读取：{exc}")]
    lines, problems = _line_map(node)
    return data, lines, problems


def _line_map(root: yaml.Node | None) -> tuple[dict[Loc, int], list[InputProblem]]:
    """Return each path's 1-based line, and a problem for each key given twice in one mapping."""
    lines: dict[Loc, int] = {}
    problems: list[InputProblem] = []

    def walk(node: yaml.Node, loc: Loc) -> None:
        lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    path = _english_path((*loc, key))
                    problems.append(InputProblem(path, _label_path((*loc, key)),
                                                 "字段重复出现，后一次会覆盖前一次", key_node.start_mark.line + 1))
                seen.add(key)
                walk(value_node, (*loc, key))
                lines[(*loc, key)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))

    if root is not None:
        walk(root, ())
    return lines, problems


def _problem(err: Any, lines: dict[Loc, int]) -> InputProblem:
    """Return the InputProblem for one pydantic error."""
    loc = _strip_union_tags(tuple(err["loc"]))
    ctx = {k: _ctx_text(v) for k, v in (err.get("ctx") or {}).items()}
    template = _MESSAGES.get(err["type"])
    if err["type"] == "value_error":
        message = str(ctx.get("error", err["msg"]))
    elif template is None:
        message = f"取值无效（{err['msg']}）"
    else:
        message = template.format_map(_Default(ctx))
    if err["type"] == "string_pattern_mismatch":
        hint = _field_description(loc)
        message = f"{message}：{hint}" if hint else message
    elif err["type"] in _TYPE_ERRORS or err["type"] == "missing":
        # say what the field is for and what to write, not only which type was expected
        if err["type"] != "missing" and err.get("input") is None:
            message = "未填写（为空值）"
        elif err["type"] in ("model_type", "model_attributes_type", "dict_type") and isinstance(err.get("input"), str):
            message = "应逐项填写（键值结构），不能只写一段文字"
        hint = _legal_hint(loc) or _field_description(loc)
        message = f"{message}。{hint}" if hint else message
    line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
    value = err.get("input")
    if _UNIT_CODE.match(_english_path(loc)) and err["type"] == "value_error":
        message += "；任务、经费、分配比例等处引用该单位的代码请一并更正"
    return InputProblem(_english_path(loc), _label_path(loc), message, line,
                        value if isinstance(value, str) else None)


_TYPE_ERRORS = ("string_type", "model_type", "model_attributes_type", "dict_type", "list_type", "int_type",
                "int_parsing", "decimal_type", "decimal_parsing", "date_type", "bool_type")

# Why a field matters in law, for the messages about the fields a brief most often gets wrong.
_LEGAL_HINTS: dict[str, str] = {
    "lead": "牵头单位是组建协议的甲方和备案申请人（指引 四（一）），应写明其名称、统一社会信用代码、住所、"
            "注册所在区（市）、法定代表人、联系人和分工",
    "members": "成员单位是组建协议的当事人，应逐家写明名称、统一社会信用代码、类型、住所、法定代表人等",
    "dispute": "争议解决方式只能在仲裁（写明一个仲裁委员会，《仲裁法》第十六条）和诉讼（写明管辖连结点，"
               "《民事诉讼法》第三十五条）中选择一种，如 {method: arbitration, commission: 青岛仲裁委员会}",
    "commission": "仲裁协议应写明选定的仲裁委员会，否则无效（《仲裁法》第十六条、第十八条）；"
                  "请填写仲裁委员会全称，如“青岛仲裁委员会”",
    "credit_code": "统一社会信用代码确定协议当事人的身份，应为营业执照或法人证书上的18位代码",
    "unit": "应填写联合体成员的18位统一社会信用代码",
    "owner": "应填写承担该任务的成员单位的18位统一社会信用代码",
    "term_start": "建设期起止日期决定各方义务的期限和备案有效期（指引 五（六）），格式如 2026-01-01",
    "term_end": "建设期起止日期决定各方义务的期限和备案有效期（指引 五（六），不超过3年），格式如 2028-12-31",
    "signing_date": "签订日期是协议成立之日，格式如 2025-12-08",
    "amount": "金额是出资义务的依据，应为以元为单位的数字，最多两位小数，如 3500000 或 3500000.00",
    "value": "折价金额是非货币投入的作价，应为以元为单位的数字，最多两位小数",
    "cash": "承诺自筹资金是该单位的出资义务，应为以元为单位的数字，最多两位小数",
    "funding": "经费投入计划是各方出资义务的依据（指引 三（六）），应逐项写明投入单位、资金来源、年度和金额",
    "tasks": "攻关任务是各方分工的依据（指引 三（三）），应逐项写明编号、名称、内容、承担单位、起止日期和交付成果",
}


def _legal_hint(loc: Loc) -> str | None:
    key = next((part for part in reversed(loc) if isinstance(part, str)), None)
    return _LEGAL_HINTS.get(key) if key is not None and key == loc[-1] else None


class _Default(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "?"


def _ctx_text(value: Any) -> str:
    text = str(value)
    return text.replace("'", "").replace(" or ", "、").replace(", ", "、")


def _english_path(loc: Loc) -> str:
    """Return "members[2].contact.phone" for ("members", 2, "contact", "phone")."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "（顶层）"


def _resolve(annotation: Any, key: str | int) -> tuple[Any, str | None]:
    """Return (annotation of the child at key, its Chinese title) under annotation."""
    model = _model_of(annotation)
    if isinstance(key, int):
        args = [a for a in typing.get_args(_unwrap(annotation)) if a is not type(None)]
        return (args[0] if args else None), None
    if model is not None and key in model.model_fields:
        info = model.model_fields[key]
        title = info.title
        if title is None:  # the title may sit on an Annotated alias (CreditCode)
            for meta in info.metadata:
                title = getattr(meta, "title", None) or title
        return info.annotation, title
    return None, None


def _unwrap(annotation: Any) -> Any:
    """Return annotation without Optional[...] and Annotated[...] wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, __import__("types").UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    inner = _unwrap(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _union_members(annotation: Any) -> list[type[BaseModel]]:
    inner = _unwrap(annotation)
    return [a for a in typing.get_args(inner) if isinstance(a, type) and issubclass(a, BaseModel)]


def _strip_union_tags(loc: Loc) -> Loc:
    """Drop the discriminator tags pydantic inserts into a location ("dispute", "arbitration", …)."""
    out: list[str | int] = []
    annotation: Any = Consortium
    for part in loc:
        members = _union_members(annotation)
        if members and isinstance(part, str) and _model_of(annotation) is None:
            tagged = [m for m in members if part in _literal_tags(m)]
            if tagged:
                annotation = tagged[0]
                continue
        out.append(part)
        annotation, _ = _resolve(annotation, part)
    return tuple(out)


def _literal_tags(model: type[BaseModel]) -> tuple[Any, ...]:
    field = model.model_fields.get("method")
    return typing.get_args(field.annotation) if field is not None else ()


def _walk(loc: Loc) -> list[tuple[Any, str | None]]:
    """Return (annotation, title) for each step of loc, resolving unions by the input's tag."""
    steps: list[tuple[Any, str | None]] = []
    annotation: Any = Consortium
    for part in loc:
        if isinstance(part, str) and _model_of(annotation) is None and _union_members(annotation):
            # a field inside a discriminated union: any member that has the field will do
            for member in _union_members(annotation):
                if part in member.model_fields:
                    annotation = member
                    break
        annotation, title = _resolve(annotation, part)
        steps.append((annotation, title))
    return steps


def _label_path(loc: Loc) -> str:
    """Return the Chinese label path, e.g. "成员单位第3项.统一社会信用代码"."""
    out = ""
    for part, (_, title) in zip(loc, _walk(loc), strict=False):
        if isinstance(part, int):
            out += f"第{part + 1}项"
        else:
            out += ("." if out else "") + (title or str(part))
    return out or "输入"


def field_label(path: str) -> str:
    """Return the Chinese label of an English field path: "amendment.departures[0].unit" →
    "本次变更说明.成员退出第1项.退出单位"."""
    loc: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_]+)|\[(\d+)\]", path):
        loc.append(int(index) if index else name)
    return _label_path(tuple(loc))


def _field_description(loc: Loc) -> str | None:
    """Return the model's description of the field at loc, used as a hint for format errors."""
    if not loc or isinstance(loc[-1], int):
        return None
    steps = _walk(loc[:-1])
    parent = steps[-1][0] if steps else Consortium
    for model in [_model_of(parent), *_union_members(parent)]:
        if model is not None and loc[-1] in model.model_fields:
            return model.model_fields[str(loc[-1])].description
    return None
