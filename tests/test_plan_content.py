"""The construction plan's content: in-kind, grants and investors, task budgets by payer, profiles, acceptance."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import docx
import pytest
from conftest import VALID_SAMPLES, changed
from docx.oxml.ns import qn

import docgen
from docgen.formatting import wan
from docgen.input.model import Consortium
from docgen.input.totals import totals

LEVEL_LABEL = (
    re.compile(r"^[一二三四五六七八九十]+、"),
    re.compile(r"^（[一二三四五六七八九十]+）"),
    re.compile(r"^\d+\.(?!\d)"),
    re.compile(r"^（\d+）"),
)


def _document(consortium: Consortium, draft: bool = False) -> docx.document.Document:
    return docx.Document(io.BytesIO(docgen.render_plan(consortium, draft=draft)))


def _table_after(document: docx.document.Document, caption: str) -> list[list[str]]:
    seen = False
    for child in document.element.body.iterchildren():
        text = "".join(t.text or "" for t in child.iter(qn("w:t"))) if child.tag == qn("w:p") else ""
        if re.fullmatch(r"[表图]\d+　" + re.escape(caption), text):  # the caption, not a heading or 目录 entry
            seen = True
        elif seen and child.tag == qn("w:tbl"):
            return [["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))]
                    for tr in child.iter(qn("w:tr"))]
    raise AssertionError(f"no table after {caption}")


def _text(document: docx.document.Document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def _yuan(cell: str) -> Decimal:
    return Decimal(cell.replace(",", "")) * 10000


def _briefed(data: dict[str, Any]) -> None:
    """Give the deep-sea brief programmes, investors, statuses, in-kind details, a head profile and payers."""
    for line in data["funding"]:
        if line["source"] == "财政资助":
            line["payer"], line["status"] = "青岛市科技示范工程项目", "拟申请"
        elif line["source"] == "社会资本":
            line["payer"], line["status"] = "青岛海洋产业投资基金", "已签约"
    item = data["lead"]["resources"]["in_kind"][0]
    item.update(task="T4", quantity="2026年至2028年", valuation="评估作价", confirmed_by="青岛某资产评估报告")
    data["head"]["profile"] = "长期从事深海装备研发与产业化管理工作。"
    task = data["tasks"][3]
    task["budget"].append({"source": "实物投入", "amount": "1000000", "unit": data["members"][3]["credit_code"]})


@pytest.fixture(scope="module")
def briefed(base_data: dict[str, Any]) -> Consortium:
    return changed(base_data, _briefed)


@pytest.fixture(scope="module")
def briefed_plan(briefed: Consortium) -> docx.document.Document:
    return _document(briefed, draft=True)  # the payer lines cover part of the money only: a draft


def test_in_kind_table_lists_every_item_with_valuation(briefed: Consortium, briefed_plan: Any) -> None:
    table = _table_after(briefed_plan, "实物及技术投入")
    assert table[0] == ["序号", "投入单位", "投入内容", "用于任务", "数量或期限", "折价金额", "作价方式", "作价确认"]
    items = totals(briefed).in_kind_items
    assert [r[2] for r in table[1:-1]] == [item.description for _, item in items]
    first = table[1]
    assert first[3:] == ["T4", "2026年至2028年", wan(items[0][1].value), "评估作价", "青岛某资产评估报告"]
    assert table[-1][0] == "合计" and _yuan(table[-1][1]) == totals(briefed).in_kind
    assert sum((_yuan(r[5]) for r in table[1:-1]), Decimal(0)) == totals(briefed).in_kind


def test_grants_and_investors_name_source_and_status(briefed: Consortium, briefed_plan: Any) -> None:
    table = _table_after(briefed_plan, "财政资助和社会资本的来源及落实情况")
    assert table[0] == ["序号", "资金来源", "资助项目或投资方", "接收单位", "年度", "金额", "落实情况"]
    body = table[1:-1]
    assert {(r[1], r[2], r[6]) for r in body} == {("财政资助", "青岛市科技示范工程项目", "拟申请"),
                                                   ("社会资本", "青岛海洋产业投资基金", "已签约")}
    external = sum((f.amount for f in briefed.funding if f.source != "自筹资金"), Decimal(0))
    assert sum((_yuan(r[5]) for r in body), Decimal(0)) == external == _yuan(table[-1][1])


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_every_sample_states_programme_and_status(path: Any) -> None:
    table = _table_after(_document(docgen.load(path)), "财政资助和社会资本的来源及落实情况")
    statuses = {"已到位", "已批复", "已签约", "拟申请", "洽谈中"}
    assert len(table) > 2 and all(r[2] and r[6] in statuses for r in table[1:-1]), table
    assert not any("未写明" in c or "【" in c for r in table for c in r)


def _unstated(data: dict[str, Any]) -> None:
    grant = next(f for f in data["funding"] if f["source"] == "财政资助")
    investment = next(f for f in data["funding"] if f["source"] == "社会资本")
    grant["status"] = None
    investment["payer"] = investment["status"] = None


def test_an_unstated_status_or_payer_is_an_error_and_a_draft_marks_it(base_data: dict[str, Any]) -> None:
    unstated = changed(base_data, _unstated)
    found = [f for f in docgen.check(unstated) if f.code == "FUNDING_LINE_INCOMPLETE"]
    assert [(f.severity, f.path.rsplit(".", 1)[1]) for f in found] == [("error", "status"), ("error", "payer")]
    assert "未写明落实情况" in found[0].message and "未写明出资方和落实情况" in found[1].message
    assert "funding[" in found[1].message and ".status 填写已到位" in found[1].message
    from docgen.rules.guideline import for_document

    assert not [f for f in for_document(found, "agreement")]  # the agreement is drafted without it
    table = _table_after(_document(unstated, draft=True), "财政资助和社会资本的来源及落实情况")
    cells = [c for r in table for c in r]
    assert "【待补充：落实情况】" in cells and "【待补充：资助项目或投资方】" in cells
    assert not any("未写明" in c for c in cells)
    with pytest.raises(docgen.RuleError, match="FUNDING_LINE_INCOMPLETE"):
        docgen.render_plan(unstated)  # never a final plan saying 未写明


def test_task_budget_by_payer_adds_up(briefed: Consortium, briefed_plan: Any) -> None:
    table = _table_after(briefed_plan, "攻关任务经费分担")
    assert table[0][:2] == ["任务", "出资单位"] and table[0][-2:] == ["实物投入", "合计"]
    sums = totals(briefed)
    assert _yuan(table[-1][-1]) == sum((t.total for t in sums.tasks), Decimal(0))
    t4 = [r for r in table if r[0] == "T4"]
    assert len(t4) == len(sums.task("T4").by_payer) >= 2  # type: ignore[union-attr]  # incl. the in-kind payer
    subtotal = next(r for r in table if r[0] == "T4小计")
    assert _yuan(subtotal[-1]) == sums.task("T4").total  # type: ignore[union-attr]
    for row in table[1:]:
        assert sum((_yuan(c) for c in row[-len(table[0]) + 2:-1]), Decimal(0)) == _yuan(row[-1])


def test_profiles_printed_and_no_unproduced_annex(briefed: Consortium, briefed_plan: Any) -> None:
    text = _text(briefed_plan)
    assert "负责人和首席专家" in text
    assert briefed.head is not None and briefed.chief_expert is not None
    assert "长期从事深海装备研发与产业化管理工作。" in text
    assert (briefed.chief_expert.profile or "").rstrip("。") in text
    assert "首席专家简历" not in text


def test_acceptance_states_body_timing_and_method(briefed_plan: Any) -> None:
    text = _text(briefed_plan)
    assert "（二）成果验收" in text
    # review G5: the body the agreement's acceptance article names (the lead unit), and a chair who may sit
    assert re.search(r"验收组织。依照组建协议第[一二三四五六七八九十]+条，"
                     r"攻关任务由牵头单位组织验收，专家委员会具体实施", text)
    assert "首席专家回避时由专家委员会推选一名委员主持" in text and "理事会组织验收" not in text
    assert "各攻关任务在其结束日期后三个月内完成验收" in text and "T6于2028年12月31日结束" in text
    assert "资料审查、现场测试或演示、第三方检测" in text


def test_organisation_sentence_and_chart(briefed_plan: Any) -> None:
    text = _text(briefed_plan)
    sentence = next(p for p in text.splitlines() if p.startswith("联合体由牵头单位") and "统筹管理" in p)
    assert "理事会的组成：由牵头单位和各成员单位各委派一名代表组成" in sentence  # review F22
    # review G7: the chair as the agreement's council article has it, not the brief's raw wording
    assert re.search(r"；理事长：依照组建协议第[一二三四五六七八九十]+条的约定产生，由牵头单位委派的代表担任；",
                     sentence)
    assert "；负责人：" not in sentence and "法定代表人担任理事长" not in sentence
    assert not re.search(r"担任\S*担任|召开\S*召开会议|由由", sentence)
    chart = "".join(c for r in _table_after(briefed_plan, "组织架构图") for c in r)
    assert "联合体办公室" in chart and "专家委员会" in chart


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_numbering_never_skips_a_level_and_no_zero_people(path: Any) -> None:
    document = _document(docgen.load(path))
    level = 0
    for p in document.paragraphs:
        style = p.style.name if p.style is not None else ""
        if style.startswith("DG Heading"):
            level = int(style[-1])
            assert LEVEL_LABEL[level - 1].match(p.text), p.text
        elif style == "DG Body" and level:
            for deeper, label in enumerate(LEVEL_LABEL, start=1):
                if label.match(p.text):
                    assert deeper == level + 1, f"{p.text[:20]} under a level-{level} heading"
    assert not re.search(r"(?<![\d.])0人", _text(document))


def test_head_count_unknown_is_a_dash(base_data: dict[str, Any]) -> None:
    def unknown(data: dict[str, Any]) -> None:
        data["members"][0]["resources"]["people"] = None

    document = _document(changed(base_data, unknown))
    members = _table_after(document, "成员单位构成")
    assert members[2][-1] == "—"


def _mechanism(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if name in line)


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_plan_cites_the_agreements_voting_rule(path: Any) -> None:
    """Review F22: the plan states the agreement's one voting rule and cites its article, never a second rule."""
    from docgen.clauses.library import load_library
    from docgen.drafting.agreement import agreement_version

    consortium = docgen.load(path)
    version = agreement_version(consortium, load_library())
    text = _text(_document(consortium))
    decision = _mechanism(text, "决策调度机制")
    clause = "organisation.council" if consortium.council else "organisation.decision"
    article = version.article(clause)
    assert article is not None and f"依照组建协议{article.number}的表决规则" in decision
    vote = re.search(r"经(.+?)同意作出决定", decision)
    assert vote and f"经{vote[1]}同意" in "".join(article.paragraphs), decision
    assert "全体组成人员" not in text and "转化净收入" not in text
    if consortium.council:
        assert "牵头单位和各成员单位" in text and "由各成员单位各委派" not in text
        assert "不享有表决权的人员以及与所议事项有利害关系的一方不计入表决基数" in decision


