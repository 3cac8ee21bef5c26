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

from docgen.formatting import yuan
from docgen.input.loading import field_label
from docgen.input.model import Amendment, Consortium, Departure, InKind, Settlement, Task, Unit
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


def _error(code: str, message: str, path: str, source: str = "指引 七（三）") -> Finding:
    """Return an error finding whose message opens with the field's Chinese label (path is "new:…")."""
    field = path.split(":", 1)[-1]
    label = field_label(field) if field not in ("", "new", "old") else "新版本"
    return Finding(code, "error", f"{label}：{message}", source, path)


def _change_rules(cs: ChangeSet) -> Iterator[Finding]:
    if cs.is_empty:
        yield _error("CHANGE_EMPTY", "两个版本的协议内容相同，没有需要写入补充协议的变更"
                     "（仅修改建设方案文字、考核指标或里程碑的，重新生成建设方案即可）", "new")
        return
    yield from _lead_rules(cs)
    yield from _task_rules(cs)
    amendment = cs.new.amendment
    for unit in cs.left:
        if cs.departure(unit) is None and not (unit.credit_code == cs.old.lead.credit_code and
                                               (amendment is None or amendment.lead_replacement is None)):
            yield _error("CHANGE_DEPARTURE_MISSING",
                         f"{unit.name}退出联合体，应在成员退出（amendment.departures）中写明其退出方式、原因、生效、"
                         "交接、经费结算和成果安排", "new:amendment.departures")
    if amendment is None:
        yield _error("CHANGE_AMENDMENT_MISSING", "新版本应填写本次变更说明（补充协议签订日期和变更原因）",
                     "new:amendment")
        return
    yield from _effect_rules(amendment)
    yield from _departure_rules(cs, amendment)
    yield from _accession_rules(cs, amendment)
    yield from _reason_rules(cs, amendment)
    if amendment.signing_date < cs.old.signing_date:
        yield _error("CHANGE_SIGNED_BEFORE_ORIGINAL", "补充协议签订日期早于原协议签订日期",
                     "new:amendment.signing_date")
    if (cs.old.signing_date, cs.old.agreement_number) != (cs.new.signing_date, cs.new.agreement_number):
        yield Finding("CHANGE_ORIGINAL_DATA_CHANGED", "warning",
                      "新版本的原协议签订日期或协议编号与原版本不同；补充协议援引原版本的签订日期和编号",
                      "指引 七（三）", "new:signing_date")


def _lead_rules(cs: ChangeSet) -> Iterator[Finding]:
    """The lead unit changes only through a recorded replacement by a member that takes over as 负责人's unit."""
    replacement = cs.new.amendment.lead_replacement if cs.new.amendment else None
    path = "new:amendment.lead_replacement"
    if cs.old.lead.credit_code == cs.new.lead.credit_code:
        if replacement is not None:
            yield _error("CHANGE_LEAD_REPLACEMENT_UNUSED", "写明了更换牵头单位，但新版本的牵头单位没有变化", path)
        return
    if replacement is None:
        yield _error("CHANGE_LEAD_LEAVES",
                     f"牵头单位由{cs.old.lead.name}变更为{cs.new.lead.name}，应在更换牵头单位"
                     "（amendment.lead_replacement）中写明新的牵头单位、更换事由、原因和档案移交期限",
                     "new:lead", "指引 七（三）；原协议“牵头单位组织不力”条")
        return
    if replacement.successor != cs.new.lead.credit_code:
        yield _error("CHANGE_LEAD_SUCCESSOR_MISMATCH", f"新的牵头单位应为新版本的牵头单位{cs.new.lead.name}",
                     f"{path}.successor")
    elif replacement.successor not in {u.credit_code for u in cs.old.members}:
        yield _error("CHANGE_LEAD_SUCCESSOR_NOT_MEMBER", "新的牵头单位应从原协议的成员单位中确定",
                     f"{path}.successor")
    if cs.new.head is None or cs.new.head.unit != cs.new.lead.credit_code:
        yield _error("CHANGE_LEAD_HEAD_NOT_CHANGED", "更换牵头单位的，联合体负责人应由新的牵头单位选聘，"
                     "新版本的负责人所在单位应为新的牵头单位", "new:head.unit", "指引 三（三）")
    if cs.new.amendment and replacement.handover_date < cs.new.amendment.signing_date:
        yield _error("CHANGE_LEAD_HANDOVER_BEFORE_SIGNING", "档案移交期限早于补充协议签订日期",
                     f"{path}.handover_date")


