"""Assemble each unit's integrity commitment (诚信承诺书, 指引 七（四）) as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docgen.clauses.library import DocumentTexts
from docgen.clauses.phrases import phrase
from docgen.drafting.agreement import BaseContext, base_context, number_items, parties
from docgen.input.model import Consortium
from docgen.render.docx import render_text

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
                         joined: tuple[str, ...] = ()) -> list[Commitment]:
    """Return one commitment per unit, the lead unit first (base: its base_context, if computed).

    change names the supplement (第一号) when the commitments accompany a member change: the filing is
    then a 备案变更, not a 备案申请; joined lists the credit codes of the units the change adds, whose
    letters certify the supplement rather than the formation.
    """
    names = (base if base is not None else base_context(c)).names()
    letters = []
    for party in parties(c):
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
