"""Find articles that answer one question differently (e.g. two licence-consent rules in one agreement).

The questions live in ``clauses/consistency/questions.yaml``: for each, a ``scope`` a sentence must
contain and the answers as regexes (or a ``capture`` whose first group is the answer). Every rendered
article is read sentence by sentence; two different answers to one question are a conflict. A
mechanism's ``note`` is read the same way, so a note stating a rule that its choices already cover, and
stating it differently, is reported on the note's own field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from docgen.errors import TemplateError
from docgen.resources import clauses_dir

if TYPE_CHECKING:
    from docgen.drafting.agreement import AgreementVersion
    from docgen.rules.guideline import Finding

__all__ = [
    "Conflict", "Question", "Statement", "agreement_conflicts", "conflicts", "load_questions", "note_conflicts",
    "statements",
]

_SENTENCE = re.compile(r"[^。；]*[。；]?")


class Question(BaseModel):
    """One question the agreement must answer once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    label: str = Field(min_length=1)
    scope: str = Field(min_length=1)
    answers: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    capture: str | None = None

    def answer(self, sentence: str) -> str | None:
        """Return the answer this sentence gives, or None."""
        return _matcher(self).answer(sentence)


@dataclass(frozen=True)
class _Matcher:
    """A question's regexes, compiled once: a check reads every sentence against every question."""

    scope: re.Pattern[str]
    capture: re.Pattern[str] | None
    answers: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]

    def answer(self, sentence: str) -> str | None:
        if not self.scope.search(sentence):
            return None
        if self.capture is not None:
            match = self.capture.search(sentence)
            return next((g for g in match.groups() if g), None) if match else None
        return next((key for key, patterns in self.answers if any(p.search(sentence) for p in patterns)), None)


# id(question) → (question, its matcher); the question is kept so that its id stays its own.
_MATCHERS: dict[int, tuple[Question, _Matcher]] = {}


def _matcher(question: Question) -> _Matcher:
    """Return the compiled regexes of question (compiled on first use, then cached)."""
    cached = _MATCHERS.get(id(question))
    if cached is None or cached[0] is not question:
        cached = (question, _Matcher(
            re.compile(question.scope),
            re.compile(question.capture) if question.capture is not None else None,
            tuple((key, tuple(re.compile(p) for p in patterns)) for key, patterns in question.answers.items()),
        ))
        _MATCHERS[id(question)] = cached
    return cached[1]


class _Questions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: tuple[Question, ...]


@lru_cache(maxsize=4)
def load_questions(path: Path | None = None) -> tuple[Question, ...]:
    """Return the questions of clauses/consistency/questions.yaml (or of path)."""
    from docgen.input.loading import read_yaml

    path = path or clauses_dir() / "consistency" / "questions.yaml"
    try:
        questions = _Questions.model_validate(read_yaml(path.read_text(encoding="utf-8"))).questions
        for q in questions:
            for pattern in (q.scope, q.capture or "", *(p for ps in q.answers.values() for p in ps)):
                re.compile(pattern)
    except (OSError, ValidationError, ValueError, re.error) as exc:
        raise TemplateError(f"条款一致性问题清单 {path} 无法读取或有误：{exc}") from exc
    if any((q.capture is None) == (not q.answers) for q in questions):
        raise TemplateError(f"条款一致性问题清单 {path}：每个问题应当有 answers 或 capture 之一")
    return questions


@dataclass(frozen=True)
class Statement:
    """One sentence answering one question: where it stands and what it says."""

    question: Question
    answer: str
    where: str      # 第十九条, or a field path such as mechanisms.ip_management.note
    sentence: str


@dataclass(frozen=True)
class Conflict:
    """Two or more different answers to one question."""

    question: Question
    statements: tuple[Statement, ...]

    def message(self) -> str:
        """Return the conflict in one Chinese sentence naming each place and what it says."""
        parts = "；".join(f"{s.where}：“{_clip(s.sentence)}”" for s in self.statements)
        return f"“{self.question.label}”的约定不一致——{parts}"


def _clip(sentence: str, width: int = 60) -> str:
    sentence = sentence.strip().rstrip("。；")
    return sentence if len(sentence) <= width else sentence[:width] + "……"


