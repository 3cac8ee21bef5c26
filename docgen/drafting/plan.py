"""Assemble the construction plan (建设方案): the outline file's sections, numbered, with computed tables.

The section order lives in templates/zh_CN/plan_outline.yaml (format in its header comment), so the
official reference outline, once published, replaces that file and no code. Every table and chart is
computed from the input, so its totals always equal the input's totals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from docgen.clauses.library import load_library
from docgen.clauses.phrases import phrase, phrase_list, phrase_map, render_phrase
from docgen.constants import FUNDING_SOURCES, KPI_CATEGORIES, TEXT_WIDTH
from docgen.drafting.agreement import BaseContext, agreement_version, base_context, number_items
from docgen.errors import TemplateError
from docgen.formatting import cn_date, cn_number, wan
from docgen.input.loading import read_yaml
from docgen.input.model import IN_KIND_SOURCE, MECHANISM_LABELS, Consortium
from docgen.input.totals import GRANTS, THIRD_PARTY, Totals
from docgen.render.docx import render_expression, render_text

__all__ = ["PLAN_TABLES", "Plan", "PlanOutline", "assemble_plan", "load_outline"]

ACTIVE = "2F5597"  # schedule: a quarter in which the task runs
HEADER_FILLS = ("D9E2F3", "EDEDED", "auto")  # organisation chart: one shade per level


# --- the outline file --------------------------------------------------------------------------

class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutlineBlock(_Record):
    narrative: str | None = None
    text: str | None = None
    table: str | None = None
    chart: str | None = None
    when: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> OutlineBlock:
        kinds = [k for k in ("narrative", "text", "table", "chart") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("每个 block 应恰有 narrative、text、table、chart 之一")
        return self


class OutlineSection(_Record):
    title: str = Field(min_length=1)
    when: str | None = None
    blocks: tuple[OutlineBlock, ...] = ()
    sections: tuple[OutlineSection, ...] = ()


class PlanOutline(_Record):
    """The plan's structure: its title and nested sections (at most three levels)."""

    version: str
    title: str
    sections: tuple[OutlineSection, ...] = Field(min_length=1)


def load_outline(path: Path) -> PlanOutline:
    """Return the plan outline in path; raise TemplateError naming every defect."""
    return _load_outline(Path(path))


@lru_cache(maxsize=8)
def _load_outline(path: Path) -> PlanOutline:
    try:
        outline = PlanOutline.model_validate(read_yaml(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"建设方案提纲 {path} 无法读取：{exc}") from None
    except ValidationError as exc:
        details = "；".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise TemplateError(f"建设方案提纲 {path} 格式有误：{details}") from None
    problems = []

    def visit(sections: tuple[OutlineSection, ...], depth: int) -> None:
        for section in sections:
            if depth > 3:
                problems.append(f"“{section.title}”超过三级标题")
            for block in section.blocks:
                if block.table and block.table not in PLAN_TABLES:
                    problems.append(f"“{section.title}”：未知的表格 {block.table}（可用：{'、'.join(PLAN_TABLES)}）")
                if block.chart and block.chart not in PLAN_CHARTS:
                    problems.append(f"“{section.title}”：未知的图表 {block.chart}（可用：{'、'.join(PLAN_CHARTS)}）")
                if block.narrative and block.narrative not in _NARRATIVE_FIELDS:
                    problems.append(f"“{section.title}”：narrative 没有字段 {block.narrative}")
            visit(section.sections, depth + 1)

    visit(outline.sections, 1)
    if problems:
        raise TemplateError(f"建设方案提纲 {path} 有误：" + "；".join(problems))
    return outline


def _narrative_fields() -> set[str]:
    from docgen.input.model import Narrative

    return set(Narrative.model_fields)


_NARRATIVE_FIELDS = _narrative_fields()


# --- the plan as plain data ------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    text: str
    fill: str = "auto"
    align: str = "left"
    span: int = 1
    header: bool = False  # the cell's row repeats at the top of each page, as the header row does
    keep: bool = False    # the cell's row stays on the page of the next row (the row before a total)


@dataclass(frozen=True)
class Table:
    widths: tuple[int, ...]
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]


def _keep_last(rows: list[tuple[Cell, ...]]) -> tuple[tuple[Cell, ...], ...]:
    """Return rows with the one before the last (a total row) kept on the page of the last."""
    if len(rows) >= 2:
        rows[-2] = tuple(replace(cell, keep=True) for cell in rows[-2])
    return tuple(rows)


