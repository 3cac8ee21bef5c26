"""Assemble each unit's integrity commitment (诚信承诺书, 指引 七（四）) as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docgen.clauses.library import DocumentTexts
from docgen.clauses.phrases import phrase
from docgen.drafting.agreement import BaseContext, base_context, number_items, parties
from docgen.input.model import Consortium
from docgen.render.docx import render_text

if TYPE_CHECKING:
    from docgen.rules.change import ChangeSet

__all__ = ["Commitment", "assemble_commitments"]


@dataclass(frozen=True)
class Commitment:
    """One unit's commitment letter, ready for the template."""

    credit_code: str
    unit_name: str
    title: str
    draft: bool
    addressee: str
    paragraphs: tuple[str, ...]
    items: tuple[str, ...]
    closing: tuple[str, ...]
    signer_label: str
    date_line: str  # a deliberate blank (phrases: commitment.date_line): dated when signed


def assemble_commitments(c: Consortium, texts: DocumentTexts, *, draft: bool = False,
                         base: BaseContext | None = None, change: str = "",
                         joined: tuple[str, ...] = (), only: frozenset[str] | None = None) -> list[Commitment]:
    """Return one commitment per unit, the lead unit first (base: its base_context, if computed).

    change names the supplement (第一号) when the commitments accompany a member change: the filing is
    then a 备案变更, not a 备案申请; joined lists the credit codes of the units the change adds, whose
    letters certify the supplement rather than the formation; only, when given, are the credit codes of
    the units that issue one (``commitment_reasons``).
    """
    names = (base if base is not None else base_context(c)).names()
    letters = []
    for party in parties(c):
        if only is not None and party.unit.credit_code not in only:
            continue
        context = {**names, "unit": party.unit, "role": party.role, "change": change,
                   "joined": party.unit.credit_code in joined}

        def render(field: str, context: dict[str, Any] = context) -> tuple[str, ...]:
            text = render_text(getattr(texts, field), f"commitment.{field}.txt", context)
            return tuple(number_items(text))

        letters.append(Commitment(
            credit_code=party.unit.credit_code,
            unit_name=party.unit.name,
            title=render_text(texts.title, "commitment.title.txt", context).strip(),
            draft=draft,
            addressee=render_text(texts.addressee, "commitment.addressee.txt", context).strip(),
            paragraphs=render("paragraphs"),
            items=render("items"),
            closing=render("closing"),
            signer_label=texts.signer_label,
            date_line=phrase("commitment.date_line"),
        ))
    return letters


_DETAILS = ("name", "address", "legal_representative", "kind", "role", "chain_position", "background_ip")


def commitment_reasons(cs: ChangeSet) -> dict[str, list[str]]:
    """Return, for each unit of the new version (credit code), why its 诚信承诺书 is issued again with the
    备案变更 (phrases: change_commitments), or an empty list when the one it gave stays true.

    A commitment certifies that the materials a unit files are true and that it will contribute what it
    promised (指引 七（四）). A joiner has given none; the lead unit (or its successor) files the change;
    a replaced lead is no longer the lead it certified it was; a unit whose details, contribution or
    tasks change certifies new facts. Every other member's commitment is unchanged in substance, and
    asking it to sign and seal again only delays the filing.
    """
    from docgen.rules.change import contribution_changed  # only a change run needs the change rules

    reasons: dict[str, list[str]] = {u.credit_code: [] for u in cs.new.units}
    replaced = cs.old.lead.credit_code != cs.new.lead.credit_code
    for unit in cs.joined:
        reasons[unit.credit_code].append(phrase("change_commitments.joined"))
    reasons[cs.new.lead.credit_code].append(phrase("change_commitments.successor_lead" if replaced
                                                   else "change_commitments.lead"))
    if replaced and cs.old.lead.credit_code in reasons:
        reasons[cs.old.lead.credit_code].append(phrase("change_commitments.former_lead"))
    for update in cs.updated_units:
        if any(getattr(update.old, f) != getattr(update.new, f) for f in _DETAILS):
            reasons[update.new.credit_code].append(phrase("change_commitments.details"))
    for unit in contribution_changed(cs):
        reasons[unit.credit_code].append(phrase("change_commitments.contribution"))
    joined = {u.credit_code for u in cs.joined}
    for move in cs.tasks_reassigned:
        if move.new_owner in reasons and move.new_owner not in joined:
            reasons[move.new_owner].append(phrase("change_commitments.tasks", task=move.task))
    return {code: list(dict.fromkeys(found)) for code, found in reasons.items()}
