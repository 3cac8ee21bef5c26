"""The formation agreement after the PRC contract-law review (/work/review-findings.md): each finding's
fix read back from the rendered .docx of a sample."""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import docx
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


def test_f7_a_co_owner_sells_its_share_subject_to_pre_emption_not_consent() -> None:
    patent = articles(DEEP_SEA)["专利申请权"]
    assert "其他共有方享有以同等条件优先受让的权利" in patent
    assert "自收到通知之日起三十日内未书面主张优先受让的，" in patent
    assert "转让方可以按照不优于通知所列条件的条件向他人转让其份额" in patent
    assert "作为《中华人民共和国专利法》第十四条所称共有人对权利行使的约定" in patent
    assert "无须另行取得其他共有方的同意，但受让人应当书面承诺承继" in patent
    assert "转让整个专利申请权或者专利权、以共有的专利申请权或者专利权作价投资等其他行使方式，" \
           "亦须经全体共有方书面同意" in patent
    assert "以及转让、作价投资等其他行使方式" not in patent
    assert "许可他人实施该专利，不论以何种方式许可，均须经全体共有方书面同意" in patent


def test_f28_completing_party_variant_states_the_joint_invention_rules_and_the_order_of_pre_emption() -> None:
    patent = articles(HUMANOID)["专利申请权"]
    assert "各方依照《中华人民共和国民法典》第八百六十条的规定约定，申请专利的权利属于共同完成的各方共有" in patent
    assert "共有一方不同意申请专利的，其他共有方不得申请专利" in patent
    assert "放弃专利申请权的一方可以免费实施该专利" in patent
    assert "其他共有方的优先受让权优先于共有方以外的其他各方" in patent
    assert "期限自其他共有方的主张期限届满之日起计算" in patent


def test_f8_field_test_losses_beyond_insurance_fall_on_a_named_organiser() -> None:
    sea = articles(DEEP_SEA)["现场试验"]
    assert "本条所称组织方，是指该现场试验所属攻关任务的承担单位（见附件2《攻关任务分工表》）" in sea
    assert "保险赔付不足的部分，包括免赔额和超出保险金额的部分，亦由组织方承担" in sea
    assert "损失因一方的故意或者重大过失造成的，组织方承担后有权向该方追偿" in sea
    assert "在保险赔付范围内先行赔偿" not in sea
    line = articles(HUMANOID)["现场试验"]
    assert "本条所称组织方" in line and "自行承担本方财产在试验中的损失" in line


def test_f8_the_review_edition_describes_the_field_test_variant_as_drafted() -> None:
    edition = docx.Document(io.BytesIO(docgen.render_review(docgen.load(DEEP_SEA))))
    (comment,) = [c.text for c in edition.comments if "field_tests.safety，" in c.text]
    assert "所采用文本：试验组织方投保并承担参试财产损失（含保险赔付不足部分），再向故意或者重大过失方追偿" in comment
    assert "再向过错方追偿（" not in comment
    choices = "".join(p.text for p in edition.paragraphs)
    assert "试验组织方投保并承担参试财产损失（含保险赔付不足部分）" in choices


@pytest.mark.parametrize("path", [DEEP_SEA, HUMANOID], ids=lambda p: p.name)
def test_f9_f31_termination_keeps_a_funded_project_alive(path: Path) -> None:
    text = articles(path)
    termination = text["协议终止事由"]
    assert "本协议因期限届满或者备案被取消而终止时，联合体仍在承担已立项项目的，" \
           "本协议中与该项目有关的权利义务继续有效" in termination
    assert "至该项目通过验收或者结题之日止" in termination
    assert "但依照本条关于已立项项目的约定继续履行的项目义务除外" in termination
    assert "不得自行解散" in text["不得自行解散"]


