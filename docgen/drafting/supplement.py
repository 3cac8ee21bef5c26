"""Assemble the supplementary agreement (补充协议) and the 修订对照表 from a ChangeSet.

``prepare_change`` takes the two agreement versions (``AgreementVersion``, each numbered and rendered once)
and compares them article by article, matched by clause id, never by number. An amended article is quoted
with its references in the original's numbering ("原协议第六条修改为：……"): only the articles whose text
calls ``ref`` are rendered again for that. The supplement, the change table, the consolidated text and
the redline all read the same ``ChangeDraft``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from docgen.clauses.engine import Article, article_number, render_articles, render_clause, uses_ref, with_ref
from docgen.clauses.library import DocumentTexts, Library
from docgen.clauses.phrases import phrase, phrase_entries, phrase_map, render_phrase
from docgen.constants import DocumentKind
from docgen.drafting.agreement import (
    AgreementVersion,
    Annex,
    BaseContext,
    Party,
    PartyRow,
    Signature,
    agreement_version,
    annex_citation,
    annex_heading,
    number_items,
    party_rows,
)
from docgen.drafting.change_terms import ChangeTerms, change_terms
from docgen.drafting.register import PartyRegister, advance, original_register
from docgen.errors import InputError, InputProblem, TemplateError
from docgen.formatting import cn_date
from docgen.input.model import Amendment, Consortium, Task, Unit
from docgen.render.docx import render_expression, render_text
from docgen.rules.change import ChangeSet, Reassignment, contribution_changed

__all__ = ["AmendedArticle", "AnnexRevision", "ChangeDraft", "ChangeRow", "ChangeTable", "JoiningUnit", "LeavingUnit",
           "PriorSupplement", "Supplement", "SupplementContext", "UpdatedUnit", "amended_articles",
           "assemble_change_table", "assemble_supplement", "prepare_change", "serial_name", "supplement_context"]


@dataclass(frozen=True)
class AmendedArticle:
    """An article of the original agreement that the change modifies, adds or deletes."""

    kind: str                 # "modified", "added" or "deleted"
    clause_id: str
    title: str
    old_number: str           # in the original ("" for an added article)
    new_number: str           # in the consolidated text ("" for a deleted article)
    after_number: str         # for an added article: the original article it follows
    before: tuple[str, ...]   # the original's paragraphs
    after: tuple[str, ...]    # the amended paragraphs, references in the original's numbering
    quoted: tuple[str, ...]   # after, as quoted in the supplement (“第六条　标题　……”)


@dataclass(frozen=True)
class Supplement:
    """The supplementary agreement as plain data, ready for the template."""

    title: str
    number: str
    draft: bool
    serial: int
    signing_place: str
    signing_date: str
    parties: tuple[PartyRow, ...]
    recitals: tuple[str, ...]
    articles: tuple[Article, ...]
    closing: str
    annexes: dict[str, Annex]  # the revised annexes by key, in the agreement's order
    signature_heading: str
    signatures: tuple[Signature, ...]
    clause_versions: dict[str, str]
    findings: tuple[str, ...] = ()   # a draft's unresolved errors, listed on its first page
    findings_heading: str = ""


@dataclass(frozen=True)
class PriorSupplement:
    """An earlier supplementary agreement of the series, as the recitals cite it (``previous``): its name,
    signing date and the membership changes it made (names as they then were)."""

    name: str                                  # 第一号
    signing_date: dt.date | None = None        # None: not recorded (a manifest written before it was)
    joined: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    lead: str = ""                             # the unit it made lead unit, if it replaced the lead

    def __str__(self) -> str:
        return self.name

    @classmethod
    def of(cls, item: str | PriorSupplement) -> PriorSupplement:
        """Return item as a PriorSupplement (a bare name: nothing else known)."""
        return item if isinstance(item, PriorSupplement) else cls(item)

    def record(self) -> dict[str, Any]:
        """Return the record a manifest keeps (JSON)."""
        return {"name": self.name, "signing_date": self.signing_date.isoformat() if self.signing_date else None,
                "joined": list(self.joined), "left": list(self.left), "lead": self.lead}

    @classmethod
    def from_record(cls, record: str | dict[str, Any]) -> PriorSupplement:
        """Return the PriorSupplement a manifest records (a bare name from older manifests)."""
        if isinstance(record, str):
            return cls(record)
        date = record.get("signing_date")
        return cls(str(record["name"]), dt.date.fromisoformat(date) if date else None,
                   tuple(record.get("joined", ())), tuple(record.get("left", ())), str(record.get("lead", "")))

    @classmethod
    def of_change(cls, name: str, old: Consortium, new: Consortium) -> PriorSupplement:
        """Return the record of the supplement that changed old into new."""
        old_codes = {u.credit_code for u in old.units}
        new_codes = {u.credit_code for u in new.units}
        return cls(name, new.amendment.signing_date if new.amendment else None,
                   tuple(u.name for u in new.units if u.credit_code not in old_codes),
                   tuple(u.name for u in old.units if u.credit_code not in new_codes),
                   new.lead.name if new.lead.credit_code != old.lead.credit_code else "")


@dataclass(frozen=True)
class ChangeRow:
    """One row of the 修订对照表: where the article is, its text before and after."""

    clause: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class ChangeTable:
    """The 修订对照表 as plain data, ready for the template."""

    title: str
    subtitle: str
    draft: bool
    intro: tuple[str, ...]
    rows: tuple[ChangeRow, ...]
    note: str


def serial_name(serial: int) -> str:
    """Return 第一号 for 1."""
    return phrase("supplement.serial_name", n=serial)


# --- the article diff ----------------------------------------------------------------------------

def _amended(old: AgreementVersion, new: AgreementVersion, library: Library) -> tuple[AmendedArticle, ...]:
    """Return the original's articles that the change modifies, adds or deletes, in document order.

    The new version's articles are compared as they would be quoted: a reference prints the original's
    number (or names an article the change adds), so only the articles whose text calls ``ref`` are
    rendered again, with that reference function.
    """
    titles = {c.id: c.title for c in library.clauses}

    def quote_ref(clause_id: str) -> str:
        if clause_id in old.numbers:
            return old.numbers[clause_id]
        if clause_id in titles:
            return phrase("supplement.new_article_reference", title=titles[clause_id])
        raise TemplateError(f"引用了不存在的条款 {clause_id}")

    quoting = {**new.context, "ref": quote_ref}
    before = {a.id: a for a in old.articles}
    amended: list[AmendedArticle] = []
    added_after: dict[str, int] = {}
    previous_old = ""
    for article in new.articles:
        clause = library.get(article.id)
        paragraphs = (tuple(render_clause(clause, article.variant, quoting)) if uses_ref(clause, article.variant)
                      else article.paragraphs)
        original = before.get(article.id)
        if original is not None:
            previous_old = original.number
            if (original.title, original.paragraphs) != (article.title, paragraphs):
                amended.append(AmendedArticle("modified", article.id, article.title, original.number, article.number,
                                              "", original.paragraphs, paragraphs,
                                              _quote(original.number, article.title, paragraphs)))
        else:
            anchor = previous_old or article_number(1)
            added_after[anchor] = added_after.get(anchor, 0) + 1
            label = phrase("supplement.added_article", anchor=anchor, n=added_after[anchor])
            amended.append(AmendedArticle("added", article.id, article.title, "", article.number, anchor, (),
                                          paragraphs, _quote(label, article.title, paragraphs)))
    new_ids = {a.id for a in new.articles}
    for original in old.articles:
        if original.id not in new_ids:
            amended.append(AmendedArticle("deleted", original.id, original.title, original.number, "", "",
                                          original.paragraphs, (), ()))
    order = {cid: i for i, cid in enumerate(dict.fromkeys([a.id for a in old.articles] +
                                                          [a.id for a in new.articles]))}
    return tuple(sorted(amended, key=lambda a: order[a.clause_id]))


def amended_articles(cs: ChangeSet, library: Library) -> list[AmendedArticle]:
    """Return the original's articles that the change modifies, adds or deletes, in document order."""
    return list(prepare_change(cs, library).amended)


