"""Shared fixtures: the samples, and a way to change one field of a valid consortium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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