def test_plan_takes_the_reward_from_the_agreements_net_income(base_data: dict[str, Any]) -> None:
    from docgen.clauses.library import load_library
    from docgen.drafting.agreement import agreement_version

    consortium = docgen.load(VALID_SAMPLES[[p.name for p in VALID_SAMPLES].index("humanoid-robot.yaml")])
    assert consortium.mechanisms.benefit_distribution.staff_reward_base == "net_income"  # type: ignore[union-attr]
    numbers = agreement_version(consortium, load_library()).numbers
    line = _mechanism(_text(_document(consortium)), "收益分配机制")
    assert f"组建协议{numbers['benefit.accounting']}所称净收益中提取" in line
    assert f"（组建协议{numbers['ip.reward']}）" in line


def test_budget_line_years_reach_the_plan_and_annex_2(base_data: dict[str, Any]) -> None:
    """tasks[].budget[].year is printed: beside the payer, a row per payer and year, in the plan's task budget
    table and in 附件2; each (task, payer, year) row equals the budget lines it stands for."""
    from test_rule_messages import _yearly

    from docgen.clauses.library import load_library
    from docgen.drafting.agreement import agreement_version

    consortium = docgen.parse(_yearly(base_data))
    names = {u.credit_code: u.display_name for u in consortium.units}
    expected: dict[tuple[str, str, str], Decimal] = {}
    for task in consortium.tasks:
        for line in task.budget:
            key = (task.id, f"{names[line.unit or task.owner]}（{f'{line.year}年' if line.year else '不分年度'}）")
            expected[key] = expected.get(key, Decimal(0)) + line.amount
    assert any("不分年度" not in payer for _, payer in expected)
    table = _table_after(_document(consortium), "攻关任务经费分担")
    assert table[0][:2] == ["任务", "出资单位"]
    printed = {(r[0], r[1]): _yuan(r[-1]) for r in table[1:] if not r[0].endswith("小计") and r[0] != "合计"}
    assert printed == expected
    shares = agreement_version(consortium, load_library()).outline.annexes["tasks"].shares
    annex = {(r.task, r.unit): Decimal(r.total.replace(",", "")) for r in shares if not r.subtotal}
    assert annex == expected


def test_without_years_the_task_budget_table_names_payers_only(briefed_plan: Any) -> None:
    assert not any("年）" in r[1] or "不分年度" in r[1] for r in _table_after(briefed_plan, "攻关任务经费分担"))
