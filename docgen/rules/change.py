"""Compute what changed between two versions of a consortium, and whether the change may be drafted.

``diff(old, new)`` returns a ChangeSet: units joined and left (a unit's identity is its credit code, so a
renamed unit is an update, not a leave plus a join), unit details changed, tasks added, removed or
reassigned, and whether shares, funding, the head or the chief expert changed. ``check_change`` applies
the guideline's rules for a supplementary agreement (指引 七（三）) and returns findings like ``check``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from docgen.input.model import Consortium, Departure, Task, Unit
from docgen.rules.guideline import Finding, check

__all__ = ["ChangeSet", "Reassignment", "UnitUpdate", "change_findings", "check_change", "diff", "review_change"]


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


def _error(code: str, message: str, path: str, source: str = "指引 七（三）") -> Finding:
    return Finding(code, "error", message, source, path)


def _change_rules(cs: ChangeSet) -> Iterator[Finding]:
    if cs.is_empty:
        yield _error("CHANGE_EMPTY", "两个版本的协议内容相同，没有需要写入补充协议的变更"
                     "（仅修改建设方案文字、考核指标或里程碑的，重新生成建设方案即可）", "new")
        return
    if cs.old.lead.credit_code != cs.new.lead.credit_code:
        yield _error("CHANGE_LEAD_LEAVES",
                     f"牵头单位{cs.old.lead.name}不能通过补充协议退出或被替换；牵头单位组织不力的，"
                     "依原协议关于牵头单位组织不力的约定处理", "new:lead")
    leaving = {u.credit_code: u for u in cs.left}
    for index, task in enumerate(cs.new.tasks):
        involved = [task.owner, *task.participants]
        for code in involved:
            if code in leaving:
                yield _error("CHANGE_TASK_NOT_REASSIGNED",
                             f"任务{task.id}仍由退出单位{leaving[code].name}承担或参与，应在新版本中改由其他成员承担",
                             f"new:tasks[{index}]")
    for unit in cs.left:
        if unit.credit_code == cs.old.lead.credit_code:
            continue  # reported above
        if cs.departure(unit) is None:
            yield _error("CHANGE_DEPARTURE_MISSING",
                         f"{unit.name}退出联合体，新版本的 amendment.departures 应写明其退出方式、原因和生效日期",
                         "new:amendment.departures")
    if cs.new.amendment is None:
        yield _error("CHANGE_AMENDMENT_MISSING", "新版本应填写 amendment（补充协议签订日期和变更原因）",
                     "new:amendment")
        return
    leaving_codes = set(leaving)
    for index, departure in enumerate(cs.new.amendment.departures):
        if departure.unit not in leaving_codes:
            yield _error("CHANGE_DEPARTURE_UNKNOWN", f"退出记录所列单位（{departure.unit}）在新版本中并未退出",
                         f"new:amendment.departures[{index}].unit")
        elif departure.effective_date < cs.new.amendment.signing_date:
            yield _error("CHANGE_DEPARTURE_BEFORE_SIGNING", "退出生效日期早于补充协议签订日期",
                         f"new:amendment.departures[{index}].effective_date")
    if cs.new.amendment.signing_date < cs.old.signing_date:
        yield _error("CHANGE_SIGNED_BEFORE_ORIGINAL", "补充协议签订日期早于原协议签订日期",
                     "new:amendment.signing_date")
    if (cs.old.signing_date, cs.old.agreement_number) != (cs.new.signing_date, cs.new.agreement_number):
        yield Finding("CHANGE_ORIGINAL_DATA_CHANGED", "warning",
                      "新版本的原协议签订日期或协议编号与原版本不同；补充协议援引原版本的签订日期和编号",
                      "指引 七（三）", "new:signing_date")
