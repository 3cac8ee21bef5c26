"""The agreement as amended: for the redline, with its signature page, and as the reading copy (汇编本).

``amended_agreement`` is the new version's agreement drafted with the party register after the change
(``docgen.drafting.register``): every party under the designation it has for the life of the agreement
(joiners appended, a leaver's designation retired and its place in the per-party lists marked as left)
and, after a lead replacement, the roles as they now are. ``reading_copy`` makes it a 汇编本: titled as
such, a legend on every page, a cover note instead of a signing place and date, no signature page.
"""

from __future__ import annotations

from dataclasses import dataclass

from docgen.clauses.engine import Chapter
from docgen.clauses.library import DocumentTexts
from docgen.drafting.agreement import Agreement, Annex, PartyRow
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


def amended_agreement(change: ChangeDraft, *, draft: bool = False) -> Agreement:
    """Return the agreement as amended, with its signature page: the new version drafted with the party
    register after the change, so every party keeps its designation (preamble, articles, annexes and
    signatures alike) and each party that has left is marked so in the per-party lists."""
    return change.new.agreement(draft=draft)


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