_INNER_QUOTES = str.maketrans({"“": "‘", "”": "’"})


def _quote(number: str, title: str, paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """Return the paragraphs as quoted in Chinese: each opens with “, only the last closes with ”.

    Double quotes inside the quoted text become single quotes (‘’), as Chinese nesting requires.
    """
    inner = [p.translate(_INNER_QUOTES) for p in paragraphs]
    quoted = [f"“{number}　{title}　{inner[0]}"] + [f"“{p}" for p in inner[1:]]
    quoted[-1] += "”"
    return tuple(quoted)


# --- the supplementary agreement -------------------------------------------------------------------

def _supplement_parties(cs: ChangeSet, before: PartyRegister, after: PartyRegister) -> tuple[Party, ...]:
    """Return the signing parties: every unit of the old version, then each joiner, each under its
    designation in the register (before the change for the old version's units, after it for joiners)."""
    new_units = {u.credit_code: u for u in cs.new.units}
    leaving = {u.credit_code for u in cs.left}
    roles = phrase_map("parties")
    replaced = cs.old.lead.credit_code != cs.new.lead.credit_code
    out = []
    for unit in sorted(cs.old.units, key=lambda u: before.number(u.credit_code)):
        code = unit.credit_code
        if code == cs.old.lead.credit_code:
            role = roles["former_lead_role"] if replaced else roles["lead_role"]
        elif replaced and code == cs.new.lead.credit_code:
            role = roles["successor_lead_role"]
        else:
            role = roles["leaving_role"] if code in leaving else roles["member_role"]
        out.append(Party(before.designation(code), role, new_units.get(code, unit)))
    for unit in sorted(cs.joined, key=lambda u: after.number(u.credit_code)):
        out.append(Party(after.designation(unit.credit_code), roles["joining_role"], unit))
    return tuple(out)


@dataclass(frozen=True)
class ChangeDraft:
    """A member change ready to draft: the diff, both agreement versions (each computed once), the
    party register before and after the change, the signing parties of the supplement and the amended
    articles."""

    changeset: ChangeSet
    old: AgreementVersion
    new: AgreementVersion
    parties: tuple[Party, ...]
    amended: tuple[AmendedArticle, ...]
    before: PartyRegister
    after: PartyRegister

    @property
    def serial(self) -> int:
        """Return the supplement's number (1 for 第一号)."""
        return self.after.serial

    def designation(self, unit: Unit) -> str:
        """Return the unit's designation in the supplement (乙方三)."""
        for party in self.parties:
            if party.unit.credit_code == unit.credit_code:
                return party.designation
        raise TemplateError(f"{unit.name}不是补充协议的签约方，无法称呼")


def _designating(register: PartyRegister, c: Consortium) -> PartyRegister | None:
    """Return register, or None when it designates c exactly as c's own order does (no party has come
    or gone): the version is then the one ``check`` already drafted."""
    plain = original_register(c)
    return None if register.parties == plain.parties else register


def prepare_change(cs: ChangeSet, library: Library, *, register: PartyRegister | None = None,
                   serial: int | None = None, old: AgreementVersion | None = None,
                   new: AgreementVersion | None = None) -> ChangeDraft:
    """Return the change ready to draft as supplement No. serial (by default the one after register's).

    register is the party register before the change (the one the previous supplement ended with,
    ``docgen.drafting.register``); by default the old version's parties are numbered in input order, as
    in an original agreement. It must hold exactly the old version's units. old and new, when given,
    are the versions already computed.
    """
    before = register if register is not None else original_register(cs.old, (serial or 1) - 1)
    if not before.covers(cs.old):
        raise InputError([InputProblem("old", "原版本",
                                       "当事人登记与原版本的单位不一致：原版本不是上一号补充协议变更后的版本")])
    after = advance(before, cs.new, serial if serial is not None else before.serial + 1)
    old = old or agreement_version(cs.old, library, register=_designating(before, cs.old))
    new = new or agreement_version(cs.new, library, register=_designating(after, cs.new))
    return ChangeDraft(cs, old, new, _supplement_parties(cs, before, after), _amended(old, new, library),
                       before, after)


def _task_label(task: Any) -> str:
    return phrase("supplement.task_label", task=task)


_INFO_FIELDS = ("name", "address", "legal_representative", "contact")
# a unit's committed resources are stated, before and after, by the supplement's contributions article
_CONTRIBUTION_FIELDS = ("role", "background_ip", "kind", "chain_position")


def _unit_change(old: Unit, new: Unit, designation: str) -> str:
    """Return the sentence stating how a unit's details change (phrases: supplement.unit_change)."""
    parts = [phrase(f"supplement.unit_change.{name}", old=old, new=new)
             for name in _INFO_FIELDS if getattr(old, name) != getattr(new, name)]
    labels = phrase_map("supplement.unit_change.fields")
    others = [labels[name] for name in _CONTRIBUTION_FIELDS if getattr(old, name) != getattr(new, name)]
    if others:
        parts.append(phrase("supplement.unit_change.contribution", fields=others))
    return phrase("supplement.unit_change.sentence", designation=designation, old=old, parts=parts)


def _summary(cs: ChangeSet) -> list[str]:
    """Return the list of changes the supplement's first article states (phrases: supplement.summary)."""
    names = {
        "cs": cs, "c": cs.new,
        "lead_replaced": cs.old.lead.credit_code != cs.new.lead.credit_code,
        "info_changed": [u.old.name for u in cs.updated_units
                         if any(getattr(u.old, f) != getattr(u.new, f) for f in _INFO_FIELDS)],
        "roles_changed": [u.old.name for u in cs.updated_units
                          if any(getattr(u.old, f) != getattr(u.new, f) for f in _CONTRIBUTION_FIELDS)],
        "commitments_changed": [u.name for u in contribution_changed(cs)],
    }
    return [render_phrase(entry["text"], f"supplement.summary.{index}", names)
            for index, entry in enumerate(phrase_entries("supplement.summary"))
            if render_expression(entry.get("when", "true"), f"phrases.supplement.summary.{index}", names)]


def _name(names: dict[str, str], credit_code: str) -> str:
    """Return the name of the unit with credit_code; raise InputError when no version has that unit."""
    if credit_code not in names:
        raise InputError([InputProblem("tasks[].owner", "攻关任务.承担单位",
                                       f"统一社会信用代码 {credit_code} 不是原协议或新加入的成员单位")])
    return names[credit_code]


@dataclass(frozen=True)
class JoiningUnit:
    """A unit the change adds, as the supplement's texts see it (``joined``)."""

    designation: str
    name: str
    role: str
    tasks: list[str]
    cash: Decimal
    people: int | None
    in_kind: list[str]
    background_ip: list[str]


@dataclass(frozen=True)
class LeavingUnit:
    """A unit the change removes (``left``): its departure record and the tasks it hands over."""

    designation: str
    name: str
    kind: str
    reason: str
    effective_date: dt.date | None  # None: when the supplement takes effect
    handover: list[str]


@dataclass(frozen=True)
class UpdatedUnit:
    """A unit whose details change (``updated_units``): the sentence stating the change."""

    name: str
    change: str
    contact_changed: bool = False   # its address or contact changes (a new address for notices)


@dataclass(frozen=True)
class AnnexRevision:
    """An annex the supplement revises (``annexes``): the original's citation and the revised one's."""

    original: str
    revised: str


@dataclass(frozen=True)
class SupplementContext:
    """What the supplement's and the change table's texts may use (documented in clauses/README.md):
    the new version's base context plus the facts of the change. ``names()`` is what the texts receive."""

    base: BaseContext
    old: Consortium
    amendment: Amendment | None
    original_title: str
    original_parties: str
    serial: int
    serial_name: str
    previous: list[PriorSupplement]
    joined: list[JoiningUnit]
    left: list[LeavingUnit]
    updated_units: list[UpdatedUnit]
    changes_summary: list[str]
    tasks_reassigned: tuple[Reassignment, ...]
    tasks_added: tuple[Task, ...]
    tasks_removed: tuple[Task, ...]
    tasks_changed: tuple[str, ...]
    head_changed: bool
    chief_expert_changed: bool
    shares_changed: bool
    funding_changed: bool
    other_fields: tuple[str, ...]
    copies_total: int
    old_ref: Callable[[str], str]
    terms: ChangeTerms                                             # the agreed terms (change_terms.py)
    annexes: list[AnnexRevision] = field(default_factory=list)  # set by assemble_supplement
    revised_annex: dict[str, str] = field(default_factory=dict)  # key → 本补充协议附件N《…（变更后）》
    original_annex: dict[str, str] = field(default_factory=dict)  # key → 附件N《…》 in the original
    amended: list[AmendedArticle] | None = None                   # set by assemble_supplement
    library_differences: list[str] = field(default_factory=list)  # 修订对照表: articles whose clause changed

    def names(self) -> dict[str, Any]:
        """Return the names the texts may use: the base context's, then the change's and its terms'."""
        own = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("base", "terms")}
        if self.amended is None:
            del own["amended"]
        return {**self.base.names(), **own, **self.terms.names()}


