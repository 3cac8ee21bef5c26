"""Guideline and consistency checks: one small function per rule, collected in one registry.

``check(consortium)`` runs every rule and returns the findings. A finding with severity ``error`` blocks
drafting; a ``warning`` is printed but does not. Where the guideline says 原则上 (as a rule), the input
may record a justified exception (``exceptions: [{code, reason}]``): the finding is then kept as a
warning that quotes the reason, so the reviewer still sees it. Only the codes in ``WAIVABLE`` can be
excepted; an exception for any other code is itself an error.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from docgen.constants import ACADEMIC_KINDS, ENTERPRISE, FUNDING_SOURCES, SELF_FUNDED
from docgen.formatting import cn_date, yuan
from docgen.input.model import IN_KIND_SOURCE, MECHANISM_LABELS, Arbitration, Consortium, StatedTotals
from docgen.input.text import same_name
from docgen.input.totals import damages_base, investment_ratios, totals

__all__ = [
    "DOCUMENT_SCOPES", "INDUSTRIES", "PLAN_ONLY", "QINGDAO_DISTRICTS", "RULES", "WAIVABLE", "Finding", "check",
    "for_document", "has_errors",
]

Severity = Literal["error", "warning"]

INDUSTRIES: tuple[str, ...] = (
    "新一代信息技术", "人工智能", "生命健康", "智能网联新能源汽车", "低空经济", "绿色能源",
    "智能装备", "智能家电", "高端化工与新材料", "现代轻工", "未来产业",
)
QINGDAO_DISTRICTS: tuple[str, ...] = (
    "市南区", "市北区", "李沧区", "崂山区", "城阳区", "黄岛区", "西海岸新区", "即墨区",
    "胶州市", "平度市", "莱西市",
)
MAX_TERM_YEARS = 3

# Rules the guideline states as 原则上 (as a rule): a recorded reason turns the error into a warning.
WAIVABLE: dict[str, str] = {
    "TOO_FEW_ENTERPRISES": "指引 三（二）原则上不少于3家上下游企业",
    "TOO_FEW_ACADEMIC": "指引 三（二）原则上不少于2家高校院所",
}


@dataclass(frozen=True)
class Finding:
    """One result of a check: stable code, severity, Chinese message, the clause it enforces, the field."""

    code: str
    severity: Severity
    message: str
    source: str  # the guideline clause or statute enforced, e.g. "指引 三（二）"
    path: str    # English field path, e.g. "members[2].kind"
    line: int | None = None  # 1-based line in the input file, where known

    def __str__(self) -> str:
        level = "错误" if self.severity == "error" else "提示"
        where = f"第{self.line}行 " if self.line else ""
        return f"[{level}] {where}{self.code} {self.message}（{self.source}；字段 {self.path}）"

    def as_dict(self) -> dict[str, str | int]:
        """Return the finding as a plain dict (the --json output)."""
        out: dict[str, str | int] = {"code": self.code, "severity": self.severity, "message": self.message,
                                     "source": self.source, "path": self.path}
        if self.line is not None:
            out["line"] = self.line
        return out


Rule = Callable[[Consortium], Iterable[Finding]]
RULES: list[Rule] = []


def _rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def _error(code: str, message: str, source: str, path: str) -> Finding:
    return Finding(code, "error", message, source, path)


def _warning(code: str, message: str, source: str, path: str) -> Finding:
    return Finding(code, "warning", message, source, path)


def check(consortium: Consortium) -> list[Finding]:
    """Return every finding for the consortium, errors first, each group in rule order."""
    findings = [finding for rule in RULES for finding in rule(consortium)]
    reasons = {e.code: e.reason for e in consortium.exceptions if e.code in WAIVABLE}
    findings = [
        replace(f, severity="warning", message=f"{f.message}；已说明例外理由：{reasons[f.code]}")
        if f.code in reasons and f.severity == "error" else f
        for f in findings
    ]
    return sorted(findings, key=lambda f: f.severity != "error")


# Rules that only the construction plan needs: the agreement and the commitments are drafted without them.
PLAN_ONLY: frozenset[str] = frozenset({"PLAN_TEXT_MISSING"})
DOCUMENT_SCOPES: tuple[str, ...] = ("all", "agreement", "plan")


def for_document(findings: Iterable[Finding], document: str = "all") -> list[Finding]:
    """Return the findings that bear on document: "agreement" (with the commitments), "plan" or "all"."""
    if document not in DOCUMENT_SCOPES:
        from docgen.errors import ArgumentError

        raise ArgumentError(f"document 应为 {'、'.join(DOCUMENT_SCOPES)} 之一，得到：{document!r}")
    return [f for f in findings if document != "agreement" or f.code not in PLAN_ONLY]


def has_errors(findings: Iterable[Finding]) -> bool:
    """Return True if any finding is an error."""
    return any(f.severity == "error" for f in findings)


def _party_codes(c: Consortium) -> set[str]:
    return {u.credit_code for u in c.units}


# --- composition (指引 三（二）、四（一）) -------------------------------------------------------

@_rule
def lead_is_enterprise(c: Consortium) -> Iterator[Finding]:
    if c.lead.kind != ENTERPRISE:
        yield _error("LEAD_NOT_ENTERPRISE",
                     f"牵头单位应为企业（指引 四（一）1：由行业领军企业牵头组建），当前为“{c.lead.kind}”；"
                     "请由成员中的企业担任牵头单位，或核对 lead.kind",
                     "指引 四（一）1", "lead.kind")


@_rule
def lead_in_qingdao(c: Consortium) -> Iterator[Finding]:
    district = c.lead.district.removeprefix("山东省").removeprefix("青岛市").removeprefix("青岛")
    if district not in QINGDAO_DISTRICTS:
        yield _error("LEAD_NOT_IN_QINGDAO",
                     f"牵头单位须在青岛市独立注册，注册所在区（市）“{c.lead.district}”不在青岛市辖区内"
                     f"（应为{'、'.join(QINGDAO_DISTRICTS)}之一）；市外单位可以作为成员单位参加，"
                     "但不能牵头，请由在青岛市注册的企业牵头",
                     "指引 四（一）1", "lead.district")


@_rule
def enough_enterprises(c: Consortium) -> Iterator[Finding]:
    count = sum(1 for u in c.members if u.kind == ENTERPRISE)
    if count < 3:
        yield _error("TOO_FEW_ENTERPRISES",
                     f"除牵头单位外的产业链上下游企业原则上不少于3家，当前为{count}家；请增加成员企业，"
                     "或在 exceptions 中以 TOO_FEW_ENTERPRISES 写明不能满足的理由",
                     "指引 三（二）", "members")


@_rule
def enough_academics(c: Consortium) -> Iterator[Finding]:
    count = sum(1 for u in c.members if u.kind in ACADEMIC_KINDS)
    if count < 2:
        yield _error("TOO_FEW_ACADEMIC",
                     f"相关领域高校院所原则上不少于2家，当前为{count}家；请增加高等院校或科研院所，"
                     "或在 exceptions 中以 TOO_FEW_ACADEMIC 写明不能满足的理由",
                     "指引 三（二）", "members")


def _unit_path(index: int) -> str:
    """Return the field path of c.units[index]: "lead" or "members[i]"."""
    return "lead" if index == 0 else f"members[{index - 1}]"


@_rule
def unique_units(c: Consortium) -> Iterator[Finding]:
    for field, label, code in (("credit_code", "统一社会信用代码", "DUPLICATE_CREDIT_CODE"),
                               ("name", "单位名称", "DUPLICATE_NAME")):
        seen: set[str] = set()
        for index, unit in enumerate(c.units):
            value = getattr(unit, field)
            if same_name(value) in seen:  # reported where it repeats; 全角 and 半角 forms are one name
                yield _error(code, f"{label}“{value}”重复出现，各单位应各不相同",
                             "指引 三（三）", f"{_unit_path(index)}.{field}")
            seen.add(same_name(value))


# --- field (指引 二) --------------------------------------------------------------------------

@_rule
def industry_in_system(c: Consortium) -> Iterator[Finding]:
    if c.industry not in INDUSTRIES:
        yield _error("INDUSTRY_NOT_10P1",
                     f"产业领域“{c.industry}”不属于青岛市“10+1”创新型产业体系（应为{'、'.join(INDUSTRIES)}之一）",
                     "指引 二", "industry")
    elif c.industry == "未来产业" and not (c.future_field or "").strip():
        yield _error("FUTURE_FIELD_MISSING", "产业领域为“未来产业”时应写明具体方向，如“深海开发”",
                     "指引 二", "future_field")


# --- organisation and mechanisms (指引 三（三）、三（四）、五（四）) ----------------------------

@_rule
def mechanisms_complete(c: Consortium) -> Iterator[Finding]:
    for name, label in MECHANISM_LABELS.items():
        if getattr(c.mechanisms, name) is None:
            yield _error("MECHANISM_MISSING", f"未约定{label}", "指引 三（四）", f"mechanisms.{name}")
    decision = c.mechanisms.decision_dispatch
    if decision is not None and decision.voting_rule is not None and c.council is not None:
        yield _error("VOTING_RULE_DUPLICATE",
                     f"已设{c.council.kind}，重大事项依其表决规则（{c.council.voting_rule}）决定；"
                     "决策调度机制不应另定全体成员会议表决规则", "指引 三（四）",
                     "mechanisms.decision_dispatch.voting_rule")
    codes = _party_codes(c)
    standard, promotion = c.mechanisms.standard_setting, c.mechanisms.promotion_application
    if standard is not None and standard.lead is not None and standard.lead not in codes:
        yield _error("MECHANISM_UNIT_UNKNOWN", "标准研制牵头单位不是联合体成员", "指引 三（四）",
                     "mechanisms.standard_setting.lead")
    for i, code in enumerate(promotion.scenario_units if promotion is not None else []):
        if code not in codes:
            yield _error("MECHANISM_UNIT_UNKNOWN", f"开放应用场景的单位 {code} 不是联合体成员", "指引 三（四）",
                         f"mechanisms.promotion_application.scenario_units[{i}]")


@_rule
def head_named(c: Consortium) -> Iterator[Finding]:
    if c.head is None:
        yield _error("HEAD_MISSING", "未明确创新联合体负责人", "指引 三（三）", "head")
    elif c.head.unit not in _party_codes(c):
        yield _error("HEAD_UNIT_UNKNOWN", "负责人所在单位不是联合体成员", "指引 三（三）", "head.unit")
    elif c.head.unit != c.lead.credit_code:
        yield _warning("HEAD_NOT_FROM_LEAD", "负责人原则上由牵头单位选聘，当前负责人不在牵头单位任职",
                       "指引 三（三）", "head.unit")


@_rule
def chief_expert_named(c: Consortium) -> Iterator[Finding]:
    if c.chief_expert is None:
        yield _error("CHIEF_EXPERT_MISSING", "未选聘首席专家", "指引 五（四）", "chief_expert")
    elif c.chief_expert.unit not in _party_codes(c):
        yield _warning("CHIEF_EXPERT_EXTERNAL", "首席专家所在单位不是联合体成员，请在协议中写明其聘任关系",
                       "指引 五（四）", "chief_expert.unit")


# --- term and dates (指引 五（六）) ---------------------------------------------------------------

def _add_years(day: dt.date, years: int) -> dt.date:
    if day.year + years > dt.MAXYEAR:
        return dt.date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@_rule
def term_valid(c: Consortium) -> Iterator[Finding]:
    if c.term_end <= c.term_start:
        yield _error("TERM_END_BEFORE_START", "建设期结束日期应晚于开始日期", "指引 五（六）", "term_end")
    elif c.term_end >= (limit := _add_years(c.term_start, MAX_TERM_YEARS)):
        last_day = limit - dt.timedelta(days=1)
        yield _error("TERM_TOO_LONG",
                     f"建设期自{cn_date(c.term_start)}至{cn_date(c.term_end)}，超过{MAX_TERM_YEARS}年；"
                     f"创新联合体备案有效期为{MAX_TERM_YEARS}年，协议约定的建设期不能超出；"
                     f"请将 term_end 提前至{cn_date(last_day)}或之前",
                     "指引 五（六）", "term_end")


@_rule
def signing_before_start(c: Consortium) -> Iterator[Finding]:
    if c.signing_date > c.term_start:
        yield _error("SIGNING_AFTER_START", "签订日期晚于建设期开始日期，协议应在建设期开始前签订",
                     "指引 五（三）", "signing_date")


# Dates and head counts a consortium filed under the 2025 guideline cannot plausibly have.
PLAUSIBLE_YEARS = (2000, 2100)
MAX_PEOPLE = 100_000


@_rule
def plausible_values(c: Consortium) -> Iterator[Finding]:
    first, last = PLAUSIBLE_YEARS
    for path, day in (("signing_date", c.signing_date), ("term_start", c.term_start), ("term_end", c.term_end)):
        if not first <= day.year <= last:
            yield _error("IMPLAUSIBLE_DATE", f"日期{day.isoformat()}不合常理（应在{first}年至{last}年之间），请核对",
                         "指引 五（六）", path)
    for index, unit in enumerate(c.units):
        if (unit.resources.people or 0) > MAX_PEOPLE:
            yield _error("IMPLAUSIBLE_COUNT",
                         f"投入研发人员{unit.resources.people}人不合常理（不应超过{MAX_PEOPLE:,}人），请核对",
                         "指引 三（三）", f"{_unit_path(index)}.resources.people")


# --- tasks (指引 三（三）) ----------------------------------------------------------------------

@_rule
def tasks_consistent(c: Consortium) -> Iterator[Finding]:
    parties = _party_codes(c)
    seen: set[str] = set()
    for i, task in enumerate(c.tasks):
        where = f"tasks[{i}]"
        if task.id in seen:
            yield _error("TASK_ID_DUPLICATE", f"任务编号“{task.id}”重复", "指引 三（三）", f"{where}.id")
        seen.add(task.id)
        if task.owner not in parties:
            yield _error("TASK_OWNER_NOT_MEMBER",
                         f"任务{task.id}的承担单位（{task.owner}）不是联合体成员，不受本协议约束，任务分工无法约定；"
                         "请将其作为成员单位列入，或改由成员单位承担",
                         "指引 三（三）", f"{where}.owner")
        for j, code in enumerate(task.participants):
            if code not in parties:
                yield _error("TASK_PARTICIPANT_NOT_MEMBER",
                             f"任务{task.id}的参与单位（{code}）不是联合体成员", "指引 三（三）",
                             f"{where}.participants[{j}]")
        if task.end < task.start:
            yield _error("TASK_DATES_INVALID", f"任务{task.id}的结束日期早于开始日期", "指引 三（五）",
                         f"{where}.end")
        elif task.start < c.term_start or task.end > c.term_end:
            yield _error("TASK_OUTSIDE_TERM", f"任务{task.id}的起止时间超出建设期", "指引 三（五）",
                         f"{where}.start")


@_rule
def every_member_has_task(c: Consortium) -> Iterator[Finding]:
    involved = {t.owner for t in c.tasks} | {p for t in c.tasks for p in t.participants}
    for index, unit in enumerate(c.units):
        if unit.credit_code not in involved:
            yield _error("MEMBER_WITHOUT_TASK", f"{unit.name}未承担或参与任何攻关任务", "指引 三（三）",
                         _unit_path(index))


# --- benefit sharing (指引 五（三）) -----------------------------------------------------------

def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}%"


@_rule
def shares_total_100(c: Consortium) -> Iterator[Finding]:
    if c.benefit.method == "contribution" and c.benefit.shares:
        yield _error("SHARES_NOT_APPLICABLE",
                     "收益分配方式为按贡献评定分配，各方比例应由评定确定，协议不能同时预先约定比例（不会写入协议）。"
                     "如各方已商定比例，请将 benefit.method 改为 fixed_shares；否则请删除 benefit.shares",
                     "《民法典》第八百四十五条；指引 五（三）", "benefit.shares")
        return
    if c.benefit.method != "contribution":
        for field in ("assessor", "assessed_when"):
            if getattr(c.benefit, field):
                yield _error("BENEFIT_FIELD_NOT_APPLICABLE",
                             f"benefit.{field}（贡献评定的机构或时间）只在按贡献评定分配（contribution）时写入协议，"
                             f"当前收益分配方式为{c.benefit.method}；请删除该项或改选 contribution",
                             "指引 五（三）", f"benefit.{field}")
    if not c.benefit.shares:
        return
    parties = _party_codes(c)
    counts = Counter(s.unit for s in c.benefit.shares)
    for i, share in enumerate(c.benefit.shares):
        if share.unit not in parties:
            yield _error("SHARE_UNIT_UNKNOWN",
                         f"收益分配比例所列单位（{share.unit}）不是联合体成员，不能参与分配；请核对统一社会信用代码",
                         "指引 五（三）", f"benefit.shares[{i}].unit")
        elif counts[share.unit] > 1:
            yield _error("SHARE_UNIT_DUPLICATE", f"单位（{share.unit}）的收益分配比例重复列示，每个单位只能有一个比例",
                         "指引 五（三）", f"benefit.shares[{i}].unit")
    total = sum((s.percent for s in c.benefit.shares), Decimal(0))
    if c.benefit.method == "fixed_shares" and total != 100:
        yield _error("SHARES_NOT_100",
                     f"约定的收益分配比例合计为{_pct(total)}，不是100%，收益无法按约分配完毕"
                     f"（《民法典》第八百四十五条要求约定收益分成办法）；请调整 benefit.shares 使合计为100%",
                     "指引 五（三）", "benefit.shares")
    if c.benefit.method == "investment_ratio":
        computed = {r.unit.credit_code: r for r in investment_ratios(c)}
        basis = "自有资金加实物投入折价" if c.benefit.basis == "cash_and_in_kind" else "自有资金"
        for i, share in enumerate(c.benefit.shares):
            ratio = computed.get(share.unit)
            if ratio is not None and abs(ratio.percent - share.percent) > Decimal("0.01"):
                yield _error("SHARES_RATIO_MISMATCH",
                             f"{ratio.unit.name}的投入比例填写为{_pct(share.percent)}，按{basis}计算为"
                             f"{_pct(ratio.percent)}（计入金额{yuan(ratio.base)}），两者不一致；按投入比例分配时"
                             f"协议印入计算结果，请核对投入金额、benefit.basis，或删除 benefit.shares",
                             "指引 五（三）", f"benefit.shares[{i}].percent")


# --- funding (指引 三（五）、三（六）) --------------------------------------------------------------

@_rule
def funding_consistent(c: Consortium) -> Iterator[Finding]:
    parties = _party_codes(c)
    years = range(c.term_start.year, c.term_end.year + 1)
    for i, line in enumerate(c.funding):
        if line.unit not in parties:
            yield _error("FUNDING_UNIT_UNKNOWN",
                         f"经费投入计划所列单位（{line.unit}）不是联合体成员，其投入义务无法约定；请核对统一社会信用代码",
                         "指引 三（六）", f"funding[{i}].unit")
        if line.year not in years:
            yield _error("FUNDING_OUTSIDE_TERM", f"经费投入年度{line.year}不在建设期（{c.term_start.year}年至"
                         f"{c.term_end.year}年）内；请改为建设期内的年度", "指引 三（五）", f"funding[{i}].year")
    for source in FUNDING_SOURCES:
        planned = sum((f.amount for f in c.funding if f.source == source), Decimal(0))
        budgeted = sum((b.amount for t in c.tasks for b in t.budget if b.source == source), Decimal(0))
        if planned != budgeted:
            yield _error("FUNDING_TOTAL_MISMATCH",
                         f"{source}：经费投入计划合计{yuan(planned)}，攻关任务经费合计{yuan(budgeted)}，两者应相等"
                         f"（相差{yuan(abs(planned - budgeted))}）；请核对 funding 与 tasks[].budget",
                         "指引 三（五）", "funding")
    own_by_unit: dict[str, Decimal] = {}  # one pass over the funding lines, not one per unit
    for f in c.funding:
        if f.source == SELF_FUNDED:
            own_by_unit[f.unit] = own_by_unit.get(f.unit, Decimal(0)) + f.amount
    for index, unit in enumerate(c.units):
        own = own_by_unit.get(unit.credit_code, Decimal(0))
        if own != unit.resources.cash:
            yield _error("FUNDING_UNIT_CASH_MISMATCH",
                         f"{unit.name}承诺自筹资金{yuan(unit.resources.cash)}，经费投入计划中其自筹资金合计"
                         f"{yuan(own)}，两者应相等", "指引 三（六）", f"{_unit_path(index)}.resources.cash")


@_rule
def task_budgets_by_payer(c: Consortium) -> Iterator[Finding]:
    """Task budgets add up per paying unit and source, once the brief names payers on its budget lines."""
    parties = _party_codes(c)
    for i, task in enumerate(c.tasks):
        for j, line in enumerate(task.budget):
            if line.unit is not None and line.unit not in parties:
                yield _error("BUDGET_UNIT_UNKNOWN",
                             f"任务{task.id}的经费出资单位（{line.unit}）不是联合体成员；请核对统一社会信用代码",
                             "指引 三（六）", f"tasks[{i}].budget[{j}].unit")
    if not any(line.unit is not None for t in c.tasks for line in t.budget):
        return
    t = totals(c)
    for index, unit in enumerate(c.units):
        ut = t.unit(unit.credit_code)
        for source in FUNDING_SOURCES:
            planned = ut.cash_by_source[source] if ut else Decimal(0)
            budgeted = sum((tt.by_payer.get(unit.credit_code, {}).get(source, Decimal(0)) for tt in t.tasks),
                           Decimal(0))
            if planned != budgeted:
                yield _error("BUDGET_UNIT_MISMATCH",
                             f"{unit.name}的{source}：经费投入计划合计{yuan(planned)}，各攻关任务中由其出资的经费合计"
                             f"{yuan(budgeted)}，两者应相等，否则该单位在各任务中的出资义务不明确；"
                             f"请核对 funding 与 tasks[].budget[].unit",
                             "指引 三（六）", f"{_unit_path(index)}.credit_code")


@_rule
def in_kind_consistent(c: Consortium) -> Iterator[Finding]:
    task_ids = {t.id for t in c.tasks}
    years = range(c.term_start.year, c.term_end.year + 1)
    for index, unit in enumerate(c.units):
        for k, item in enumerate(unit.resources.in_kind):
            where = f"{_unit_path(index)}.resources.in_kind[{k}]"
            if item.task is not None and item.task not in task_ids:
                yield _error("IN_KIND_TASK_UNKNOWN",
                             f"{unit.name}的实物投入“{item.description}”所注任务{item.task}不存在"
                             f"（任务编号为{'、'.join(sorted(task_ids))}）", "指引 三（六）", f"{where}.task")
            if item.year is not None and item.year not in years:
                yield _error("IN_KIND_OUTSIDE_TERM",
                             f"{unit.name}的实物投入“{item.description}”的投入年度{item.year}不在建设期内",
                             "指引 三（五）", f"{where}.year")
            if item.valuation == "评估作价" and not item.confirmed_by:
                yield _warning("IN_KIND_VALUATION_UNCONFIRMED",
                               f"{unit.name}的实物投入“{item.description}”为评估作价，但未写明评估报告或确认情况；"
                               "请在 confirmed_by 写明评估机构和报告编号", "《民法典》第八百五十五条",
                               f"{where}.confirmed_by")
    t = totals(c)
    in_kind_lines = any(b.source == IN_KIND_SOURCE for task in c.tasks for b in task.budget)
    if not in_kind_lines:
        return
    named = any(item.task for u in c.units for item in u.resources.in_kind)
    if not named:
        budgeted = sum((tt.in_kind_budget for tt in t.tasks), Decimal(0))
        if budgeted != t.in_kind:
            yield _error("IN_KIND_BUDGET_MISMATCH",
                         f"攻关任务经费中的实物投入合计{yuan(budgeted)}，各单位实物投入折价合计{yuan(t.in_kind)}，"
                         f"两者应相等；或在各项实物投入的 task 中注明其用于的任务",
                         "指引 三（五）", "tasks")
        return
    for i, tt in enumerate(t.tasks):
        if tt.in_kind_budget != tt.in_kind_items:
            yield _error("IN_KIND_BUDGET_MISMATCH",
                         f"任务{tt.id}经费中的实物投入为{yuan(tt.in_kind_budget)}，注明用于该任务的实物投入折价合计"
                         f"{yuan(tt.in_kind_items)}，两者应相等；"
                         f"请核对 tasks[{i}].budget 与各单位 resources.in_kind[].task",
                         "指引 三（五）", f"tasks[{i}].budget")


def _stated(stated: StatedTotals | None, cash: Decimal, in_kind: Decimal, who: str,
            path: str) -> Iterator[Finding]:
    if stated is None:
        return
    for field, label, computed in (("cash", "资金投入合计", cash), ("in_kind", "实物投入合计", in_kind),
                                   ("total", "投入总额", cash + in_kind)):
        value = getattr(stated, field)
        if value is not None and value != computed:
            yield _error("STATED_TOTAL_MISMATCH",
                         f"{who}{label}填写为{yuan(value)}，按各项明细计算为{yuan(computed)}，相差"
                         f"{yuan(abs(value - computed))}；请核对明细或更正合计",
                         "指引 三（六）", f"{path}.{field}")


@_rule
def stated_totals_match(c: Consortium) -> Iterator[Finding]:
    t = totals(c)
    yield from _stated(c.totals, t.cash, t.in_kind, "联合体", "totals")
    for index, unit in enumerate(c.units):
        ut = t.unit(unit.credit_code)
        if ut is not None:
            yield from _stated(unit.resources.totals, ut.cash, ut.in_kind, unit.name,
                               f"{_unit_path(index)}.resources.totals")


# --- breach (《民法典》第五百八十五条) ------------------------------------------------------------------

@_rule
def breach_damages_workable(c: Consortium) -> Iterator[Finding]:
    b = c.breach
    if b.floor is not None and b.cap is not None and b.floor > b.cap:
        yield _error("BREACH_FLOOR_ABOVE_CAP",
                     f"违约金下限{yuan(b.floor)}高于上限{yuan(b.cap)}，约定自相矛盾；请调整 breach.floor 或 breach.cap",
                     "《民法典》第五百八十五条", "breach.floor")
    if b.floor is not None:
        return
    t = totals(c)
    for index, unit in enumerate(c.units):
        ut = t.unit(unit.credit_code)
        if ut is not None and not damages_base(c, ut):
            basis = "自有资金与实物投入" if b.base == "committed" else "自有资金"
            yield _warning("BREACH_BASE_ZERO",
                           f"{unit.name}的违约金计算基数（{basis}）为零，其违约金将为零元，违约金条款对其不起作用；"
                           f"请设定违约金下限 breach.floor，或将 breach.base 改为 committed",
                           "《民法典》第五百八十五条", f"{_unit_path(index)}.resources")


# --- construction plan (指引 五（五）、三（五）) -------------------------------------------------------

@_rule
def plan_texts_present(c: Consortium) -> Iterator[Finding]:
    for name, info in type(c.narrative).model_fields.items():
        if not getattr(c.narrative, name).strip():
            yield _error("PLAN_TEXT_MISSING", f"建设方案缺少“{info.title}”部分的文字", "指引 五（五）",
                         f"narrative.{name}")


@_rule
def kpis_within_term(c: Consortium) -> Iterator[Finding]:
    years = range(c.term_start.year, c.term_end.year + 1)
    for i, kpi in enumerate(c.kpis):
        for j, target in enumerate(kpi.targets):
            if target.year not in years:
                yield _error("KPI_OUTSIDE_TERM", f"考核指标“{kpi.name}”的年度{target.year}不在建设期内",
                             "指引 三（五）", f"kpis[{i}].targets[{j}].year")
    if not c.kpis:
        yield _error("KPI_MISSING", "未设置考核指标，建设方案须明确成果验收考核指标", "指引 三（五）", "kpis")


# --- dispute resolution (仲裁法第十六条、第十八条) ---------------------------------------------------

_SEPARATORS = ("或", "、", "和", "及", "与", "/", "／", ",", "，", ";", "；")


@_rule
def one_arbitration_commission(c: Consortium) -> Iterator[Finding]:
    if not isinstance(c.dispute, Arbitration):
        return
    name = (c.dispute.commission or "").strip()
    if not name:
        yield _error("ARBITRATION_COMMISSION_MISSING",
                     "争议解决方式为仲裁，但未写明仲裁委员会名称（《仲裁法》第十六条、第十八条：未约定仲裁委员会的"
                     "仲裁协议无效）。请在 dispute.commission 填写仲裁委员会全称，如“青岛仲裁委员会”",
                     "《仲裁法》第十六条、第十八条", "dispute.commission")
        return
    named = name.count("仲裁委员会") + name.count("仲裁中心") + name.count("仲裁院")
    if "法院" in name:
        yield _error("ARBITRATION_COMMISSION_INVALID",
                     f"仲裁条款不得同时约定向法院起诉（“{name}”），或裁或诉的约定无效",
                     "《仲裁法》司法解释第七条", "dispute.commission")
    elif named != 1 or any(sep in name for sep in _SEPARATORS):
        yield _error("ARBITRATION_COMMISSION_INVALID",
                     f"仲裁条款应选定唯一一个仲裁机构，当前为“{name}”",
                     "《仲裁法》第十六条、第十八条", "dispute.commission")


# --- exceptions ---------------------------------------------------------------------------------

@_rule
def exceptions_waivable(c: Consortium) -> Iterator[Finding]:
    for i, exception in enumerate(c.exceptions):
        if exception.code not in WAIVABLE:
            yield _error("EXCEPTION_NOT_WAIVABLE",
                         f"规则 {exception.code} 不允许例外；可说明理由的规则为：{'、'.join(WAIVABLE)}",
                         "指引 三（二）", f"exceptions[{i}].code")


# --- one rule per question (民法典第四百六十六条) ---------------------------------------------------

@_rule
def clauses_consistent(c: Consortium) -> Iterator[Finding]:
    """Report every question the drafted agreement answers in two ways (a note against a choice, …)."""
    from docgen.clauses.consistency import agreement_conflicts
    from docgen.clauses.library import load_library
    from docgen.drafting.agreement import agreement_version
    from docgen.errors import DocgenError

    try:
        version = agreement_version(c, load_library())
    except DocgenError:  # an input the other rules reject may not draft at all; they explain why
        return
    yield from agreement_conflicts(version)
