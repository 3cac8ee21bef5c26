"""Write the commented starter YAML of ``docgen init``: the structure of a consortium, values to fill in.

The structure (how many members, tasks, funding lines …) comes from the smallest sample, so a legal
assistant replaces values rather than inventing structure; every value is a marked placeholder
(【请填写：牵头单位全称】), which ``load`` refuses until it is replaced (docgen.input.placeholders), so no
sample value can reach a signed document. Choices that have a default keep it (the comment lists the
options); other choices are 【请选择：…】. Every key carries its Chinese title and description from the
model, and the optional keys the sample leaves out are listed as comments, so the starter documents
every field ``load`` accepts and never drifts from it.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from decimal import Decimal
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from docgen.input.loading import load
from docgen.input.model import Consortium
from docgen.input.placeholders import fill, select
from docgen.resources import samples_dir

__all__ = ["starter_text"]

_HEADER = """\
# docgen 输入文件：创新联合体基本信息
# 依据《青岛市创新联合体组建工作指引》（青科字〔2025〕5号）填写。
# 【请填写：…】和【请选择：…】是占位内容，须逐项替换为本联合体的实际信息；docgen check 逐项列出
# 尚未替换的占位内容（第几行、哪个字段），有占位内容时不能生成文件。
# 已填写的选项（如 joint_licence: any_owner）是示例选择，注释列出全部选项，请逐项核对。
# 单位、任务、经费等条目的个数仅为示例，请按实际增删；以“# ”开头的可选项不需要时保持注释即可。
# 金额单位为元（最多两位小数），如 3500000 或 3500000.00；日期写作 2026-01-01；
# 统一社会信用代码为18位，须含正确的校验位；任务、经费、分配比例等处用统一社会信用代码指代单位，
# 占位内容相同的代码指同一单位，填写时请一并替换。
# 填写后运行：docgen check 本文件   然后：docgen render 本文件 -o 输出目录
"""

# Fields documented in one line rather than expanded (they belong to a later step).
_BRIEF: dict[str, str] = {
    "amendment": "仅在成员变更、生成补充协议时填写（签订日期、变更原因、成员退出与加入、更换牵头单位），"
                 "见 README“成员变更”",
}
_MAX_COMMENT_DEPTH = 2
# Whose value a placeholder asks for, by the key of the mapping it sits in.
_WHO: dict[str, str] = {"lead": "牵头单位", "head": "联合体负责人", "chief_expert": "首席专家"}


def starter_text() -> str:
    """Return the starter YAML text: the smallest sample's structure, every value a marked placeholder."""
    samples = sorted(samples_dir().glob("*.yaml"), key=lambda p: p.stat().st_size)
    consortium = load(samples[0])
    data = consortium.model_dump(mode="python")
    codes = {unit.credit_code: _unit_label(i) for i, unit in enumerate(consortium.units)}
    lines: list[str] = []
    _Emitter(codes, lines).mapping(data, Consortium, 0, "")
    return _HEADER + "\n" + "\n".join(lines) + "\n"


def _unit_label(index: int) -> str:
    return "牵头单位" if index == 0 else f"成员单位{index}"


