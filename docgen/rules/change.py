"""Compute what changed between two versions of a consortium, and whether the change may be drafted.

``diff(old, new)`` returns a ChangeSet: units joined and left (a unit's identity is its credit code, so a
renamed unit is an update, not a leave plus a join), unit details changed, tasks added, removed or
reassigned, and whether shares, funding, the head or the chief expert changed. ``check_change`` applies
the guideline's rules for a supplementary agreement (指引 七（三）) and returns findings like ``check``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from docgen.formatting import cn_date, yuan
from docgen.input.loading import field_label
from docgen.input.model import Amendment, Consortium, Departure, InKind, Settlement, Task, Unit
from docgen.rules import messages
from docgen.rules.guideline import Finding, check

__all__ = ["ChangeSet", "Reassignment", "UnitUpdate", "change_findings", "check_change", "contribution_changed",
           "diff", "review_change"]


@dataclass(frozen=True)
class UnitUpdate:
    """A unit present in both versions whose details differ; fields are the changed fields' titles."""

    old: Unit
    new: Unit
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Reassignment:
    """A task whose owner (承担单位) changed."""

    task: Task
    old_owner: str  # credit codes
    new_owner: str


@dataclass(frozen=True)
class ChangeSet:
    """Everything that differs between two versions of one consortium."""

    old: Consortium
    new: Consortium
    joined: tuple[Unit, ...]
    left: tuple[Unit, ...]
    updated_units: tuple[UnitUpdate, ...]
    tasks_added: tuple[Task, ...]
    tasks_removed: tuple[Task, ...]
    tasks_reassigned: tuple[Reassignment, ...]
    tasks_changed: tuple[str, ...]        # ids of tasks changed otherwise (content, dates, budget, participants)
    shares_changed: bool
    funding_changed: bool
    head_changed: bool
    chief_expert_changed: bool
    other_fields: tuple[str, ...]         # titles of other top-level fields that changed

    @property
    def is_empty(self) -> bool:
        """Return True if the two versions describe the same consortium."""
        return not (self.joined or self.left or self.updated_units or self.tasks_added or self.tasks_removed
                    or self.tasks_reassigned or self.tasks_changed or self.shares_changed
                    or self.funding_changed or self.head_changed or self.chief_expert_changed
                    or self.other_fields)

    def departure(self, unit: Unit) -> Departure | None:
        """Return the new version's record of why and when unit leaves, if it has one."""
        records = self.new.amendment.departures if self.new.amendment else []
        return next((d for d in records if d.unit == unit.credit_code), None)


# Top-level fields handled by a ChangeSet attribute of their own, or not part of the agreement at all
# (the plan's prose, indicators and milestones change the plan, not the agreement).
_TRACKED = {"lead", "members", "tasks", "benefit", "funding", "head", "chief_expert", "amendment", "exceptions",
            "narrative", "kpis", "milestones"}


def diff(old: Consortium, new: Consortium) -> ChangeSet:
    """Return the ChangeSet that turns old into new."""
    old_units = {u.credit_code: u for u in old.units}
    new_units = {u.credit_code: u for u in new.units}
    updates = []
    for code, before in old_units.items():
        after = new_units.get(code)
        if after is not None and after != before:
            fields = tuple(str(info.title) for name, info in type(before).model_fields.items()
                           if getattr(before, name) != getattr(after, name))
            updates.append(UnitUpdate(before, after, fields))
    old_tasks = {t.id: t for t in old.tasks}
    new_tasks = {t.id: t for t in new.tasks}
    reassigned = tuple(Reassignment(new_tasks[i], t.owner, new_tasks[i].owner)
                       for i, t in old_tasks.items() if i in new_tasks and new_tasks[i].owner != t.owner)
    changed = tuple(i for i, t in old_tasks.items()
                    if i in new_tasks and new_tasks[i] != t and new_tasks[i].owner == t.owner)
    other = tuple(str(info.title) for name, info in Consortium.model_fields.items()
                  if name not in _TRACKED and getattr(old, name) != getattr(new, name))
    return ChangeSet(
        old=old, new=new,
        joined=tuple(u for code, u in new_units.items() if code not in old_units),
        left=tuple(u for code, u in old_units.items() if code not in new_units),
        updated_units=tuple(updates),
        tasks_added=tuple(t for i, t in new_tasks.items() if i not in old_tasks),
        tasks_removed=tuple(t for i, t in old_tasks.items() if i not in new_tasks),
        tasks_reassigned=reassigned,
        tasks_changed=changed,
        shares_changed=old.benefit != new.benefit,
        funding_changed=old.funding != new.funding,
        head_changed=old.head != new.head,
        chief_expert_changed=old.chief_expert != new.chief_expert,
        other_fields=other,
    )


