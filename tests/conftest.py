"""Shared fixtures: the samples, and a way to change one field of a valid consortium."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest

import docgen
from docgen.input.model import Consortium

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
VALID_SAMPLES = sorted(SAMPLES.glob("*.yaml"))
BASE_SAMPLE = SAMPLES / "deep-sea-sensing.yaml"


@pytest.fixture(scope="session")
def base() -> Consortium:
    """Return the deep-sea sensing sample, which passes every rule."""
    return docgen.load(BASE_SAMPLE)


@pytest.fixture(scope="session")
def base_data(base: Consortium) -> dict[str, Any]:
    return base.model_dump(mode="json")


def changed(data: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> Consortium:
    """Return the consortium of a deep copy of data after change(copy) edited it in place."""
    import copy

    edited = copy.deepcopy(data)
    change(edited)
    return docgen.parse(edited)


def codes(findings: list[docgen.Finding], severity: str = "error") -> list[str]:
    """Return the codes of the findings of one severity, in order."""
    return [f.code for f in findings if f.severity == severity]


ARTICLE_HEADING = re.compile(r"^第[一二三四五六七八九十百零]+条　(\S+)")
CHAPTER_HEADING = re.compile(r"^第[一二三四五六七八九十]+章　")


def agreement_articles(data: bytes) -> dict[str, str]:
    """Return {article title: its whole text} of a rendered agreement, up to the end of its body."""
    result: dict[str, str] = {}
    title = None
    for p in (p.text for p in docx.Document(io.BytesIO(data)).paragraphs):
        if p.startswith("（以下无正文"):
            break
        if match := ARTICLE_HEADING.match(p):
            title = match.group(1)
            result[title] = p
        elif CHAPTER_HEADING.match(p):
            title = None
        elif title:
            result[title] += p
    return result
