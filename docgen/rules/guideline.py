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
from docgen.input.loading import field_label
from docgen.input.model import IN_KIND_SOURCE, MECHANISM_LABELS, Arbitration, Consortium, StatedTotals
from docgen.input.text import same_name
from docgen.input.totals import damages_base, investment_ratios, totals
from docgen.rules import messages

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


def _error(code: str, path: str, variant: str | None = None, /, **values: object) -> Finding:
    """Return an error finding, its wording from clauses/rules/messages.yaml (docgen.rules.messages)."""
    message, source = messages.text(code, variant, **values)
    return Finding(code, "error", message, source, path)


def _warning(code: str, path: str, variant: str | None = None, /, **values: object) -> Finding:
    """Return a warning finding, its wording from clauses/rules/messages.yaml."""
    message, source = messages.text(code, variant, **values)
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
PLAN_ONLY: frozenset[str] = frozenset({"PLAN_TEXT_MISSING", "FUNDING_LINE_INCOMPLETE"})
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
        yield _error("LEAD_NOT_ENTERPRISE", "lead.kind", kind=c.lead.kind)


@_rule
def lead_in_qingdao(c: Consortium) -> Iterator[Finding]:
    district = c.lead.district.removeprefix("山东省").removeprefix("青岛市").removeprefix("青岛")
    if district not in QINGDAO_DISTRICTS:
        yield _error("LEAD_NOT_IN_QINGDAO", "lead.district", district=c.lead.district,
                     districts="、".join(QINGDAO_DISTRICTS))


@_rule
def enough_enterprises(c: Consortium) -> Iterator[Finding]:
    count = sum(1 for u in c.members if u.kind == ENTERPRISE)
    if count < 3:
        yield _error("TOO_FEW_ENTERPRISES", "members", count=count)


@_rule
def enough_academics(c: Consortium) -> Iterator[Finding]:
    count = sum(1 for u in c.members if u.kind in ACADEMIC_KINDS)
    if count < 2:
        yield _error("TOO_FEW_ACADEMIC", "members", count=count)


def _unit_path(index: int) -> str:
    """Return the field path of c.units[index]: "lead" or "members[i]"."""
    return "lead" if index == 0 else f"members[{index - 1}]"


@_rule
def unique_units(c: Consortium) -> Iterator[Finding]:
    for field, code in (("credit_code", "DUPLICATE_CREDIT_CODE"), ("name", "DUPLICATE_NAME")):
        seen: set[str] = set()
        for index, unit in enumerate(c.units):
            value = getattr(unit, field)
            if same_name(value) in seen:  # reported where it repeats; 全角 and 半角 forms are one name
                yield _error(code, f"{_unit_path(index)}.{field}", value=value)
            seen.add(same_name(value))


# --- field (指引 二) --------------------------------------------------------------------------

@_rule
def industry_in_system(c: Consortium) -> Iterator[Finding]:
    if c.industry not in INDUSTRIES:
        yield _error("INDUSTRY_NOT_10P1", "industry", industry=c.industry, industries="、".join(INDUSTRIES))
    elif c.industry == "未来产业" and not (c.future_field or "").strip():
        yield _error("FUTURE_FIELD_MISSING", "future_field")


# --- organisation and mechanisms (指引 三（三）、三（四）、五（四）) ----------------------------

@_rule
def mechanisms_complete(c: Consortium) -> Iterator[Finding]:
    for name, label in MECHANISM_LABELS.items():
        if getattr(c.mechanisms, name) is None:
            yield _error("MECHANISM_MISSING", f"mechanisms.{name}", label=label, name=name)
    decision = c.mechanisms.decision_dispatch
    if decision is not None and decision.voting_rule is not None and c.council is not None:
        yield _error("VOTING_RULE_DUPLICATE", "mechanisms.decision_dispatch.voting_rule",
                     council=c.council.kind, rule=c.council.voting_rule)
    codes = _party_codes(c)
    standard, promotion = c.mechanisms.standard_setting, c.mechanisms.promotion_application
    if standard is not None and standard.lead is not None and standard.lead not in codes:
        yield _error("MECHANISM_UNIT_UNKNOWN", "mechanisms.standard_setting.lead", "standard", code=standard.lead)
    for i, code in enumerate(promotion.scenario_units if promotion is not None else []):
        if code not in codes:
            yield _error("MECHANISM_UNIT_UNKNOWN", f"mechanisms.promotion_application.scenario_units[{i}]",
                         "scenario", code=code)


