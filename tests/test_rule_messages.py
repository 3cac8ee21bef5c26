"""Rule messages are data (clauses/rules/messages.yaml for the guideline rules, change_messages.yaml for the change
rules): every code has one, each says problem, law and fix, and every field a text uses is supplied."""

from __future__ import annotations

import ast
import copy
import inspect
import re
from typing import Any

import pytest
import yaml
from conftest import BASE_SAMPLE, ROOT

import docgen
from docgen.errors import TemplateError
from docgen.rules import change, guideline, messages


def _emitted() -> set[str]:
    """Return every code guideline.py passes to _error or _warning."""
    source = inspect.getsource(guideline)
    named = set(re.findall(r'_(?:error|warning)\(\s*"([A-Z0-9_]+)"', source))
    return named | {"DUPLICATE_CREDIT_CODE", "DUPLICATE_NAME"}  # unique_units passes its code in a variable


def _codes_in(name: str) -> set[str]:
    """Return the codes one messages file holds."""
    path = next(p for p in messages.messages_paths() if p.name == name)
    return set(yaml.safe_load(path.read_text(encoding="utf-8"))["messages"])


def test_every_rule_code_has_a_message_and_every_message_a_rule() -> None:
    known = _codes_in("messages.yaml")
    emitted = _emitted()
    assert len(emitted) > 40
    assert emitted - known == set(), "rule codes without a message in clauses/rules/messages.yaml"
    assert known - emitted == set(), "messages for codes no rule emits"


def _change_calls() -> list[tuple[str, str | None, set[str], int]]:
    """Return (code, variant, names of the values supplied, line) of every _error/_warning call in change.py."""
    calls = []
    for node in ast.walk(ast.parse(inspect.getsource(change))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_error", "_warning"):
            code = node.args[0]
            assert isinstance(code, ast.Constant) and isinstance(code.value, str), node.lineno
            variant = node.args[2] if len(node.args) > 2 else None
            assert variant is None or isinstance(variant, ast.Constant), node.lineno
            calls.append((code.value, variant.value if variant else None,
                          {k.arg for k in node.keywords if k.arg} | {"field", "at"}, node.lineno))
    return calls


def test_every_change_code_has_a_message_and_every_message_a_change_rule() -> None:
    known = _codes_in("change_messages.yaml")
    emitted = {code for code, _, _, _ in _change_calls()}
    assert len(emitted) > 40 and all(code.startswith("CHANGE_") for code in emitted | known)
    assert emitted - known == set(), "change rule codes without a message in clauses/rules/change_messages.yaml"
    assert known - emitted == set(), "messages for change codes no rule emits"
    used = {(code, variant) for code, variant, _, _ in _change_calls()}
    listed = {(code, variant) for code in known for variant in messages.messages()[code]}
    assert used == listed, "variants used by change.py and listed in change_messages.yaml differ"


def test_every_field_a_change_message_uses_is_supplied() -> None:
    for code, variant, supplied, line in _change_calls():
        missing = messages.messages()[code][variant].fields() - supplied
        assert not missing, f"change.py:{line}: {code}/{variant} uses {missing} the rule does not supply"


def test_the_change_rules_hold_no_wording() -> None:
    from test_wording import _cjk_literals

    path = ROOT / "docgen" / "rules" / "change.py"
    assert {literal for _, literal in _cjk_literals(path)} == {"原版本", "新版本"}   # the version labels


def test_a_change_code_without_a_message_is_a_template_error(monkeypatch: pytest.MonkeyPatch) -> None:
    trimmed = {k: v for k, v in messages.messages().items() if k != "CHANGE_SETTLEMENT_MISSING"}
    monkeypatch.setattr(messages, "messages", lambda: trimmed)
    with pytest.raises(TemplateError, match="CHANGE_SETTLEMENT_MISSING"):
        change._error("CHANGE_SETTLEMENT_MISSING", "new:amendment.departures[0].settlement")


def test_a_change_message_names_the_law_and_the_field_to_fill() -> None:
    finding = change._error("CHANGE_SETTLEMENT_DUE_MISSING", "new:amendment.departures[0].settlement.due_date",
                            "missing")
    assert finding.message == (
        "本次变更说明.成员退出第1项.经费结算.付款期限：未写明结算金额的付款期限（《民法典》第五百一十一条：履行期限不明确的，"
        "债务人可以随时履行，债权人也可以随时请求履行——结算款何时支付无法确定）。"
        "请在 amendment.departures[0].settlement.due_date 填写付款期限。")
    assert (finding.source, finding.severity) == ("《民法典》第五百一十一条", "error")


def test_each_message_states_the_law_and_the_fix() -> None:
    for code, variants in messages.messages().items():
        for variant, m in variants.items():
            assert re.search(r"《[^》]+》|指引", m.law + m.source), (code, variant)
            assert "请" in m.fix or "应" in m.fix, (code, variant)


def test_a_missing_code_or_field_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="NO_SUCH_CODE"):
        messages.text("NO_SUCH_CODE")
    with pytest.raises(TemplateError, match="kind"):
        messages.text("LEAD_NOT_ENTERPRISE")


