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
    assert amendment is not None and amendment.effect.condition == "signature"
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
            "已使用金额（¥9,500,000.00）大于已实际投入金额（¥9,000,000.00）（《民法典》第五百六十六条：结算以退出方已经履行的部分为限，"
            "已使用的经费不能多于已投入的经费）。请核对 amendment.departures[0].settlement.used 和 "
            "amendment.departures[0].settlement.delivered。") in found["CHANGE_SETTLEMENT_SUM"]
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


# --- the supplement drafts the brief ----------------------------------------------------------------

def supplement_text(old: docgen.Consortium, data: dict[str, Any]) -> str:
    import io

    import docx

    from docgen.documents import change_documents

    documents = {d.kind: d for d in change_documents(old, docgen.parse(data))}
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(documents["supplement"].data))
    # every paragraph in body order, table cells included (the signature blocks are a table's rows)
    return "\n".join(Paragraph(p, document).text for p in document.element.body.iter(qn("w:p")))


@pytest.fixture(scope="module")
def sample_text(old: docgen.Consortium) -> str:
    return supplement_text(old, v2())


def article(text: str, title: str) -> str:
    """Return the article with this title, up to the next article."""
    lines = text.split("\n")
    start = next(i for i, p in enumerate(lines) if p.startswith("第") and f"条　{title}　" in p[:20])
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("第") and "条　" in lines[i][:8]),
               len(lines))
    return "\n".join(lines[start:end])


def test_settlement_states_the_figures_payer_payee_and_due_date(sample_text: str) -> None:
    settlement = article(sample_text, "退出结算")
    assert "承诺投入经费人民币捌佰万元整（¥8,000,000.00）" in settlement
    assert "实际投入人民币肆佰万元整（¥4,000,000.00）" in settlement
    assert "尚未使用人民币捌拾万元整（¥800,000.00）" in settlement
    assert ("甲方青岛海图智算科技股份有限公司应当于2026年10月31日或本补充协议生效之日起十五日内（以较晚者为准），"
            "向乙方四杭州云澜算力科技有限公司书面指定的银行账户支付"
            "人民币壹佰捌拾伍万元整（¥1,850,000.00）") in settlement
    # the unused funds held by the leaver are paid over, with payee and date (review finding, 第七条)
    assert ("乙方四应当自退出生效之日起十五日内，将其已经投入但尚未使用的经费人民币捌拾万元整（¥800,000.00）"
            "划付至牵头单位书面指定的银行账户") in settlement
    assert "财政资助" not in settlement        # the leaver had no fiscal funding
    assert "已经投入并使用的自有经费不予返还" not in sample_text   # the old default is gone


def test_exit_terms_follow_the_brief(sample_text: str) -> None:
    exit_ = article(sample_text, "成员退出")
    assert "乙方四应当于2026年9月28日前" in exit_ and "十五日内" not in exit_
    assert "本补充协议于该日之后生效的，自本补充协议生效之日起生效" in exit_
    assert "ZL202310187264.1" in exit_ and "T3推理加速工具链阶段版本" in exit_
    assert "配合办理退出前项目成果的权属登记" in exit_
    results = article(sample_text, "退出前成果的权益")
    assert "转让给甲方青岛海图智算科技股份有限公司" in results and "放弃" in results
    assert "不参与依照本条进行的收益分配" not in results


