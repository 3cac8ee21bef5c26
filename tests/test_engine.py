"""The clause engine and the agreement version: one pipeline, each input's agreement computed once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

import docgen
from docgen.clauses import engine
from docgen.clauses.library import load_library
from docgen.cli import main
from docgen.drafting import agreement, commitments, plan, supplement
from docgen.drafting.agreement import agreement_version, assemble_agreement
from docgen.rules import change


def _count(monkeypatch: pytest.MonkeyPatch, calls: Counter[str], module: Any, name: str) -> None:
    original: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def test_the_version_holds_the_agreement_as_assembled(base: docgen.Consortium) -> None:
    library = load_library()
    version = agreement_version(base, library)
    outline = assemble_agreement(base, library)
    assert version.outline == outline
    assert [a.id for a in version.articles] == [a.id for a in outline.articles]
    assert {a.id: a.number for a in version.articles} == version.numbers
    assert list(version.numbers.values())[:3] == ["第一条", "第二条", "第三条"]
    assert version.agreement(draft=True).draft and not version.outline.draft
    assert version.article("no.such") is None


def test_render_articles_numbers_chapters_and_items(base: docgen.Consortium) -> None:
    library = load_library()
    version = agreement_version(base, library)
    chapters = engine.chapters(version.articles)
    assert chapters == version.outline.chapters
    assert chapters[0].heading.startswith("第一章　")
    text = "前言\n\n- 甲\n  - 子\n- 乙\n\n> 引文\n"
    assert engine.number_items(text) == ["前言", "（一）甲", "1.子", "（二）乙", "引文"]


def test_change_checks_each_version_once_and_diffs_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: Counter[str] = Counter()
    _count(monkeypatch, calls, change, "check")
    _count(monkeypatch, calls, change, "diff")
    _count(monkeypatch, calls, supplement, "agreement_version")
    _count(monkeypatch, calls, engine, "number_articles")
    result = CliRunner().invoke(main, ["change", str(SAMPLES / "marine-ai-v1.yaml"),
                                       str(SAMPLES / "marine-ai-v2.yaml"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert calls["check"] == 2          # once per version
    assert calls["diff"] == 1
    assert calls["agreement_version"] == 2   # the original and the new agreement, each once
    # the two agreements and the supplement, and the new agreement once more: check drafts it with its
    # parties in input order, the change with the party register (a leaver's number retired, the
    # joiner's appended), whose designations the text prints
    assert calls["number_articles"] == 4


def test_render_assembles_the_agreement_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: Counter[str] = Counter()
    _count(monkeypatch, calls, engine, "number_articles")
    for module in (agreement, plan, commitments):
        _count(monkeypatch, calls, module, "base_context")
    result = CliRunner().invoke(main, ["render", str(SAMPLES / "deep-sea-sensing.yaml"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert calls["number_articles"] == 1
    assert calls["base_context"] == 1
