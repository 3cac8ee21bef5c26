"""One rule per question: the 运行机制 article and the governing articles state the same agreed rule, and
the consistency lint catches two articles (or a note and an article) that answer one question differently."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, agreement_articles, changed, codes

import docgen
from docgen.clauses.library import load_library
from docgen.clauses.lint import lint_library
from docgen.drafting.agreement import agreement_version

DEEP_SEA = SAMPLES / "deep-sea-sensing.yaml"
HUMANOID = SAMPLES / "humanoid-robot.yaml"


@cache
def articles(path: Path) -> dict[str, str]:
    """Return {article title: its whole text} read from the rendered .docx."""
    return agreement_articles(docgen.render_agreement(docgen.load(path)))


def mechanism(path: Path, label: str) -> str:
    """Return one mechanism's item of the 运行机制 article."""
    text = articles(path)["运行机制"]
    start = text.index(label)
    end = text.find("（", start + 1)
    return text[start:] if end < 0 else text[start:end]


# --- the agreed rule appears in the mechanism and in the governing article -----------------------

@pytest.mark.parametrize(("path", "label", "governing", "rule"), [
    (HUMANOID, "知识产权管理机制", "技术秘密", "各方书面同意"),
    (HUMANOID, "知识产权管理机制", "专利申请权", "为联合体产品配套生产的需要，可以免费实施"),
    (HUMANOID, "收益分配机制", "科技人员奖励", "所称净收益"),
    (DEEP_SEA, "资金投入机制", "各方投入义务", "按季度拨付至任务承担单位"),
    (DEEP_SEA, "资金投入机制", "经费使用与监督", "每年委托会计师事务所等第三方机构"),
    (DEEP_SEA, "知识产权管理机制", "专利申请权", "须经全体共有方书面同意"),
    (DEEP_SEA, "协同攻关机制", "任务进度与验收", "每月向联合体办公室书面报告一次任务进展"),
])
def test_agreed_rule_in_mechanism_and_governing_article(path: Path, label: str, governing: str, rule: str) -> None:
    assert rule in mechanism(path, label)
    assert rule in articles(path)[governing]


def test_humanoid_staff_reward_is_taken_before_sharing_not_from_each_units_part() -> None:
    reward = articles(HUMANOID)["科技人员奖励"]
    assert "所称净收益中提取百分之五十（50%）作为奖励金" in reward
    assert "由本单位分得的部分" not in reward
    assert "不减少其他方依照本协议应当分得的收益" not in reward


def test_deep_sea_funds_are_not_self_managed_and_audit_is_annual() -> None:
    text = "".join(articles(DEEP_SEA).values())
    assert "自行管理使用" not in text
    assert "经决策机构决定，可以委托会计师事务所" not in text
    assert "任何共有方可以单独实施该专利，也可以普通许可方式单独许可他人实施" not in text


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_no_article_lets_other_clauses_override_the_mechanisms(path: Path) -> None:
    text = "".join(articles(path).values())
    assert "以本协议其他条款的约定为准" not in text
    assert "另有约定的，从其约定" not in articles(path)["决策规则"]


def test_changing_one_choice_changes_every_article_that_states_it(base_data: dict[str, Any]) -> None:
    def self_managed(d: dict[str, Any]) -> None:
        d["mechanisms"]["funding_input"].update(disbursement="各方自行管理", audit="on_decision", note="")
        d["mechanisms"]["ip_management"].update(joint_licence="any_owner")

    version = agreement_version(changed(base_data, self_managed), load_library())
    text = {a.id: "".join(a.paragraphs) for a in version.articles}
    for clause in ("mechanisms.mechanisms", "funding.contribution"):
        assert "自行管理使用" in text[clause] and "按季度拨付" not in text[clause]
    for clause in ("mechanisms.mechanisms", "funding.use"):
        assert "经决策机构决定，可以委托会计师事务所" in text[clause] and "每年委托" not in text[clause]
    assert "普通许可方式单独许可他人实施" in text["ip.patent"]
    assert "普通许可方式单独许可他人实施" in text["mechanisms.mechanisms"]


# --- the lint --------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "choice", "note"), [
    ("ip_management", {"joint_licence": "any_owner"}, "对外许可共有专利须经全体共有人书面同意。"),
    ("funding_input", {"disbursement": "各方自行管理"}, "联合体办公室按课题编制年度预算并按季度拨付。"),
    ("funding_input", {"audit": "on_decision"}, "每年委托第三方机构开展一次经费使用审计。"),
    ("benefit_distribution", {}, "联合体成果转化收益扣除直接成本后，按各方经确认的资金及实物投入比例分配。"),
    ("ip_management", {"secret_transfer": "owners"}, "技术秘密对外转让须经全体成员单位书面同意。"),
    ("decision_dispatch", {}, "联合体负责人每月召开一次任务调度会。"),
    ("decision_dispatch", {}, "理事会经三分之二以上同意可以确定新的牵头单位。"),
    ("ip_management", {}, "共有专利的维持费用由共有各方按照各自的实际贡献分担。"),
])
def test_a_note_stating_a_rule_the_choices_cover_differently_is_a_conflict(
        base_data: dict[str, Any], field: str, choice: dict[str, str], note: str) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["mechanisms"][field].update(choice, note=note)

    findings = docgen.check(changed(base_data, edit))
    assert codes(findings) == ["CLAUSE_CONFLICT"]
    conflict = next(f for f in findings if f.code == "CLAUSE_CONFLICT")
    assert conflict.path == f"mechanisms.{field}.note"
    assert note.rstrip("。")[:20] in conflict.message
    with pytest.raises(docgen.RuleError):
        docgen.render_agreement(changed(base_data, edit))


