"""Guideline checks: each rule fires on a consortium that breaks it and stays silent on the samples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SAMPLES, VALID_SAMPLES, changed, codes

import docgen
from docgen.rules.guideline import RULES, WAIVABLE

INVALID = SAMPLES / "invalid"
EXPECTED = yaml.safe_load((INVALID / "expected.yaml").read_text(encoding="utf-8")) \
    if (INVALID / "expected.yaml").exists() else {}


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_valid_samples_have_no_errors(path: Path) -> None:
    assert codes(docgen.check(docgen.load(path))) == []


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if v != "input_error"))
def test_invalid_samples_give_exactly_their_codes(name: str) -> None:
    findings = docgen.check(docgen.load(INVALID / name))
    assert sorted(set(codes(findings))) == sorted(EXPECTED[name])


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if v == "input_error"))
def test_unloadable_invalid_samples_raise_input_error(name: str) -> None:
    with pytest.raises(docgen.InputError):
        docgen.load(INVALID / name)


def _member(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(m for m in data["members"] if m["kind"] == kind)


def _drop_unit(data: dict[str, Any], unit: dict[str, Any]) -> None:
    """Remove a member and every reference to it, so only composition rules can change."""
    code = unit["credit_code"]
    data["members"].remove(unit)
    data["tasks"] = [t for t in data["tasks"] if t["owner"] != code]
    for task in data["tasks"]:
        task["participants"] = [p for p in task["participants"] if p != code]


# code → (change that breaks exactly that rule, the field path the finding names)
BREAKS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "LEAD_NOT_ENTERPRISE": (lambda d: d["lead"].update(kind="其他"), "lead.kind"),
    "LEAD_NOT_IN_QINGDAO": (lambda d: d["lead"].update(district="济南市历下区"), "lead.district"),
    "INDUSTRY_NOT_10P1": (lambda d: d.update(industry="区块链"), "industry"),
    "FUTURE_FIELD_MISSING": (lambda d: d.update(industry="未来产业", future_field=None), "future_field"),
    "MECHANISM_MISSING": (lambda d: d["mechanisms"].pop("standard_setting"),
                          "mechanisms.standard_setting"),
    "VOTING_RULE_DUPLICATE": (lambda d: d["mechanisms"]["decision_dispatch"].update(voting_rule="过半数"),
                              "mechanisms.decision_dispatch.voting_rule"),
    "MECHANISM_UNIT_UNKNOWN": (lambda d: d["mechanisms"]["standard_setting"].update(lead="91370200163562681G"),
                               "mechanisms.standard_setting.lead"),
    "HEAD_MISSING": (lambda d: d.update(head=None), "head"),
    "HEAD_UNIT_UNKNOWN": (lambda d: d["head"].update(unit="91370200163562681G"), "head.unit"),
    "CHIEF_EXPERT_MISSING": (lambda d: d.update(chief_expert=None), "chief_expert"),
    "TERM_TOO_LONG": (lambda d: d.update(term_end="2029-01-01"), "term_end"),
    "TERM_END_BEFORE_START": (lambda d: d.update(term_end=d["term_start"]), "term_end"),
    "SIGNING_AFTER_START": (lambda d: d.update(signing_date="2026-01-02"), "signing_date"),
    "TASK_OWNER_NOT_MEMBER": (lambda d: d["tasks"][0].update(owner="91370200163562681G"), "tasks[0].owner"),
    "TASK_PARTICIPANT_NOT_MEMBER": (lambda d: d["tasks"][0]["participants"].append("91370200163562681G"),
                                    "tasks[0].participants"),
    "TASK_ID_DUPLICATE": (lambda d: d["tasks"][1].update(id=d["tasks"][0]["id"]), "tasks[1].id"),
    "TASK_DATES_INVALID": (lambda d: d["tasks"][0].update(end="2025-06-01"), "tasks[0].end"),
    "TASK_OUTSIDE_TERM": (lambda d: d["tasks"][0].update(end="2029-06-01"), "tasks[0].start"),
    "SHARES_NOT_100": (lambda d: d["benefit"].update(
        method="fixed_shares",
        shares=[{"unit": u["credit_code"], "percent": "9"} for u in [d["lead"], *d["members"]]]),
        "benefit.shares"),
    "FUNDING_TOTAL_MISMATCH": (lambda d: d["tasks"][0]["budget"][0].update(
        amount=str(float(d["tasks"][0]["budget"][0]["amount"]) + 10000)), "funding"),
    "FUNDING_UNIT_CASH_MISMATCH": (lambda d: d["lead"]["resources"].update(cash="1"), "lead.resources.cash"),
    "FUNDING_OUTSIDE_TERM": (lambda d: d["funding"][0].update(year=2030), "funding[0].year"),
    "FUNDING_LINE_INCOMPLETE": (lambda d: d["funding"][27].update(status=None), "funding[27].status"),
    "FUNDING_UNIT_UNKNOWN": (lambda d: d["funding"][0].update(unit="91370200163562681G"), "funding[0].unit"),
    "ARBITRATION_COMMISSION_INVALID": (lambda d: d.update(
        dispute={"method": "arbitration", "commission": "青岛仲裁委员会或青岛市中级人民法院"}),
        "dispute.commission"),
    "DUPLICATE_NAME": (lambda d: d["members"][1].update(name=d["members"][0]["name"]), "members[1].name"),
    "PLAN_TEXT_MISSING": (lambda d: d["narrative"].update(safeguards=""), "narrative.safeguards"),
    "KPI_OUTSIDE_TERM": (lambda d: d["kpis"][0]["targets"][0].update(year=2031), "kpis[0].targets[0].year"),
    "KPI_MISSING": (lambda d: d.update(kpis=[]), "kpis"),
    "EXCEPTION_NOT_WAIVABLE": (lambda d: d.update(exceptions=[{"code": "HEAD_MISSING", "reason": "暂缺"}]),
                               "exceptions[0].code"),
    "ARBITRATION_COMMISSION_MISSING": (lambda d: d.update(dispute={"method": "arbitration"}), "dispute.commission"),
    "SHARES_NOT_APPLICABLE": (lambda d: d["benefit"].update(
        method="contribution", shares=[{"unit": d["lead"]["credit_code"], "percent": "100"}]), "benefit.shares"),
    "SHARES_RATIO_MISMATCH": (lambda d: d["benefit"].update(
        method="investment_ratio", shares=[{"unit": d["lead"]["credit_code"], "percent": "40"}]),
        "benefit.shares[0].percent"),
    "BENEFIT_FIELD_NOT_APPLICABLE": (lambda d: d["benefit"].update(assessor="理事会"), "benefit.assessor"),
    "BUDGET_UNIT_UNKNOWN": (lambda d: d["tasks"][0]["budget"][0].update(unit="91370200163562681G"),
                            "tasks[0].budget[0].unit"),
    "BUDGET_UNIT_MISMATCH": (lambda d: d["tasks"][0]["budget"][0].update(unit=d["lead"]["credit_code"]),
                             "lead.credit_code"),
    "IN_KIND_TASK_UNKNOWN": (lambda d: d["lead"]["resources"]["in_kind"][0].update(task="T99"),
                             "lead.resources.in_kind[0].task"),
    "IN_KIND_OUTSIDE_TERM": (lambda d: d["lead"]["resources"]["in_kind"][0].update(year=2030),
                             "lead.resources.in_kind[0].year"),
    "IN_KIND_BUDGET_MISMATCH": (lambda d: d["tasks"][0]["budget"].append({"source": "实物投入", "amount": "1000"}),
                                "tasks"),
    "STATED_TOTAL_MISMATCH": (lambda d: d.update(totals={"total": "1"}), "totals.total"),
    "BREACH_FLOOR_ABOVE_CAP": (lambda d: d["breach"].update(floor="3000000", cap="2000000"), "breach.floor"),
    "IMPLAUSIBLE_DATE": (lambda d: d.update(signing_date="1999-12-31"), "signing_date"),
    "IMPLAUSIBLE_COUNT": (lambda d: d["members"][0]["resources"].update(people=200_000),
                          "members[0].resources.people"),
    "BUDGET_TASK_YEAR_OUTSIDE": (lambda d: d["tasks"][0]["budget"][0].update(year=2035),
                                 "tasks[0].budget[0].year"),
    "FUNDING_YEAR_MISMATCH": (lambda d: [line.update(year=int(str(t["start"])[:4]))
                                         for t in d["tasks"] for line in t["budget"]], "lead.credit_code"),
}


@pytest.mark.parametrize("code", sorted(BREAKS))
def test_each_rule_fires_with_its_path(base_data: dict[str, Any], code: str) -> None:
    change, path = BREAKS[code]
    findings = [f for f in docgen.check(changed(base_data, change)) if f.code == code]
    assert findings, f"{code} did not fire"
    assert findings[0].severity == "error"
    assert findings[0].path.startswith(path)
    assert findings[0].source  # every finding names what it enforces
    assert findings[0].message and not findings[0].message.isascii()


def test_composition_rules_and_justified_exceptions(base_data: dict[str, Any]) -> None:
    def too_few(d: dict[str, Any]) -> None:
        while sum(m["kind"] == "企业" for m in d["members"]) > 2:
            _drop_unit(d, _member(d, "企业"))
        d["funding"] = [f for f in d["funding"] if f["unit"] in {u["credit_code"] for u in [d["lead"], *d["members"]]}]

    consortium = changed(base_data, too_few)
    assert "TOO_FEW_ENTERPRISES" in codes(docgen.check(consortium))
    message = next(f.message for f in docgen.check(consortium) if f.code == "TOO_FEW_ENTERPRISES")
    assert "当前为2家" in message

    excused = changed(base_data, lambda d: (too_few(d), d.update(
        exceptions=[{"code": "TOO_FEW_ENTERPRISES", "reason": "本赛道上游企业仅两家具备配套能力"}])))
    findings = docgen.check(excused)
    assert "TOO_FEW_ENTERPRISES" not in codes(findings)
    warning = next(f for f in findings if f.code == "TOO_FEW_ENTERPRISES")
    assert warning.severity == "warning" and "本赛道上游企业仅两家" in warning.message


def test_too_few_academics(base_data: dict[str, Any]) -> None:
    def drop(d: dict[str, Any]) -> None:
        for unit in [m for m in d["members"] if m["kind"] in ("高等院校", "科研院所")][1:]:
            _drop_unit(d, unit)

    assert "TOO_FEW_ACADEMIC" in codes(docgen.check(changed(base_data, drop)))


def test_duplicate_credit_code(base_data: dict[str, Any]) -> None:
    consortium = changed(base_data, lambda d: d["members"][1].update(credit_code=d["members"][0]["credit_code"]))
    assert "DUPLICATE_CREDIT_CODE" in codes(docgen.check(consortium))


def test_member_without_task(base_data: dict[str, Any]) -> None:
    def idle(d: dict[str, Any]) -> None:
        new = dict(d["members"][0], name="青岛闲置测试有限公司", credit_code="91370200163562681G")
        new["resources"] = dict(new["resources"], cash=0)
        d["members"].append(new)

    findings = docgen.check(changed(base_data, idle))
    assert [f.path for f in findings if f.code == "MEMBER_WITHOUT_TASK"] == [f"members[{len(base_data['members'])}]"]


def test_head_from_another_unit_is_only_a_warning(base_data: dict[str, Any]) -> None:
    consortium = changed(base_data, lambda d: d["head"].update(unit=d["members"][0]["credit_code"]))
    findings = docgen.check(consortium)
    assert codes(findings) == []
    assert "HEAD_NOT_FROM_LEAD" in codes(findings, "warning")


def test_term_of_exactly_three_years_is_allowed(base_data: dict[str, Any]) -> None:
    consortium = changed(base_data, lambda d: d.update(term_start="2026-01-01", term_end="2028-12-31"))
    assert "TERM_TOO_LONG" not in codes(docgen.check(consortium))


def test_litigation_passes_the_arbitration_rule(base_data: dict[str, Any]) -> None:
    consortium = changed(base_data, lambda d: d.update(dispute={"method": "litigation", "venue": "合同签订地"}))
    assert codes(docgen.check(consortium)) == []


def test_every_rule_is_exercised() -> None:
    """A rule nobody can trigger is dead code: the table above must cover every code the rules emit."""
    import inspect
    import re

    emitted = set()
    for rule in RULES:
        emitted |= set(re.findall(r'"([A-Z0-9_]{6,})"', inspect.getsource(rule)))
    covered = set(BREAKS) | {"TOO_FEW_ENTERPRISES", "TOO_FEW_ACADEMIC", "DUPLICATE_CREDIT_CODE",
                             "MEMBER_WITHOUT_TASK", "HEAD_NOT_FROM_LEAD"} | set(WAIVABLE)
    untested = emitted - covered - {"CHIEF_EXPERT_EXTERNAL", "SHARE_UNIT_UNKNOWN", "SHARE_UNIT_DUPLICATE",
                                    "BREACH_BASE_ZERO", "IN_KIND_VALUATION_UNCONFIRMED", "MILESTONE_NO_TASK"}
    assert untested == set()


@pytest.mark.parametrize("change,code,severity", [
    (lambda d: d["chief_expert"].update(unit="91370200163562681G"), "CHIEF_EXPERT_EXTERNAL", "warning"),
    (lambda d: d["breach"].update(base="own_cash", floor=None), "BREACH_BASE_ZERO", "warning"),
    (lambda d: d["lead"]["resources"]["in_kind"][0].update(valuation="评估作价", confirmed_by=None),
     "IN_KIND_VALUATION_UNCONFIRMED", "warning"),
    (lambda d: d["milestones"].append({"date": "2025-12-31", "title": "测试节点"}), "MILESTONE_NO_TASK", "warning"),
    (lambda d: d["benefit"].update(method="fixed_shares", shares=[
        {"unit": "91370200163562681G", "percent": "50"}, {"unit": d["lead"]["credit_code"], "percent": "50"}]),
     "SHARE_UNIT_UNKNOWN", "error"),
    (lambda d: d["benefit"].update(method="fixed_shares", shares=[
        {"unit": d["lead"]["credit_code"], "percent": "50"}, {"unit": d["lead"]["credit_code"], "percent": "50"}]),
     "SHARE_UNIT_DUPLICATE", "error"),
])
def test_share_and_expert_rules(base_data: dict[str, Any], change: Any, code: str, severity: str) -> None:
    assert code in codes(docgen.check(changed(base_data, change)), severity)