def _task_rules(cs: ChangeSet) -> Iterator[Finding]:
    leaving = {u.credit_code: u for u in cs.left}
    for index, task in enumerate(cs.new.tasks):
        for code in [task.owner, *task.participants]:
            if code in leaving:
                yield _error("CHANGE_TASK_NOT_REASSIGNED",
                             f"任务{task.id}仍由退出单位{leaving[code].name}承担或参与，应在新版本中改由其他成员承担",
                             f"new:tasks[{index}]")
    reassigned = {r.task.id for r in cs.tasks_reassigned}
    for index, task in enumerate(cs.new.tasks):
        if task.id in reassigned and not sum((b.amount for b in task.budget), Decimal(0)):
            yield _error("CHANGE_TASK_NO_BUDGET", f"改由其他单位承担的任务{task.id}应列明任务经费",
                         f"new:tasks[{index}].budget")


def _effect_rules(amendment: Amendment) -> Iterator[Finding]:
    effect, path = amendment.effect, "new:amendment.effect"
    if effect.condition == "approval" and not effect.authority:
        yield _error("CHANGE_EFFECT_AUTHORITY_MISSING", "补充协议经批准生效的，应写明批准机关", f"{path}.authority",
                     "民法典第五百零二条")
    if effect.condition == "date":
        if effect.date is None:
            yield _error("CHANGE_EFFECT_DATE_MISSING", "补充协议于约定日期生效的，应写明生效日期", f"{path}.date",
                         "民法典第一百五十八条")
        elif effect.date < amendment.signing_date:
            yield _error("CHANGE_EFFECT_BEFORE_SIGNING", "生效日期早于补充协议签订日期", f"{path}.date",
                         "民法典第一百五十八条")


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
            yield _error("CHANGE_DEPARTURE_UNKNOWN", f"所列单位（{d.unit}）在新版本中并未退出", f"{path}.unit")
            continue
        if d.effective_date is not None and d.effective_date < signing:
            yield _error("CHANGE_DEPARTURE_BEFORE_SIGNING", "退出生效日期早于补充协议签订日期",
                         f"{path}.effective_date")
        if d.handover_date is not None:
            if d.effective_date is not None and d.handover_date > d.effective_date:
                yield _error("CHANGE_HANDOVER_AFTER_EXIT", "交接完成期限晚于退出生效日期；原协议要求退出方在退出生效前"
                             "完成任务和资料的移交", f"{path}.handover_date")
            if d.handover_date < signing:
                yield _error("CHANGE_HANDOVER_BEFORE_SIGNING", "交接完成期限早于补充协议签订日期",
                             f"{path}.handover_date")
        if d.results_income is None:
            yield _error("CHANGE_LEAVER_RESULTS_UNADDRESSED", "应写明退出方对退出前形成的项目成果保留权益（keeps）"
                         "还是转让（assigns）", f"{path}.results_income", "民法典第五百六十六条")
        elif d.results_income == "assigns" and (d.results_assignee is None or d.results_assignee not in remaining):
            yield _error("CHANGE_RESULTS_ASSIGNEE_INVALID", "转让退出前成果权益的，受让单位应为变更后联合体的一方",
                         f"{path}.results_assignee", "民法典第五百五十五条")
        if "confidentiality" not in d.surviving:
            yield _error("CHANGE_CONFIDENTIALITY_NOT_SURVIVING", "退出方的保密义务应在退出后继续有效",
                         f"{path}.surviving", "民法典第五百零一条、第五百五十八条")
        for n, licence in enumerate(d.licences):
            if licence.until is not None and licence.until < signing:
                yield _error("CHANGE_LICENCE_EXPIRED", "许可期限届满日早于补充协议签订日期",
                             f"{path}.licences[{n}].until")
        yield from _settlement_rules(d, path, committed[d.unit], parties, signing)
        unit = cs.old.unit(d.unit)
        if d.settlement is not None and unit is not None:
            yield from _in_kind_rules(d.settlement, f"{path}.settlement", unit.resources.in_kind, cs.new.tasks)