def check_change(old: Consortium, new: Consortium) -> list[Finding]:
    """Return every finding against drafting a supplementary agreement from old to new.

    Both versions must pass ``check`` (their findings are included, paths prefixed ``old:``/``new:``);
    the lead unit cannot leave; every task of a leaving unit is reassigned; each leaver has a departure
    record; and an empty change is refused rather than drafted.
    """
    return review_change(old, new)[1]


def review_change(old: Consortium, new: Consortium) -> tuple[ChangeSet, list[Finding]]:
    """Return the ChangeSet and ``check_change``'s findings, checking each version and diffing once."""
    changeset = diff(old, new)
    return changeset, change_findings(changeset, check(old), check(new))


def change_findings(cs: ChangeSet, old_findings: list[Finding], new_findings: list[Finding]) -> list[Finding]:
    """Return ``check_change``'s findings from each version's ``check`` findings and the ChangeSet."""
    findings = [_prefixed(f, "old") for f in old_findings if f.severity == "error"]
    findings += [_prefixed(f, "new") for f in new_findings]
    findings += list(_change_rules(cs))
    return sorted(findings, key=lambda f: f.severity != "error")


def _prefixed(finding: Finding, version: str) -> Finding:
    label = "原版本" if version == "old" else "新版本"
    return Finding(finding.code, finding.severity, f"{label}：{finding.message}", finding.source,
                   f"{version}:{finding.path}")


def _error(code: str, path: str, variant: str | None = None, /, **values: object) -> Finding:
    """Return an error finding, its wording from clauses/rules/change_messages.yaml, opening with the field's label.

    path is "new:…"; the text may use {field} (the path without "new:") and {at} (its parent) to name the field.
    """
    field = path.split(":", 1)[-1]
    label = field_label(field) if field not in ("", "new", "old") else "新版本"
    message, source = messages.text(code, variant, field=field, at=field.rsplit(".", 1)[0], **values)
    return Finding(code, "error", f"{label}：{message}", source, path)


def _warning(code: str, path: str, /, **values: object) -> Finding:
    """Return a warning finding, its wording from clauses/rules/change_messages.yaml."""
    field = path.split(":", 1)[-1]
    message, source = messages.text(code, None, field=field, at=field.rsplit(".", 1)[0], **values)
    return Finding(code, "warning", message, source, path)


def _change_rules(cs: ChangeSet) -> Iterator[Finding]:
    if cs.is_empty:
        yield _error("CHANGE_EMPTY", "new")
        return
    yield from _lead_rules(cs)
    yield from _task_rules(cs)
    amendment = cs.new.amendment
    for unit in cs.left:
        if cs.departure(unit) is None and not (unit.credit_code == cs.old.lead.credit_code and
                                               (amendment is None or amendment.lead_replacement is None)):
            yield _error("CHANGE_DEPARTURE_MISSING", "new:amendment.departures", name=unit.name,
                         code=unit.credit_code)
    if amendment is None:
        yield _error("CHANGE_AMENDMENT_MISSING", "new:amendment")
        return
    yield from _effect_rules(amendment)
    yield from _departure_rules(cs, amendment)
    yield from _accession_rules(cs, amendment)
    yield from _reason_rules(cs, amendment)
    if amendment.signing_date < cs.old.signing_date:
        yield _error("CHANGE_SIGNED_BEFORE_ORIGINAL", "new:amendment.signing_date",
                     signing=cn_date(amendment.signing_date), original=cn_date(cs.old.signing_date))
    if (cs.old.signing_date, cs.old.agreement_number) != (cs.new.signing_date, cs.new.agreement_number):
        yield _warning("CHANGE_ORIGINAL_DATA_CHANGED", "new:signing_date")


