"""The starter of ``docgen init``: placeholders that check reports, comments that document every field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_SAMPLE, ROOT, SAMPLES

import docgen
from docgen.errors import InputError
from docgen.input.loading import _Loader
from docgen.input.placeholders import is_placeholder
from docgen.input.starter import starter_text


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "docgen.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, check=False)


def _smallest_sample() -> Path:
    return sorted(SAMPLES.glob("*.yaml"), key=lambda p: p.stat().st_size)[0]


def _fill(starter: Any, sample: Any) -> Any:
    """Return starter data with every placeholder replaced by the sample's value at the same place."""
    if isinstance(starter, dict):
        return {k: _fill(v, sample.get(k) if isinstance(sample, dict) else None) for k, v in starter.items()}
    if isinstance(starter, list):
        return [_fill(v, sample[i] if isinstance(sample, list) and i < len(sample) else None)
                for i, v in enumerate(starter)]
    return sample if is_placeholder(starter) else starter


def test_init_then_check_exits_2_listing_every_placeholder_with_line_label_and_path(tmp_path: Path) -> None:
    target = tmp_path / "x.yaml"
    assert run("init", str(target)).returncode == 0
    result = run("check", str(target), "--json")
    assert result.returncode == 2, result.stdout + result.stderr
    problems = json.loads(result.stdout)["input_errors"]
    text = target.read_text(encoding="utf-8")
    placeholders = sum(1 for line in text.splitlines()
                       if not line.lstrip().startswith("#") and ("【请填写" in line or "【请选择" in line))
    assert len(problems) == placeholders > 100  # every one, all at once, and nothing else
    assert all("占位内容" in p["message"] and p.get("line") for p in problems)
    lead_name = next(p for p in problems if p["path"] == "lead.name")
    assert lead_name["label"] == "牵头单位.单位全称" and "【请填写：牵头单位的单位全称】" in lead_name["message"]
    assert text.splitlines()[lead_name["line"] - 1].strip().startswith("name:")
    human = run("check", str(target))
    assert human.returncode == 2 and "第" in human.stdout + human.stderr and "（lead.credit_code）" in (
        human.stdout + human.stderr)


def test_starter_comments_document_the_newer_fields() -> None:
    text = starter_text()
    for key in ("task:", "quantity:", "valuation:", "confirmed_by:", "totals:", "payer:", "unit:",
                "basis:", "base:", "floor:", "cap:", "include_grants:"):
        assert key in text, key
    for title in ("用于攻关任务", "数量或期限", "作价方式", "作价确认", "投入合计（核对用）", "出资方", "出资单位",
                  "投入比例计算基础", "违约金计算基数", "违约金下限", "违约金上限"):
        assert title in text, title
    # no sample value survives: names, codes and amounts of the sample are placeholders
    sample = docgen.load(_smallest_sample())
    assert sample.lead.name not in text and sample.lead.credit_code not in text
    assert format(sample.funding[0].amount, "f") not in text


def test_starter_filled_with_the_sample_values_is_the_sample() -> None:
    """The starter's structure is right: replace each placeholder by the sample's value and it loads."""
    import yaml

    path = _smallest_sample()
    starter = yaml.load(starter_text(), Loader=_Loader)
    sample = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    filled = _fill(starter, json.loads(json.dumps(docgen.load(path).model_dump(mode="json"))))
    assert docgen.parse(filled) == docgen.parse(sample)


@pytest.mark.parametrize("mark", ["【请填写：联合体简称】", "深海【请选择：单位】", "【请填写"])
def test_any_placeholder_in_user_text_is_an_input_error_naming_the_field(tmp_path: Path, mark: str) -> None:
    text = BASE_SAMPLE.read_text(encoding="utf-8")
    target = tmp_path / "brief.yaml"
    data = text.replace("\nshort_name: ", f"\nshort_name: {mark}", 1)
    target.write_text(data, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        docgen.load(target)
    assert [p.path for p in caught.value.problems] == ["short_name"]
    assert caught.value.problems[0].label == "联合体简称" and caught.value.problems[0].line
    assert caught.value.rules_checked  # the rules still ran on the rest
    rendered = run("render", str(target), "-o", str(tmp_path / "out"), "--draft")
    assert rendered.returncode == 2 and not (tmp_path / "out" / "manifest.json").exists()


def test_starter_documents_status_profile_and_budget_year() -> None:
    """FundingLine.status, Head.profile and BudgetLine.year each appear with their Chinese title; a status
    the sample chose is not offered as if it were a default."""
    text = starter_text()
    assert "落实情况：财政资助和社会资本的落实情况" in text
    assert "status: 【请选择：已到位 | 已批复 | 已签约 | 拟申请 | 洽谈中】" in text
    assert not any(line.strip().startswith("status:") and "【" not in line for line in text.splitlines())
    assert "profile: 【请填写：联合体负责人的简介】" in text and "profile: 【请填写：首席专家的简介】" in text
    assert "# （可选）年度：这笔经费所属的年度" in text
