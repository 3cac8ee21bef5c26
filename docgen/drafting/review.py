"""Assemble the reviewer's edition of the agreement (审阅本): a note per article and the non-default choices.

The edition is the signing text plus annotations, so it is computed from the same ``Agreement`` outline:
for each article, the clause id and version, the variant chosen with its alternatives, and the legal
basis; on a first page, every choice that differs from the clause library's default. The wording of
the notes lives in ``clauses/review/edition.yaml``; ``docgen.render.review`` writes them into the .docx.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from docgen.clauses.library import Library
from docgen.drafting.agreement import Agreement
from docgen.errors import TemplateError
from docgen.input.loading import read_yaml
from docgen.render.docx import render_text
from docgen.resources import clauses_dir

__all__ = ["ArticleNote", "ReviewEdition", "ReviewTexts", "assemble_review", "load_review_texts"]


class ReviewTexts(BaseModel):
    """The fixed texts of the reviewer's edition (clauses/review/edition.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str = Field(pattern="^review$")
    version: str = Field(min_length=1)
    mark: str = Field(min_length=1)
    author: str = Field(min_length=1)
    initials: str = Field(min_length=1)
    title: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    choices_heading: str = Field(min_length=1)
    choice: str = Field(min_length=1)
    no_choices: str = Field(min_length=1)
    comment: str = Field(min_length=1)


@lru_cache(maxsize=4)
def load_review_texts(path: Path | None = None) -> ReviewTexts:
    """Return the reviewer's edition texts; raise TemplateError naming the file when they are invalid."""
    path = path or clauses_dir() / "review" / "edition.yaml"
    try:
        return ReviewTexts.model_validate(read_yaml(path.read_text(encoding="utf-8")))
    except (OSError, ValidationError, ValueError) as exc:
        raise TemplateError(f"审阅本文字 {path} 无法读取或不完整：{exc}") from exc


@dataclass(frozen=True)
class ArticleNote:
    """The annotation of one article: its printed number and the comment's paragraphs."""

    number: str
    clause_id: str
    lines: tuple[str, ...]
    default: bool  # the article uses its clause's default text (or has no variants)


@dataclass(frozen=True)
class ReviewEdition:
    """What the reviewer's edition adds to the agreement: header mark, first page, one note per article."""

    mark: str
    author: str
    initials: str
    title: str
    intro: tuple[str, ...]
    choices_heading: str
    choices: tuple[str, ...]
    notes: tuple[ArticleNote, ...]


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split("\n\n") if p.strip())


def assemble_review(agreement: Agreement, library: Library, texts: ReviewTexts) -> ReviewEdition:
    """Return the annotations of agreement: a note on every article and the list of non-default choices."""
    notes: list[ArticleNote] = []
    choices: list[str] = []
    for article in agreement.articles:
        clause = library.get(article.id)
        chosen = default = ""
        alternatives: list[str] = []
        legal_basis = clause.legal_basis
        is_default = True
        if clause.variants:
            variant = clause.variant(article.variant) if article.variant else clause.default_variant
            chosen, default = variant.label, clause.default_variant.label
            alternatives = [v.label for v in clause.variants if v.key != variant.key]
            legal_basis = variant.legal_basis
            is_default = variant.default
            if not is_default:
                choices.append(render_text(texts.choice, "review.choice.txt", {
                    "number": article.number, "title": article.title, "chosen": chosen, "default": default,
                }).strip())
        comment = render_text(texts.comment, "review.comment.txt", {
            "clause_id": clause.id, "version": article.version, "chosen": chosen, "is_default": is_default,
            "alternatives": alternatives, "legal_basis": list(legal_basis),
        })
        lines = tuple(line.strip() for line in comment.splitlines() if line.strip())
        notes.append(ArticleNote(article.number, clause.id, lines, is_default))
    intro = render_text(texts.intro, "review.intro.txt", {
        "title": agreement.title, "article_count": len(notes), "changed_count": len(choices),
    })
    return ReviewEdition(
        mark=texts.mark, author=texts.author, initials=texts.initials, title=texts.title,
        intro=_paragraphs(intro), choices_heading=texts.choices_heading,
        choices=tuple(choices) or (texts.no_choices,), notes=tuple(notes),
    )
