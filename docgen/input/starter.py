"""Write the commented starter YAML of ``docgen init``: a complete sample, each key explained.

The comments come from the model's Chinese titles and descriptions, so the starter never drifts from
what ``load`` accepts; the values come from the smallest sample, so the file passes ``check`` as it is
and a legal assistant replaces values rather than inventing structure.
"""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal
from typing import Any

import yaml
from pydantic import BaseModel

from docgen.input.loading import load
from docgen.input.model import Consortium
from docgen.resources import samples_dir

__all__ = ["starter_text"]

_HEADER = """\
# docgen 输入文件：创新联合体基本信息
# 依据《青岛市创新联合体组建工作指引》（青科字〔2025〕5号）填写。下列数值为示例，请逐项替换为本联合体的信息。
# 金额单位为元（最多两位小数）；日期写作 2026-01-01；统一社会信用代码须含正确的校验位。
# 填写后运行：docgen check 本文件   然后：docgen render 本文件 -o 输出目录
"""


def starter_text() -> str:
    """Return the starter YAML text (the smallest valid sample, every key commented)."""
    samples = sorted(samples_dir().glob("*.yaml"), key=lambda p: p.stat().st_size)
    consortium = load(samples[0])
    data = consortium.model_dump(mode="python")
    lines: list[str] = []
    _emit_mapping(data, Consortium, 0, lines)
    return _HEADER + "\n" + "\n".join(lines) + "\n"


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


def _scalar(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000)
    return text.removesuffix("\n...\n").strip()


def _emit_mapping(data: dict[str, Any], model: type[BaseModel] | None, indent: int, lines: list[str],
                  first_prefix: str | None = None, comments: bool = True) -> None:
    pad = " " * indent
    for index, (key, value) in enumerate(data.items()):
        if value is None or (value == [] and model is not None and key in model.model_fields \
                and not model.model_fields[key].is_required()):
            continue
        field = model.model_fields.get(key) if model else None
        prefix = first_prefix if (first_prefix is not None and index == 0) else pad
        if comments and field is not None and field.title:
            note = f"{field.title}：{field.description}" if field.description else field.title
            lines.append(f"{' ' * (len(prefix) - 2) if prefix != pad else pad}# {note}")
        child = _model_for(field.annotation, value) if field is not None else None
        if isinstance(value, dict):
            lines.append(f"{prefix}{key}:")
            _emit_mapping(value, child, indent + 2, lines, comments=comments)
        elif isinstance(value, list):
            lines.append(f"{prefix}{key}:")
            for position, item in enumerate(value):
                if isinstance(item, dict):  # the first item of a list explains its keys, once
                    _emit_mapping(item, _model_for(field.annotation, item) if field else None,
                                  indent + 4, lines, first_prefix=f"{pad}  - ",
                                  comments=comments and position == 0)
                else:
                    lines.append(f"{pad}  - {_scalar(item)}")
        else:
            lines.append(f"{prefix}{key}: {_scalar(value)}")