@_rule
def head_named(c: Consortium) -> Iterator[Finding]:
    if c.head is None:
        yield _error("HEAD_MISSING", "head")
    elif c.head.unit not in _party_codes(c):
        yield _error("HEAD_UNIT_UNKNOWN", "head.unit", code=c.head.unit)
    elif c.head.unit != c.lead.credit_code:
        yield _warning("HEAD_NOT_FROM_LEAD", "head.unit")


@_rule
def chief_expert_named(c: Consortium) -> Iterator[Finding]:
    if c.chief_expert is None:
        yield _error("CHIEF_EXPERT_MISSING", "chief_expert")
    elif c.chief_expert.unit not in _party_codes(c):
        yield _warning("CHIEF_EXPERT_EXTERNAL", "chief_expert.unit", code=c.chief_expert.unit)


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
        yield _error("TERM_END_BEFORE_START", "term_end", start=cn_date(c.term_start), end=cn_date(c.term_end))
    elif c.term_end >= (limit := _add_years(c.term_start, MAX_TERM_YEARS)):
        last_day = limit - dt.timedelta(days=1)
        yield _error("TERM_TOO_LONG", "term_end", start=cn_date(c.term_start), end=cn_date(c.term_end),
                     years=MAX_TERM_YEARS, last_day=cn_date(last_day))


@_rule
def signing_before_start(c: Consortium) -> Iterator[Finding]:
    if c.signing_date > c.term_start:
        yield _error("SIGNING_AFTER_START", "signing_date", signing=cn_date(c.signing_date),
                     start=cn_date(c.term_start))


# Dates and head counts a consortium filed under the 2025 guideline cannot plausibly have.
PLAUSIBLE_YEARS = (2000, 2100)
MAX_PEOPLE = 100_000


@_rule
def plausible_values(c: Consortium) -> Iterator[Finding]:
    first, last = PLAUSIBLE_YEARS
    for path, day in (("signing_date", c.signing_date), ("term_start", c.term_start), ("term_end", c.term_end)):
        if not first <= day.year <= last:
            yield _error("IMPLAUSIBLE_DATE", path, day=day.isoformat(), first=first, last=last)
    for index, unit in enumerate(c.units):
        if (unit.resources.people or 0) > MAX_PEOPLE:
            yield _error("IMPLAUSIBLE_COUNT", f"{_unit_path(index)}.resources.people",
                         people=unit.resources.people, limit=f"{MAX_PEOPLE:,}")


# --- tasks (指引 三（三）) ----------------------------------------------------------------------

@_rule
def tasks_consistent(c: Consortium) -> Iterator[Finding]:
    parties = _party_codes(c)
    seen: set[str] = set()
    for i, task in enumerate(c.tasks):
        where = f"tasks[{i}]"
        if task.id in seen:
            yield _error("TASK_ID_DUPLICATE", f"{where}.id", id=task.id)
        seen.add(task.id)
        if task.owner not in parties:
            yield _error("TASK_OWNER_NOT_MEMBER", f"{where}.owner", id=task.id, code=task.owner)
        for j, code in enumerate(task.participants):
            if code not in parties:
                yield _error("TASK_PARTICIPANT_NOT_MEMBER", f"{where}.participants[{j}]", id=task.id, code=code)
        dates = {"id": task.id, "start": cn_date(task.start), "end": cn_date(task.end)}
        if task.end < task.start:
            yield _error("TASK_DATES_INVALID", f"{where}.end", **dates)
        elif task.start < c.term_start or task.end > c.term_end:
            yield _error("TASK_OUTSIDE_TERM", f"{where}.start", **dates, term_start=cn_date(c.term_start),
                         term_end=cn_date(c.term_end))


@_rule
def every_member_has_task(c: Consortium) -> Iterator[Finding]:
    involved = {t.owner for t in c.tasks} | {p for t in c.tasks for p in t.participants}
    for index, unit in enumerate(c.units):
        if unit.credit_code not in involved:
            yield _error("MEMBER_WITHOUT_TASK", _unit_path(index), name=unit.name)


# --- benefit sharing (指引 五（三）) -----------------------------------------------------------

def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}%"


