"""The agreement as amended: for the redline, with its signature page, and as the reading copy (汇编本).

``amended_agreement`` is the new version's agreement with every party under its designation in the
supplement (the original's designations kept, joiners appended, leavers gone) and, after a lead
replacement, the roles as they now are. ``reading_copy`` makes it a 汇编本: titled as such, a legend on
every page, a cover note instead of a signing place and date, no signature page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from docgen.clauses.engine import Chapter
from docgen.clauses.library import DocumentTexts
from docgen.clauses.phrases import phrase_map
from docgen.drafting.agreement import Agreement, Annex, Party, PartyRow, Signature, party_rows
from docgen.drafting.supplement import ChangeDraft, serial_name
from docgen.render.docx import render_text

__all__ = ["ReadingCopy", "amended_agreement", "reading_copy"]


@dataclass(frozen=True)
class ReadingCopy:
    """The 汇编本 as plain data, ready for templates/zh_CN/consolidated_agreement.docx."""

    title: str
    legend: str
    cover_note: str
    number: str
    draft: bool
    parties: tuple[PartyRow, ...]
    recitals: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    closing: str
    annexes: dict[str, Annex]
    clause_versions: dict[str, str]


def _current_parties(change: ChangeDraft) -> list[Party]:
    """Return the parties of the new version under their supplement designations, in designation order."""
    new = change.changeset.new
    current = {u.credit_code: u for u in new.units}
    roles = phrase_map("parties")
    return [Party(p.designation, roles["lead_role" if p.unit.credit_code == new.lead.credit_code else "member_role"],
                  current[p.unit.credit_code])
            for p in change.parties if p.unit.credit_code in current]


def amended_agreement(change: ChangeDraft, *, draft: bool = False) -> Agreement:
    """Return the agreement as amended, parties designated as in the supplement, with its signature page."""
    parties = _current_parties(change)
    outline = change.new.agreement(draft=draft)
    return replace(outline, parties=party_rows(parties), signatures=tuple(Signature.of(p) for p in parties))


def reading_copy(change: ChangeDraft, texts: DocumentTexts, names: dict[str, object], *, serial: int,
                 draft: bool = False) -> ReadingCopy:
    """Return the 汇编本 after the supplements numbered 1..serial.

    names are the supplement's text names (``SupplementContext.names()``).
    """
    amended = amended_agreement(change, draft=draft)
    context = {**names, "supplements": [serial_name(n) for n in range(1, serial + 1)]}

    def render(field: str) -> str:
        return render_text(getattr(texts, field), f"consolidated.{field}.txt", context).strip()

    return ReadingCopy(
        title=render("title"), legend=render("subtitle"), cover_note=render("intro"),
        number=amended.number, draft=draft, parties=amended.parties, recitals=amended.recitals,
        chapters=amended.chapters, closing=texts.closing, annexes=amended.annexes,
        clause_versions=amended.clause_versions)