def _lead_rules(cs: ChangeSet) -> Iterator[Finding]:
    """The lead unit changes only through a recorded replacement by a member that takes over as 负责人's unit."""
    replacement = cs.new.amendment.lead_replacement if cs.new.amendment else None
    path = "new:amendment.lead_replacement"
    if cs.old.lead.credit_code == cs.new.lead.credit_code:
        if replacement is not None:
            yield _error("CHANGE_LEAD_REPLACEMENT_UNUSED", path)
        return
    if replacement is None:
        yield _error("CHANGE_LEAD_LEAVES", "new:lead", old=cs.old.lead.name, new=cs.new.lead.name)
        return
    if replacement.successor != cs.new.lead.credit_code:
        yield _error("CHANGE_LEAD_SUCCESSOR_MISMATCH", f"{path}.successor", name=cs.new.lead.name,
                     code=cs.new.lead.credit_code)
    elif replacement.successor not in {u.credit_code for u in cs.old.members}:
        yield _error("CHANGE_LEAD_SUCCESSOR_NOT_MEMBER", f"{path}.successor")
    if cs.new.head is None or cs.new.head.unit != cs.new.lead.credit_code:
        yield _error("CHANGE_LEAD_HEAD_NOT_CHANGED", "new:head.unit", code=cs.new.lead.credit_code)
    if cs.new.amendment and replacement.handover_date < cs.new.amendment.signing_date:
        yield _error("CHANGE_LEAD_HANDOVER_BEFORE_SIGNING", f"{path}.handover_date",
                     handover=cn_date(replacement.handover_date), signing=cn_date(cs.new.amendment.signing_date))


def _task_rules(cs: ChangeSet) -> Iterator[Finding]:
    leaving = {u.credit_code: u for u in cs.left}
    for index, task in enumerate(cs.new.tasks):
        for code in [task.owner, *task.participants]:
            if code in leaving:
                yield _error("CHANGE_TASK_NOT_REASSIGNED", f"new:tasks[{index}]", id=task.id, name=leaving[code].name)
    reassigned = {r.task.id for r in cs.tasks_reassigned}
    for index, task in enumerate(cs.new.tasks):
        if task.id in reassigned and not sum((b.amount for b in task.budget), Decimal(0)):
            yield _error("CHANGE_TASK_NO_BUDGET", f"new:tasks[{index}].budget", id=task.id)


def _effect_rules(amendment: Amendment) -> Iterator[Finding]:
    effect, path = amendment.effect, "new:amendment.effect"
    if effect.condition == "approval" and not effect.authority:
        yield _error("CHANGE_EFFECT_AUTHORITY_MISSING", f"{path}.authority")
    if effect.condition == "date":
        if effect.date is None:
            yield _error("CHANGE_EFFECT_DATE_MISSING", f"{path}.date")
        elif effect.date < amendment.signing_date:
            yield _error("CHANGE_EFFECT_BEFORE_SIGNING", f"{path}.date", date=cn_date(effect.date),
                         signing=cn_date(amendment.signing_date))


def _departure_rules(cs: ChangeSet, amendment: Amendment) -> Iterator[Finding]:
    leaving = {u.credit_code for u in cs.left}
    parties = {u.credit_code for u in [*cs.old.units, *cs.joined]}
    remaining = {u.credit_code for u in cs.new.units}
    committed = {u.credit_code: sum((f.amount for f in cs.old.funding if f.unit == u.credit_code), Decimal(0))
                 for u in cs.old.units}
    signing = amendment.signing_date
    for index, d in enumerate(amendment.departures):
        path = f"new:amendment.departures[{index}]"
        if d.unit not in leaving:
            yield _error("CHANGE_DEPARTURE_UNKNOWN", f"{path}.unit", code=d.unit)
            continue
        if d.effective_date is not None and d.effective_date < signing:
            yield _error("CHANGE_DEPARTURE_BEFORE_SIGNING", f"{path}.effective_date", date=cn_date(d.effective_date),
                         signing=cn_date(signing))
        if d.handover_date is not None:
            if d.effective_date is not None and d.handover_date > d.effective_date:
                yield _error("CHANGE_HANDOVER_AFTER_EXIT", f"{path}.handover_date", handover=cn_date(d.handover_date),
                             exit=cn_date(d.effective_date))
            if d.handover_date < signing:
                yield _error("CHANGE_HANDOVER_BEFORE_SIGNING", f"{path}.handover_date",
                             handover=cn_date(d.handover_date), signing=cn_date(signing))
        if d.results_income is None:
            yield _error("CHANGE_LEAVER_RESULTS_UNADDRESSED", f"{path}.results_income")
        elif d.results_income == "assigns" and (d.results_assignee is None or d.results_assignee not in remaining):
            yield _error("CHANGE_RESULTS_ASSIGNEE_INVALID", f"{path}.results_assignee")
        if "confidentiality" not in d.surviving:
            yield _error("CHANGE_CONFIDENTIALITY_NOT_SURVIVING", f"{path}.surviving")
        for n, licence in enumerate(d.licences):
            if licence.until is not None and licence.until < signing:
                yield _error("CHANGE_LICENCE_EXPIRED", f"{path}.licences[{n}].until", until=cn_date(licence.until),
                             signing=cn_date(signing))
        yield from _settlement_rules(d, path, committed[d.unit], parties, signing)
        unit = cs.old.unit(d.unit)
        if d.settlement is not None and unit is not None:
            yield from _in_kind_rules(d.settlement, f"{path}.settlement", unit.resources.in_kind, cs.new.tasks)