@dataclass(frozen=True)
class Block:
    """One element of the plan body: a heading, paragraph, caption, note or table."""

    kind: str
    text: str = ""
    level: int = 0
    table: Table | None = None


@dataclass(frozen=True)
class CoverLine:
    """A line of the plan's cover: 牵头单位（盖章）　……"""

    label: str
    value: str


@dataclass(frozen=True)
class Plan:
    title: str
    draft: bool
    cover_lines: tuple[CoverLine, ...]
    blocks: tuple[Block, ...]
    version: str
    toc_title: str = ""

    @property
    def contents(self) -> tuple[Block, ...]:
        """Return the headings of levels 1 and 2, the entries of the plan's 目录."""
        return tuple(b for b in self.blocks if b.kind == "heading" and b.level <= 2)

    @property
    def headings(self) -> list[str]:
        """Return every heading's text in order."""
        return [b.text for b in self.blocks if b.kind == "heading"]


# --- tables -----------------------------------------------------------------------------------

def _widths(*weights: float) -> tuple[int, ...]:
    """Return column widths in dxa proportional to weights, summing to the text width."""
    total = sum(weights)
    widths = [int(TEXT_WIDTH * w / total) for w in weights]
    widths[0] += TEXT_WIDTH - sum(widths)
    return tuple(widths)


def _head(*texts: str) -> tuple[Cell, ...]:
    return tuple(Cell(t, align="center") for t in texts)


def _num(value: Decimal) -> Cell:
    """Return a right-aligned amount in 万元 (exact to the fen), as every plan table prints money."""
    return Cell(wan(value), align="right")


TableResult = tuple[str, str, Table]  # caption, note (unit line), table
Builder = Callable[[Consortium, dict[str, Any]], TableResult]


def _words(key: str) -> tuple[str, str, list[str]]:
    """Return the caption, note and header cells of a table or chart (phrases: plan.tables.KEY, plan.charts.KEY)."""
    return phrase(f"{key}.caption"), phrase(f"{key}.note"), phrase_list(f"{key}.header")


def _totals(ctx: dict[str, Any]) -> Totals:
    totals: Totals = ctx["totals"]
    return totals