def _unwrap(annotation: Any) -> Any:
    """Return annotation without Annotated and Optional wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _model_for(annotation: Any, value: Any) -> type[BaseModel] | None:
    """Return the model class behind annotation (unwrapping Optional, list, Annotated, unions)."""
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    candidates = [m for a in args if (m := _model_for(a, value)) is not None]
    if len(candidates) > 1 and isinstance(value, dict):  # discriminated union: pick by tag
        return next((m for m in candidates if value.get("method") in
                     typing.get_args(m.model_fields["method"].annotation)), candidates[0])
    return candidates[0] if candidates else None


def _choices(annotation: Any) -> tuple[Any, ...] | None:
    """Return the options of a Literal (or bool) annotation, else None."""
    inner = _unwrap(annotation)
    if inner is bool:
        return (True, False)
    if typing.get_origin(inner) is typing.Literal:
        return typing.get_args(inner)
    if typing.get_origin(inner) in (typing.Union, types.UnionType):  # Literal | Literal
        options = [o for a in typing.get_args(inner) if (o := _choices(a)) is not None]
        return tuple(x for o in options for x in o) if options else None
    return None


def _scalar(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000)
    return text.removesuffix("\n...\n").strip()


def _title(field: FieldInfo | None, key: str) -> str:
    if field is None:
        return key
    title = field.title
    for meta in field.metadata:  # a title on an Annotated alias (CreditCode)
        title = title or getattr(meta, "title", None)
    return title or key


def _note(field: FieldInfo) -> str:
    title = _title(field, "")
    return f"{title}：{field.description}" if field.description else title


def _has_default(field: FieldInfo) -> bool:
    return not field.is_required() and field.default is not None and field.default_factory is None


def _hint(annotation: Any) -> str:
    """Return the format hint a placeholder of this type carries."""
    inner = _unwrap(annotation)
    if inner is Decimal:
        return "，如 3500000"
    if inner is dt.date:
        return "，格式如 2026-07-01"
    return ""


class _Emitter:
    """Write the commented YAML lines of a model's data, placeholders for values."""

    def __init__(self, codes: dict[str, str], lines: list[str]) -> None:
        self.codes = codes  # sample credit code → which unit (牵头单位, 成员单位2 …)
        self.lines = lines

    def placeholder(self, key: str, value: Any, field: FieldInfo | None, who: str) -> str:
        """Return the YAML text of the placeholder standing for value."""
        if isinstance(value, str) and value in self.codes:
            return _scalar(fill(f"{self.codes[value]}的统一社会信用代码"))
        annotation = field.annotation if field is not None else None
        options = _choices(annotation) if annotation is not None else None
        if options is not None or isinstance(value, bool):
            if value is not None and field is not None and (_has_default(field) or key == "method"):
                return _scalar(value)  # a choice with a default, or a discriminator: kept, options in the comment
            return _scalar(select(" | ".join(str(o) for o in options or ())))
        if field is not None and _has_default(field) and value == field.default:
            return _scalar(value)
        if key == "year" or (field is not None and _unwrap(field.annotation) is int):
            hint = "，如 2026" if key == "year" else "（整数）"
        elif "%" in _title(field, key):
            hint = "，如 10"
        else:
            hint = _hint(annotation)
        return _scalar(fill(f"{who}的{_title(field, key)}{hint}" if who else f"{_title(field, key)}{hint}"))

    def mapping(self, data: dict[str, Any], model: type[BaseModel] | None, indent: int, who: str,
                first_prefix: str | None = None, comments: bool = True) -> None:
        pad = " " * indent
        written = 0
        for key, value in data.items():
            field = model.model_fields.get(key) if model else None
            empty = value is None or value == "" or (value == [] and field is not None and not field.is_required())
            if empty:
                if comments and field is not None:
                    self.absent(key, field, indent, who)
                continue
            prefix = first_prefix if (first_prefix is not None and written == 0) else pad
            written += 1
            if comments and field is not None and field.title:
                self.lines.append(f"{pad}# {_note(field)}")
            child = _model_for(field.annotation, value) if field is not None else None
            inner = _WHO.get(key, who)
            if isinstance(value, dict):
                self.lines.append(f"{prefix}{key}:")
                self.mapping(value, child, indent + 2, inner, comments=comments)
            elif isinstance(value, list):
                self.lines.append(f"{prefix}{key}:")
                for position, item in enumerate(value):
                    if isinstance(item, dict):  # the first item of a list explains its keys, once
                        item_who = _unit_label(position + 1) if key == "members" else who
                        self.mapping(item, _model_for(field.annotation, item) if field else None,
                                     indent + 4, item_who, first_prefix=f"{pad}  - ",
                                     comments=comments and position == 0)
                    else:
                        self.lines.append(f"{pad}  - {self.placeholder(key, item, field, who)}")
            else:
                self.lines.append(f"{prefix}{key}: {self.placeholder(key, value, field, who)}")

    def absent(self, key: str, field: FieldInfo, indent: int, who: str, depth: int = 0) -> None:
        """Write an optional key the sample leaves out as comments: its title, and a line to uncomment."""
        pad = " " * indent
        if key in _BRIEF:
            self.lines.append(f"{pad}# （可选）{_title(field, key)}：{_BRIEF[key]}")
            return
        self.lines.append(f"{pad}# （可选）{_note(field)}")
        model = _model_for(field.annotation, None)
        annotation = _unwrap(field.annotation)
        is_list = typing.get_origin(annotation) is list
        if model is not None and depth < _MAX_COMMENT_DEPTH:
            self.lines.append(f"{pad}# {key}:")
            for index, (name, sub) in enumerate(model.model_fields.items()):
                lead = f"{pad}#   - " if is_list and index == 0 else f"{pad}#   {'  ' if is_list else ''}"
                value = self.placeholder(name, None, sub, who) if sub.is_required() or not _has_default(sub) \
                    else _scalar(sub.default)
                if _model_for(sub.annotation, None) is not None:
                    value = "…"
                self.lines.append(f"{lead}{name}: {value}    # {_note(sub)}")
        elif is_list:
            self.lines.append(f"{pad}# {key}:")
            self.lines.append(f"{pad}#   - {self.placeholder(key, None, field, who)}")
        else:
            value = self.placeholder(key, None, field, who) if not _has_default(field) else _scalar(field.default)
            self.lines.append(f"{pad}# {key}: {value}")
