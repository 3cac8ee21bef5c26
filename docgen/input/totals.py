"""Every money total of a consortium, computed once from the input: per unit, source, year and task.

The input states amounts line by line (funding lines, in-kind items, task budget lines); this module adds
them up, so the rules, the clauses, the annexes and the plan all print the same figures. It also computes
the two figures a clause derives from the totals: each unit's investment ratio (收益分配、风险承担) on the
basis the parties chose, and each unit's liquidated-damages base and amount (违约金).

Vocabulary: a unit's *own cash* is its 自筹资金; *grants* are 财政资助 it receives and uses; *third-party
money* is 社会资本 and 其他资金 raised through it. Grants and third-party money pass through a unit but are
not its investment: they count in an investment ratio only when the parties choose so
(``benefit.include_grants`` / ``benefit.include_third_party``) and never in a damages base.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from docgen.constants import FUNDING_SOURCES, SELF_FUNDED
from docgen.input.model import IN_KIND_SOURCE, Consortium, FundingLine, InKind, Unit

__all__ = [
    "GRANTS",
    "OWN_CASH",
    "THIRD_PARTY",
    "Ratio",
    "TaskTotals",
    "Totals",
    "UnitTotals",
    "damages",
    "damages_base",
    "investment_base",
    "investment_ratios",
    "totals",
]

OWN_CASH: str = SELF_FUNDED
GRANTS: str = FUNDING_SOURCES[1]
THIRD_PARTY: tuple[str, ...] = FUNDING_SOURCES[2:]
_ZERO = Decimal(0)
_HUNDREDTH = Decimal("0.01")


def _sum(values: object) -> Decimal:
    return sum(values, _ZERO)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class UnitTotals:
    """One unit's committed resources in money: cash by source and year, in-kind by year."""

    unit: Unit
    cash_by_source: dict[str, Decimal]      # every FUNDING_SOURCES key, zeros included
    cash_by_year: dict[int, Decimal]
    in_kind_items: tuple[InKind, ...]
    in_kind_by_year: dict[int | None, Decimal]  # None: no year (printed as 跨年度, never split)
    # cash by (source, payer, year), the funding lines summed; payer None: the unit itself or not stated
    cash_lines: dict[tuple[str, str | None, int], Decimal] = field(default_factory=dict)

    def cash_in(self, source: str, year: int) -> Decimal:
        """Return the unit's cash of one source in one year."""
        return _sum(v for (s, _, y), v in self.cash_lines.items() if s == source and y == year)

    @property
    def code(self) -> str:
        return self.unit.credit_code

    @property
    def own_cash(self) -> Decimal:
        """Return the unit's own cash (自筹资金)."""
        return self.cash_by_source[OWN_CASH]

    @property
    def grants(self) -> Decimal:
        return self.cash_by_source[GRANTS]

    @property
    def third_party(self) -> Decimal:
        return _sum(self.cash_by_source[s] for s in THIRD_PARTY)

    @property
    def cash(self) -> Decimal:
        """Return all cash through the unit, whatever its source."""
        return _sum(self.cash_by_source.values())

    @property
    def in_kind(self) -> Decimal:
        return _sum(i.value for i in self.in_kind_items)

    @property
    def committed(self) -> Decimal:
        """Return what the unit itself commits: its own cash plus the agreed value of its in-kind items."""
        return self.own_cash + self.in_kind

    @property
    def total(self) -> Decimal:
        """Return all cash through the unit plus its in-kind value."""
        return self.cash + self.in_kind