def test_f13_percentages_one_prose_form_two_decimals_in_lists_and_rounding_disclosed() -> None:
    deep, humanoid = articles(DEEP_SEA), articles(HUMANOID)
    method = deep["收益分配方式"]
    assert "投入比例2.80%" in method and "投入比例2.8%；" not in method
    assert "上述投入比例保留两位小数" in method and "尾差计入投入比例最大的一方" in method
    assert "违约方计算基数的百分之十（10%）计算" in deep["违约金与损失赔偿"]
    assert "超过百分之五（5%）的" in deep["收益核算"]
    assert "30.00%" in humanoid["收益分配方式"] and "10.50%" in humanoid["收益分配方式"]


def test_f14_strains_only_where_biological_materials_are_exchanged() -> None:
    assert "菌株" not in "".join(articles(DEEP_SEA).values())
    assert "菌株" not in "".join(articles(HUMANOID).values())
    assert "菌株等生物材料" in articles(SYNBIO)["数据、样品与模型"]


def test_f12_the_scenario_unit_is_named_once_in_the_promotion_mechanism() -> None:
    mechanism = articles(DEEP_SEA)["运行机制"]
    assert "青岛蓝港海洋工程集团有限公司向联合体开放应用场景" in mechanism
    assert "开放的场景为海洋油气平台和海底管线监测" in mechanism
    assert "蓝港海工开放" not in mechanism


def test_f29_the_reward_pool_has_a_base_a_holder_and_a_split() -> None:
    text = articles(HUMANOID)
    reward = text["科技人员奖励"]
    accounting = next(n for n in ("第三十九条", "第四十条", "第四十一条") if f"从{n}所称净收益中提取" in reward)
    assert "本章所称净收益" in text["收益核算"]
    assert "奖励金由负责收取转化收入的一方在收益分配时一并支付给完成该项目成果的各方" in reward
    assert "按照各完成方对该项目成果的实际贡献确定各自的数额，实际贡献不能确定的，均等支付" in reward
    assert "转化净收入" not in "".join(text.values())
    assert f"{accounting}所称净收益的百分之五十（50%）先行提取" in text["运行机制"]


def test_f33_the_court_is_named_by_signing_place_and_lead_domicile() -> None:
    forum = articles(HUMANOID)["争议解决方式"]
    assert "向本协议签订地暨牵头单位住所地（山东省青岛市西海岸新区，" \
           "牵头单位住所为山东省青岛市黄岛区团结路3316号）" in forum
    assert "与牵头单位住所地同属西海岸新区" in forum


# --- 诚信承诺书 (F49, F50) -----------------------------------------------------------------------

def _letters(path: Path) -> dict[str, str]:
    return {code: "".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
            for code, data in docgen.render_commitments(docgen.load(path)).items()}


def test_f50_commitments_name_in_kind_contributions_and_the_filing_authority() -> None:
    consortium = docgen.load(DEEP_SEA)
    letters = _letters(DEEP_SEA)
    lead = letters[consortium.lead.credit_code]
    assert lead.startswith("诚信承诺书青岛市科学技术局、崂山区科学技术局：")
    assert ("承诺投入的自筹资金人民币贰仟壹佰万元整（¥21,000,000.00）、折价合计人民币壹仟壹佰万元整"
            "（¥11,000,000.00）的非货币投入以及人员") in lead
    for unit in consortium.units:
        in_kind = sum((k.value for k in unit.resources.in_kind), Decimal(0))
        text = letters[unit.credit_code]
        assert ("的非货币投入" in text) == bool(in_kind), unit.name
        assert ("自筹资金人民币" in text) == bool(unit.resources.cash), unit.name
    only_in_kind = [u for u in consortium.units if not u.resources.cash and u.resources.in_kind]
    assert only_in_kind and all("承诺投入的折价合计人民币" in letters[u.credit_code] for u in only_in_kind)


def test_without_a_named_authority_the_letter_uses_the_guidelines_term() -> None:
    consortium = docgen.load(HUMANOID)
    assert consortium.filing_authority is None
    lead = _letters(HUMANOID)[consortium.lead.credit_code]
    assert f"青岛市科学技术局、{consortium.lead.district}科技主管部门：" in lead


# --- 合规自查表 (F51, F52) ------------------------------------------------------------------------

def _rows(data: bytes) -> list[list[str]]:
    (table,) = docx.Document(io.BytesIO(data)).tables
    return [[cell.text for cell in row.cells] for row in table.rows][1:]