@_rule
def shares_total_100(c: Consortium) -> Iterator[Finding]:
    if c.benefit.method == "contribution" and c.benefit.shares:
        yield _error("SHARES_NOT_APPLICABLE", "benefit.shares")
        return
    if c.benefit.method != "contribution":
        for field in ("assessor", "assessed_when"):
            if getattr(c.benefit, field):
                yield _error("BENEFIT_FIELD_NOT_APPLICABLE", f"benefit.{field}", field=field,
                             method=c.benefit.method)
    if not c.benefit.shares:
        return
    parties = _party_codes(c)
    counts = Counter(s.unit for s in c.benefit.shares)
    for i, share in enumerate(c.benefit.shares):
        if share.unit not in parties:
            yield _error("SHARE_UNIT_UNKNOWN", f"benefit.shares[{i}].unit", code=share.unit)
        elif counts[share.unit] > 1:
            yield _error("SHARE_UNIT_DUPLICATE", f"benefit.shares[{i}].unit", code=share.unit)
    total = sum((s.percent for s in c.benefit.shares), Decimal(0))
    if c.benefit.method == "fixed_shares" and total != 100:
        yield _error("SHARES_NOT_100", "benefit.shares", total=_pct(total))
    if c.benefit.method == "investment_ratio":
        computed = {r.unit.credit_code: r for r in investment_ratios(c)}
        basis = "自有资金加实物投入折价" if c.benefit.basis == "cash_and_in_kind" else "自有资金"
        for i, share in enumerate(c.benefit.shares):
            ratio = computed.get(share.unit)
            if ratio is not None and abs(ratio.percent - share.percent) > Decimal("0.01"):
                yield _error("SHARES_RATIO_MISMATCH", f"benefit.shares[{i}].percent", name=ratio.unit.name,
                             stated=_pct(share.percent), basis=basis, computed=_pct(ratio.percent),
                             base=yuan(ratio.base))


# --- funding (指引 三（五）、三（六）) --------------------------------------------------------------

def _amounts(planned: Decimal, budgeted: Decimal) -> dict[str, str]:
    """Return the two figures of a mismatch and their difference, each to the fen."""
    return {"planned": yuan(planned), "budgeted": yuan(budgeted), "difference": yuan(abs(planned - budgeted))}


@_rule
def funding_consistent(c: Consortium) -> Iterator[Finding]:
    parties = _party_codes(c)
    years = range(c.term_start.year, c.term_end.year + 1)
    for i, line in enumerate(c.funding):
        if line.unit not in parties:
            yield _error("FUNDING_UNIT_UNKNOWN", f"funding[{i}].unit", code=line.unit)
        if line.year not in years:
            yield _error("FUNDING_OUTSIDE_TERM", f"funding[{i}].year", year=line.year, first=c.term_start.year,
                         last=c.term_end.year)
    for source in FUNDING_SOURCES:
        planned = sum((f.amount for f in c.funding if f.source == source), Decimal(0))
        budgeted = sum((b.amount for t in c.tasks for b in t.budget if b.source == source), Decimal(0))
        if planned != budgeted:
            yield _error("FUNDING_TOTAL_MISMATCH", "funding", source=source, **_amounts(planned, budgeted))
    own_by_unit: dict[str, Decimal] = {}  # one pass over the funding lines, not one per unit
    for f in c.funding:
        if f.source == SELF_FUNDED:
            own_by_unit[f.unit] = own_by_unit.get(f.unit, Decimal(0)) + f.amount
    for index, unit in enumerate(c.units):
        own = own_by_unit.get(unit.credit_code, Decimal(0))
        if own != unit.resources.cash:
            yield _error("FUNDING_UNIT_CASH_MISMATCH", f"{_unit_path(index)}.resources.cash", name=unit.name,
                         committed=yuan(unit.resources.cash), planned=yuan(own),
                         difference=yuan(abs(own - unit.resources.cash)))


@_rule
def external_funding_stated(c: Consortium) -> Iterator[Finding]:
    """Each 财政资助 and 社会资本/其他资金 line names its payer and its status (the plan's table prints both)."""
    names = {u.credit_code: u.name for u in c.units}
    for i, line in enumerate(c.funding):
        if line.source == SELF_FUNDED:
            continue
        missing = [field for field in ("payer", "status") if not getattr(line, field)]
        if missing:
            variant = "both" if len(missing) == 2 else missing[0]
            yield _error("FUNDING_LINE_INCOMPLETE", f"funding[{i}].{missing[0]}", variant,
                         name=names.get(line.unit, line.unit), year=line.year, source=line.source,
                         amount=yuan(line.amount), index=i)


@_rule
def milestones_in_some_task(c: Consortium) -> Iterator[Finding]:
    """A milestone falls within the period of at least one task (otherwise no task is answerable for it)."""
    for i, m in enumerate(c.milestones):
        if c.tasks and not any(t.start <= m.date <= t.end for t in c.tasks):
            yield _warning("MILESTONE_NO_TASK", f"milestones[{i}].date", date=cn_date(m.date), title=m.title)


