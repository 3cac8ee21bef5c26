"""The change brief (amendment): typed terms of exit, settlement, accession and lead replacement, and the
CHANGE_* rules that hold them together — every problem reported at once, each with its Chinese label and
English field path."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from conftest import SAMPLES

import docgen
from docgen.rules.change import check_change

V1 = SAMPLES / "marine-ai-v1.yaml"
V2 = SAMPLES / "marine-ai-v2.yaml"
LEAD = "91370203MA3K9W5B9L"
LEAVER = "91330110MA2CH7DKXL"
JOINER = "12370200427537181Q"


@pytest.fixture(scope="module")
def old() -> docgen.Consortium:
    return docgen.load(V1)


def v2() -> dict[str, Any]:
    return yaml.safe_load(V2.read_text(encoding="utf-8"))


def errors(old: docgen.Consortium, data: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in check_change(old, docgen.parse(data)):
        if f.severity == "error":
            out.setdefault(f.code, []).append(f"{f.path}|{f.message}")
    return out


def test_the_sample_brief_is_complete(old: docgen.Consortium) -> None:
    assert errors(old, v2()) == {}
    amendment = docgen.load(V2).amendment
    assert amendment is not None and amendment.effect.condition == "approval"
    settlement = amendment.departures[0].settlement
    assert settlement is not None and settlement.amount == 1850000
    assert amendment.accessions[0].data_licences[0].model_training


def test_a_brief_with_every_gap_reports_every_gap_at_once(old: docgen.Consortium) -> None:
    data = v2()
    a = data["amendment"]
    a["effect"] = {"condition": "approval"}
    departure = a["departures"][0]
    departure["handover_date"] = "2026-10-15"            # after the exit
    departure["results_income"] = None
    departure["surviving"] = ["licences_granted"]
    departure["settlement"].update(delivered=9000000, used=9500000, due_date=None, payer=JOINER)
    a["accessions"][0]["accepts_terms"] = False
    a["share_reason"] = None
    a["contribution_changes"] = []
    found = errors(old, data)
    assert set(found) == {
        "CHANGE_EFFECT_AUTHORITY_MISSING", "CHANGE_HANDOVER_AFTER_EXIT", "CHANGE_LEAVER_RESULTS_UNADDRESSED",
        "CHANGE_CONFIDENTIALITY_NOT_SURVIVING", "CHANGE_SETTLEMENT_SUM", "CHANGE_SETTLEMENT_PARTY",
        "CHANGE_SETTLEMENT_DUE_MISSING", "CHANGE_ACCESSION_TERMS_NOT_ACCEPTED", "CHANGE_SHARES_REASON_MISSING",
        "CHANGE_CONTRIBUTION_REASON_MISSING"}
    # each names the field in Chinese and in English
    assert ("new:amendment.departures[0].settlement.used|本次变更说明.成员退出第1项.经费结算.已使用金额（元）："
            "已使用金额大于已实际投入金额") in found["CHANGE_SETTLEMENT_SUM"]
    assert any(m.startswith("new:amendment.effect.authority|本次变更说明.生效条件.批准机关：")
               for m in found["CHANGE_EFFECT_AUTHORITY_MISSING"])


def test_settlement_committed_must_match_the_original_funding_plan(old: docgen.Consortium) -> None:
    data = v2()
    data["amendment"]["departures"][0]["settlement"]["committed"] = 7000000
    (message,) = errors(old, data)["CHANGE_SETTLEMENT_SUM"]
    assert "¥7,000,000.00" in message and "¥8,000,000.00" in message


def test_refund_cannot_exceed_the_unused_funds(old: docgen.Consortium) -> None:
    data = v2()
    departure = data["amendment"]["departures"][0]
    departure["results_income"] = "keeps"
    departure.pop("results_assignee")
    departure["settlement"].update(method="refund", amount=900000, payer=LEAD, payee=LEAVER)
    (message,) = errors(old, data)["CHANGE_SETTLEMENT_SUM"]
    assert "¥800,000.00" in message


def test_joiner_without_accession_record_or_background_ip(old: docgen.Consortium) -> None:
    data = v2()
    data["amendment"]["accessions"] = []
    assert set(errors(old, data)) == {"CHANGE_ACCESSION_MISSING"}
    data = v2()
    joiner = next(m for m in data["members"] if m["credit_code"] == JOINER)
    joiner["background_ip"] = []
    assert set(errors(old, data)) == {"CHANGE_JOINER_BACKGROUND_IP_UNSTATED"}
    data["amendment"]["accessions"][0]["no_background_ip"] = True
    assert errors(old, data) == {}


def test_reassigned_task_needs_a_budget(old: docgen.Consortium) -> None:
    data = v2()
    t3 = next(t for t in data["tasks"] if t["id"] == "T3")
    t3["budget"] = []
    assert "CHANGE_TASK_NO_BUDGET" in errors(old, data)


def test_effect_on_a_date_needs_the_date(old: docgen.Consortium) -> None:
    data = v2()
    data["amendment"]["effect"] = {"condition": "date"}
    assert set(errors(old, data)) == {"CHANGE_EFFECT_DATE_MISSING"}
    data["amendment"]["effect"] = {"condition": "date", "date": "2026-09-01"}
    assert set(errors(old, data)) == {"CHANGE_EFFECT_BEFORE_SIGNING"}
