"""Turn a consortium and the clause library into a document outline: plain, numbered, cross-referenced.

The outline is plain data (dataclasses of strings), so tests can read it without opening Word and the
template only lays it out. Articles are numbered 第一条… across the whole document and chapters 第一章…;
``ref("topic.name")`` in a clause prints the number the referenced article finally gets.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from docgen.clauses import phrases as phrases_module
from docgen.clauses.engine import (
    Article,
    Chapter,
    chapters,
    number_articles,
    number_items,
    render_article,
    render_articles,
    render_clause,
    select_variant,
    with_ref,
)
from docgen.clauses.library import DocumentTexts, Library
from docgen.clauses.phrases import phrase
from docgen.constants import (
    ACADEMIC_KINDS,
    ENTERPRISE,
    FUNDING_COLUMNS,
    FUNDING_SOURCES,
    SELF_FUNDED,
    DocumentKind,
    FundingSource,
)
from docgen.errors import TemplateError
from docgen.formatting import amount, cn_date
from docgen.input.model import (
    IN_KIND_SOURCE,
    Consortium,
    Mechanisms,
    PromotionMechanism,
    StandardMechanism,
    Task,
    Unit,
)
from docgen.input.totals import Totals, damages, damages_base, investment_ratios, totals
from docgen.render.docx import render_text

if typing.TYPE_CHECKING:
    from docgen.drafting.register import PartyRegister

__all__ = [
    "Agreement", "AgreementVersion", "Annex", "AnnexRow", "Article", "BackgroundIPRow", "BaseContext", "Chapter",
    "FundingRow", "GridCell", "GridTable", "InKindRow", "InKindTable", "MemberRow", "Party", "PartyRow", "ResourceRow",
    "Signature", "TaskRow", "TaskShareRow", "TaskView",
    "agreement_version",
    "annex_citation", "annex_heading", "assemble_agreement", "base_context", "designation", "number_items", "parties",
]

# The engine's steps, under the names this module exported before the engine had a module of its own.
text_context = with_ref


@dataclass(frozen=True)
class Party:
    """A party as the documents name it: 甲方（牵头单位） or 乙方三（成员单位）."""

    designation: str
    role: str
    unit: Unit

    # flat fields the templates print
    @property
    def name(self) -> str:
        return self.unit.name


@dataclass(frozen=True)
class MemberRow:
    """A row of the member annex (成员单位名单)."""

    no: str
    designation: str
    name: str
    credit_code: str
    kind: str
    chain_position: str
    role: str
    short_name: str = ""       # 简称 used in the other annexes ("—" when the unit has none)
    cash: str = ""             # 资金投入合计: all cash through the unit (附件3's row total)
    in_kind: str = ""          # 实物投入折价合计
    people: str = ""           # 投入研发人员, "—" when the brief gives none (never 0人)


@dataclass(frozen=True)
class TaskRow:
    """A row of the task annex (攻关任务分工表)."""

    id: str
    title: str
    owner: str
    participants: str
    period: str
    deliverables: str
    budget: str
    content: str = ""          # 研究内容和技术路线 (the task annex's second table)


@dataclass(frozen=True)
class ResourceRow:
    """A row of the member annex's second table: a unit's committed staff, instruments, sites and data
    platforms, each a list joined into one cell (a placeholder where the unit gives none)."""

    unit: str
    key_staff: str
    equipment: str
    sites: str
    data_platforms: str


@dataclass(frozen=True)
class TaskShareRow:
    """A row of the task annex's 任务经费分担明细: one paying unit's part of a task budget, by source.

    ``subtotal`` marks a task's 小计 row (a task with more than one paying unit).
    """

    task: str
    unit: str
    self: str
    fiscal: str
    social: str
    other: str
    in_kind: str
    total: str
    subtotal: bool = False


@dataclass(frozen=True)
class FundingRow:
    """A row of the funding annex: one unit's amounts by source (columns as in FUNDING_COLUMNS) and total.

    ``total`` is the unit's cash; ``in_kind`` its in-kind value and ``overall`` both.
    """

    unit: str
    self: str
    fiscal: str
    social: str
    other: str
    total: str
    in_kind: str = ""
    overall: str = ""


@dataclass(frozen=True)
class GridCell:
    """A cell of a table whose columns follow the data (the funding annex's years): text, span, alignment."""

    text: str
    span: int = 1
    align: str = "left"
    fill: str = "auto"


@dataclass(frozen=True)
class GridTable:
    """A table laid out by the template's table tags: relative column widths, header cells, rows of cells."""

    widths: tuple[int, ...]
    header: tuple[GridCell, ...]
    rows: tuple[tuple[GridCell, ...], ...]


@dataclass(frozen=True)
class InKindRow:
    """A row of the funding annex's in-kind table: one in-kind item of a unit (非货币投入明细)."""

    unit: str
    description: str
    quantity: str
    value: str
    task: str = ""
    valuation: str = ""
    confirmed_by: str = ""


@dataclass(frozen=True)
class BackgroundIPRow:
    """A row of the background-IP annex (背景知识产权清单)."""

    no: str
    unit: str
    title: str
    kind: str
    number: str


@dataclass(frozen=True)
class InKindTable:
    """The funding annex's table of in-kind items: caption, one row per item, total; ``none`` when empty."""

    caption: str
    rows: tuple[InKindRow, ...]
    total_label: str
    total: str
    none: str


AnnexRow = MemberRow | TaskRow | ResourceRow | TaskShareRow | FundingRow | InKindRow | BackgroundIPRow


@dataclass(frozen=True)
class Annex:
    """A table annex: its numbered title, rows of display strings, and its total where it has one."""

    key: str
    title: str
    rows: tuple[AnnexRow, ...]
    total: str = ""                            # a single total (the task table's budget column)
    total_row: FundingRow | None = None        # a whole total row (the funding table)
    in_kind: InKindTable | None = None         # the funding annex's in-kind items table
    shares: tuple[TaskShareRow, ...] = ()      # the task annex's 任务经费分担明细 (per task and paying unit)
    shares_total: TaskShareRow | None = None
    by_year: GridTable | None = None           # the funding annex's cash by unit, source, payer and year
    in_kind_by_year: GridTable | None = None   # the funding annex's in-kind by unit and year, cash and in-kind totals
    resources: tuple[ResourceRow, ...] = ()    # the member annex's staff, instruments, sites, data (() when none)


@dataclass(frozen=True)
class PartyRow:
    """A party's block in a preamble, as flat strings (the agreement's and the supplement's)."""

    designation: str
    role: str
    name: str
    credit_code: str
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    contact_email: str


@dataclass(frozen=True)
class Signature:
    """A party's line on a signature page (the agreement's and the supplement's)."""

    designation: str
    role: str
    name: str
    credit_code: str

    @classmethod
    def of(cls, party: Party) -> Signature:
        return cls(party.designation, party.role, party.unit.name, party.unit.credit_code)


@dataclass(frozen=True)
class Agreement:
    """The formation agreement as plain data, ready for the template."""

    title: str
    number: str
    draft: bool
    signing_place: str
    signing_date: str
    parties: tuple[PartyRow, ...]
    recitals: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    closing: str
    annexes: dict[str, Annex]
    signature_heading: str
    signatures: tuple[Signature, ...]
    clause_versions: dict[str, str] = field(default_factory=dict)

    @property
    def articles(self) -> list[Article]:
        """Return every article in order."""
        return [a for chapter in self.chapters for a in chapter.articles]


def designation(index: int) -> str:
    """Return the party designation by position: 0 → 甲方, 1 → 乙方一, 12 → 乙方十二."""
    return phrase("parties.lead_designation") if index == 0 else phrase("parties.member_designation", n=index)


def parties(c: Consortium, register: PartyRegister | None = None) -> list[Party]:
    """Return every party in order: the lead unit first, then the members.

    With a register (a version amended by supplements, see ``docgen.drafting.register``) each party
    has its designation there and the parties are in designation order (甲方, 乙方一, …).
    """
    lead, member = phrase("parties.lead_role"), phrase("parties.member_role")
    if register is None:
        return [Party(designation(i), lead if i == 0 else member, u) for i, u in enumerate(c.units)]
    ordered = sorted(c.units, key=lambda u: register.number(u.credit_code))
    return [Party(register.designation(u.credit_code), lead if u.credit_code == c.lead.credit_code else member, u)
            for u in ordered]


@dataclass(frozen=True)
class TaskView:
    """A task as the clause texts see it (``tasks``): the model's fields plus its budget and unit names."""

    task: Task
    id: str
    title: str
    content: str
    start: dt.date
    end: dt.date
    deliverables: list[str]
    owner: str
    participants: list[str]
    budget_total: Decimal
    owner_name: str
    participant_names: list[str]


@dataclass(frozen=True)
class BaseContext:
    """What every document's texts may use (documented in clauses/README.md), computed once per input.

    ``names()`` is the mapping the Jinja texts receive; each document adds its own names to it.
    """

    c: Consortium
    lead: Unit
    parties: list[Party]
    members: list[Unit]
    enterprises: list[Unit]
    academics: list[Unit]
    tasks: list[TaskView]
    funding_total: Decimal
    funding_by_source: dict[FundingSource, Decimal]
    term_years: int
    copies_total: int
    unit_name: Callable[[str], str]
    mechanisms: Mechanisms       # c.mechanisms with a missing one at its defaults (agreed_mechanisms)
    totals: Totals                          # every money total (docgen/input/totals.py)
    in_kind_total: Decimal
    ratios: list[dict[str, Any]]            # designation, name, base, percent (investment ratio)
    unit_contributions: list[dict[str, Any]]  # per unit: own_cash, grants, third_party, cash, in_kind, … items
    damages: list[dict[str, Any]]           # per unit: designation, name, base, amount (违约金)

    def names(self) -> dict[str, Any]:
        """Return the names a text may use, in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def base_context(c: Consortium, register: PartyRegister | None = None) -> BaseContext:
    """Return the names a clause text may use (documented in clauses/README.md), without ``ref``.

    register, for a version amended by supplements, gives each party its designation for the life of
    the agreement; the per-party lists (ratios, unit_contributions, damages) then follow designation
    order and hold each party that has left as an entry with ``retired`` (its designation, name and
    ``left_by``, the supplement it left by), so the amended text keeps its place.
    """
    names = {u.credit_code: u.name for u in c.units}

    def unit_name(code: str) -> str:
        if code not in names:
            raise TemplateError(f"统一社会信用代码 {code} 不是联合体成员")
        return names[code]

    by_source = {
        source: total for source in FUNDING_SOURCES
        if (total := sum((f.amount for f in c.funding if f.source == source), Decimal(0)))
    }
    tasks = [
        TaskView(task=t, id=t.id, title=t.title, content=t.content, start=t.start, end=t.end,
                 deliverables=t.deliverables, owner=t.owner, participants=t.participants,
                 budget_total=sum((b.amount for b in t.budget), Decimal(0)),
                 owner_name=unit_name(t.owner) if t.owner in names else t.owner,
                 participant_names=[names.get(p, p) for p in t.participants])
        for t in c.tasks
    ]
    days = (c.term_end - c.term_start).days + 1
    sums = totals(c)
    signing = parties(c, register)
    designations = {p.unit.credit_code: p.designation for p in signing}
    retired = register.retired if register is not None else ()

    def listed(entries: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        """Return the (credit code, entry) pairs' entries marked ``retired`` False; with a register, in
        designation order with an entry for each party that has left (designation, name, left_by)."""
        if register is None:
            return [{**entry, "retired": False} for _, entry in entries]
        numbered = [(register.number(code), {**entry, "retired": False}) for code, entry in entries]
        numbered += [(p.number, {"designation": p.designation, "name": p.name, "retired": True,
                                 "left_by": phrase("supplement.serial_name", n=p.left)}) for p in retired]
        return [entry for _, entry in sorted(numbered, key=lambda pair: pair[0])]

    return BaseContext(
        c=c,
        lead=c.lead,
        parties=signing,
        members=c.members,
        enterprises=[u for u in c.members if u.kind == ENTERPRISE],
        academics=[u for u in c.members if u.kind in ACADEMIC_KINDS],
        tasks=tasks,
        funding_total=sum(by_source.values(), Decimal(0)),
        funding_by_source=by_source,
        term_years=max(1, math.ceil(days / 366)),
        copies_total=len(c.units) * c.copies_per_party + c.copies_for_filing,
        unit_name=unit_name,
        mechanisms=agreed_mechanisms(c),
        totals=sums,
        in_kind_total=sums.in_kind,
        ratios=listed([(r.unit.credit_code, {"designation": designations[r.unit.credit_code], "name": r.unit.name,
                                             "base": r.base, "percent": r.percent})
                       for r in investment_ratios(c, sums)]),
        unit_contributions=listed([
            (u.code, {"designation": designations[u.code], "name": u.unit.name, "unit": u.unit,
                      "own_cash": u.own_cash, "grants": u.grants, "third_party": u.third_party, "cash": u.cash,
                      "in_kind": u.in_kind, "committed": u.committed, "total": u.total,
                      "in_kind_items": u.in_kind_items})
            for u in sums.units
        ]),
        damages=listed([(u.code, {"designation": designations[u.code], "name": u.unit.name,
                                  "base": damages_base(c, u), "amount": damages(c, u)}) for u in sums.units]),
    )


def agreed_mechanisms(c: Consortium) -> Mechanisms:
    """Return the mechanisms with every one the input leaves out set to its default choices.

    A missing mechanism is a finding (MECHANISM_MISSING); a draft still renders the defaults, so every
    article reads its rule from the same choices. A unit named there that is not a party
    (MECHANISM_UNIT_UNKNOWN) is left out.
    """
    codes = {u.credit_code for u in c.units}
    m = c.mechanisms.model_copy(update={
        name: getattr(c.mechanisms, name) or typing.get_args(info.annotation)[0]()
        for name, info in Mechanisms.model_fields.items()
    })
    standard = m.standard_setting or StandardMechanism()
    promotion = m.promotion_application or PromotionMechanism()
    return m.model_copy(update={
        "standard_setting": standard.model_copy(update={"lead": standard.lead if standard.lead in codes else None}),
        "promotion_application": promotion.model_copy(
            update={"scenario_units": [u for u in promotion.scenario_units if u in codes]}),
    })


def annex_citation(number: int, name: str) -> str:
    """Return an annex as the text cites it: 附件1《成员单位名单》."""
    return phrase("annexes.citation", n=number, name=name)


def annex_heading(number: int, name: str) -> str:
    """Return an annex's heading above its table: 附件1　成员单位名单."""
    return phrase("annexes.heading", n=number, name=name)


def document_context(c: Consortium, texts: DocumentTexts, base: BaseContext | None = None) -> dict[str, Any]:
    """Return base_context plus ``annex``: each annex's name as cited in the text, 附件1《…》."""
    annex = {key: annex_citation(i, name) for i, (key, name) in enumerate(texts.annexes.items(), start=1)}
    return {**(base if base is not None else base_context(c)).names(), "annex": annex}


def assemble_articles(library: Library, context: dict[str, Any], *,
                      first_chapter: int = 1) -> tuple[tuple[Chapter, ...], dict[str, str]]:
    """Return the numbered chapters of the clauses that apply, and {clause id: version}."""
    articles, _ = render_articles(library, context)
    return chapters(articles, first=first_chapter), {a.id: a.version for a in articles}


def _render_fixed(texts: DocumentTexts, attr: str, context: dict[str, Any]) -> str:
    return render_text(getattr(texts, attr), f"{texts.document}.{attr}.txt", context).strip()


def _people(n: int | None) -> str:
    return phrase("annexes.people", n=n) if n else phrase("annexes.no_people")


def _share_row(task: str, unit: str, values: dict[str, Decimal], *, subtotal: bool = False) -> TaskShareRow:
    """Return a 任务经费分担明细 row: the amounts by source (实物投入 included) and their sum."""
    def of(source: str) -> str:
        return amount(values.get(source, Decimal(0)))

    self_funded, fiscal, social, other = FUNDING_SOURCES
    return TaskShareRow(task=task, unit=unit, self=of(self_funded), fiscal=of(fiscal), social=of(social),
                        other=of(other), in_kind=of(IN_KIND_SOURCE), total=amount(sum(values.values(), Decimal(0))),
                        subtotal=subtotal)


def task_shares(c: Consortium, sums: Totals,
                names: dict[str, str]) -> tuple[tuple[TaskShareRow, ...], TaskShareRow]:
    """Return the 任务经费分担明细 rows (each task's paying units, a 小计 where it has several) and the total."""
    rows: list[TaskShareRow] = []
    yearly = any(tt.has_years for tt in sums.tasks)  # budget lines give years: each payer's share per year
    for task in c.tasks:
        tt = sums.task(task.id)
        if tt is None or not tt.by_payer:
            continue
        payers = sorted(tt.by_payer, key=lambda code: (code != task.owner, code not in names,
                                                       list(names).index(code) if code in names else 0))
        shares = [(code, year) for code in payers for (payer, year) in tt.by_payer_year if payer == code] \
            if yearly else [(code, None) for code in payers]
        for code, year in shares:
            name = names.get(code, code)
            if yearly:
                rows.append(_share_row(task.id, phrase("annexes.payer_year", unit=name, year=year),
                                       tt.by_payer_year[(code, year)]))
            else:
                rows.append(_share_row(task.id, name, tt.by_payer[code]))
        if len(shares) > 1:
            whole: dict[str, Decimal] = {}
            for values in tt.by_payer.values():
                for source, value in values.items():
                    whole[source] = whole.get(source, Decimal(0)) + value
            rows.append(_share_row(task.id, phrase("annexes.subtotal"), whole, subtotal=True))
    return tuple(rows), _share_row(phrase("annexes.total"), "", sums.task_budget_by_source(), subtotal=True)


def funding_by_year(c: Consortium, sums: Totals, names: dict[str, str]) -> GridTable | None:
    """Return the funding annex's cash by unit, source, payer and year, with totals per unit, source and year.

    None when the brief has no funding lines.
    """
    years = sorted(sums.cash_by_year)
    if not years:
        return None
    number, label = "right", "left"

    def figures(values: list[Decimal]) -> tuple[GridCell, ...]:
        return tuple(GridCell(amount(v), align=number) for v in values)

    header = (GridCell(phrase("annexes.by_year.unit"), align="center"),
              GridCell(phrase("annexes.by_year.source"), align="center"),
              GridCell(phrase("annexes.by_year.payer"), align="center"),
              *(GridCell(phrase("annexes.by_year.year", year=y), align="center") for y in years),
              GridCell(phrase("annexes.total"), align="center"))
    rows: list[tuple[GridCell, ...]] = []
    for ut in sums.units:
        if not ut.cash_lines:
            continue
        name = names[ut.code]
        order: dict[str, int] = {source: i for i, source in enumerate(FUNDING_SOURCES)}
        keys = sorted({(s, p) for s, p, _ in ut.cash_lines}, key=lambda k: (order.get(k[0], 0), k[1] or ""))
        for source, payer in keys:
            values = [ut.cash_lines.get((source, payer, y), Decimal(0)) for y in years]
            shown = payer or (phrase("annexes.by_year.own") if source == SELF_FUNDED else phrase("annexes.no_payer"))
            rows.append((GridCell(name, align=label), GridCell(source, align=label), GridCell(shown, align=label),
                         *figures([*values, sum(values, Decimal(0))])))
        rows.append((GridCell(name, align=label), GridCell(phrase("annexes.subtotal"), span=2, align=label),
                     *figures([*(ut.cash_by_year.get(y, Decimal(0)) for y in years), ut.cash])))
    for source, whole in sums.by_source.items():
        if whole:
            rows.append((GridCell(phrase("annexes.by_year.source_total", source=source), span=3, align=label),
                         *figures([*(sums.cash_in(source, y) for y in years), whole])))
    rows.append((GridCell(phrase("annexes.total"), span=3, align="center"),
                 *figures([*(sums.cash_by_year[y] for y in years), sums.cash])))
    widths = (1900, 1000, 2700, *(1450 for _ in years), 1550)
    return GridTable(widths, header, tuple(rows))


def in_kind_by_year(sums: Totals, names: dict[str, str]) -> GridTable | None:
    """Return the funding annex's in-kind value by unit and year, then cash, in-kind and overall per year.

    An item with no year (given over the whole term) is printed in its own 跨年度 column, never spread over
    the years. None when no unit contributes in kind.
    """
    if not sums.in_kind:
        return None
    in_kind_years = sums.in_kind_by_year
    years = sorted({*sums.cash_by_year, *(y for y in in_kind_years if y is not None)})
    columns: list[int | None] = [*years, *([None] if None in in_kind_years else [])]
    number, label = "right", "left"

    def figures(values: list[Decimal]) -> tuple[GridCell, ...]:
        return tuple(GridCell(amount(v), align=number) for v in [*values, sum(values, Decimal(0))])

    header = (GridCell(phrase("annexes.by_year.unit"), align="center"),
              *(GridCell(phrase("annexes.by_year.year", year=y) if y is not None
                         else phrase("annexes.in_kind_by_year.cross_year"), align="center") for y in columns),
              GridCell(phrase("annexes.total"), align="center"))
    rows: list[tuple[GridCell, ...]] = [
        (GridCell(names[ut.code], align=label), *figures([ut.in_kind_by_year.get(y, Decimal(0)) for y in columns]))
        for ut in sums.units if ut.in_kind
    ]
    in_kind = [in_kind_years.get(y, Decimal(0)) for y in columns]
    cash = [sums.cash_by_year.get(y, Decimal(0)) if y is not None else Decimal(0) for y in columns]
    for key, values in (("in_kind_total", in_kind), ("cash_total", cash),
                        ("overall", [a + b for a, b in zip(cash, in_kind, strict=True)])):
        rows.append((GridCell(phrase(f"annexes.in_kind_by_year.{key}"), align=label), *figures(values)))
    widths = (2200, *(1650 for _ in columns), 1800)
    return GridTable(widths, header, tuple(rows))


def resource_rows(units: list[Unit]) -> tuple[ResourceRow, ...]:
    """Return the member annex's committed staff, instruments, sites and data platforms, one row per unit
    (by its 简称), or () when no unit gives any of them."""
    def cell(items: list[str]) -> str:
        return phrase("annexes.resource_separator").join(items) or phrase("annexes.no_resource")

    rows = tuple(ResourceRow(unit=u.display_name, key_staff=cell(u.resources.key_staff),
                             equipment=cell(u.resources.equipment), sites=cell(u.resources.sites),
                             data_platforms=cell(u.resources.data_platforms))
                 for u in units)
    given = any(u.resources.key_staff or u.resources.equipment or u.resources.sites or u.resources.data_platforms
                for u in units)
    return rows if given else ()


def annex_tables(c: Consortium, titles: dict[str, str], context: BaseContext) -> dict[str, Annex]:
    """Return the annex tables computed from the data, titled from titles {key: heading}.

    Every figure comes from ``context.totals`` (docgen/input/totals.py), so the annexes agree with each
    other and with the articles. The tables after 附件1 name units by the 简称 附件1 defines.
    """
    sums = context.totals
    names = {u.credit_code: u.display_name for u in c.units}
    members = []
    for i, p in enumerate(context.parties, start=1):
        ut = sums.unit(p.unit.credit_code)
        members.append(MemberRow(
            no=str(i), designation=p.designation, name=p.unit.name, credit_code=p.unit.credit_code,
            kind=p.unit.kind, chain_position=p.unit.chain_position, role=p.unit.role,
            short_name=p.unit.short_name or phrase("annexes.no_short_name"),
            cash=amount(ut.cash if ut else Decimal(0)), in_kind=amount(ut.in_kind if ut else Decimal(0)),
            people=_people(p.unit.resources.people)))
    budgets = {t.id: t.budget for t in sums.tasks}
    tasks = tuple(
        TaskRow(id=t.id, title=t.title, owner=names.get(t.owner, t.owner),
                participants=phrase("annexes.list_separator").join(names.get(p, p) for p in t.participants)
                or phrase("annexes.no_participants"),
                period=phrase("annexes.period", start=t.start, end=t.end),
                deliverables=phrase("annexes.deliverable_separator").join(t.deliverables),
                budget=amount(budgets.get(t.id, Decimal(0))), content=t.content)
        for t in context.tasks
    )
    task_total = sum(budgets.values(), Decimal(0))
    shares, shares_total = task_shares(c, sums, names)
    funding_rows = [
        FundingRow(unit=names[ut.code], **{FUNDING_COLUMNS[s]: amount(ut.cash_by_source[s]) for s in FUNDING_SOURCES},
                   total=amount(ut.cash), in_kind=amount(ut.in_kind), overall=amount(ut.total))
        for ut in sums.units
    ]
    funding_total = FundingRow(unit=phrase("annexes.total"),
                               **{FUNDING_COLUMNS[s]: amount(sums.by_source[s]) for s in FUNDING_SOURCES},
                               total=amount(sums.cash), in_kind=amount(sums.in_kind), overall=amount(sums.total))
    in_kind = InKindTable(
        caption=phrase("annexes.in_kind_caption"),
        rows=tuple(InKindRow(unit=names[unit.credit_code], description=item.description,
                             quantity=item.quantity or phrase("annexes.no_quantity"), value=amount(item.value),
                             task=item.task or phrase("annexes.whole_consortium"), valuation=item.valuation,
                             confirmed_by=item.confirmed_by or phrase("annexes.not_confirmed"))
                   for unit, item in sums.in_kind_items),
        total_label=phrase("annexes.total"),
        total=amount(sums.in_kind),
        none=phrase("annexes.in_kind_none"),
    )
    background = tuple(
        BackgroundIPRow(no=str(i), unit=unit.name, title=ip.title, kind=ip.kind,
                        number=ip.number or phrase("annexes.no_number"))
        for i, (unit, ip) in enumerate(((u, ip) for u in c.units for ip in u.background_ip), start=1)
    )
    return {
        "members": Annex("members", titles["members"], tuple(members),
                         resources=resource_rows([p.unit for p in context.parties])),
        "tasks": Annex("tasks", titles["tasks"], tasks, total=amount(task_total), shares=shares,
                       shares_total=shares_total),
        "funding": Annex("funding", titles["funding"], tuple(funding_rows), total_row=funding_total,
                         in_kind=in_kind, by_year=funding_by_year(c, sums, names),
                         in_kind_by_year=in_kind_by_year(sums, names)),
        "background_ip": Annex("background_ip", titles["background_ip"], background),
    }


def party_rows(parties_: list[Party]) -> tuple[PartyRow, ...]:
    """Return the preamble's party blocks as flat strings."""
    return tuple(
        PartyRow(designation=p.designation, role=p.role, name=p.unit.name, credit_code=p.unit.credit_code,
                 address=p.unit.address, legal_representative=p.unit.legal_representative,
                 contact_name=p.unit.contact.name, contact_phone=p.unit.contact.phone,
                 contact_email=p.unit.contact.email)
        for p in parties_
    )


@dataclass(frozen=True)
class AgreementVersion:
    """One input's formation agreement, computed once: its clause context, numbered articles and outline.

    Everything that quotes or compares an agreement (the supplement, the change table, the consolidated
    text and the redline) reads these instead of assembling the agreement again.
    """

    consortium: Consortium
    base: BaseContext           # base_context(consortium)
    context: dict[str, Any]     # base plus ``annex`` (document_context), without ``ref``
    articles: tuple[Article, ...]
    numbers: dict[str, str]     # {clause id: 第N条}
    outline: Agreement          # draft=False; see ``agreement``

    def agreement(self, *, draft: bool = False) -> Agreement:
        """Return the outline, marked draft when asked."""
        return replace(self.outline, draft=draft) if draft else self.outline

    def article(self, clause_id: str) -> Article | None:
        """Return the article of this clause, or None when it does not apply."""
        return next((a for a in self.articles if a.id == clause_id), None)


_RECENT: list[tuple[Consortium, Library, PartyRegister | None, object, AgreementVersion]] = []


def agreement_version(c: Consortium, library: Library, *, base: BaseContext | None = None,
                      register: PartyRegister | None = None) -> AgreementVersion:
    """Return the formation agreement of this consortium, numbered and rendered once.

    register, for a version amended by supplements, designates the parties (see ``base_context``).
    The last few versions are kept by identity of the (immutable) consortium and library, by the
    register and by the identity of the phrase file's content (``phrases()``, also what a test
    substitutes), so ``check`` (which reads the drafted articles for conflicting rules) and the render
    that follows share one.
    """
    words = phrases_module.phrases()
    for consortium, lib, reg, used, version in _RECENT:
        if consortium is c and lib is library and reg == register and used is words:
            return version
    version = _agreement_version(c, library, base=base, register=register)
    _RECENT[:] = [(c, library, register, words, version), *_RECENT[:3]]
    return version


def _agreement_version(c: Consortium, library: Library, *, base: BaseContext | None = None,
                       register: PartyRegister | None = None) -> AgreementVersion:
    texts = library.documents.get(DocumentKind.AGREEMENT)
    if texts is None:
        raise TemplateError(f"条款库 {library.folder} 缺少 agreement.yaml（协议标题、鉴于条款等）")
    base = base if base is not None else base_context(c, register)
    context = document_context(c, texts, base)
    articles, numbers = render_articles(library, context)
    title = _render_fixed(texts, "title", context)
    recitals = tuple(number_items(render_text(texts.recitals, "agreement.recitals.txt", context)))
    signing = base.parties
    outline = Agreement(
        title=title,
        number=c.agreement_number or "",
        draft=False,
        signing_place=c.signing_place,
        signing_date=cn_date(c.signing_date),
        parties=party_rows(signing),
        recitals=recitals,
        chapters=chapters(articles),
        closing=texts.closing,
        annexes=annex_tables(c, {key: annex_heading(i, name) for i, (key, name) in enumerate(texts.annexes.items(), 1)},
                             base),
        signature_heading=_render_fixed(texts, "signature_heading", {**context, "title": title}),
        signatures=tuple(Signature.of(p) for p in signing),
        clause_versions={a.id: a.version for a in articles},
    )
    return AgreementVersion(c, base, context, articles, numbers, outline)


def assemble_agreement(c: Consortium, library: Library, *, draft: bool = False) -> Agreement:
    """Return the formation agreement's outline for this consortium."""
    return agreement_version(c, library).agreement(draft=draft)


_HALF_WIDTH_NEAR_CJK = re.compile(r"[\u4e00-\u9fff][,;:()]|[,;:()][\u4e00-\u9fff]")


def half_width_punctuation(text: str) -> list[str]:
    """Return snippets where half-width , ; : ( ) touch a Chinese character."""
    return [text[max(0, m.start() - 6): m.end() + 6] for m in _HALF_WIDTH_NEAR_CJK.finditer(text)]


__all__ += [
    "annex_tables",
    "assemble_articles",
    "document_context",
    "funding_by_year",
    "half_width_punctuation",
    "number_articles",
    "party_rows",
    "render_article",
    "render_clause",
    "select_variant",
    "task_shares",
    "text_context",
]