def supplement_context(change: ChangeDraft, serial: int, previous: Sequence[str | PriorSupplement],
                       original_parties: Sequence[str] = ()) -> SupplementContext:
    """Return the names the supplement's texts may use (documented in clauses/README.md); original_parties
    are the names of the units that signed the original (default: the old version's units)."""
    cs = change.changeset
    old_numbers = change.old.numbers

    def old_ref(clause_id: str) -> str:
        if clause_id not in old_numbers:
            raise TemplateError(f"原协议中没有条款 {clause_id}，补充协议不能援引")
        return old_numbers[clause_id]

    names = {u.credit_code: u.name for u in [*cs.old.units, *cs.joined]}
    joined = []
    for unit in cs.joined:
        tasks = [_task_label(t) for t in cs.new.tasks if unit.credit_code in (t.owner, *t.participants)]
        joined.append(JoiningUnit(
            designation=change.designation(unit), name=unit.name, role=unit.role,
            tasks=tasks, cash=unit.resources.cash, people=unit.resources.people,
            in_kind=[i.description for i in unit.resources.in_kind],
            background_ip=[phrase("supplement.background_ip", ip=ip) for ip in unit.background_ip],
        ))
    left = []
    for unit in cs.left:
        departure = cs.departure(unit)
        if departure is None:
            raise TemplateError(f"{unit.name}退出但没有退出记录（amendment.departures）")
        handover = [phrase("supplement.handover", task=_task_label(r.task), owner=_name(names, r.new_owner))
                    for r in cs.tasks_reassigned if r.old_owner == unit.credit_code]
        left.append(LeavingUnit(designation=change.designation(unit), name=unit.name,
                                kind=departure.kind, reason=departure.reason,
                                effective_date=departure.effective_date, handover=handover))
    updated = [UpdatedUnit(u.old.name, _unit_change(u.old, u.new, change.designation(u.old)),
                           (u.old.address, u.old.contact) != (u.new.address, u.new.contact))
               for u in cs.updated_units
               if (u.old.name, u.old.address, u.old.legal_representative, u.old.contact, u.old.role,
                   u.old.kind, u.old.chain_position, u.old.background_ip)
               != (u.new.name, u.new.address, u.new.legal_representative, u.new.contact, u.new.role,
                   u.new.kind, u.new.chain_position, u.new.background_ip)]
    return SupplementContext(
        base=change.new.base,
        old=cs.old,
        amendment=cs.new.amendment,
        original_title=change.old.outline.title,
        original_parties=phrase("supplement.original_parties",
                                names=list(original_parties) or [u.name for u in cs.old.units]),
        serial=serial,
        serial_name=serial_name(serial),
        previous=[PriorSupplement.of(p) for p in previous],
        joined=joined,
        left=left,
        updated_units=updated,
        changes_summary=_summary(cs),
        tasks_reassigned=cs.tasks_reassigned, tasks_added=cs.tasks_added,
        tasks_removed=cs.tasks_removed, tasks_changed=cs.tasks_changed,
        head_changed=cs.head_changed, chief_expert_changed=cs.chief_expert_changed,
        shares_changed=cs.shares_changed, funding_changed=cs.funding_changed,
        other_fields=cs.other_fields,
        copies_total=len(change.parties) * cs.new.copies_per_party + cs.new.copies_for_filing,
        old_ref=old_ref,
        terms=change_terms(cs, change.designation),
    )


