"""Loading: YAML and JSON in, every problem out at once with its path, Chinese label and line."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import BASE_SAMPLE, ROOT, VALID_SAMPLES

import docgen
from docgen.errors import InputError


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_every_sample_loads(path: Path) -> None:
    consortium = docgen.load(path)
    assert consortium.name.endswith("创新联合体")
    assert len(consortium.units) >= 6


def test_money_is_decimal_and_dates_are_dates(base: docgen.Consortium) -> None:
    assert isinstance(base.funding[0].amount, Decimal)
    assert base.term_start.year == 2026


def test_json_input_gives_the_same_model(tmp_path: Path, base: docgen.Consortium) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(base.model_dump(mode="json"), ensure_ascii=False), encoding="utf-8")
    assert docgen.load(path) == base


def test_every_problem_is_reported_at_once_with_label_path_and_line(tmp_path: Path) -> None:
    text = BASE_SAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines()
    # three independent faults: a bad check character, a negative amount, an unknown key
    code_line = next(i for i, line in enumerate(lines) if "credit_code:" in line)
    lines[code_line] = lines[code_line][:-2] + ('0' if lines[code_line][-2] != '0' else '1') + '"'
    cash_line = next(i for i, line in enumerate(lines) if line.strip().startswith("cash:"))
    lines[cash_line] = lines[cash_line].split(":")[0] + ": -5"
    lines.insert(1, "colour: blue")
    path = tmp_path / "bad.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")

    with pytest.raises(InputError) as caught:
        docgen.load(path)
    problems = {p.path: p for p in caught.value.problems}
    assert set(problems) == {"lead.credit_code", "lead.resources.cash", "colour"}
    assert problems["lead.credit_code"].label == "牵头单位.统一社会信用代码"
    assert "校验位" in problems["lead.credit_code"].message or "格式" in problems["lead.credit_code"].message
    assert problems["lead.credit_code"].line == code_line + 2  # one line was inserted above it
    assert problems["lead.resources.cash"].label == "牵头单位.承诺投入资源.承诺自筹资金（元）"
    assert problems["lead.resources.cash"].message == "应不小于0"
    assert problems["colour"].line == 2
    assert "不允许的字段" in problems["colour"].message
    assert "3处问题" in str(caught.value)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: 甲创新联合体\nlead:\n  name: [unclosed\nmembers: []\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        docgen.load(path)
    (problem,) = caught.value.problems
    assert "YAML 语法错误" in problem.message
    assert problem.line in (3, 4)


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    text = BASE_SAMPLE.read_text(encoding="utf-8").replace(
        "short_name:", "sub_track: 重复赛道\nshort_name:", 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        docgen.load(path)
    assert [p.path for p in caught.value.problems] == ["sub_track"]
    assert "重复" in caught.value.problems[0].message


def test_missing_file_and_wrong_top_level(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="文件不存在"):
        docgen.load(tmp_path / "nope.yaml")
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(InputError, match="顶层应为键值结构"):
        docgen.load(path)


def test_invalid_date_is_reported_against_its_field(base_data: dict) -> None:
    data = dict(base_data, signing_date="2025-13-01")
    with pytest.raises(InputError) as caught:
        docgen.parse(data)
    assert [p.path for p in caught.value.problems] == ["signing_date"]
    assert caught.value.problems[0].label == "签订日期"


def test_dispute_union_error_has_the_input_path(base_data: dict) -> None:
    data = dict(base_data, dispute={"method": "arbitration", "commission": ["青岛仲裁委员会", "上海仲裁委员会"]})
    with pytest.raises(InputError) as caught:
        docgen.parse(data)
    (problem,) = caught.value.problems
    assert problem.path == "dispute.commission"
    assert problem.label == "争议解决方式.仲裁委员会"
    data = dict(base_data, dispute={"method": "mediation"})
    with pytest.raises(InputError) as caught:
        docgen.parse(data)
    assert "arbitration" in caught.value.problems[0].message


def test_money_with_three_decimals_is_refused(base_data: dict) -> None:
    import copy

    data = copy.deepcopy(base_data)
    data["funding"][0]["amount"] = "100.125"
    with pytest.raises(InputError) as caught:
        docgen.parse(data)
    assert caught.value.problems[0].path == "funding[0].amount"
    assert "2位小数" in caught.value.problems[0].message


def test_phone_numbers_written_as_numbers_are_text(base_data: dict) -> None:
    import copy

    data = copy.deepcopy(base_data)
    data["lead"]["contact"]["phone"] = 13800000000
    assert docgen.parse(data).lead.contact.phone == "13800000000"


def test_a_brief_with_eight_defects_reports_all_eight() -> None:
    """One wrong check character no longer hides the guideline rules: both are reported, with lines."""
    with pytest.raises(InputError) as caught:
        docgen.load(ROOT / "samples" / "invalid" / "eight-defects.yaml")
    error = caught.value
    assert [p.path for p in error.problems] == ["members[1].credit_code"]  # references not repeated
    assert "校验位错误" in error.problems[0].message
    found = {f.code for f in error.findings if f.severity == "error"}
    assert found == {"LEAD_NOT_IN_QINGDAO", "TOO_FEW_ENTERPRISES", "TOO_FEW_ACADEMIC", "SHARES_NOT_100",
                     "TERM_TOO_LONG", "ARBITRATION_COMMISSION_MISSING", "TASK_OWNER_NOT_MEMBER"}
    assert all(f.line for f in error.findings)
    text = str(error)
    assert "另有7项不符合组建要求" in text and "《仲裁法》第十六条" in text and "青岛仲裁委员会" in text


def test_findings_on_a_field_set_aside_are_not_reported(base_data: dict) -> None:
    import copy

    data = copy.deepcopy(base_data)
    data["head"]["phone"] = ["0532"]          # optional field, wrong type: set aside, rules still run
    data["members"][0]["contact"]["email"] = "not-an-email"   # required text: a stand-in
    data["lead"]["district"] = "济南市历下区"
    with pytest.raises(InputError) as caught:
        docgen.parse(data)
    assert {p.path for p in caught.value.problems} == {"head.phone", "members[0].contact.email"}
    assert [f.code for f in caught.value.findings if f.severity == "error"] == ["LEAD_NOT_IN_QINGDAO"]


def test_messages_say_what_the_field_is_for(base_data: dict) -> None:
    import copy

    data = copy.deepcopy(base_data)
    data["lead"] = None
    with pytest.raises(InputError) as caught:
        docgen.parse(data)
    (problem,) = caught.value.problems
    assert "未填写" in problem.message and "甲方" in problem.message and "应为键值结构" not in problem.message
    assert not caught.value.rules_checked and "更正后" in str(caught.value)
