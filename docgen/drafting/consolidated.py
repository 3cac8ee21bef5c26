"""The agreement as amended: for the redline, with its signature page, and as the reading copy (汇编本).

``amended_agreement`` is the new version's agreement drafted with the party register after the change
(``docgen.drafting.register``): every party under the designation it has for the life of the agreement
(joiners appended, a leaver's designation retired and its place in the per-party lists marked as left).
What no supplement amends stays as signed: the recitals (鉴于) and each party's role label in the
preamble (甲方（牵头单位）, 乙方N（成员单位）) are the original's, even after a lead replacement, which
the amended articles (第四条's definition of 牵头单位 and so on) carry. ``reading_copy`` makes it a 汇编本:
titled as such, a legend on every page, a cover note instead of a signing place and date, no signature
page, and each party that has left listed in the preamble under its designation, marked as left.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from docgen.clauses.engine import Article, Chapter
from docgen.clauses.library import DocumentTexts
from docgen.clauses.phrases import phrase
from docgen.drafting.agreement import Agreement, Annex, PartyRow
from docgen.drafting.register import PartyRegister
from docgen.drafting.supplement import ChangeDraft, serial_name
from docgen.render.docx import render_text

__all__ = ["PreambleParty", "ReadingCopy", "amended_agreement", "reading_copy"]


@dataclass(frozen=True)
class PreambleParty(PartyRow):
    """A party's block in the 汇编本's preamble; a party that has left shows its designation, name and
    credit code with ``note`` (已依照第N号补充协议退出) and no address or contact."""

    note: str = ""
    retired: bool = False


@dataclass(frozen=True)
class ReadingCopy:
    """The 汇编本 as plain data, ready for templates/zh_CN/consolidated_agreement.docx."""

    title: str
    legend: str
    cover_note: str
    number: str
    draft: bool
    parties: tuple[PartyRow, ...]          # the parties as they now are (the cover lists them by role)
    preamble: tuple[PreambleParty, ...]    # the preamble: role labels as signed, leavers marked
    recitals: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    closing: str
    annexes: dict[str, Annex]
    clause_versions: dict[str, str]


def amended_agreement(change: ChangeDraft, *, draft: bool = False) -> Agreement:
    """Return the agreement as amended, with its signature page: the new version drafted with the party
    register after the change, so every party keeps its designation (preamble, articles, annexes and
    signatures alike) and each party that has left is marked so in the per-party lists."""
    amended = change.new.agreement(draft=draft)
    signed = _signed_roles(change.after)
    parties = tuple(replace(p, role=signed.get(p.credit_code, p.role)) for p in amended.parties)
    return replace(amended, parties=parties, recitals=change.old.outline.recitals)


def _signed_roles(register: PartyRegister) -> dict[str, str]:
    """Return each party's role label as the agreement that made it a party states it: 甲方 signed the
    original as the lead unit, every other party signed or joined as a member."""
    return {p.credit_code: phrase("parties.lead_role") if p.number == 0 else phrase("parties.member_role")
            for p in register.parties}


def _preamble(amended: Agreement, register: PartyRegister) -> tuple[PreambleParty, ...]:
    """Return the 汇编本's preamble: the current parties (role labels as signed) and, in designation
    order among them, each party that has left, marked with the supplement it left by."""
    signed = _signed_roles(register)
    rows: list[tuple[int, PreambleParty]] = []
    for row in amended.parties:
        entry = register.get(row.credit_code)
        rows.append((entry.number if entry is not None else len(register.parties),
                     PreambleParty(**{**vars(row), "role": signed.get(row.credit_code, row.role)})))
    for p in register.retired:
        note = phrase("consolidated.left_note", left_by=serial_name(p.left or 0))
        rows.append((p.number, PreambleParty(p.designation, signed[p.credit_code], p.name, p.credit_code,
                                             "", "", "", "", "", note=note, retired=True)))
    return tuple(row for _, row in sorted(rows, key=lambda r: r[0]))


# the supplement's articles whose content the 汇编本 merges: the amended articles and the revised annexes
_MERGED = ("supplement.amendments", "supplement.annexes")
# the supplement's own articles about itself (summary, precedence, filing, effect): neither merged nor special
_FRAME = ("supplement.summary", "supplement.precedence", "supplement.filing", "supplement.effect")


def reading_copy(change: ChangeDraft, texts: DocumentTexts, names: dict[str, object], *, serial: int,
                 draft: bool = False, supplement_articles: tuple[Article, ...] = ()) -> ReadingCopy:
    """Return the 汇编本 after the supplements numbered 1..serial.

    names are the supplement's text names (``SupplementContext.names()``); supplement_articles the
    supplement's articles, so the cover note can say which of them the 汇编本 merges (``merged``: the
    amended articles and revised annexes) and which stay in the supplement only (``specific``: the
    special terms, ``specific_contiguous`` when they run without a gap). ``renumbered`` tells whether
    an article was added or deleted, so the 汇编本's numbers differ from the original's.
    """
    amended = change.new.agreement(draft=draft)
    specific = [a for a in supplement_articles if a.id not in (*_MERGED, *_FRAME)]
    positions = [supplement_articles.index(a) for a in specific]
    context = {**names, "supplements": [serial_name(n) for n in range(1, serial + 1)],
               "merged": [a for a in supplement_articles if a.id in _MERGED], "specific": specific,
               "specific_contiguous": positions == list(range(positions[0], positions[0] + len(positions)))
               if positions else False,
               "renumbered": any(a.old_number != a.new_number for a in change.amended)}

    def render(field: str) -> str:
        return render_text(getattr(texts, field), f"consolidated.{field}.txt", context).strip()

    return ReadingCopy(
        title=render("title"), legend=render("subtitle"), cover_note=render("intro"),
        number=amended.number, draft=draft, parties=amended.parties,
        preamble=_preamble(amended, change.after), recitals=change.old.outline.recitals,
        chapters=amended.chapters, closing=texts.closing, annexes=amended.annexes,
        clause_versions=amended.clause_versions)