def test_the_arbitration_message_reads_as_the_brief_asks() -> None:
    message, source = messages.text("ARBITRATION_COMMISSION_MISSING")
    assert message == ("争议解决方式为仲裁，但未写明仲裁委员会名称（《仲裁法》第十六条、第十八条：未约定仲裁委员会的"
                       "仲裁协议无效）。请在 dispute.commission 填写仲裁委员会全称，如“青岛仲裁委员会”。")
    assert source == "《仲裁法》第十六条、第十八条"


def _data() -> dict[str, Any]:
    import yaml

    from docgen.input.loading import _Loader

    return yaml.load(BASE_SAMPLE.read_text(encoding="utf-8"), Loader=_Loader)  # type: ignore[no-any-return]


def _yearly(data: dict[str, Any]) -> dict[str, Any]:
    """Return data whose cash budget lines are the funding lines, each on a task of its unit and year."""
    d = copy.deepcopy(data)
    for task in d["tasks"]:
        task["budget"] = [b for b in task["budget"] if b["source"] == "实物投入"]
    for line in d["funding"]:
        year = int(line["year"])
        fits = [t for t in d["tasks"] if int(str(t["start"])[:4]) <= year <= int(str(t["end"])[:4])]
        mine = [t for t in fits if line["unit"] in (t["owner"], *t.get("participants", []))]
        (mine or fits)[0]["budget"].append({"source": line["source"], "amount": line["amount"],
                                            "unit": line["unit"], "year": year})
    return d


def test_budgets_that_add_up_per_unit_task_and_year_pass() -> None:
    codes = {f.code for f in docgen.check(docgen.parse(_yearly(_data())))}
    assert not codes & {"FUNDING_YEAR_MISMATCH", "BUDGET_UNIT_MISMATCH", "FUNDING_TOTAL_MISMATCH",
                        "BUDGET_TASK_YEAR_OUTSIDE"}, codes


def test_a_budget_moved_to_another_year_is_reported_with_both_figures_to_the_fen() -> None:
    d = _yearly(_data())
    line = next(b for t in d["tasks"] for b in t["budget"] if b.get("year") and b["unit"] == d["lead"]["credit_code"]
                and any(int(str(t["start"])[:4]) <= b["year"] + 1 <= int(str(t["end"])[:4]) for _ in [0]))
    line["year"] += 1
    found = [f for f in docgen.check(docgen.parse(d)) if f.code == "FUNDING_YEAR_MISMATCH"]
    assert len(found) == 2 and all(f.path == "lead.credit_code" for f in found)
    assert all(re.search(r"经费投入计划为¥?[\d,]+\.\d\d.*合计¥?[\d,]+\.\d\d", f.message) for f in found), found


def test_a_budget_line_without_a_payer_counts_as_the_owners_and_is_checked_like_any_other() -> None:
    d = _data()
    task, line = next((t, b) for t in d["tasks"] for b in t["budget"]
                      if b["unit"] != t["owner"] and b["source"] != "实物投入")
    payer = line.pop("unit")
    found = [f for f in docgen.check(docgen.parse(d)) if f.code == "BUDGET_UNIT_MISMATCH"]
    assert found and all(f.severity == "error" for f in found)
    index = d["tasks"].index(task)
    assert {f.path for f in found} == {f"tasks[{index}].budget[{task['budget'].index(line)}].unit"}
    names = {u["credit_code"]: u["name"] for u in [d["lead"], *d["members"]]}
    short = next(f for f in found if names[payer] in f.message)
    amount = f"¥{int(line['amount']):,}.00"
    assert amount in short.message and "相差" + amount in short.message, short.message
    assert f"任务{task['id']}的{line['source']}经费行未填写出资单位" in short.message
    assert "出资单位（tasks[].budget[].unit）填写实际出资单位" in short.message


def test_a_milestone_no_task_runs_at_is_a_warning_naming_it() -> None:
    import datetime as dt

    d = _data()
    first = min(str(t["start"]) for t in d["tasks"])
    later = str(dt.date.fromisoformat(first) + dt.timedelta(days=1))
    for t in d["tasks"]:
        t["start"] = max(str(t["start"]), later)
    d["milestones"].append({"date": first, "title": "测试节点"})
    found = [f for f in docgen.check(docgen.parse(d)) if f.code == "MILESTONE_NO_TASK"]
    assert [(f.severity, f.path) for f in found] == [("warning", f"milestones[{len(d['milestones']) - 1}].date")]
    assert "“测试节点”" in found[0].message and "不在任何攻关任务的起止期间内" in found[0].message


def test_every_sample_milestone_falls_within_some_task() -> None:
    for path in sorted(BASE_SAMPLE.parent.glob("*.yaml")):
        assert not [f for f in docgen.check(docgen.load(path)) if f.code == "MILESTONE_NO_TASK"], path.name