def _members_table(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    rows = []
    sums = _totals(ctx)
    blank = phrase("plan.blank")
    for i, party in enumerate(ctx["parties"], start=1):
        u = party.unit
        money = sums.unit(u.credit_code)
        rows.append((Cell(str(i), align="center"), Cell(u.name), Cell(u.kind, align="center"),
                     Cell(u.chain_position, align="center"), Cell(party.role, align="center"), Cell(u.role),
                     _num(money.own_cash if money else Decimal(0)), _num(money.in_kind if money else Decimal(0)),
                     Cell(str(u.resources.people) if u.resources.people else blank, align="center")))
    caption, note, header = _words("plan.tables.members")
    return caption, note, Table(_widths(0.5, 2.0, 0.8, 0.9, 0.8, 2.3, 1.7, 1.7, 0.8), _head(*header), tuple(rows))


def _goals_table(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    rows = []
    for i, goal in enumerate(c.goals, start=1):
        indicators = goal.indicators or ()
        if not indicators:
            rows.append((Cell(str(i), align="center"), Cell(goal.title), Cell(phrase("plan.blank"), align="center"),
                         Cell(phrase("plan.blank"), align="center")))
        for indicator in indicators:
            rows.append((Cell(str(i), align="center"), Cell(goal.title), Cell(indicator.name),
                         Cell(indicator.target, align="center")))
    caption, note, header = _words("plan.tables.goals")
    return caption, note, Table(_widths(0.6, 3, 4, 2), _head(*header), tuple(rows))


def _kpis_table(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    years = list(range(c.term_start.year, c.term_end.year + 1))
    blank = phrase("plan.blank")
    rows = []
    for kpi in sorted(c.kpis, key=lambda k: KPI_CATEGORIES.index(k.category)):
        by_year = {t.year: t.value for t in kpi.targets}
        rows.append((Cell(kpi.category, align="center"), Cell(kpi.name), Cell(kpi.unit, align="center"),
                     *(Cell(by_year.get(y, blank), align="center") for y in years)))
    caption, note, words = _words("plan.tables.kpis")
    header = _head(*words, *(phrase("plan.year", year=y) for y in years))
    return caption, note, Table(_widths(1.4, 3.4, 0.8, *([1.2] * len(years))), header, tuple(rows))


def _tasks_table(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    short = {u.credit_code: u.display_name for u in c.units}
    rows: list[tuple[Cell, ...]] = []
    total = Decimal(0)
    for t in ctx["tasks"]:
        total += t.budget_total
        rows.append((Cell(t.id, align="center"), Cell(t.title), Cell(short.get(t.owner, t.owner)),
                     Cell(phrase("plan.list_separator").join(short.get(p, p) for p in t.participants)
                          or phrase("plan.none")),
                     Cell(phrase("plan.period", start=t.start, end=t.end), align="center"),
                     Cell(phrase("plan.deliverable_separator").join(t.deliverables)), _num(t.budget_total)))
    rows.append((Cell(phrase("plan.total"), align="center", span=6), _num(total)))
    caption, note, header = _words("plan.tables.tasks")
    return caption, note, Table(_widths(0.6, 1.9, 1.1, 1.5, 1.7, 2.4, 1.7), _head(*header), _keep_last(rows))


def _matrix(c: Consortium, columns: list[Any], key: Callable[[Any], Any], words: str,
            labels: list[str]) -> TableResult:
    """Return a unit × column funding table with row and column totals (words: its phrases' key)."""
    rows = []
    column_totals = [Decimal(0)] * len(columns)
    sums: dict[tuple[str, Any], Decimal] = {}  # (unit, column) → amount, in one pass over the funding lines
    for f in c.funding:
        sums[f.unit, key(f)] = sums.get((f.unit, key(f)), Decimal(0)) + f.amount
    for unit in c.units:
        values = [sums.get((unit.credit_code, col), Decimal(0)) for col in columns]
        column_totals = [a + b for a, b in zip(column_totals, values, strict=False)]
        rows.append((Cell(unit.name), *(_num(v) for v in values), _num(sum(values, Decimal(0)))))
    total = phrase("plan.total")
    rows.append((Cell(total, align="center"), *(_num(v) for v in column_totals),
                 _num(sum(column_totals, Decimal(0)))))
    caption, note, header = _words(words)
    table = Table(_widths(2.6, *([1.4] * len(columns)), 1.5), _head(*header, *labels, total), _keep_last(rows))
    return caption, note, table


def _budget_by_source(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    sources: list[str] = [s for s in FUNDING_SOURCES if any(f.source == s for f in c.funding)]
    return _matrix(c, sources, lambda f: f.source, "plan.tables.budget_by_source", sources)


def _budget_by_year(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    years = sorted({f.year for f in c.funding})
    labels = [phrase("plan.year", year=y) for y in years]
    return _matrix(c, years, lambda f: f.year, "plan.tables.budget_by_year", labels)


def _stated(value: str, field: str, key: str, ctx: dict[str, Any]) -> str:
    """Return a funding line's payer or status; a draft marks a missing one, a final plan cannot lack it."""
    if value:
        return value
    if ctx["draft"]:  # FUNDING_LINE_INCOMPLETE is an error: only a draft gets here
        return phrase(f"{key}.missing_{field}")
    raise TemplateError(f"建设方案的财政资助和社会资本表需要 funding[].{field}，输入中为空（FUNDING_LINE_INCOMPLETE）")


def _external_funding(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    """Return the 财政资助 and 社会资本/其他资金 by source, programme or investor, receiving unit and status."""
    key = "plan.tables.external_funding"
    external = (GRANTS, *THIRD_PARTY)
    groups: dict[tuple[int, str, str, str], tuple[list[int], Decimal]] = {}
    for f in c.funding:
        if f.source in external:
            group = (external.index(f.source), f.payer or "", str(f.unit), str(f.status or ""))
            years, total = groups.get(group, ([], Decimal(0)))
            groups[group] = ([*years, f.year], total + f.amount)
    order = {u.credit_code: i for i, u in reversed(list(enumerate(c.units)))}
    names = {u.credit_code: u.display_name for u in reversed(c.units)}
    rows: list[tuple[Cell, ...]] = []
    for i, (group, (years, total)) in enumerate(
            sorted(groups.items(), key=lambda g: (g[0][0], g[0][1], order.get(g[0][2], 0), g[0][3])), start=1):
        source, payer, unit, status = group
        rows.append((Cell(str(i), align="center"), Cell(external[source], align="center"),
                     Cell(_stated(payer, "payer", key, ctx)), Cell(names.get(unit, unit)),
                     Cell(phrase("plan.years", years=sorted(set(years))), align="center"), _num(total),
                     Cell(_stated(status, "status", key, ctx), align="center")))
    whole = sum((total for _, total in groups.values()), Decimal(0))
    rows.append((Cell(phrase("plan.total"), align="center", span=5), _num(whole), Cell("")))
    caption, note, header = _words(key)
    return caption, note, Table(_widths(0.5, 1.0, 2.0, 1.4, 1.8, 1.5, 1.0), _head(*header), _keep_last(rows))


def _in_kind_table(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    """Return every in-kind item: unit, what, task, quantity or term, agreed value, valuation and who confirmed it."""
    key = "plan.tables.in_kind"
    sums = _totals(ctx)
    blank = phrase("plan.blank")
    rows: list[tuple[Cell, ...]] = []
    for i, (unit, item) in enumerate(sums.in_kind_items, start=1):
        rows.append((Cell(str(i), align="center"), Cell(unit.display_name), Cell(item.description),
                     Cell(item.task or phrase(f"{key}.whole"), align="center"), Cell(item.quantity or blank),
                     _num(item.value), Cell(item.valuation, align="center"),
                     Cell(item.confirmed_by or phrase(f"{key}.unconfirmed"))))
    rows.append((Cell(phrase("plan.total"), align="center", span=5), _num(sums.in_kind), Cell("", span=2)))
    caption, note, header = _words(key)
    return caption, note, Table(_widths(0.5, 1.1, 2.4, 0.7, 1.5, 1.4, 0.9, 1.6), _head(*header), _keep_last(rows))


def _task_budget(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    """Return each task's budget by paying unit and by source (cash sources and 实物投入), with subtotals."""
    key = "plan.tables.task_budget"
    sums = _totals(ctx)
    used = {source for t in sums.tasks for payer in t.by_payer.values() for source, v in payer.items() if v}
    sources = [s for s in (*FUNDING_SOURCES, IN_KIND_SOURCE) if s in used]
    labels = [phrase(f"{key}.in_kind") if s == IN_KIND_SOURCE else s for s in sources]
    names = {u.credit_code: u.display_name for u in reversed(c.units)}
    zero = Decimal(0)
    yearly = any(task.has_years for task in sums.tasks)  # budget lines give years: a row per payer and year
    rows: list[tuple[Cell, ...]] = []
    grand = [zero] * len(sources)
    for task in sums.tasks:
        subtotal = [zero] * len(sources)
        shares = task.by_payer_year if yearly else {(code, None): v for code, v in task.by_payer.items()}
        for (code, year), by_source in shares.items():
            values = [by_source.get(s, zero) for s in sources]
            subtotal = [a + b for a, b in zip(subtotal, values, strict=True)]
            payer = phrase(f"{key}.payer_year", unit=names.get(code, code), year=year) if yearly \
                else names.get(code, code)
            rows.append((Cell(task.id, align="center"), Cell(payer), *(_num(v) for v in values),
                         _num(sum(values, zero))))
        if len(shares) > 1:
            rows[-1] = tuple(replace(cell, keep=True) for cell in rows[-1])
            rows.append((Cell(phrase(f"{key}.subtotal", id=task.id), align="center", span=2),
                         *(_num(v) for v in subtotal), _num(sum(subtotal, zero))))
        grand = [a + b for a, b in zip(grand, subtotal, strict=True)]
    rows.append((Cell(phrase("plan.total"), align="center", span=2), *(_num(v) for v in grand),
                 _num(sum(grand, zero))))
    caption, note, header = _words(key)
    # amounts need about 62 pt each to print whole (8 figures); the payer column gives way
    table = Table(_widths(0.6, 1.6, *([1.5] * len(sources)), 1.6),
                  _head(*header, *labels, phrase("plan.total")), _keep_last(rows))
    return caption, note, table


def _milestones_table(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    rows = tuple((Cell(str(i), align="center"), Cell(cn_date(m.date), align="center"), Cell(m.title))
                 for i, m in enumerate(sorted(c.milestones, key=lambda m: m.date), start=1))
    caption, note, header = _words("plan.tables.milestones")
    return caption, note, Table(_widths(0.6, 1.8, 6), _head(*header), rows)


PLAN_TABLES: dict[str, Builder] = {
    "members": _members_table, "goals": _goals_table, "kpis": _kpis_table, "tasks": _tasks_table,
    "budget_by_source": _budget_by_source, "budget_by_year": _budget_by_year,
    "external_funding": _external_funding, "in_kind": _in_kind_table, "task_budget": _task_budget,
    "milestones": _milestones_table,
}


# --- charts (editable Word tables) -----------------------------------------------------------------

def quarters(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """Return the (year, quarter) pairs from the quarter of start to the quarter of end."""
    out = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while (year, quarter) <= (end.year, (end.month - 1) // 3 + 1):
        out.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def _schedule_chart(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    # a reversed term (an error check reports; drafted only with --draft) still gets its first quarter
    periods = quarters(c.term_start, c.term_end) or quarters(c.term_start, c.term_start)
    years = sorted({y for y, _ in periods})
    caption, note, words = _words("plan.charts.schedule")
    header = (*(Cell(w, align="center") for w in words),
              *(Cell(phrase("plan.year", year=y), align="center", span=sum(1 for yy, _ in periods if yy == y))
                for y in years))
    quarter_row = (Cell(phrase("plan.charts.schedule.quarter_row"), align="center", header=True),
                   *(Cell(cn_number(q), align="center", header=True) for _, q in periods))
    rows = [quarter_row]
    for t in c.tasks:
        running = set(quarters(t.start, t.end))
        rows.append((Cell(f"{t.id} {t.title}"),
                     *(Cell("", fill=ACTIVE if p in running else "auto") for p in periods)))
    widths = _widths(3.2, *([6.8 / len(periods)] * len(periods)))
    return caption, note, Table(widths, header, tuple(rows))


def _spread(total: int, parts: int) -> list[int]:
    """Return parts spans that add up to total, as equal as possible (larger first)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _expert_committee(ctx: dict[str, Any]) -> bool:
    """Return whether the mechanisms set up an expert committee or any mechanism's note relies on one."""
    mechanisms = ctx["mechanisms"]
    if mechanisms.collaborative_research.expert_committee:
        return True
    cue = phrase("plan.charts.organisation.experts_cue")
    return any(cue in (getattr(mechanisms, name).note or "") for name in type(mechanisms).model_fields)


def _organisation_chart(c: Consortium, ctx: dict[str, Any]) -> TableResult:
    key = "plan.charts.organisation"
    middle = [phrase(f"{key}.head", head=c.head) if c.head else "",
              phrase(f"{key}.chief_expert", expert=c.chief_expert) if c.chief_expert else "",
              phrase(f"{key}.council", council=c.council) if c.council else "",
              phrase(f"{key}.office"),
              phrase(f"{key}.experts") if _expert_committee(ctx) else ""]
    middle = [m for m in middle if m]
    units = {u.credit_code: u for u in reversed(c.units)}  # the first unit with a code, as c.unit() finds it
    teams = [phrase(f"{key}.team", task=t, unit=units.get(t.owner, c.lead).display_name) for t in ctx["tasks"]]
    width = max(len(teams), len(middle), 1)
    top = (Cell(phrase(f"{key}.lead", lead=c.lead), fill=HEADER_FILLS[0], align="center", span=width),)
    second = tuple(Cell(text, fill=HEADER_FILLS[1], align="center", span=span)
                   for text, span in zip(middle, _spread(width, len(middle)), strict=False))
    third = tuple(Cell(text, align="center", span=span)
                  for text, span in zip(teams, _spread(width, len(teams)), strict=False))
    table = Table(_widths(*([1] * width)), (Cell(phrase(f"{key}.title"), align="center", span=width),),
                  (top, second, third) if second else (top, third))
    return phrase(f"{key}.caption"), phrase(f"{key}.note"), table


PLAN_CHARTS: dict[str, Builder] = {"schedule": _schedule_chart, "organisation": _organisation_chart}


# --- assembly ---------------------------------------------------------------------------------

def _heading_number(level: int, n: int) -> str:
    """Return the n-th number of level 1–5: 一、 （一） 1. （1） 1) (phrases: plan.heading_numbers, GB/T 9704)."""
    return render_phrase(phrase_list("plan.heading_numbers")[level - 1], f"plan.heading_numbers.{level}", {"n": n})


def _item_labels(level: int) -> tuple[Callable[[int], str], Callable[[int], str]]:
    """Return the labels of the items and sub-items in a text under a heading of level: the next levels down."""
    return (lambda n: _heading_number(level + 1, n)), (lambda n: _heading_number(level + 2, n))


def plan_context(c: Consortium, base: BaseContext | None = None) -> dict[str, Any]:
    """Return the names a plan text may use: the clause context (base, if computed) plus plan groupings."""
    context = base if base is not None else base_context(c)
    by_category: dict[str, list[Any]] = {}
    for category in KPI_CATEGORIES:
        kpis = [k for k in c.kpis if k.category == category]
        if kpis:
            by_category[category] = kpis
    names = {**context.names(), "mechanism_labels": MECHANISM_LABELS, "kpis_by_category": by_category}
    names["expert_committee"] = _expert_committee(names)
    return names


def _agreement_ref(numbers: dict[str, str]) -> Any:
    """Return ``agreement_ref``: the formation agreement's article number of a clause, for the plan to cite."""
    def agreement_ref(clause_id: str) -> str:
        if clause_id not in numbers:
            raise TemplateError(f"建设方案引用的组建协议条款 {clause_id} 对本输入不适用或不存在")
        return numbers[clause_id]

    return agreement_ref


@dataclass(frozen=True)
class PlanRevision:
    """The supplement a revised plan follows: its serial name (第一号) and its signing date."""

    serial_name: str
    date: dt.date


def assemble_plan(c: Consortium, outline: PlanOutline, *, draft: bool = False,
                  base: BaseContext | None = None, revision: PlanRevision | None = None) -> Plan:
    """Return the construction plan's outline for this consortium (base: its base_context, if computed).

    revision, in a change run, makes it the revised plan: titled 修订版, its cover naming the supplement
    it follows and the revision date beside the original date (phrases: plan.revised_title, plan.cover).
    The plan cites the formation agreement of the same input by article (``agreement_ref``) where the
    agreement states the rule, so the two cannot say different things.
    """
    numbers = agreement_version(c, load_library(), base=base).numbers
    context = {**plan_context(c, base), "draft": draft, "agreement_ref": _agreement_ref(numbers)}
    blocks: list[Block] = []
    counts = {"table": 0, "figure": 0}  # tables and figures are numbered separately

    def applies(item: OutlineSection | OutlineBlock, where: str) -> bool:
        return item.when is None or bool(render_expression(item.when, where, context))

    def emit(sections: tuple[OutlineSection, ...], level: int) -> None:
        number = 0
        for section in sections:
            if not applies(section, f"建设方案提纲“{section.title}”"):
                continue
            number += 1
            blocks.append(Block("heading", _heading_number(level, number) + section.title, level))
            for index, block in enumerate(section.blocks):
                where = f"plan.{section.title}.{index}"
                if not applies(block, where):
                    continue
                if block.narrative is not None:
                    text = getattr(c.narrative, block.narrative)
                    paragraphs = number_items(text, _item_labels(level))
                    if not paragraphs and draft:  # a draft marks the gap where the text belongs
                        label = type(c.narrative).model_fields[block.narrative].title
                        paragraphs = [phrase("plan.missing_narrative", label=label)]
                    elif not paragraphs:
                        raise TemplateError(f"建设方案“{section.title}”需要 narrative.{block.narrative}，输入中为空")
                    blocks.extend(Block("paragraph", p) for p in paragraphs)
                elif block.text is not None:
                    text = render_text(block.text, f"{where}.txt", context)
                    blocks.extend(Block("paragraph", p) for p in number_items(text, _item_labels(level)))
                else:
                    builder = PLAN_TABLES[block.table] if block.table else PLAN_CHARTS[str(block.chart)]
                    caption, note, table = builder(c, context)
                    kind = "table" if block.table else "figure"
                    counts[kind] += 1
                    label = phrase(f"plan.{kind}_label")
                    blocks.append(Block("caption",
                                        phrase("plan.caption", label=label, n=counts[kind], caption=caption)))
                    if note:
                        blocks.append(Block("note", note))
                    blocks.append(Block("table", table=table))
            emit(section.sections, level + 1)

    emit(outline.sections, 1)
    words = phrase_map("plan.cover")
    cover = [
        CoverLine(words["lead"], c.lead.name),
        CoverLine(words["industry"], phrase("plan.cover.industry_value", c=c)),
        CoverLine(words["sub_track"], c.sub_track),
    ]
    if c.chief_expert:
        cover.append(CoverLine(words["chief_expert"], phrase("plan.cover.chief_expert_value", expert=c.chief_expert)))
    cover.append(CoverLine(words["date"], cn_date(c.signing_date)))
    title = render_text(outline.title, "plan.title.txt", context).strip()
    if revision is not None:
        cover.append(CoverLine(words["revision"], phrase("plan.cover.revision_value", serial=revision.serial_name)))
        cover.append(CoverLine(words["revision_date"], cn_date(revision.date)))
        title = phrase("plan.revised_title", title=title)
    return Plan(title, draft, tuple(cover), tuple(blocks), outline.version, phrase("plan.toc"))