def test_f51_the_plan_row_is_pending_until_the_annex_and_plan_show_years_and_acceptance() -> None:
    from dataclasses import replace

    from docgen.clauses.library import load_library
    from docgen.drafting.agreement import agreement_version
    from docgen.drafting.plan import assemble_plan, load_outline
    from docgen.resources import templates_dir

    consortium = docgen.load(DEEP_SEA)
    data = docgen.render_compliance(consortium)
    (row,) = [r for r in _rows(data) if r[1] == "指引三（五）"]
    version = agreement_version(consortium, load_library())
    annex = version.agreement(draft=True).annexes["funding"]
    years_shown = all(f"{line.year}年" in repr(replace(annex, in_kind=None)) for line in consortium.funding)
    headings = assemble_plan(consortium, load_outline(templates_dir() / "plan_outline.yaml"), draft=True,
                             base=version.base).headings
    accepted = any("成果验收" in h for h in headings)
    if years_shown and accepted:
        assert row[3] == "符合"
    else:
        assert row[3] == "待补充"
        assert ("未列入组建协议附件3《经费投入计划表》" in row[5]) == (not years_shown)
        assert ("建设方案未载明成果验收的主体、时间和方式" in row[5]) == (not accepted)
    assert "经费投入计划按单位、来源和年度共41项" in row[5] and "笔" not in row[5]


def test_f51_a_pending_row_marks_the_table_a_draft_and_says_why() -> None:
    from docgen.clauses.library import load_library
    from docgen.drafting.agreement import assemble_agreement
    from docgen.drafting.compliance import assemble_compliance, load_compliance_texts

    consortium, library = docgen.load(DEEP_SEA), load_library()
    texts = load_compliance_texts()
    agreement = assemble_agreement(consortium, library)

    def table(gaps: str, listed: bool) -> Any:
        requirements = tuple(r.model_copy(update={"gaps": gaps if r.id == "term" else "",
                                                  "listed_resources": listed and r.listed_resources})
                             for r in texts.requirements)
        return assemble_compliance(consortium, [], agreement, library, ["一、建设意义"],
                                   texts.model_copy(update={"requirements": requirements}))

    clean = table("", listed=False)
    assert not clean.draft and {r.status for r in clean.rows} == {"符合"} and "待补充" not in clean.note
    pending = table("{% if c.term_end.year > 2027 %}建设期的年度目标未列明\n{% endif %}", listed=False)
    (term,) = [r for r in pending.rows if r.clause == "指引五（六）"]
    assert term.status == "待补充" and not term.met and term.evidence.startswith("建设期的年度目标未列明；")
    assert pending.draft and "本表因此标为草稿，不得报送备案" in pending.note


def test_f51_the_filing_copy_of_a_pending_table_carries_the_draft_header() -> None:
    data = docgen.render_compliance(docgen.load(DEEP_SEA))
    document = docx.Document(io.BytesIO(data))
    header = "".join(p.text for s in document.sections for p in s.header.paragraphs)
    assert any(r[3] == "待补充" for r in _rows(data)) == ("草稿" in header)


def test_f52_nested_quotes_cite_the_recital_and_exceptions_row() -> None:
    rows = _rows(docgen.render_compliance(docgen.load(DEEP_SEA)))
    text = "".join(cell for row in rows for cell in row)
    assert "”）" not in text.replace("”）”", "") and "””" not in text
    (lead,) = [r for r in rows if r[1] == "指引四（一）1"]
    assert "组建协议鉴于条款第（一）项" in lead[4] and "第九条" not in lead[4]
    (exceptions,) = [r for r in rows if "例外说明" in r[2]]
    assert exceptions[1] == "指引三（二）“原则上”"


def test_f52_an_item_with_its_own_quotes_is_quoted_with_single_marks() -> None:
    from docgen.clauses.phrases import phrase

    assert phrase("compliance.unlisted", unit="甲", item="调查船“蓝港7号”") == "甲“调查船‘蓝港7号’”"