def _settlement_rules(d: Departure, path: str, committed: Decimal, parties: set[str],
                      signing: dt.date) -> Iterator[Finding]:
    s, path = d.settlement, f"{path}.settlement"
    if s is None:
        yield _error("CHANGE_SETTLEMENT_MISSING", path)
        return
    if s.committed != committed:
        yield _error("CHANGE_SETTLEMENT_SUM", f"{path}.committed", "committed", committed=yuan(s.committed),
                     planned=yuan(committed))
    if s.delivered > s.committed:
        yield _error("CHANGE_SETTLEMENT_SUM", f"{path}.delivered", "delivered", delivered=yuan(s.delivered),
                     committed=yuan(s.committed))
    if s.used > s.delivered:
        yield _error("CHANGE_SETTLEMENT_SUM", f"{path}.used", "used", used=yuan(s.used), delivered=yuan(s.delivered))
    if s.method == "no_refund":
        if s.amount:
            yield _error("CHANGE_SETTLEMENT_AMOUNT", f"{path}.amount", "no_refund")
        return
    if not s.amount:
        yield _error("CHANGE_SETTLEMENT_AMOUNT", f"{path}.amount", "missing")
    if s.method == "refund" and s.amount > s.delivered - s.used:
        yield _error("CHANGE_SETTLEMENT_SUM", f"{path}.amount", "refund", amount=yuan(s.amount),
                     unused=yuan(s.delivered - s.used))
    if s.payer is None or s.payee is None:
        yield _error("CHANGE_SETTLEMENT_PARTY", f"{path}.payer", "missing")
    else:
        if s.payer not in parties or s.payee not in parties or s.payer == s.payee:
            yield _error("CHANGE_SETTLEMENT_PARTY", f"{path}.payer", "parties")
        if d.unit not in (s.payer, s.payee):
            yield _error("CHANGE_SETTLEMENT_PARTY", f"{path}.payee", "leaver")
        if s.method == "transfer" and (d.results_income != "assigns" or d.results_assignee != s.payer):
            yield _error("CHANGE_SETTLEMENT_PARTY", f"{path}.payer", "transfer")
    if s.due_date is None:
        yield _error("CHANGE_SETTLEMENT_DUE_MISSING", f"{path}.due_date", "missing")
    elif s.due_date < signing:
        yield _error("CHANGE_SETTLEMENT_DUE_MISSING", f"{path}.due_date", "before_signing", due=cn_date(s.due_date),
                     signing=cn_date(signing))


def _in_kind_rules(s: Settlement, path: str, committed: list[InKind], tasks: list[Task]) -> Iterator[Finding]:
    """Each contribution in kind of the leaver is settled once: returned, retained for use, or valued."""
    items = {k.description: k for k in committed}
    agreed = [x.item for x in s.in_kind]
    for k in committed:
        if k.description not in agreed:
            yield _error("CHANGE_IN_KIND_UNSETTLED", f"{path}.in_kind", item=k.description)
    for n, x in enumerate(s.in_kind):
        where = f"{path}.in_kind[{n}]"
        if x.item not in items or agreed.count(x.item) > 1:
            yield _error("CHANGE_IN_KIND_UNKNOWN", f"{where}.item", item=x.item)
            continue
        if x.treatment == "retained" and x.until is None:
            yield _error("CHANGE_IN_KIND_TERMS", f"{where}.until", "retained")
        if x.treatment == "valued" and x.delivered and not (0 < x.value <= items[x.item].value):
            yield _error("CHANGE_IN_KIND_TERMS", f"{where}.value", "valued", limit=yuan(items[x.item].value))
    if s.unused_task is not None and s.unused_task not in {t.id for t in tasks}:
        yield _error("CHANGE_SETTLEMENT_TASK", f"{path}.unused_task", task=s.unused_task)