_REVISABLE = ("members", "tasks", "funding", "background_ip")


def revised_annexes(change: ChangeDraft, agreement_texts: DocumentTexts,
                    supplement_texts: DocumentTexts) -> list[tuple[str, Annex, Annex]]:
    """Return (original citation, original annex, revised annex) for each annex table the change alters."""
    agreement_names = agreement_texts.annexes
    numbered = {key: i for i, key in enumerate(agreement_names, start=1)}
    old_tables, new_tables = change.old.outline.annexes, change.new.outline.annexes
    changed = [k for k in _REVISABLE if old_tables[k] != new_tables[k]]
    out = []
    for index, key in enumerate(changed, start=1):
        revised = new_tables[key]
        title = annex_heading(index, supplement_texts.annexes[key])
        out.append((annex_citation(numbered[key], agreement_names[key]),
                    replace(revised, title=title),  # the agreement's annex as it now is, every table of it
                    old_tables[key]))
    return out


def _texts(library: Library, document: DocumentKind) -> DocumentTexts:
    texts = library.documents.get(document)
    if texts is None:
        raise TemplateError(f"条款库 {library.folder} 缺少{_WHAT[document]}（document: {document}）")
    return texts


_WHAT = {DocumentKind.SUPPLEMENT: "补充协议文字", DocumentKind.AGREEMENT: "协议文字",
         DocumentKind.CHANGE_TABLE: "修订对照表文字"}  # for the error message only