def test_a_note_that_only_adds_is_no_conflict(base_data: dict[str, Any]) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["mechanisms"]["ip_management"].update(note="共有专利由主要完成方代表各共有方办理申请和维护手续。")

    assert "CLAUSE_CONFLICT" not in codes(docgen.check(changed(base_data, edit)))


def test_lint_catches_two_articles_stating_different_rules(tmp_path: Path) -> None:
    """A library whose 经费使用与监督 always allows self-management contradicts the mechanism article."""
    folder = tmp_path / "clauses"
    shutil.copytree(load_library().folder, folder)
    funding = folder / "funding.yaml"
    text = funding.read_text(encoding="utf-8")
    funding.write_text(text.replace("各方应当将联合体经费专门用于攻关任务和联合体建设",
                                    "各方投入的经费由各方自行管理使用，各方应当将联合体经费专门用于攻关任务和联合体建设"),
                       encoding="utf-8")
    problems = lint_library(load_library(folder))
    assert any("经费的管理和拨付" in p and "deep-sea-sensing.yaml" in p for p in problems), problems
    assert not lint_library(load_library())


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_sample_answers_each_question_once(path: Path) -> None:
    from docgen.clauses.consistency import agreement_conflicts, load_questions, statements

    version = agreement_version(docgen.load(path), load_library())
    assert agreement_conflicts(version) == []
    answered = {s.question.id for a in version.articles for s in statements(a.number, a.paragraphs,
                                                                              load_questions())}
    assert {"benefit_basis", "secret_transfer", "fund_management", "fund_audit", "major_vote", "agreement_term",
            "surviving_clauses", "joint_ip_share", "lead_replacement"} <= answered


# --- term, co-owned IP, lead replacement: one rule each (review F6, F9/F31; issue 12 item 4) ----------

JOINT_SHARE = ('共有各方之间的权利份额，与其依照{{ ref("benefit.method") }}在共有各方之间分配该项成果收益的比例相同；'
               '共有知识产权的费用分担和维权所获赔偿的分配，依照{{ ref("ip.maintenance") }}的约定适用同一比例。')


@pytest.mark.parametrize(("file", "old", "new", "label"), [
    # an article that lets the agreement end with the construction period although the filing may run longer
    ("term_filing.yaml", "本协议生效后，牵头单位应当会同",
     "本协议的有效期至建设期届满之日止。本协议生效后，牵头单位应当会同", "本协议的期限"),
    # the liquidation article keeping fewer clauses alive than the term article
    ("dissolution.yaml",
     "本协议关于科技成果与知识产权、收益分配、保密、违约责任和争议解决的约定，在本协议终止后继续有效",
     "本协议关于保密和争议解决的约定，在本协议终止后继续有效", "本协议终止后继续有效的约定"),
    # F6: co-owners' shares by contribution while income and costs follow the sharing article
    ("ip.yaml", JOINT_SHARE, "共有各方的份额按照各自的实际贡献书面确定；不能确定的，视为等额享有。",
     "共有知识产权的份额、费用和收益的比例"),
    # a defaulting lead voting on (and so able to block) its own replacement
    ("breach.yaml", "经成员单位一致同意，可以从", "经各方一致同意，可以从", "变更牵头单位的决定方式"),
])
def test_two_articles_answering_a_new_question_differently_are_a_conflict(
        tmp_path: Path, file: str, old: str, new: str, label: str) -> None:
    from docgen.clauses.consistency import agreement_conflicts

    folder = tmp_path / "clauses"
    shutil.copytree(load_library().folder, folder)
    source = folder / file
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    source.write_text(text.replace(old, new), encoding="utf-8")
    findings = agreement_conflicts(agreement_version(docgen.load(DEEP_SEA), load_library(folder)))
    assert [f.code for f in findings] == ["CLAUSE_CONFLICT"], [f.message for f in findings]
    assert f"“{label}”的约定不一致" in findings[0].message


def test_co_owners_shares_follow_the_sharing_article_and_cite_the_law_as_an_agreement() -> None:
    patent = articles(DEEP_SEA)["专利申请权"]
    assert "实际贡献" not in patent and "等额享有" not in patent
    assert "各方依照《中华人民共和国民法典》第八百六十条的规定约定" in patent
    assert "各方依照《中华人民共和国专利法》第十四条的规定约定，共有各方之间的权利份额" in patent


def test_without_a_council_the_lead_does_not_vote_on_its_replacement() -> None:
    decision = articles(SAMPLES / "synthetic-bio.yaml")["决策规则"]
    assert "因牵头单位违约、退出、被除名或者丧失牵头单位条件而变更牵头单位的，牵头单位不参加表决" in decision