@_rule
def task_budgets_by_payer(c: Consortium) -> Iterator[Finding]:
    """Per unit and source, the task budgets it pays equal its funding plan (附件2 against 附件3).

    A budget line that names no payer is the task owner's (BudgetLine.unit), which is what 附件2 prints;
    a mismatch is then an error like any other, and the message names the unnamed lines to fix.
    """
    parties = _party_codes(c)
    unnamed: dict[str, list[tuple[str, str]]] = {}  # {source: [(task id, path)] of lines naming no payer}
    for i, task in enumerate(c.tasks):
        for j, line in enumerate(task.budget):
            if line.unit is not None and line.unit not in parties:
                yield _error("BUDGET_UNIT_UNKNOWN", f"tasks[{i}].budget[{j}].unit", id=task.id, code=line.unit)
            elif line.unit is None and line.source != IN_KIND_SOURCE:
                unnamed.setdefault(str(line.source), []).append((task.id, f"tasks[{i}].budget[{j}].unit"))
    t = totals(c)
    for index, unit in enumerate(c.units):
        ut = t.unit(unit.credit_code)
        for source in FUNDING_SOURCES:
            planned = ut.cash_by_source[source] if ut else Decimal(0)
            budgeted = sum((tt.by_payer.get(unit.credit_code, {}).get(source, Decimal(0)) for tt in t.tasks),
                           Decimal(0))
            if planned == budgeted:
                continue
            lines = unnamed.get(source)
            if lines:
                ids = "、".join(dict.fromkeys(task_id for task_id, _ in lines))
                first = lines[0][1]
                yield _error("BUDGET_UNIT_MISMATCH", first, "owner", name=unit.name, source=source, ids=ids,
                             label=field_label(first), path=first, **_amounts(planned, budgeted))
            else:
                yield _error("BUDGET_UNIT_MISMATCH", f"{_unit_path(index)}.credit_code", "named", name=unit.name,
                             source=source, **_amounts(planned, budgeted))


@_rule
def task_budgets_by_year(c: Consortium) -> Iterator[Finding]:
    """Where budget lines give years, each falls in its task's years, and per unit, source and year the
    task budgets equal the funding plan (the yearly funding duty of each unit is then stated once)."""
    if not any(line.year is not None for t in c.tasks for line in t.budget):
        return
    for i, task in enumerate(c.tasks):
        for j, line in enumerate(task.budget):
            if line.year is not None and not task.start.year <= line.year <= task.end.year:
                yield _error("BUDGET_TASK_YEAR_OUTSIDE", f"tasks[{i}].budget[{j}].year", id=task.id,
                             year=line.year, first=task.start.year, last=task.end.year)
    if any(line.year is None and line.source != IN_KIND_SOURCE for t in c.tasks for line in t.budget):
        return  # years on some cash lines only: the yearly split is incomplete, nothing to add up per year
    budgeted: dict[tuple[str, str, int], Decimal] = {}
    for task in c.tasks:
        for b in task.budget:
            if b.source != IN_KIND_SOURCE and b.year is not None:
                key = (b.unit or task.owner, str(b.source), b.year)
                budgeted[key] = budgeted.get(key, Decimal(0)) + b.amount
    planned: dict[tuple[str, str, int], Decimal] = {}
    for f in c.funding:
        key = (f.unit, str(f.source), f.year)
        planned[key] = planned.get(key, Decimal(0)) + f.amount
    names = {u.credit_code: (index, u.name) for index, u in enumerate(c.units)}
    for key in sorted(set(budgeted) | set(planned), key=lambda k: (names.get(k[0], (99, ""))[0], k[2], k[1])):
        code, source, year = key
        if key[0] in names and planned.get(key, Decimal(0)) != budgeted.get(key, Decimal(0)):
            index, name = names[code]
            yield _error("FUNDING_YEAR_MISMATCH", f"{_unit_path(index)}.credit_code", name=name, year=year,
                         source=source, **_amounts(planned.get(key, Decimal(0)), budgeted.get(key, Decimal(0))))