def test_accession_terms_and_data_licence(sample_text: str) -> None:
    accession = article(sample_text, "新成员加入")
    assert "同意接受原协议的全部约定" in accession
    assert ("卫星海洋遥感数据产品库（2015年以来）使用授权（各方认可的折价金额为人民币贰佰伍拾万元整"
            "（¥2,500,000.00））") in accession
    assert "ZL202010746158.9" in accession and "附件4《背景知识产权清单（变更后）》" in accession
    assert "研发人员0人" not in sample_text
    prior = article(sample_text, "加入前成果的使用")
    assert "为完成其承担或者参与的攻关任务" in prior and "免费使用" in prior
    data = article(sample_text, "数据许可")
    assert "至2028年12月31日止" in data and "可以用于联合体模型的训练" in data and "归加工方所有" in data
    # derived data: an express exception to the original agreement's 项目成果 rule, limited to this dataset
    assert "是对原协议第二十七条关于项目成果权属约定的特别约定" in data
    assert "仍依照原协议第二十七条的约定确定权属" in data
    assert "除本补充协议外，各方此前未就原协议签订其他补充协议" in sample_text


def test_contribution_and_share_changes_are_stated(sample_text: str) -> None:
    changes = article(sample_text, "投入的调整")       # one article per change: contributions, then shares
    assert "“自有智算中心GPU算力（不少于100万卡时）”（折价人民币捌佰万元整（¥8,000,000.00））" in changes
    assert "“自有智算中心GPU算力（不少于200万卡时）”（折价人民币壹仟肆佰万元整（¥14,000,000.00））" in changes
    assert "调整为36%" not in changes
    changes = article(sample_text, "收益分配比例的调整")
    assert "甲方青岛海图智算科技股份有限公司：由30%调整为36%" in changes
    assert "乙方二" not in changes      # unchanged shares are not listed


def test_effect_on_signature_and_defects_fixed(sample_text: str) -> None:
    effect = article(sample_text, "生效与文本")
    assert "合同专用章之日起生效" in effect and "首部所列各方" in effect and "批准" not in effect
    assert "原协议各方" not in effect
    assert "青岛市科学技术局" not in sample_text     # one authority: the district bureau of the filing
    assert "原协议全体成员单位" not in sample_text
    assert "；- " not in sample_text and "《《" not in sample_text
    assert "为《青岛市海洋领域大模型创新联合体组建协议补充协议（第一号）》签署页" in sample_text
    assert "附件4《背景知识产权清单》修订为本补充协议附件4《背景知识产权清单（变更后）》。" in sample_text


@pytest.mark.parametrize("condition,expected", [
    ({"condition": "signature"}, "签字并加盖单位公章或者合同专用章之日起生效"),
    ({"condition": "date", "date": "2026-10-01"}, "自2026年10月1日起生效"),
])
def test_effect_variants(old: docgen.Consortium, condition: dict[str, str], expected: str) -> None:
    data = v2()
    data["amendment"]["effect"] = condition
    assert expected in article(supplement_text(old, data), "生效与文本")


def test_approval_names_the_duties_effective_on_signature(old: docgen.Consortium) -> None:
    data = v2()
    data["amendment"]["effect"] = {"condition": "approval", "authority": "市北区科学技术局"}
    effect = article(supplement_text(old, data), "生效与文本")
    assert "经市北区科学技术局批准之日起生效" in effect
    assert "本款的约定、第二条关于保密义务的约定、第五条关于工作移交的约定，自各方签署之日起生效" in effect


def test_one_rule_for_income_from_pre_exit_results(sample_text: str) -> None:
    """F35: pre-exit results keep the original shares, the leaver's 12 % going to the lead unit (30 + 12 =
    42 %); the new shares govern results made after the exit; the two articles say the same."""
    results = article(sample_text, "退出前成果的权益")
    assert ("退出生效前已经形成的项目成果所产生的收益，无论何时分配，均依照原协议第三十八条在本补充协议修改前的约定"
            "分配，其中原属乙方四的份额（12%）归甲方，其他各方的份额不变；新加入的成员单位不参与该等收益的分配。"
            "退出生效后形成的项目成果所产生的收益，依照第十条调整后载于修改后的原协议第三十八条的约定分配。") in results
    assert "通过该比例调整实现" not in results
    shares = article(sample_text, "收益分配比例的调整")
    assert ("适用于退出生效后形成的项目成果所产生的收益；退出生效前已经形成的项目成果所产生的收益，"
            "依照第六条的约定分配") in shares
    assert "适用于本补充协议生效之日以后分配的收益" not in shares