def assemble_supplement(change: ChangeDraft, library: Library, supplement_library: Library, *, serial: int,
                        previous: Sequence[str | PriorSupplement], draft: bool = False,
                        findings: tuple[str, ...] = (), original_parties: Sequence[str] = ()) -> Supplement:
    """Return the supplementary agreement's outline for this change; findings (a draft's unresolved
    errors) are listed on its first page under the texts' ``note``."""
    cs = change.changeset
    texts = _texts(supplement_library, DocumentKind.SUPPLEMENT)
    amendment = cs.new.amendment
    if amendment is None:
        raise TemplateError("新版本没有 amendment（补充协议签订日期和变更原因），不能起草补充协议")
    annexes = revised_annexes(change, _texts(library, DocumentKind.AGREEMENT), texts)
    revisions = [AnnexRevision(original, annex_citation(i, texts.annexes[annex.key]))
                 for i, (original, annex, _) in enumerate(annexes, start=1)]
    revised = {annex.key: phrase("supplement.revised_annex", citation=annex_citation(i, texts.annexes[annex.key]))
               for i, (_, annex, _) in enumerate(annexes, start=1)}
    agreement_names = _texts(library, DocumentKind.AGREEMENT).annexes
    original = {key: annex_citation(i, name) for i, (key, name) in enumerate(agreement_names.items(), start=1)}
    context = replace(supplement_context(change, serial, previous, original_parties), annexes=revisions,
                      revised_annex=revised, original_annex=original, amended=list(change.amended)).names()
    articles, numbers = render_articles(supplement_library, context)
    full = with_ref(supplement_library, context, numbers)
    title = render_text(texts.title, "supplement.title.txt", full).strip()
    return Supplement(
        title=title,
        number=amendment.number or "",
        draft=draft,
        serial=serial,
        signing_place=amendment.signing_place or cs.old.signing_place,
        signing_date=cn_date(amendment.signing_date),
        parties=party_rows(list(change.parties)),
        recitals=tuple(number_items(render_text(texts.recitals, "supplement.recitals.txt", full))),
        articles=articles,
        closing=texts.closing,
        annexes={annex.key: annex for _, annex, _ in annexes},
        signature_heading=render_text(texts.signature_heading, "supplement.signature_heading.txt",
                                      {**full, "title": title}).strip(),
        signatures=tuple(Signature.of(p) for p in change.parties),
        clause_versions={a.id: a.version for a in articles},
        findings=findings,
        findings_heading=texts.note if findings else "",
    )


