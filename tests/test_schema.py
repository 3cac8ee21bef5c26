"""The JSON Schema portals build forms from: Chinese titles everywhere, and it accepts every sample."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import VALID_SAMPLES

import docgen
from docgen.input.loading import _Loader

SCHEMA = docgen.schema()


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_schema_validates_every_sample(path: Path) -> None:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)


def test_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert not validator.is_valid({"name": "x"})


def _titled(node: object, path: str = "") -> list[str]:
    """Return the paths of properties that lack a Chinese title."""
    missing = []
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            title = prop.get("title", "")
            if not title or title.isascii():
                missing.append(f"{path}.{name}")
        for key, value in node.items():
            missing += _titled(value, f"{path}/{key}")
    elif isinstance(node, list):
        for value in node:
            missing += _titled(value, path)
    return missing


def test_every_property_has_a_chinese_title() -> None:
    assert _titled(SCHEMA) == []