def _settlement_rules(d: Departure, path: str, committed: Decimal, parties: set[str],
                      signing: dt.date) -> Iterator[Finding]:
    s, path = d.settlement, f"{path}.settlement"
    if s is None:
        yield _error("CHANGE_SETTLEMENT_MISSING", "应写明退出方的经费结算：承诺投入、已实际投入、已使用金额和结算方式",
                     path, "民法典第五百六十六条")
        return
    if s.committed != committed:
        yield _error("CHANGE_SETTLEMENT_SUM", f"承诺投入金额{yuan(s.committed)}与原协议经费投入计划所列该单位合计"
                     f"{yuan(committed)}不一致", f"{path}.committed")
    if s.delivered > s.committed:
        yield _error("CHANGE_SETTLEMENT_SUM", "已实际投入金额大于承诺投入金额", f"{path}.delivered")
    if s.used > s.delivered:
        yield _error("CHANGE_SETTLEMENT_SUM", "已使用金额大于已实际投入金额", f"{path}.used")
    if s.method == "no_refund":
        if s.amount:
            yield _error("CHANGE_SETTLEMENT_AMOUNT", "结算方式为不予返还的，结算金额应为0", f"{path}.amount")
        return
    if not s.amount:
        yield _error("CHANGE_SETTLEMENT_AMOUNT", "返还经费或者转让成果权益的，应写明结算金额", f"{path}.amount")
    if s.method == "refund" and s.amount > s.delivered - s.used:
        yield _error("CHANGE_SETTLEMENT_SUM", f"返还金额超过已投入但尚未使用的经费{yuan(s.delivered - s.used)}",
                     f"{path}.amount")
    if s.payer is None or s.payee is None:
        yield _error("CHANGE_SETTLEMENT_PARTY", "应写明付款单位和收款单位", f"{path}.payer")
    else:
        if s.payer not in parties or s.payee not in parties or s.payer == s.payee:
            yield _error("CHANGE_SETTLEMENT_PARTY", "付款单位和收款单位应为补充协议的两个不同的签署方", f"{path}.payer")
        if d.unit not in (s.payer, s.payee):
            yield _error("CHANGE_SETTLEMENT_PARTY", "结算款的付款单位或者收款单位之一应为退出方", f"{path}.payee")
        if s.method == "transfer" and (d.results_income != "assigns" or d.results_assignee != s.payer):
            yield _error("CHANGE_SETTLEMENT_PARTY", "转让成果权益的对价应由成果权益受让单位（results_assignee）支付",
                         f"{path}.payer", "民法典第五百五十五条")
    if s.due_date is None:
        yield _error("CHANGE_SETTLEMENT_DUE_MISSING", "应写明结算金额的付款期限", f"{path}.due_date")
    elif s.due_date < signing:
        yield _error("CHANGE_SETTLEMENT_DUE_MISSING", "付款期限早于补充协议签订日期", f"{path}.due_date")


def _in_kind_rules(s: Settlement, path: str, committed: list[InKind], tasks: list[Task]) -> Iterator[Finding]:
    """Each contribution in kind of the leaver is settled once: returned, retained for use, or valued."""
    items = {k.description: k for k in committed}
    agreed = [x.item for x in s.in_kind]
    for k in committed:
        if k.description not in agreed:
            yield _error("CHANGE_IN_KIND_UNSETTLED", f"退出方承诺的非货币投入“{k.description}”没有写明结算："
                         "已经提供多少，已提供部分返还、留用还是折价", f"{path}.in_kind", "民法典第五百六十六条")
    for n, x in enumerate(s.in_kind):
        where = f"{path}.in_kind[{n}]"
        if x.item not in items or agreed.count(x.item) > 1:
            yield _error("CHANGE_IN_KIND_UNKNOWN", f"“{x.item}”不是退出方在原协议中承诺的非货币投入，或者重复列出",
                         f"{where}.item")
            continue
        if x.treatment == "retained" and x.until is None:
            yield _error("CHANGE_IN_KIND_TERMS", "已提供部分由其他各方留用的，应写明留用期限", f"{where}.until")
        if x.treatment == "valued" and x.delivered and not (0 < x.value <= items[x.item].value):
            yield _error("CHANGE_IN_KIND_TERMS", f"已提供部分的折价应大于0且不超过原协议约定的折价"
                         f"{yuan(items[x.item].value)}", f"{where}.value")
    if s.unused_task is not None and s.unused_task not in {t.id for t in tasks}:
        yield _error("CHANGE_SETTLEMENT_TASK", f"未使用经费列入的攻关任务“{s.unused_task}”不在变更后的攻关任务中",
                     f"{path}.unused_task")