@dataclass(frozen=True)
class TaskTotals:
    """One task's budget: cash by source, in-kind, and each paying unit's share by kind."""

    id: str
    cash_by_source: dict[str, Decimal]
    in_kind_budget: Decimal                     # the task's 实物投入 budget lines
    in_kind_items: Decimal                      # in-kind items that name this task
    by_payer: dict[str, dict[str, Decimal]]     # {credit code: {source or 实物投入: amount}}
    # {(credit code, year or None): {source or 实物投入: amount}}, payers in by_payer's order, years ascending
    by_payer_year: dict[tuple[str, int | None], dict[str, Decimal]] = field(default_factory=dict)

    @property
    def has_years(self) -> bool:
        """Return True if any budget line of the task states its year."""
        return any(year is not None for _, year in self.by_payer_year)

    @property
    def cash(self) -> Decimal:
        return _sum(self.cash_by_source.values())

    @property
    def budget(self) -> Decimal:
        """Return the task's budget as its lines state it: every source, 实物投入 lines included."""
        return _sum(v for payer in self.by_payer.values() for v in payer.values())

    @property
    def in_kind(self) -> Decimal:
        """Return the task's in-kind value: its budget lines where stated, else the items naming it."""
        return self.in_kind_budget or self.in_kind_items

    @property
    def total(self) -> Decimal:
        return self.cash + self.in_kind


@dataclass(frozen=True)
class Totals:
    """Every total of the consortium."""

    units: tuple[UnitTotals, ...]
    tasks: tuple[TaskTotals, ...]

    def unit(self, code: str) -> UnitTotals | None:
        return next((u for u in self.units if u.code == code), None)

    def task(self, task_id: str) -> TaskTotals | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    @property
    def by_source(self) -> dict[str, Decimal]:
        """Return cash by source, every source included (zeros too), in FUNDING_SOURCES order."""
        return {s: _sum(u.cash_by_source[s] for u in self.units) for s in FUNDING_SOURCES}

    @property
    def cash_by_year(self) -> dict[int, Decimal]:
        years = sorted({y for u in self.units for y in u.cash_by_year})
        return {y: _sum(u.cash_by_year.get(y, _ZERO) for u in self.units) for y in years}

    def cash_in(self, source: str, year: int) -> Decimal:
        """Return the consortium's cash of one source in one year."""
        return _sum(u.cash_in(source, year) for u in self.units)

    def task_budget_by_source(self) -> dict[str, Decimal]:
        """Return the task budgets' sum per source (FUNDING_SOURCES, then 实物投入), every payer included."""
        out = {s: _ZERO for s in (*FUNDING_SOURCES, IN_KIND_SOURCE)}
        for t in self.tasks:
            for payer in t.by_payer.values():
                for source, value in payer.items():
                    out[source] = out.get(source, _ZERO) + value
        return out

    @property
    def in_kind_by_year(self) -> dict[int | None, Decimal]:
        keys = {y for u in self.units for y in u.in_kind_by_year}
        ordered = sorted(k for k in keys if k is not None) + ([None] if None in keys else [])
        return {y: _sum(u.in_kind_by_year.get(y, _ZERO) for u in self.units) for y in ordered}

    @property
    def cash(self) -> Decimal:
        return _sum(u.cash for u in self.units)

    @property
    def own_cash(self) -> Decimal:
        return _sum(u.own_cash for u in self.units)

    @property
    def in_kind(self) -> Decimal:
        return _sum(u.in_kind for u in self.units)

    @property
    def total(self) -> Decimal:
        return self.cash + self.in_kind

    @property
    def in_kind_items(self) -> tuple[tuple[Unit, InKind], ...]:
        """Return every in-kind item with the unit providing it, in input order."""
        return tuple((u.unit, item) for u in self.units for item in u.in_kind_items)


