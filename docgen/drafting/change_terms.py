"""The agreed terms of a member change, as the supplement's texts read them.

``change_terms`` turns the change brief (``amendment``) and the ChangeSet into plain records: per leaving
unit its exit, hand-over, settlement, pre-exit results, licences and surviving duties; per joining unit its
accession, contribution, tasks, background IP, access licence and data licences; each remaining unit's
contribution change with before and after; the benefit shares before and after; a lead-unit replacement.
Parties are named by their designation in the supplement (乙方四) and full name. No wording here: the
clauses in ``clauses/supplement/`` write the sentences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from docgen.constants import FUNDING_COLUMNS, FUNDING_SOURCES, SELF_FUNDED
from docgen.input.model import (
    Accession,
    Amendment,
    BackgroundIP,
    Consortium,
    DataLicence,
    Departure,
    Effect,
    FilingUpdate,
    InKind,
    LeaverLicence,
    Unit,
)
from docgen.rules.change import ChangeSet, contribution_changed

__all__ = ["ChangeTerms", "ContributionTerms", "InKindTerms", "JoinerTerms", "LeaderTerms", "LeaverTerms", "PartyName",
           "SettlementTerms", "ShareTerms", "SourceChange", "change_terms"]


@dataclass(frozen=True)
class PartyName:
    """A party as a sentence names it: 乙方四杭州云澜算力科技有限公司."""

    designation: str
    name: str

    def __str__(self) -> str:
        return f"{self.designation}{self.name}"


@dataclass(frozen=True)
class SettlementTerms:
    method: str                 # no_refund / refund / transfer
    committed: Decimal
    delivered: Decimal
    used: Decimal
    unused: Decimal             # delivered − used
    undelivered: Decimal        # committed − delivered
    amount: Decimal
    payer: PartyName | None
    payee: PartyName | None
    due_date: dt.date | None
    fiscal: Decimal = Decimal("0")  # fiscal funding the leaver had in the original funding plan
    third_party: Decimal = Decimal("0")  # 社会资本 and 其他资金 brought in under the leaver's name (not its own)
    unused_task: str | None = None  # the task (label) the unused funds paid over go to
    unused_year: int | None = None
    in_kind: tuple[InKindTerms, ...] = ()


@dataclass(frozen=True)
class InKindTerms:
    """One contribution in kind of a leaver: what it committed (the original's item) and how it is settled."""

    description: str
    value: Decimal              # the agreed value in the original
    quantity: str | None
    delivered: str | None       # what was provided by the exit; None: nothing
    treatment: str              # returned / retained / valued
    settled_value: Decimal      # valued: the value counted as delivered
    until: dt.date | None       # retained: used until

@dataclass(frozen=True)
class LeaverTerms:
    party: PartyName
    kind: str                   # 自愿退出 / 除名
    reason: str
    effective_date: dt.date | None
    notice_date: dt.date | None   # None: the original's notice period is waived
    handover_date: dt.date | None
    handover: tuple[tuple[str, PartyName], ...]   # (task label, new owner)
    participations: tuple[str, ...]               # tasks it only took part in
    settlement: SettlementTerms | None
    results_income: str | None                    # keeps / assigns
    assignee: PartyName | None
    licences_kept: tuple[LeaverLicence, ...]
    licences_granted: tuple[LeaverLicence, ...]
    surviving: tuple[str, ...]
    background_ip: tuple[BackgroundIP, ...]
    old_share: Decimal | None     # its fixed share in the original, where shares are fixed


@dataclass(frozen=True)
class JoinerTerms:
    party: PartyName
    role: str                   # without its closing 。
    tasks_owned: tuple[str, ...]
    tasks_joined: tuple[str, ...]
    cash: Decimal
    funding: Decimal            # its lines in the funding plan
    in_kind: tuple[InKind, ...]
    people: int | None
    equipment: tuple[str, ...]
    sites: tuple[str, ...]
    background_ip: tuple[BackgroundIP, ...]
    effective_date: dt.date | None
    access_licence: str         # none / tasks / all
    data_licences: tuple[DataLicence, ...]


@dataclass(frozen=True)
class ContributionTerms:
    """A remaining unit's contribution before and after, and why it changes."""

    party: PartyName
    reason: str
    cash_before: Decimal
    cash_after: Decimal
    in_kind_before: tuple[InKind, ...]
    in_kind_after: tuple[InKind, ...]
    people_before: int | None
    people_after: int | None
    funding_before: Decimal
    funding_after: Decimal
    sources: tuple[SourceChange, ...] = ()   # the non-own sources in its funding lines that change


@dataclass(frozen=True)
class SourceChange:
    """One funding source of a unit (财政资助, 社会资本, 其他资金) before and after."""

    source: str
    before: Decimal
    after: Decimal


@dataclass(frozen=True)
class ShareTerms:
    party: PartyName
    before: Decimal | None
    after: Decimal | None


@dataclass(frozen=True)
class LeaderTerms:
    """The lead unit replaced: the successor, the former lead, why, and the hand-over date."""

    successor: PartyName
    former: PartyName
    former_stays: bool
    ground: str
    reason: str
    handover_date: dt.date
    fiscal: Decimal = Decimal("0")   # fiscal funding in the original plan (received by the lead unit)


@dataclass(frozen=True)
class ChangeTerms:
    exits: tuple[LeaverTerms, ...]
    accessions: tuple[JoinerTerms, ...]
    contributions: tuple[ContributionTerms, ...]
    shares: tuple[ShareTerms, ...]           # fixed shares that differ; empty when none changed
    share_reason: str
    replacement: LeaderTerms | None
    effect: Effect
    filing: FilingUpdate

    def names(self) -> dict[str, Any]:
        """Return the names the supplement's texts use for these terms."""
        return {"exits": list(self.exits), "accessions": list(self.accessions),
                "contributions": list(self.contributions), "shares": list(self.shares),
                "share_reason": self.share_reason, "replacement": self.replacement,
                "effect": self.effect, "filing": self.filing}


def _task_label(task: Any) -> str:
    return f"{task.id}“{task.title}”"


def _funding(c: Consortium, code: str) -> Decimal:
    return sum((f.amount for f in c.funding if f.unit == code), Decimal(0))


def _source_changes(cs: ChangeSet, code: str) -> tuple[SourceChange, ...]:
    """Return the unit's funding by source, before and after, for each source other than its own cash."""
    def total(c: Consortium, source: str) -> Decimal:
        return sum((f.amount for f in c.funding if f.unit == code and f.source == source), Decimal(0))

    return tuple(SourceChange(source, total(cs.old, source), total(cs.new, source)) for source in FUNDING_SOURCES
                 if source != SELF_FUNDED and total(cs.old, source) != total(cs.new, source))


def change_terms(cs: ChangeSet, designation: Callable[[Unit], str]) -> ChangeTerms:
    """Return the agreed terms of the change; designation names a unit as the supplement does."""
    units = {u.credit_code: u for u in [*cs.old.units, *cs.joined]}

    def party(code: str) -> PartyName:
        unit = units[code]
        return PartyName(designation(unit), unit.name)

    amendment = cs.new.amendment or Amendment(signing_date=cs.new.signing_date, reason="—")
    exits = tuple(_leaver(cs, unit, d, party) for unit in cs.left
                  if (d := cs.departure(unit)) is not None)
    recorded = {a.unit: a for a in amendment.accessions}
    accessions = tuple(_joiner(cs, unit, recorded.get(unit.credit_code), party) for unit in cs.joined)
    reasons = {c.unit: c.reason for c in amendment.contribution_changes}
    old_units = {u.credit_code: u for u in cs.old.units}
    contributions = tuple(
        ContributionTerms(party(u.credit_code), reasons.get(u.credit_code, ""),
                          old_units[u.credit_code].resources.cash, u.resources.cash,
                          tuple(old_units[u.credit_code].resources.in_kind), tuple(u.resources.in_kind),
                          old_units[u.credit_code].resources.people, u.resources.people,
                          _funding(cs.old, u.credit_code), _funding(cs.new, u.credit_code),
                          _source_changes(cs, u.credit_code))
        for u in contribution_changed(cs))
    shares: tuple[ShareTerms, ...] = ()
    if cs.shares_changed and cs.new.benefit.method == "fixed_shares":
        before = {s.unit: s.percent for s in cs.old.benefit.shares}
        after = {s.unit: s.percent for s in cs.new.benefit.shares}
        order = list(dict.fromkeys([*after, *before]))
        shares = tuple(ShareTerms(party(code), before.get(code), after.get(code)) for code in order
                       if code in units and before.get(code) != after.get(code))
    replacement = None
    if amendment.lead_replacement is not None and amendment.lead_replacement.successor in units:
        r = amendment.lead_replacement
        replacement = LeaderTerms(party(r.successor), party(cs.old.lead.credit_code),
                                  cs.new.unit(cs.old.lead.credit_code) is not None, r.ground, r.reason,
                                  r.handover_date,
                                  sum((f.amount for f in cs.old.funding if FUNDING_COLUMNS[f.source] == "fiscal"),
                                      Decimal(0)))
    return ChangeTerms(exits, accessions, contributions, shares, amendment.share_reason or "", replacement,
                       amendment.effect, amendment.filing)


def _leaver(cs: ChangeSet, unit: Unit, d: Departure, party: Callable[[str], PartyName]) -> LeaverTerms:
    handover = tuple((_task_label(r.task), party(r.new_owner)) for r in cs.tasks_reassigned
                     if r.old_owner == unit.credit_code)
    participations = tuple(_task_label(t) for t in cs.old.tasks
                           if unit.credit_code in t.participants and t.owner != unit.credit_code)
    settlement = None
    if d.settlement is not None:
        s = d.settlement

        def source_total(*columns: str) -> Decimal:
            return sum((f.amount for f in cs.old.funding
                        if f.unit == unit.credit_code and FUNDING_COLUMNS[f.source] in columns), Decimal("0"))

        agreed = {x.item: x for x in s.in_kind}
        in_kind = tuple(
            InKindTerms(k.description, k.value, k.quantity,
                        agreed[k.description].delivered, agreed[k.description].treatment,
                        agreed[k.description].value, agreed[k.description].until)
            for k in unit.resources.in_kind if k.description in agreed)
        tasks = {t.id: t for t in [*cs.old.tasks, *cs.new.tasks]}
        settlement = SettlementTerms(
            s.method, s.committed, s.delivered, s.used, s.delivered - s.used, s.committed - s.delivered, s.amount,
            party(s.payer) if s.payer else None, party(s.payee) if s.payee else None, s.due_date,
            source_total("fiscal"), source_total("social", "other"),
            _task_label(tasks[s.unused_task]) if s.unused_task in tasks else s.unused_task, s.unused_year,
            in_kind)
    return LeaverTerms(
        party=party(unit.credit_code), kind=d.kind, reason=d.reason.rstrip("。"), effective_date=d.effective_date,
        notice_date=d.notice_date, handover_date=d.handover_date, handover=handover, participations=participations,
        settlement=settlement,
        results_income=d.results_income,
        assignee=party(d.results_assignee) if d.results_assignee else None,
        licences_kept=tuple(x for x in d.licences if x.direction == "keeps"),
        licences_granted=tuple(x for x in d.licences if x.direction == "grants"),
        surviving=tuple(d.surviving), background_ip=tuple(unit.background_ip),
        old_share=next((s.percent for s in cs.old.benefit.shares if s.unit == unit.credit_code), None)
        if cs.old.benefit.method == "fixed_shares" else None)


def _joiner(cs: ChangeSet, unit: Unit, a: Accession | None, party: Callable[[str], PartyName]) -> JoinerTerms:
    return JoinerTerms(
        party=party(unit.credit_code), role=unit.role.rstrip("。"),
        tasks_owned=tuple(_task_label(t) for t in cs.new.tasks if t.owner == unit.credit_code),
        tasks_joined=tuple(_task_label(t) for t in cs.new.tasks if unit.credit_code in t.participants),
        cash=unit.resources.cash, funding=_funding(cs.new, unit.credit_code),
        in_kind=tuple(unit.resources.in_kind), people=unit.resources.people,
        equipment=tuple(unit.resources.equipment), sites=tuple(unit.resources.sites),
        background_ip=tuple(unit.background_ip),
        effective_date=a.effective_date if a else None,
        access_licence=a.access_licence if a else "tasks",
        data_licences=tuple(a.data_licences) if a else ())
