"""The short phrases the drafting code joins into documents (clauses/phrases/phrases.yaml).

Designations and roles, annex-title formats, table captions and headers, the supplement's change
sentences: wording a lawyer reviews, so it lives beside the clauses, not in Python. ``phrase("a.b", x=1)``
renders the text at key a.b with the given names (the same sandboxed Jinja and filters as the clauses);
``phrase_list`` and ``phrase_map`` return a list or mapping of such texts as written.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from docgen.errors import TemplateError
from docgen.input.loading import read_yaml
from docgen.render.docx import render_text
from docgen.resources import clauses_dir

__all__ = ["PHRASES_FILE", "phrase", "phrase_entries", "phrase_list", "phrase_map", "phrases", "phrases_version",
           "render_phrase"]

PHRASES_FILE = Path("phrases") / "phrases.yaml"  # under clauses/


@lru_cache(maxsize=4)
def phrases(path: Path | None = None) -> dict[str, Any]:
    """Return the phrase file's content; raise TemplateError naming the file when it cannot be read."""
    path = path or clauses_dir() / PHRASES_FILE
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TemplateError(f"短语文件 {path} 无法读取：{exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        raise TemplateError(f"短语文件 {path} 应为映射，并有 version")
    return data


def phrases_version() -> str:
    """Return the phrase file's version (recorded like a clause's)."""
    return str(phrases()["version"])


def _lookup(key: str) -> Any:
    node: Any = phrases()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise TemplateError(f"短语文件 clauses/{PHRASES_FILE.as_posix()} 缺少 {key}")
        node = node[part]
    return node


def phrase(key: str, **names: Any) -> str:
    """Return the phrase at key (dotted: "parties.lead_role") rendered with names."""
    source = _lookup(key)
    if not isinstance(source, str):
        raise TemplateError(f"短语 {key} 应为一段文字")
    return render_text(source, f"phrases.{key}.txt", names) if "{" in source else source


def phrase_list(key: str) -> list[str]:
    """Return the list of texts at key, as written (header cells, heading-number formats)."""
    value = _lookup(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TemplateError(f"短语 {key} 应为文字列表")
    return list(value)


def phrase_map(key: str) -> dict[str, str]:
    """Return the mapping of texts at key, as written, in file order."""
    value = _lookup(key)
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise TemplateError(f"短语 {key} 应为文字映射")
    return {str(k): v for k, v in value.items()}


def phrase_entries(key: str) -> list[dict[str, str]]:
    """Return the list of {when, text} entries at key (the supplement's list of changes)."""
    value = _lookup(key)
    if not isinstance(value, list) or not all(isinstance(item, dict) and isinstance(item.get("text"), str)
                                              for item in value):
        raise TemplateError(f"短语 {key} 应为含 text 的条目列表")
    return [{str(k): str(v) for k, v in item.items()} for item in value]


def render_phrase(source: str, key: str, names: dict[str, Any]) -> str:
    """Return one text taken from ``phrase_list``/``phrase_map``/``phrase_entries`` rendered with names."""
    return render_text(source, f"phrases.{key}.txt", names) if "{" in source else source
