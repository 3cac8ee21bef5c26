"""The formation agreement after the PRC contract-law review (/work/review-findings.md): each finding's
fix read back from the rendered .docx of a sample."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, agreement_articles, changed

import docgen

DEEP_SEA = SAMPLES / "deep-sea-sensing.yaml"
HUMANOID = SAMPLES / "humanoid-robot.yaml"
SYNBIO = SAMPLES / "synthetic-bio.yaml"
MARINE = SAMPLES / "marine-ai-v1.yaml"


@cache
def articles(path: Path) -> dict[str, str]:
    return agreement_articles(docgen.render_agreement(docgen.load(path)))


def test_f4_audit_fees_follow_the_defined_contribution_not_the_annex_total() -> None:
    text = articles(DEEP_SEA)
    audit = text["经费使用与监督"]
    assert "审计费用由各方按照各自依照第二十五条确定的投入金额的比例分担" in audit
    assert "所列投入金额的比例" not in audit
    assert "本协议所称一方的投入金额，是指该方投入的自筹资金与其非货币投入的折价金额之和" in text["各方投入义务"]
    assert "审计费用由各方按照各自依照第二十四条确定的投入金额" in articles(HUMANOID)["经费使用与监督"]


@pytest.mark.parametrize("path", [DEEP_SEA, HUMANOID, MARINE], ids=lambda p: p.name)
def test_f5_f27_the_council_vote_is_stated_once_and_every_other_article_refers_to_it(path: Path) -> None:
    text = articles(path)
    council = text["决策机构及议事规则"]
    number = next(n for n in ("第十二条", "第十一条", "第十三条") if f"依照{n}约定的表决规则" in text["运行机制"])
    assert "表决基数以享有表决权的各方计算，每一方计为一票" in council
    assert "不享有表决权的" in council and "不计入表决基数" in council
    assert "一方与所议事项存在利害关系的，该方不参加该事项的表决，也不计入表决基数" in council
    assert f"重大事项由其依照{number}约定的表决规则作出决定" in text["运行机制"]
    assert f"依照{number}约定的表决规则作出决定" in text["决策规则"]
    whole = "".join(text.values())
    assert "全体组成人员" not in whole
    assert whole.count("不计入表决基数") == council.count("不计入表决基数")


def test_f27_ex_officio_councillors_are_named_outside_the_base() -> None:
    council = articles(HUMANOID)["决策机构及议事规则"]
    assert "联合体负责人和首席专家为当然理事" in council
    assert "联合体负责人、首席专家以及其他不享有表决权的当然理事、列席人员，不计入表决基数" in council
    assert "应当经过半数的各方同意" in council


def test_without_a_council_the_members_meeting_states_the_same_base() -> None:
    text = articles(SYNBIO)
    assert "表决基数以各方计算，每一方计为一票；一方与所议事项存在利害关系的" in text["决策规则"]
    assert "依照第十二条约定的表决规则" in text["运行机制"] or "约定的表决规则作出决定" in text["运行机制"]


def test_f5_a_note_restating_a_different_council_majority_is_a_conflict(base_data: dict[str, Any]) -> None:
    def note(d: dict[str, Any]) -> None:
        d["mechanisms"]["decision_dispatch"]["note"] = "重大事项经理事会全体组成人员过半数同意"

    found = [f for f in docgen.check(changed(base_data, note)) if f.code == "CLAUSE_CONFLICT"]
    assert found and "重大事项的表决比例" in found[0].message


def test_f15_the_chair_is_a_councillor_the_lead_unit_appoints() -> None:
    deep, humanoid = articles(DEEP_SEA)["决策机构及议事规则"], articles(HUMANOID)["决策机构及议事规则"]
    assert "设理事长一名，由牵头单位委派的理事担任；" in deep
    assert "牵头单位应当委派其法定代表人或者经牵头单位书面授权的人员担任该理事" in deep
    assert "牵头单位应当委派其董事长或者经牵头单位书面授权的人员担任该理事" in humanoid
    assert "由牵头单位法定代表人担任理事长" not in deep and "由牵头单位董事长担任理事长" not in humanoid
    assert "设召集人一名，由联合体负责人担任召集人" in articles(MARINE)["决策机构及议事规则"]