def _fact_rows(change: ChangeDraft, words: dict[str, str]) -> list[ChangeRow]:
    """Return the change table's rows for what the annexes hold: members, the lead unit, task owners,
    each unit's funding and its background IP."""
    from docgen.clauses.library import load_library

    cs = change.changeset
    names = _texts(load_library(), DocumentKind.AGREEMENT).annexes
    where = {key: phrase("change_table.where_annex", annex=annex_citation(i, name))
             for i, (key, name) in enumerate(names.items(), start=1)}
    role = {p.unit.credit_code: p for p in change.parties}
    units = {u.credit_code: u for u in [*cs.old.units, *cs.joined]}

    def party(code: str, version: Consortium) -> str:
        """The party as it stands in version: its name and role there (牵头单位 or 成员单位), never the
        supplement's label for what happens to it (退出成员单位, 新加入成员单位)."""
        name = _unit_name(version, code)
        label = phrase("parties.lead_role") if code == version.lead.credit_code else phrase("parties.member_role")
        return phrase("change_table.party", designation=role[code].designation, name=name, role=label)

    rows = [ChangeRow(phrase("change_table.member_clause", where=where["members"]), (party(u.credit_code, cs.old),),
                      (words["left"],)) for u in cs.left]
    rows += [ChangeRow(phrase("change_table.member_clause", where=where["members"]), (words["before_none"],),
                       (party(u.credit_code, cs.new),)) for u in cs.joined]
    rows += [ChangeRow(phrase("change_table.name_clause", where=where["members"]),
                       (party(u.old.credit_code, cs.old),), (party(u.new.credit_code, cs.new),))
             for u in cs.updated_units if u.old.name != u.new.name]
    if cs.old.lead.credit_code != cs.new.lead.credit_code:
        rows.append(ChangeRow(phrase("change_table.lead_clause", where=where["members"]),
                              (party(cs.old.lead.credit_code, cs.old),), (party(cs.new.lead.credit_code, cs.new),)))
    rows += [ChangeRow(phrase("change_table.task_clause", id=r.task.id, where=where["tasks"]),
                       (units[r.old_owner].name,), (units[r.new_owner].name,)) for r in cs.tasks_reassigned]
    old_tasks = {t.id: t for t in cs.old.tasks}
    for task in cs.new.tasks:
        earlier = old_tasks.get(task.id)
        if earlier is None:
            continue
        if list(earlier.participants) != list(task.participants):
            rows.append(ChangeRow(
                phrase("change_table.participants_clause", id=task.id, where=where["tasks"]),
                (phrase("change_table.participants", names=[_unit_name(cs.old, c) for c in earlier.participants]),),
                (phrase("change_table.participants", names=[_unit_name(cs.new, c) for c in task.participants]),)))
        before_budget = sum((line.amount for line in earlier.budget), Decimal(0))
        after_budget = sum((line.amount for line in task.budget), Decimal(0))
        if before_budget != after_budget:
            rows.append(ChangeRow(phrase("change_table.budget_clause", id=task.id, where=where["tasks"]),
                                  (phrase("change_table.budget_total", total=before_budget),),
                                  (phrase("change_table.budget_total", total=after_budget),)))
    for code, unit in units.items():
        before = sum((f.amount for f in cs.old.funding if f.unit == code), Decimal(0))
        after = sum((f.amount for f in cs.new.funding if f.unit == code), Decimal(0))
        if before != after:
            rows.append(ChangeRow(phrase("change_table.funding_clause", name=unit.name, where=where["funding"]),
                                  (phrase("change_table.funding_total", total=before) if before else
                                   words["before_none"],),
                                  (phrase("change_table.funding_total", total=after) if after else
                                   words["after_deleted"],)))
        was, now = cs.old.unit(code), cs.new.unit(code)
        old_ip = was.background_ip if was is not None else []
        new_ip = now.background_ip if now is not None else []
        if old_ip != new_ip:
            rows.append(ChangeRow(phrase("change_table.ip_clause", name=unit.name, where=where["background_ip"]),
                                  tuple(phrase("change_table.ip_item", ip=ip) for ip in old_ip)
                                  or (words["before_none"],),
                                  tuple(phrase("change_table.ip_item", ip=ip) for ip in new_ip)
                                  or (words["after_deleted"],)))
    return rows