def test_patent_transfer_takes_effect_on_registration(sample_text: str) -> None:
    """F36: 专利法第十条 — a transfer of a patent (application) right takes effect on registration."""
    results = article(sample_text, "退出前成果的权益")
    assert "除专利申请权和专利权的转让依照本条第三款生效外，该转让自退出生效之日起生效" in results
    assert ("其中专利申请权和专利权的转让，由乙方四与甲方另行订立书面转让合同，并于退出生效之日起三十日内共同向"
            "国务院专利行政部门办理登记，自登记之日起生效") in results
    assert "其他共有方应当配合办理著录项目变更手续" in results


def test_exit_respects_project_approval_and_notice_period(old: docgen.Consortium, sample_text: str) -> None:
    """F37: the original's project-period article (第五十一条) and notice period (第四十九条), cited by the
    clause engine's references, not by fixed numbers."""
    exit_ = article(sample_text, "成员退出")
    assert ("须经项目管理部门批准的，乙方四的退出自批准之日起生效；批准前，乙方四依照原协议第五十一条的约定继续履行"
            "其在项目中承担的义务") in exit_
    assert "各方同意豁免原协议第四十九条关于退出方提前发出书面通知的期限要求。" in exit_
    data = v2()
    data["amendment"]["departures"][0]["notice_date"] = "2026-07-20"
    text = article(supplement_text(old, data), "成员退出")
    assert "乙方四已于2026年7月20日依照原协议第四十九条的约定向其他各方发出书面退出通知。" in text
    assert "豁免" not in text


def test_leaver_in_kind_and_third_party_money_are_settled(old: docgen.Consortium, sample_text: str) -> None:
    """F38: the leaver's ¥9m compute contribution is settled (delivered part valued), its ¥2m 社会资本 is
    said not to be its own investment, and the unused funds go to a named task and year (F41)."""
    in_kind = article(sample_text, "非货币投入的结算")
    assert ("智算集群算力资源（不少于150万卡时）（原协议约定折价人民币玖佰万元整（¥9,000,000.00））：截至退出生效"
            "之日已经提供60万卡时，其余部分自退出生效之日起不再提供；已经提供的部分按照人民币叁佰陆拾万元整"
            "（¥3,600,000.00）折价，计为乙方四的实际投入，不予返还，也不另行结算。") in in_kind
    settlement = article(sample_text, "退出结算")
    assert ("以乙方四名义引入的社会资本和其他资金人民币贰佰万元整（¥2,000,000.00）不属于乙方四依照原协议第二十四条"
            "确定的投入金额") in settlement
    assert "列入T3“海洋大模型智算底座与推理部署优化”2026年度的经费预算" in settlement
    data = v2()
    settled = data["amendment"]["departures"][0]["settlement"]
    settled["in_kind"] = [{"item": "智算集群算力资源（不少于150万卡时）", "delivered": "60万卡时",
                           "treatment": "retained", "until": "2027-06-30"}]
    text = article(supplement_text(old, data), "非货币投入的结算")
    assert "已经提供的部分，其他各方可以为完成攻关任务继续使用至2027年6月30日，不另行支付费用" in text
    settled["in_kind"][0].update(treatment="returned", until=None)
    assert "返还乙方四" in article(supplement_text(old, data), "非货币投入的结算")
    settled["in_kind"] = []
    assert set(errors(old, data)) == {"CHANGE_IN_KIND_UNSETTLED"}
    settled["in_kind"] = [{"item": "别的东西", "treatment": "valued"},
                          {"item": "智算集群算力资源（不少于150万卡时）", "delivered": "60万卡时",
                           "treatment": "valued", "value": 9500000}]
    assert set(errors(old, data)) == {"CHANGE_IN_KIND_UNKNOWN", "CHANGE_IN_KIND_TERMS"}