def _accession_rules(cs: ChangeSet, amendment: Amendment) -> Iterator[Finding]:
    joined = {u.credit_code: u for u in cs.joined}
    recorded = {a.unit for a in amendment.accessions}
    for unit in cs.joined:
        if unit.credit_code not in recorded:
            yield _error("CHANGE_ACCESSION_MISSING", "new:amendment.accessions", name=unit.name, code=unit.credit_code)
    for index, a in enumerate(amendment.accessions):
        path = f"new:amendment.accessions[{index}]"
        found = joined.get(a.unit)
        if found is None:
            yield _error("CHANGE_ACCESSION_UNKNOWN", f"{path}.unit", code=a.unit)
            continue
        unit = found
        if not a.accepts_terms:
            yield _error("CHANGE_ACCESSION_TERMS_NOT_ACCEPTED", f"{path}.accepts_terms")
        if a.effective_date is not None and a.effective_date < amendment.signing_date:
            yield _error("CHANGE_ACCESSION_BEFORE_SIGNING", f"{path}.effective_date", date=cn_date(a.effective_date),
                         signing=cn_date(amendment.signing_date))
        if not any(unit.credit_code in (t.owner, *t.participants) for t in cs.new.tasks):
            yield _error("CHANGE_JOINER_NO_TASK", "new:tasks", name=unit.name, code=unit.credit_code)
        r = unit.resources
        funded = any(f.unit == unit.credit_code and f.amount for f in cs.new.funding)
        if not (r.cash or r.in_kind or r.people or funded):
            yield _error("CHANGE_JOINER_NO_CONTRIBUTION", "new:members", name=unit.name, code=unit.credit_code)
        if not unit.background_ip and not a.no_background_ip:
            yield _error("CHANGE_JOINER_BACKGROUND_IP_UNSTATED", f"{path}.no_background_ip", "unstated",
                         name=unit.name)
        elif unit.background_ip and a.no_background_ip:
            yield _error("CHANGE_JOINER_BACKGROUND_IP_UNSTATED", f"{path}.no_background_ip", "contradictory",
                         name=unit.name)
        for n, licence in enumerate(a.data_licences):
            if licence.until < amendment.signing_date:
                yield _error("CHANGE_DATA_LICENCE_EXPIRED", f"{path}.data_licences[{n}].until",
                             until=cn_date(licence.until), signing=cn_date(amendment.signing_date))


def _reason_rules(cs: ChangeSet, amendment: Amendment) -> Iterator[Finding]:
    if cs.shares_changed and cs.new.benefit.method == "fixed_shares" and not amendment.share_reason:
        yield _error("CHANGE_SHARES_REASON_MISSING", "new:amendment.share_reason")
    changed = {u.credit_code for u in contribution_changed(cs)}
    recorded = {c.unit for c in amendment.contribution_changes}
    for unit in contribution_changed(cs):
        if unit.credit_code not in recorded:
            yield _error("CHANGE_CONTRIBUTION_REASON_MISSING", "new:amendment.contribution_changes", name=unit.name,
                         code=unit.credit_code)
    for index, c in enumerate(amendment.contribution_changes):
        if c.unit not in changed:
            yield _error("CHANGE_CONTRIBUTION_UNKNOWN", f"new:amendment.contribution_changes[{index}].unit",
                         code=c.unit)


def contribution_changed(cs: ChangeSet) -> list[Unit]:
    """Return the units in both versions (new details) whose resources or funding lines changed."""
    old = {u.credit_code: u for u in cs.old.units}
    out = []
    for unit in cs.new.units:
        before = old.get(unit.credit_code)
        if before is None:
            continue
        lines_before = sorted((f.source, f.year, f.amount) for f in cs.old.funding if f.unit == unit.credit_code)
        lines_after = sorted((f.source, f.year, f.amount) for f in cs.new.funding if f.unit == unit.credit_code)
        if before.resources != unit.resources or lines_before != lines_after:
            out.append(unit)
    return out
