"""Plan prose is needed by the plan only: check --for and render --for, and a draft plan's placeholders."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from conftest import BASE_SAMPLE
from docx import Document as read_docx
from test_cli import run

import docgen


@pytest.fixture()
def no_prose(tmp_path: Path) -> Path:
    """The deep-sea sample without its narrative section: a brief without plan prose."""
    data = yaml.safe_load(BASE_SAMPLE.read_text(encoding="utf-8"))
    del data["narrative"]
    path = tmp_path / "no-prose.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_check_for_agreement_ignores_missing_plan_prose(no_prose: Path) -> None:
    assert run("check", str(no_prose)).returncode == 1
    result = run("check", str(no_prose), "--for", "agreement", "--json")
    assert result.returncode == 0, result.stdout
    assert "PLAN_TEXT_MISSING" not in {f["code"] for f in json.loads(result.stdout)["findings"]}
    plan = run("check", str(no_prose), "--for", "plan", "--json")
    assert plan.returncode == 1
    assert sum(f["code"] == "PLAN_TEXT_MISSING" for f in json.loads(plan.stdout)["findings"]) == 9


def test_agreement_and_commitments_render_without_plan_prose(no_prose: Path, tmp_path: Path) -> None:
    consortium = docgen.load(no_prose)
    assert docgen.render_agreement(consortium)[:2] == b"PK"
    assert len(docgen.render_commitments(consortium)) == len(consortium.units)
    with pytest.raises(docgen.RuleError):
        docgen.render_plan(consortium)
    out = tmp_path / "out"
    result = run("render", str(no_prose), "-o", str(out), "--for", "agreement")
    assert result.returncode == 0, result.stderr
    kinds = {d["kind"] for d in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]}
    assert "agreement" in kinds and "commitment" in kinds and "plan" not in kinds
    assert run("render", str(no_prose), "-o", str(tmp_path / "all")).returncode == 1
    assert not (tmp_path / "all").exists()
    assert run("verify", str(out)).returncode == 0


def test_draft_plan_marks_missing_prose(no_prose: Path) -> None:
    data = docgen.render_plan(docgen.load(no_prose), draft=True)
    text = "\n".join(p.text for p in read_docx(io.BytesIO(data)).paragraphs)
    assert "【待补充：建设意义】" in text and "【待补充：保障措施】" in text