def _accession_rules(cs: ChangeSet, amendment: Amendment) -> Iterator[Finding]:
    joined = {u.credit_code: u for u in cs.joined}
    recorded = {a.unit for a in amendment.accessions}
    for unit in cs.joined:
        if unit.credit_code not in recorded:
            yield _error("CHANGE_ACCESSION_MISSING", f"{unit.name}加入联合体，应在成员加入（amendment.accessions）"
                         "中写明其接受原协议、加入日期、对加入前成果的使用许可和数据许可", "new:amendment.accessions")
    for index, a in enumerate(amendment.accessions):
        path = f"new:amendment.accessions[{index}]"
        found = joined.get(a.unit)
        if found is None:
            yield _error("CHANGE_ACCESSION_UNKNOWN", f"所列单位（{a.unit}）在新版本中并非新加入的单位", f"{path}.unit")
            continue
        unit = found
        if not a.accepts_terms:
            yield _error("CHANGE_ACCESSION_TERMS_NOT_ACCEPTED", "加入单位应接受原协议的全部约定",
                         f"{path}.accepts_terms", "指引 七（三）；民法典第五百五十六条")
        if a.effective_date is not None and a.effective_date < amendment.signing_date:
            yield _error("CHANGE_ACCESSION_BEFORE_SIGNING", "加入生效日期早于补充协议签订日期",
                         f"{path}.effective_date")
        if not any(unit.credit_code in (t.owner, *t.participants) for t in cs.new.tasks):
            yield _error("CHANGE_JOINER_NO_TASK", f"{unit.name}未承担或者参与任何攻关任务", "new:tasks")
        r = unit.resources
        funded = any(f.unit == unit.credit_code and f.amount for f in cs.new.funding)
        if not (r.cash or r.in_kind or r.people or funded):
            yield _error("CHANGE_JOINER_NO_CONTRIBUTION", f"{unit.name}未写明承诺投入的资金、实物或者人员",
                         "new:members")
        if not unit.background_ip and not a.no_background_ip:
            yield _error("CHANGE_JOINER_BACKGROUND_IP_UNSTATED", f"{unit.name}未申报背景知识产权；确无背景知识产权的，"
                         "填写 no_background_ip: true", f"{path}.no_background_ip", "民法典第八百六十四条")
        elif unit.background_ip and a.no_background_ip:
            yield _error("CHANGE_JOINER_BACKGROUND_IP_UNSTATED", f"{unit.name}申报了背景知识产权，却确认无背景知识产权",
                         f"{path}.no_background_ip")
        for n, licence in enumerate(a.data_licences):
            if licence.until < amendment.signing_date:
                yield _error("CHANGE_DATA_LICENCE_EXPIRED", "数据许可期限届满日早于补充协议签订日期",
                             f"{path}.data_licences[{n}].until")


def _reason_rules(cs: ChangeSet, amendment: Amendment) -> Iterator[Finding]:
    if cs.shares_changed and cs.new.benefit.method == "fixed_shares" and not amendment.share_reason:
        yield _error("CHANGE_SHARES_REASON_MISSING", "约定分配比例调整的，应写明调整原因", "new:amendment.share_reason",
                     "民法典第五百四十三条")
    changed = {u.credit_code for u in contribution_changed(cs)}
    recorded = {c.unit for c in amendment.contribution_changes}
    for unit in contribution_changed(cs):
        if unit.credit_code not in recorded:
            yield _error("CHANGE_CONTRIBUTION_REASON_MISSING", f"{unit.name}的承诺投入发生变化，应在投入调整"
                         "（amendment.contribution_changes）中写明原因", "new:amendment.contribution_changes")
    for index, c in enumerate(amendment.contribution_changes):
        if c.unit not in changed:
            yield _error("CHANGE_CONTRIBUTION_UNKNOWN", f"所列单位（{c.unit}）的承诺投入在两个版本间没有变化",
                         f"new:amendment.contribution_changes[{index}].unit")


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
