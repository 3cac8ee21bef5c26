"""Mark the changes between the original and the consolidated agreement as Word tracked changes.

The two agreements' outlines are matched article by article (by clause id); within a changed article,
paragraphs are aligned and each pair is compared character by character (Chinese has no word breaks),
so a reviewer sees exactly the words that changed as insertions and deletions that Word can accept or
reject. Articles the change removes keep their place, all deleted. The result is an Agreement whose
article paragraphs are run XML for the redline template's ``{{r para }}`` slots.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from html import escape as _html_escape

from markupsafe import Markup

from docgen.clauses.phrases import phrase
from docgen.drafting.agreement import Agreement, Article, Chapter

__all__ = ["redline"]

AUTHOR = "docgen"


def escape(text: str) -> str:
    """Return text escaped for XML element content (&, <, >)."""
    return _html_escape(text, quote=False)


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


class _Marks:
    """Build w:ins / w:del runs with the unique ids Word requires."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def inserted(self, text: str) -> str:
        return (f'<w:ins w:id="{next(self._ids)}" w:author="{AUTHOR}">'
                f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:ins>')

    def deleted(self, text: str) -> str:
        return (f'<w:del w:id="{next(self._ids)}" w:author="{AUTHOR}">'
                f'<w:r><w:delText xml:space="preserve">{escape(text)}</w:delText></w:r></w:del>')

    def compare(self, old: str, new: str) -> str:
        """Return the run XML turning old into new, character by character."""
        parts = []
        for op, i1, i2, j1, j2 in _coalesce(difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()):
            if op == "equal":
                parts.append(_run(old[i1:i2]))
            if op in ("delete", "replace"):
                parts.append(self.deleted(old[i1:i2]))
            if op in ("insert", "replace"):
                parts.append(self.inserted(new[j1:j2]))
        return "".join(parts)


# An unchanged stretch this short between two changes is folded into them: "杭州云澜算力" → "青岛海图智算"
# reads as one replaced name, not five fragments around a shared "算".
_SHORT_EQUAL = 2

Opcode = tuple[str, int, int, int, int]


def _coalesce(opcodes: Sequence[Opcode]) -> list[Opcode]:
    """Return opcodes with short equal stretches between changes merged into one replacement."""
    out: list[Opcode] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        between_changes = 0 < index < len(opcodes) - 1 and out and out[-1][0] != "equal"
        if op == "equal" and between_changes and i2 - i1 <= _SHORT_EQUAL:
            op = "replace"
        if op != "equal" and out and out[-1][0] != "equal":
            _, a1, _, b1, _ = out.pop()
            out.append(("replace", a1, i2, b1, j2))
        else:
            out.append((op, i1, i2, j1, j2))
    return out


def _paragraphs(marks: _Marks, old: tuple[str, ...], new: tuple[str, ...]) -> Iterator[str]:
    """Yield the run XML of each paragraph of an article, old paragraphs aligned with new ones."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            yield from (_run(p) for p in new[j1:j2])
            continue
        before, after = old[i1:i2], new[j1:j2]
        for a, b in itertools.zip_longest(before, after):
            if a is None:
                yield marks.inserted(b)
            elif b is None:
                yield marks.deleted(a)
            else:
                yield marks.compare(a, b)


def redline(old: Agreement, new: Agreement) -> Agreement:
    """Return new with every article's paragraphs as run XML marking the changes from old."""
    marks = _Marks()
    old_articles = {a.id: a for a in old.articles}
    new_ids = {a.id for a in new.articles}
    # a removed article is shown, all deleted, after the article that preceded it in the original
    removed_after: dict[str | None, list[Article]] = {}
    previous: str | None = None
    for article in old.articles:
        if article.id not in new_ids:
            removed_after.setdefault(previous, []).append(article)
        else:
            previous = article.id

    def marked(article: Article) -> Article:
        before = old_articles.get(article.id)
        paragraphs = tuple(Markup(p) for p in _paragraphs(marks, before.paragraphs if before else (),
                                                          article.paragraphs))
        return replace(article, paragraphs=paragraphs)

    def removed(article: Article) -> Article:
        return replace(article, title=phrase("redline.deleted_title", title=article.title),
                       paragraphs=tuple(Markup(marks.deleted(p)) for p in article.paragraphs))

    chapters = []
    leading = [removed(a) for a in removed_after.get(None, [])]
    for chapter in new.chapters:
        articles: list[Article] = leading
        leading = []
        for article in chapter.articles:
            articles.append(marked(article))
            articles.extend(removed(a) for a in removed_after.get(article.id, []))
        chapters.append(Chapter(chapter.heading, tuple(articles)))
    return replace(new, chapters=tuple(chapters), title=new.title)
