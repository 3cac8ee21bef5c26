"""The one clause engine: select the clauses that apply, number them, pick variants, render, number items.

Every document made of articles (the formation agreement, the supplementary agreement) and the clause
lint go through these steps, in this order:

1. ``applicable``   — the clauses whose ``when`` is true, grouped by chapter (chapters in library order);
2. ``number_articles`` — {clause id: 第N条}, numbered across the whole document;
3. ``with_ref``     — the context plus ``ref(id)``, which prints another applicable article's number;
4. ``select_variant`` — the variant the clause's ``select`` value names (None without variants);
5. ``render_clause`` — the variant's text rendered with the context, split into numbered paragraphs
   (``number_items``: "- " items （一）, "  - " sub-items 1., "> " quoted paragraphs).

``render_articles`` runs all five and returns the numbered ``Article`` records; ``render_article`` renders
one clause (the lint calls it clause by clause to report every problem, not just the first).

A clause with ``each`` (a Jinja expression giving a list, e.g. ``left``) is one article per element, the
element bound as ``item``; its ``select`` is evaluated per element, so each leaving unit's article takes
the variant its own terms name. ``ref`` to such a clause prints its first article's number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import meta

from docgen.clauses.library import Clause, Library
from docgen.errors import TemplateError
from docgen.formatting import cn_number
from docgen.render.docx import environment, render_expression, render_text

__all__ = [
    "Article", "Chapter", "Ref", "applicable", "article_number", "chapter_heading", "chapters",
    "clause_text", "instances", "number_articles", "number_items", "render_article", "render_articles",
    "render_clause", "select_variant", "uses_ref", "with_ref",
]

Ref = Callable[[str], str]


@dataclass(frozen=True)
class Article:
    """One numbered article: its clause id, number, title and paragraphs (items already numbered)."""

    id: str
    number: str
    title: str
    paragraphs: tuple[str, ...]
    version: str
    variant: str | None = None
    chapter: str = ""


@dataclass(frozen=True)
class Chapter:
    """One chapter: its heading (第一章　总则) and its articles."""

    heading: str
    articles: tuple[Article, ...]


def article_number(n: int) -> str:
    """Return the number of the n-th article: 第一条."""
    return f"第{cn_number(n)}条"


def chapter_heading(n: int, name: str) -> str:
    """Return the heading of the n-th chapter: 第一章　总则."""
    return f"第{cn_number(n)}章　{name}"


# --- items ---------------------------------------------------------------------------------------

_ITEM_STYLES: dict[str, tuple[Callable[[int], str], Callable[[int], str]]] = {
    "contract": (lambda n: f"（{cn_number(n)}）", lambda n: f"{n}."),
    "plan": (lambda n: f"（{n}）", lambda n: chr(0x245F + n) if n <= 20 else f"{n})"),
}


ItemLabels = tuple[Callable[[int], str], Callable[[int], str]]


def number_items(text: str, style: str | ItemLabels = "contract") -> list[str]:
    """Return the paragraphs of a rendered text, with "- " items numbered.

    Paragraphs are separated by blank lines; the lines of one paragraph are joined without a space
    (Chinese has none). "- " starts an item and "  - " a sub-item, each its own paragraph. A contract
    numbers them （一） and 1.; a plan, whose headings already use 一、（一）1., numbers them （1） and ①;
    style may also be a pair of labelling functions (item, sub-item), as the plan's levels need.
    Item numbering restarts after an ordinary paragraph. "> " starts a quoted paragraph (an amended
    article's new wording), which stands alone and does not restart the numbering.
    """
    item_label, sub_label = _ITEM_STYLES[style] if isinstance(style, str) else style
    paragraphs: list[str] = []
    current: list[str] | None = None
    item = sub = 0
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or raw.startswith(("- ", "  - ", "> ")):
            if current:
                paragraphs.append("".join(current))
            current = None
        if not stripped:
            continue
        if raw.startswith("  - "):
            sub += 1
            current = [sub_label(sub) + raw[4:].strip()]
        elif raw.startswith("- "):
            item, sub = item + 1, 0
            current = [item_label(item) + raw[2:].strip()]
        elif raw.startswith("> "):  # a quoted paragraph: its own paragraph, numbering continues after it
            paragraphs.append(raw[2:].strip())
        elif current is not None:
            current.append(stripped)
        else:
            item = sub = 0
            current = [stripped]
    if current:
        paragraphs.append("".join(current))
    return paragraphs


# --- the steps -----------------------------------------------------------------------------------

def applicable(library: Library, context: Mapping[str, Any]) -> list[Clause]:
    """Return the clauses whose ``when`` is true, grouped by chapter in the library's chapter order."""
    chosen = [cl for cl in library.clauses if cl.when is None or render_expression(cl.when, cl.id, dict(context))]
    order = list(dict.fromkeys(cl.chapter for cl in chosen))
    return [cl for chapter in order for cl in chosen if cl.chapter == chapter]


def instances(clause: Clause, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the contexts the clause is rendered with: one, or one per element of ``each`` (as ``item``)."""
    if clause.each is None:
        return [dict(context)]
    items = render_expression(clause.each, clause.id, dict(context))
    return [{**context, "item": item} for item in (items or [])]


def number_articles(library: Library, context: Mapping[str, Any]) -> tuple[list[Clause], dict[str, str]]:
    """Return the clauses that apply (``when`` true, ``each`` not empty), grouped by chapter, and
    {clause id: 第N条} (a clause with ``each``: the number of its first article)."""
    clauses = [cl for cl in applicable(library, context) if cl.each is None or instances(cl, context)]
    numbers: dict[str, str] = {}
    n = 1
    for cl in clauses:
        numbers[cl.id] = article_number(n)
        n += 1 if cl.each is None else len(instances(cl, context))
    return clauses, numbers


def with_ref(library: Library, context: Mapping[str, Any], numbers: Mapping[str, str]) -> dict[str, Any]:
    """Return context plus ``ref``, which prints the number of another applicable article."""
    known = {c.id for c in library.clauses}

    def ref(clause_id: str) -> str:
        if clause_id in numbers:
            return numbers[clause_id]
        if clause_id in known:
            raise TemplateError(f"引用的条款 {clause_id} 在本文件中不适用（when 为假），不能引用")
        raise TemplateError(f"引用了不存在的条款 {clause_id}")

    return {**context, "ref": ref}


def select_variant(clause: Clause, context: Mapping[str, Any]) -> str | None:
    """Return the key of the clause's variant for this context (None for a clause without variants)."""
    if clause.select is None:
        return None
    value = render_expression(clause.select, clause.id, dict(context))
    return clause.default_variant.key if value in (None, "") else clause.variant(str(value)).key


def clause_text(clause: Clause, variant: str | None) -> str:
    """Return the text of the clause, or of its variant; TemplateError if the clause has neither."""
    text = clause.variant(variant).text if variant else clause.text
    if text is None:
        raise TemplateError(f"条款 {clause.id} 没有文字（有 variants 的条款须指明变体）")
    return text


@lru_cache(maxsize=1024)
def _undeclared(text: str) -> frozenset[str]:
    return frozenset(meta.find_undeclared_variables(environment().parse(text)))


def uses_ref(clause: Clause, variant: str | None) -> bool:
    """Return True if the clause's (variant's) text calls ``ref``: only such a text changes with numbering."""
    return "ref" in _undeclared(clause_text(clause, variant))


def render_clause(clause: Clause, variant: str | None, context: Mapping[str, Any]) -> list[str]:
    """Return the paragraphs of one clause (one variant, if it has variants) rendered with context."""
    name = f"{clause.id}{'/' + variant if variant else ''}.txt"
    return number_items(render_text(clause_text(clause, variant), name, dict(context)))


def render_article(clause: Clause, number: str, context: Mapping[str, Any], *,
                   variant: str | None = None, allow_empty: bool = False) -> Article:
    """Return one numbered article: its variant (unless given) selected and its text rendered.

    context must hold ``ref`` (see ``with_ref``). An article that renders no text is a TemplateError
    unless allow_empty.
    """
    chosen = variant if variant is not None else select_variant(clause, context)
    paragraphs = render_clause(clause, chosen, context)
    if not paragraphs and not allow_empty:
        raise TemplateError(f"条款 {clause.id} 对本输入没有生成任何文字")
    return Article(clause.id, number, clause.title, tuple(paragraphs), clause.version, chosen, clause.chapter)


def render_articles(library: Library, context: Mapping[str, Any], *, ref: Ref | None = None,
                    allow_empty: bool = False) -> tuple[tuple[Article, ...], dict[str, str]]:
    """Return the numbered articles of the clauses that apply, and {clause id: 第N条}.

    ref, when given, replaces the reference function (to print another version's numbers).
    """
    clauses, numbers = number_articles(library, context)
    full = with_ref(library, context, numbers)
    if ref is not None:
        full["ref"] = ref
    articles: list[Article] = []
    for cl in clauses:
        for item_context in instances(cl, full):
            articles.append(render_article(cl, article_number(len(articles) + 1), item_context,
                                           allow_empty=allow_empty))
    return tuple(articles), numbers


def chapters(articles: tuple[Article, ...], *, first: int = 1) -> tuple[Chapter, ...]:
    """Return the articles grouped into numbered chapters, in the order the chapters first appear."""
    names = list(dict.fromkeys(a.chapter for a in articles))
    return tuple(Chapter(chapter_heading(i, name), tuple(a for a in articles if a.chapter == name))
                 for i, name in enumerate(names, start=first))