def _unit_name(version: Consortium, credit_code: str) -> str:
    """Return the unit's name in version; TemplateError when version has no such unit."""
    unit = version.unit(credit_code)
    if unit is None:
        raise TemplateError(f"统一社会信用代码 {credit_code} 不是该版本的单位")
    return unit.name


def assemble_change_table(change: ChangeDraft, supplement_library: Library, *, serial: int,
                          draft: bool = False, differences: list[str] | None = None) -> ChangeTable:
    """Return the 修订对照表: the membership, task, funding and background-IP changes (with the annex that
    holds them), then one row per amended article, each before and after, with its number in the original
    and in the consolidated text.

    differences names the original's articles whose clause the library has changed since the original
    was drafted (``library_differences``); the introduction warns of them.
    """
    texts = _texts(supplement_library, DocumentKind.CHANGE_TABLE)
    context = replace(supplement_context(change, serial, []), library_differences=differences or []).names()
    words = phrase_map("change_table")
    rows = _fact_rows(change, words)
    for a in change.amended:
        where = a.old_number or phrase("change_table.added_where", anchor=a.after_number)
        renumbered = phrase("change_table.renumbered", number=a.new_number) if a.new_number else ""
        rows.append(ChangeRow(phrase("change_table.clause", where=where, renumbered=renumbered, title=a.title),
                              a.before or (words["before_none"],), a.after or (words["after_deleted"],)))

    def render(field: str) -> str:
        return render_text(getattr(texts, field), f"change_table.{field}.txt", context).strip()

    return ChangeTable(
        title=render("title"),
        subtitle=render("subtitle"),
        draft=draft,
        intro=tuple(number_items(render("intro"))),
        rows=tuple(rows),
        note=render("note"),
    )