@_rule
def in_kind_consistent(c: Consortium) -> Iterator[Finding]:
    task_ids = {t.id for t in c.tasks}
    years = range(c.term_start.year, c.term_end.year + 1)
    for index, unit in enumerate(c.units):
        for k, item in enumerate(unit.resources.in_kind):
            where = f"{_unit_path(index)}.resources.in_kind[{k}]"
            if item.task is not None and item.task not in task_ids:
                yield _error("IN_KIND_TASK_UNKNOWN", f"{where}.task", name=unit.name, item=item.description,
                             task=item.task, ids="、".join(sorted(task_ids)))
            if item.year is not None and item.year not in years:
                yield _error("IN_KIND_OUTSIDE_TERM", f"{where}.year", name=unit.name, item=item.description,
                             year=item.year)
            if item.valuation == "评估作价" and not item.confirmed_by:
                yield _warning("IN_KIND_VALUATION_UNCONFIRMED", f"{where}.confirmed_by", name=unit.name,
                               item=item.description)
    t = totals(c)
    in_kind_lines = any(b.source == IN_KIND_SOURCE for task in c.tasks for b in task.budget)
    if not in_kind_lines:
        return
    named = any(item.task for u in c.units for item in u.resources.in_kind)
    if not named:
        budgeted = sum((tt.in_kind_budget for tt in t.tasks), Decimal(0))
        if budgeted != t.in_kind:
            yield _error("IN_KIND_BUDGET_MISMATCH", "tasks", "total", budgeted=yuan(budgeted), items=yuan(t.in_kind),
                         difference=yuan(abs(budgeted - t.in_kind)))
        return
    for i, tt in enumerate(t.tasks):
        if tt.in_kind_budget != tt.in_kind_items:
            yield _error("IN_KIND_BUDGET_MISMATCH", f"tasks[{i}].budget", "task", id=tt.id, index=i,
                         budgeted=yuan(tt.in_kind_budget), items=yuan(tt.in_kind_items),
                         difference=yuan(abs(tt.in_kind_budget - tt.in_kind_items)))


def _stated(stated: StatedTotals | None, cash: Decimal, in_kind: Decimal, who: str,
            path: str) -> Iterator[Finding]:
    if stated is None:
        return
    for field, label, computed in (("cash", "资金投入合计", cash), ("in_kind", "实物投入合计", in_kind),
                                   ("total", "投入总额", cash + in_kind)):
        value = getattr(stated, field)
        if value is not None and value != computed:
            yield _error("STATED_TOTAL_MISMATCH", f"{path}.{field}", who=who, label=label, stated=yuan(value),
                         computed=yuan(computed), difference=yuan(abs(value - computed)))


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
        yield _error("BREACH_FLOOR_ABOVE_CAP", "breach.floor", floor=yuan(b.floor), cap=yuan(b.cap))
    if b.floor is not None:
        return
    t = totals(c)
    for index, unit in enumerate(c.units):
        ut = t.unit(unit.credit_code)
        if ut is not None and not damages_base(c, ut):
            basis = "自有资金与实物投入" if b.base == "committed" else "自有资金"
            yield _warning("BREACH_BASE_ZERO", f"{_unit_path(index)}.resources", name=unit.name, basis=basis)


# --- construction plan (指引 五（五）、三（五）) -------------------------------------------------------

@_rule
def plan_texts_present(c: Consortium) -> Iterator[Finding]:
    for name, info in type(c.narrative).model_fields.items():
        if not getattr(c.narrative, name).strip():
            yield _error("PLAN_TEXT_MISSING", f"narrative.{name}", title=info.title, name=name)


@_rule
def kpis_within_term(c: Consortium) -> Iterator[Finding]:
    years = range(c.term_start.year, c.term_end.year + 1)
    for i, kpi in enumerate(c.kpis):
        for j, target in enumerate(kpi.targets):
            if target.year not in years:
                yield _error("KPI_OUTSIDE_TERM", f"kpis[{i}].targets[{j}].year", name=kpi.name, year=target.year)
    if not c.kpis:
        yield _error("KPI_MISSING", "kpis")


# --- dispute resolution (仲裁法第十六条、第十八条) ---------------------------------------------------

_SEPARATORS = ("或", "、", "和", "及", "与", "/", "／", ",", "，", ";", "；")


@_rule
def one_arbitration_commission(c: Consortium) -> Iterator[Finding]:
    if not isinstance(c.dispute, Arbitration):
        return
    name = (c.dispute.commission or "").strip()
    if not name:
        yield _error("ARBITRATION_COMMISSION_MISSING", "dispute.commission")
        return
    named = name.count("仲裁委员会") + name.count("仲裁中心") + name.count("仲裁院")
    if "法院" in name:
        yield _error("ARBITRATION_COMMISSION_INVALID", "dispute.commission", "court", name=name)
    elif named != 1 or any(sep in name for sep in _SEPARATORS):
        yield _error("ARBITRATION_COMMISSION_INVALID", "dispute.commission", "several", name=name)


# --- exceptions ---------------------------------------------------------------------------------

@_rule
def exceptions_waivable(c: Consortium) -> Iterator[Finding]:
    for i, exception in enumerate(c.exceptions):
        if exception.code not in WAIVABLE:
            yield _error("EXCEPTION_NOT_WAIVABLE", f"exceptions[{i}].code", code=exception.code,
                         waivable="、".join(WAIVABLE))


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