def totals(c: Consortium) -> Totals:
    """Return every total of the consortium, computed from its funding lines, in-kind items and budgets."""
    # Funding lines by unit and in-kind values by task, each in input order, gathered in one pass: looking
    # them up per unit and per task made a 1,000-member consortium's totals quadratic (seconds).
    lines_of: dict[str, list[FundingLine]] = {}
    for funding in c.funding:
        lines_of.setdefault(funding.unit, []).append(funding)
    in_kind_of: dict[str | None, list[Decimal]] = {}
    for unit in c.units:
        for item in unit.resources.in_kind:
            in_kind_of.setdefault(item.task, []).append(item.value)
    units = []
    for unit in c.units:
        lines = lines_of.get(unit.credit_code, [])
        by_source: dict[str, Decimal] = {s: _sum(f.amount for f in lines if f.source == s) for s in FUNDING_SOURCES}
        years = sorted({f.year for f in lines})
        by_year = {y: _sum(f.amount for f in lines if f.year == y) for y in years}
        items = tuple(unit.resources.in_kind)
        in_kind_years: dict[int | None, Decimal] = {}
        for item in items:
            in_kind_years[item.year] = in_kind_years.get(item.year, _ZERO) + item.value
        cash_lines: dict[tuple[str, str | None, int], Decimal] = {}
        for f in lines:
            key = (f.source, f.payer, f.year)
            cash_lines[key] = cash_lines.get(key, _ZERO) + f.amount
        units.append(UnitTotals(unit, by_source, by_year, items, in_kind_years, cash_lines))
    tasks = []
    for task in c.tasks:
        cash: dict[str, Decimal] = {s: _sum(b.amount for b in task.budget if b.source == s) for s in FUNDING_SOURCES}
        by_payer: dict[str, dict[str, Decimal]] = {}
        yearly: dict[tuple[str, int | None], dict[str, Decimal]] = {}
        for line in task.budget:
            payer = by_payer.setdefault(line.unit or task.owner, {})
            payer[line.source] = payer.get(line.source, _ZERO) + line.amount
            share = yearly.setdefault((line.unit or task.owner, line.year), {})
            share[line.source] = share.get(line.source, _ZERO) + line.amount
        order = {code: i for i, code in enumerate(by_payer)}
        by_payer_year = {key: yearly[key] for key in sorted(
            yearly, key=lambda k: (order[k[0]], k[1] is None, k[1] or 0))}
        tasks.append(TaskTotals(
            task.id, cash,
            _sum(b.amount for b in task.budget if b.source == IN_KIND_SOURCE),
            _sum(in_kind_of.get(task.id, ())),
            by_payer,
            by_payer_year,
        ))
    return Totals(tuple(units), tuple(tasks))


# --- investment ratio (benefit.method investment_ratio; risk.method proportional) ---------------

@dataclass(frozen=True)
class Ratio:
    """One unit's investment ratio: the amount counted and its share of the whole, in percent."""

    unit: Unit
    base: Decimal
    percent: Decimal  # two decimals; the shares of all units add up to exactly 100.00


def investment_base(c: Consortium, u: UnitTotals) -> Decimal:
    """Return what counts as the unit's investment on the basis the parties chose (benefit.basis …)."""
    base = u.own_cash
    if c.benefit.basis == "cash_and_in_kind":
        base += u.in_kind
    if c.benefit.include_grants:
        base += u.grants
    if c.benefit.include_third_party:
        base += u.third_party
    return base


def investment_ratios(c: Consortium, t: Totals | None = None) -> tuple[Ratio, ...]:
    """Return each unit's investment ratio, largest-remainder rounded so they add up to 100.00.

    Empty when nothing counts (every base is zero).
    """
    t = t if t is not None else totals(c)
    bases = [(u.unit, investment_base(c, u)) for u in t.units]
    whole = _sum(b for _, b in bases)
    if not whole:
        return ()
    exact = [b * 100 / whole for _, b in bases]
    floored = [e.quantize(_HUNDREDTH, rounding=ROUND_DOWN) for e in exact]
    missing = int(((Decimal(100) - _sum(floored)) / _HUNDREDTH).to_integral_value())
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floored[i]), i))
    for i in order[:missing]:
        floored[i] += _HUNDREDTH
    return tuple(Ratio(unit, base, pct) for (unit, base), pct in zip(bases, floored, strict=True))


# --- liquidated damages (breach.liquidated) ---------------------------------------------------

def damages_base(c: Consortium, u: UnitTotals) -> Decimal:
    """Return the unit's damages base: own cash plus in-kind (committed) or own cash only; never grants."""
    return u.committed if c.breach.base == "committed" else u.own_cash


def damages(c: Consortium, u: UnitTotals) -> Decimal:
    """Return the unit's liquidated damages: percent of its base, raised to the floor, lowered to the cap."""
    value = (damages_base(c, u) * c.breach.percent / 100).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    if c.breach.floor is not None:
        value = max(value, c.breach.floor)
    if c.breach.cap is not None:
        value = min(value, c.breach.cap)
    return value