def test_contribution_change_states_each_source(sample_text: str) -> None:
    """F41: the lead's 社会资本 change is stated, not left to the new total."""
    assert ("社会资本由人民币陆佰万元整（¥6,000,000.00）调整为人民币捌佰万元整（¥8,000,000.00）"
            in article(sample_text, "投入的调整"))


def test_refund_keeps_and_access_variants(old: docgen.Consortium) -> None:
    data = v2()
    departure = data["amendment"]["departures"][0]
    departure["results_income"] = "keeps"
    departure.pop("results_assignee")
    departure["settlement"].update(method="refund", amount=800000, payer=LEAD, payee=LEAVER)
    data["amendment"]["accessions"][0]["access_licence"] = "none"
    text = supplement_text(old, data)
    assert "返还其已经投入但尚未使用的经费人民币捌拾万元整（¥800,000.00）" in article(text, "退出结算")
    assert "按照12%的比例继续参与分配" in article(text, "退出前成果的权益")
    assert "应当与权利人另行签订书面许可合同" in article(text, "加入前成果的使用")
    departure["settlement"].update(method="no_refund", amount=0, payer=None, payee=None, due_date=None)
    assert "互不支付结算款项" in article(supplement_text(old, data), "退出结算")


def test_lead_replacement_is_drafted() -> None:
    v3, v4 = docgen.load(SAMPLES / "marine-ai-v3.yaml"), docgen.load(SAMPLES / "marine-ai-v4.yaml")
    assert [f for f in check_change(v3, v4) if f.severity == "error"] == []
    data = yaml.safe_load((SAMPLES / "marine-ai-v4.yaml").read_text(encoding="utf-8"))
    text = supplement_text(v3, data)
    replacement = article(text, "牵头单位的更换")
    assert "乙方一青岛蓝算数据智能科技有限公司自本补充协议生效之日起担任联合体牵头单位" in replacement
    assert "甲方应当于2027年10月15日前，向乙方一移交联合体的档案" in replacement
    assert "作为成员单位继续履行原协议" in replacement and "依照第三条的约定确定" in replacement
    assert "章启明" not in replacement   # appointed once, by the head article (F48)
    # F46: the voluntary step-down rests on the unanimity and amendment articles, not on the lead-failure one
    assert "依照原协议第十二条关于牵头单位的变更须经各方一致同意的约定和第六十九条的约定" in replacement
    assert "乙方一声明并保证，其符合《青岛市创新联合体组建工作指引》四（一）规定的牵头单位基本条件" in replacement
    assert ("甲方依照原协议第二十四条作为牵头单位统一接收但尚未拨付的财政资助资金，应当于2027年10月15日前"
            "连同其孳息依照资助方的规定划转至乙方一书面指定的账户") in replacement
    assert "乙方一自批准之日起承接项目承担单位的权利和义务" in replacement
    assert "甲方对其担任牵头单位期间的行为，仍依照原协议承担责任；乙方一不因担任牵头单位而承担该等责任" in replacement
    assert "概括承继" not in replacement
    head = article(text, "联合体负责人变更")
    assert "乙方一作为牵头单位选聘章启明（董事长）为联合体负责人" in head and "首席专家" not in head
    assert "原协议第十二条约定，牵头单位的变更须经各方一致同意" in text
    assert "乙方一作为新的牵头单位应当自本补充协议生效之日起三十日内" in text and "崂山区科学技术局" in text
    assert "甲方（原牵头单位）：青岛海图智算科技股份有限公司（盖章）" in text
    assert "乙方一（接任牵头单位）：青岛蓝算数据智能科技有限公司（盖章）" in text
    data["amendment"].pop("lead_replacement")
    codes = {f.code for f in check_change(v3, docgen.parse(data)) if f.severity == "error"}
    assert codes == {"CHANGE_LEAD_LEAVES"}