def _any_scope(questions: Sequence[Question]) -> re.Pattern[str] | None:
    """Return one regex that finds a match exactly where some question's scope does, or None.

    Two thirds of an agreement's sentences concern no question: one search rejects each of them
    instead of one per question. Scopes that refer to groups (whose numbers joining would shift) or
    cannot be joined get None: each question is asked, as before.
    """
    key = tuple(q.scope for q in questions)
    if key not in _ANY_SCOPE:
        pattern = None
        if key and not any(_GROUP_REFERENCE.search(scope) for scope in key):
            try:
                pattern = re.compile("|".join(f"(?:{scope})" for scope in key))
            except re.error:  # e.g. one group name in two scopes
                pattern = None
        _ANY_SCOPE[key] = pattern
    return _ANY_SCOPE[key]


_ANY_SCOPE: dict[tuple[str, ...], re.Pattern[str] | None] = {}
_GROUP_REFERENCE = re.compile(r"\\[1-9g]|\(\?P=|\(\?\(")


def statements(where: str, paragraphs: Iterable[str], questions: Sequence[Question]) -> list[Statement]:
    """Return every answer these paragraphs give, sentence by sentence."""
    found = []
    matchers = [(question, _matcher(question)) for question in questions]
    any_scope = _any_scope(questions)
    for paragraph in paragraphs:
        for sentence in _SENTENCE.findall(paragraph):
            if any_scope is not None and not any_scope.search(sentence):
                continue
            for question, matcher in matchers:
                answer = matcher.answer(sentence)
                if answer is not None:
                    found.append(Statement(question, answer, where, sentence))
    return found


def conflicts(found: Iterable[Statement]) -> list[Conflict]:
    """Return, per question, the statements when they give more than one answer (one per answer and place)."""
    by_question: dict[str, list[Statement]] = {}
    for s in found:
        by_question.setdefault(s.question.id, []).append(s)
    result = []
    for group in by_question.values():
        if len({s.answer for s in group}) > 1:
            kept: dict[tuple[str, str], Statement] = {}
            for s in group:
                kept.setdefault((s.answer, s.where), s)
            result.append(Conflict(group[0].question, tuple(kept.values())))
    return result


def note_conflicts(articles: Iterable[tuple[str, Sequence[str]]], notes: Iterable[tuple[str, str]],
                   questions: Sequence[Question]) -> tuple[list[Conflict], list[Conflict]]:
    """Return (conflicts among the articles, conflicts of a note with the articles).

    articles are (number, paragraphs) with the notes' sentences removed; notes are (field path, text).
    A note conflicts when it answers a question differently from the articles.
    """
    stated = [s for number, paragraphs in articles for s in statements(number, paragraphs, questions)]
    among = conflicts(stated)
    with_notes = []
    for path, text in notes:
        for s in statements(path, [text], questions):
            others = [t for t in stated if t.question.id == s.question.id and t.answer != s.answer]
            if others:
                with_notes.append(Conflict(s.question, (s, others[0])))
    return among, with_notes


def agreement_conflicts(version: AgreementVersion) -> list[Finding]:
    """Return a CLAUSE_CONFLICT finding for every question this agreement answers in two ways.

    A conflict a mechanism's note causes names the note's field; one between articles names the
    clause library (it is a library defect, or an input the library cannot state consistently).
    """
    from docgen.rules.guideline import Finding

    questions = load_questions()
    notes = [(f"mechanisms.{name}.note", m.note.rstrip("。；"))
             for name in type(version.consortium.mechanisms).model_fields
             if (m := getattr(version.consortium.mechanisms, name)) is not None and m.note.strip()]
    articles = []
    for article in version.articles:
        paragraphs = list(article.paragraphs)
        if article.id == "mechanisms.mechanisms":
            for _, note in notes:
                paragraphs = [p.replace(note, "") for p in paragraphs]
        articles.append((article.number, paragraphs))
    among, with_notes = note_conflicts(articles, notes, questions)
    return [
        *(Finding("CLAUSE_CONFLICT", "error", f"补充约定与协议条款冲突：{c.message()}；补充约定只能增加细节，"
                  "请删去该句或改用本机制的选项", "《中华人民共和国民法典》第四百六十六条", c.statements[0].where)
          for c in with_notes),
        *(Finding("CLAUSE_CONFLICT", "error", f"协议条款之间冲突：{c.message()}",
                  "《中华人民共和国民法典》第四百六十六条", "clauses") for c in among),
    ]
