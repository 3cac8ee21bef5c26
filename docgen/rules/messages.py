"""The rule messages: clauses/rules/*.yaml, loaded once; each says the problem, its law and the fix.

messages.yaml holds the guideline rules' messages, change_messages.yaml the change rules' (CHANGE_*); a code
may appear in one file only.

``text(code, variant, **fields)`` returns (message, source) for one finding. The wording lives in the
YAML so a legal reviewer edits it without touching code; a code without a message, a variant that does
not exist, or a field the text uses that the rule does not supply is a TemplateError naming the code.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from docgen.errors import TemplateError
from docgen.resources import clauses_dir

__all__ = ["MESSAGE_FILES", "Message", "messages", "messages_paths", "text"]

MESSAGE_FILES = ("messages.yaml", "change_messages.yaml")


class Message(BaseModel):
    """One finding's wording: what is wrong, why in law, what to change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    problem: str = Field(min_length=1)
    law: str = Field(min_length=1)
    fix: str = Field(min_length=1)

    def fields(self) -> set[str]:
        """Return the names of the {fields} the texts use."""
        return {name for part in (self.source, self.problem, self.law, self.fix)
                for _, name, _, _ in string.Formatter().parse(part) if name}

    def render(self, values: dict[str, Any]) -> tuple[str, str]:
        """Return (message, source) with values filled in: "problem（law）。fix。"."""
        fill = {k: str(v) for k, v in values.items()}
        problem, law, fix, source = (part.format_map(fill) for part in (self.problem, self.law, self.fix,
                                                                         self.source))
        return f"{problem}（{law}）。{fix.rstrip('。')}。", source


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str | None = None
    problem: str | None = None
    law: str | None = None
    fix: str | None = None
    variants: dict[str, Message] | None = None


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: dict[str, _Entry]


def messages_paths() -> tuple[Path, ...]:
    """Return the paths of the rule messages files: the guideline rules', then the change rules'."""
    return tuple(clauses_dir() / "rules" / name for name in MESSAGE_FILES)


@lru_cache(maxsize=1)
def messages() -> dict[str, dict[str | None, Message]]:
    """Return {code: {variant or None: Message}} from every file of messages_paths(), read once."""
    from docgen.input.loading import read_yaml

    out: dict[str, dict[str | None, Message]] = {}
    for path in messages_paths():
        try:
            raw = _File.model_validate(read_yaml(path.read_text(encoding="utf-8")))
        except (OSError, ValidationError) as exc:
            raise TemplateError(f"规则提示文字 {path} 无法读取或有误：{exc}") from exc
        for code, entry in raw.messages.items():
            if code in out:
                raise TemplateError(f"规则提示文字 {path}：{code} 已在另一个提示文字文件中出现")
            if entry.variants is not None:
                if any(v is not None for v in (entry.source, entry.problem, entry.law, entry.fix)):
                    raise TemplateError(f"规则提示文字 {path}：{code} 有 variants 时不能再写 source/problem/law/fix")
                out[code] = {name: m for name, m in entry.variants.items()}
            else:
                try:
                    out[code] = {None: Message.model_validate(entry.model_dump(exclude={"variants"}))}
                except ValidationError as exc:
                    raise TemplateError(f"规则提示文字 {path} 无法读取或有误：{exc}") from exc
    return out


def text(code: str, variant: str | None = None, /, **values: Any) -> tuple[str, str]:
    """Return (message, source) of the finding code (and variant), with values filled in."""
    entry = messages().get(code)
    message = entry.get(variant) if entry is not None else None
    if message is None:
        which = f"{code}/{variant}" if variant else code
        raise TemplateError(f"规则 {which} 在 {'、'.join(map(str, messages_paths()))} 中都没有提示文字")
    missing = message.fields() - set(values)
    if missing:
        raise TemplateError(f"规则 {code} 的提示文字使用了未提供的字段：{'、'.join(sorted(missing))}")
    return message.render(values)
