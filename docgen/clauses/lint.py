"""Lint the clause library: required topics, legal bases, variant coverage, and that every text renders.

Each clause is rendered against every valid sample in samples/ that it applies to, each variant against
the samples that pick it, and a variant no sample picks is reported: the samples must exercise the whole
library. So a misspelt field, an unknown ``ref`` or a stray half-width comma is caught before a user
meets it.
"""

from __future__ import annotations

import itertools
import typing
from pathlib import Path
from typing import Any

from jinja2 import meta

from docgen.clauses.consistency import Statement, conflicts, load_questions, statements
from docgen.clauses.engine import number_articles, render_article, with_ref
from docgen.clauses.library import REQUIRED_TOPICS, Clause, Library
from docgen.drafting.agreement import document_context, half_width_punctuation
from docgen.errors import DocgenError
from docgen.input.loading import load
from docgen.input.model import Consortium
from docgen.render.docx import environment
from docgen.resources import samples_dir
from docgen.rules.guideline import check, has_errors

__all__ = ["lint_library", "lint_phrases", "lint_supplement", "select_values"]

_RESIDUE = ("{{", "}}", "{%", "%}", "None", "none", "undefined")


def select_values(expression: str) -> tuple[str, ...] | None:
    """Return the values a ``select`` path such as c.ip.patent_right can take, from the model.

    Return None when the expression is not a plain attribute path of the model.
    """
    parts = expression.strip().split(".")
    if parts[0] != "c" or len(parts) < 2:
        return None
    annotation: Any = Consortium
    for name in parts[1:]:
        candidates = _models(annotation)
        field = next((m.model_fields[name] for m in candidates if name in m.model_fields), None)
        if field is None:
            return None
        if name == parts[-1] and len(candidates) > 1:  # a discriminated union's tag
            return tuple(v for m in candidates for v in typing.get_args(m.model_fields[name].annotation))
        annotation = field.annotation
    values = typing.get_args(annotation) if typing.get_origin(annotation) is typing.Literal else None
    return tuple(str(v) for v in values) if values else None


def _models(annotation: Any) -> list[Any]:
    from pydantic import BaseModel

    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return _models(args[0])
    if args:
        return [m for a in args for m in _models(a)]
    return [annotation] if isinstance(annotation, type) and issubclass(annotation, BaseModel) else []


def _texts(clause: Clause) -> list[tuple[str | None, str]]:
    if clause.variants:
        return [(v.key, v.text) for v in clause.variants]
    return [(None, clause.text or "")]


def _sample_consortia(folder: Path) -> list[tuple[str, Consortium]]:
    samples = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            consortium = load(path)
        except DocgenError:
            continue
        if not has_errors(check(consortium)):
            samples.append((path.name, consortium))
    return samples


def lint_library(library: Library, samples: Path | None = None) -> list[str]:
    """Return every problem found in the library (an empty list means it passes)."""
    problems: list[str] = []
    missing = [t for t in REQUIRED_TOPICS if t not in library.topics]
    if missing:
        problems.append(f"缺少必需的主题：{'、'.join(missing)}")
    texts = library.documents.get("agreement")
    if texts is None:
        problems.append("缺少 agreement.yaml（协议标题、鉴于条款、签署页标题、附件名称）")
    elif set(texts.annexes) != {"members", "tasks", "funding", "background_ip"}:
        problems.append("agreement.yaml 的 annexes 应恰为 members、tasks、funding、background_ip")
    for clause in library.clauses:
        if clause.select is not None:
            values = select_values(clause.select)
            if values is None:
                problems.append(f"{clause.id}：select “{clause.select}” 不是模型中的取值字段")
            else:
                for value in values:
                    if value not in {v.key for v in clause.variants}:
                        problems.append(f"{clause.id}：取值“{value}”没有对应的变体")
                for variant in clause.variants:
                    if variant.key not in values:
                        problems.append(f"{clause.id}：变体“{variant.key}”不是 {clause.select} 的取值")
        for key, text in _texts(clause):
            where = f"{clause.id}{'/' + key if key else ''}"
            problems.extend(f"{where}：半角标点“{s}”" for s in half_width_punctuation(_strip_jinja(text)))
    consortia = _sample_consortia(samples or samples_dir())
    if not consortia:
        problems.append("samples/ 中没有可用于试渲染的有效样例")
    if texts is None:
        return problems
    allowed = set(document_context(consortia[0][1], texts)) | {"ref"} if consortia else set()
    env = environment()
    for clause in library.clauses:
        for _variant, text in _texts(clause):
            undeclared = meta.find_undeclared_variables(env.parse(text)) - allowed
            if allowed and undeclared:
                problems.append(f"{clause.id}：使用了未提供的变量 {'、'.join(sorted(undeclared))}")
    rendered: set[str] = set()
    try:
        questions = load_questions()
    except DocgenError as exc:
        return [*problems, str(exc)]
    for sample, consortium in consortia:
        try:
            context = document_context(consortium, texts)
            applicable, numbers = number_articles(library, context)
            full = with_ref(library, context, numbers)
        except DocgenError as exc:
            problems.append(f"{sample}：{exc}")
            continue
        said: list[Statement] = []
        for clause in applicable:
            try:
                article = render_article(clause, numbers[clause.id], full, allow_empty=True)
            except DocgenError as exc:
                problems.append(f"{sample}：{exc}")
                continue
            said += statements(f"{article.number}（{clause.id}）", article.paragraphs, questions)
            where = f"{clause.id}{'/' + article.variant if article.variant else ''}"
            rendered.add(where)
            body = "".join(article.paragraphs)
            if not body:
                problems.append(f"{sample}：{where} 没有生成任何文字")
            residue = [r for r in _RESIDUE if r in body]
            if residue:
                problems.append(f"{sample}：{where} 含有模板残留 {residue}")
            problems.extend(f"{sample}：{where} 半角标点“{s}”" for s in half_width_punctuation(body))
        problems.extend(f"{sample}：{conflict.message()}" for conflict in conflicts(said))
    for clause in library.clauses:
        for key, _ in _texts(clause):
            where = f"{clause.id}{'/' + key if key else ''}"
            if consortia and where not in rendered:
                problems.append(f"{where}：没有任何样例适用，无法试渲染（请增加样例）")
    return problems


def _strip_jinja(text: str) -> str:
    import re

    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text, flags=re.S)


def _change_pairs(folder: Path) -> list[tuple[str, Path, Path]]:
    """Return consecutive versions among the samples named NAME-vN.yaml, as (label, old, new)."""
    import re

    versions: dict[str, dict[int, Path]] = {}
    for path in folder.glob("*-v*.yaml"):
        match = re.fullmatch(r"(.+)-v(\d+)", path.stem)
        if match:
            versions.setdefault(match.group(1), {})[int(match.group(2))] = path
    pairs = []
    for name, by_number in sorted(versions.items()):
        numbers = sorted(by_number)
        pairs += [(f"{name}-v{a}→v{b}", by_number[a], by_number[b]) for a, b in itertools.pairwise(numbers)]
    return pairs


def lint_supplement(library: Library, supplement_library: Library, samples: Path | None = None) -> list[str]:
    """Return every problem of the supplementary-agreement clauses, rendered against the sample changes.

    Every supplement clause must be exercised by at least one change pair among the samples
    (NAME-v1.yaml → NAME-v2.yaml → …), as the agreement's clauses are by the samples.
    """
    from docgen.drafting.supplement import assemble_change_table, assemble_supplement, prepare_change
    from docgen.rules.change import review_change

    problems = [f"补充协议条款库缺少 {name}.yaml 的文字（document: {name}）"
                for name in ("supplement", "change_table") if name not in supplement_library.documents]
    if problems:
        return problems
    pairs = _change_pairs(samples or samples_dir())
    if not pairs:
        return ["samples/ 中没有可用于试渲染补充协议的变更样例（NAME-v1.yaml、NAME-v2.yaml）"]
    rendered: set[str] = set()
    for label, old_path, new_path in pairs:
        try:
            old, new = load(old_path), load(new_path)
            changeset, findings = review_change(old, new)
            if has_errors(findings):
                problems.append(f"{label}：变更样例未通过变更检查")
                continue
            change = prepare_change(changeset, library)
            supplement = assemble_supplement(change, library, supplement_library, serial=1, previous=[])
            table = assemble_change_table(change, supplement_library, serial=1)
        except DocgenError as exc:
            problems.append(f"{label}：{exc}")
            continue
        texts = [*supplement.recitals, supplement.title, supplement.signature_heading, *table.intro, table.note]
        for article in supplement.articles:
            rendered.add(article.id)
            texts += list(article.paragraphs)
        for text in texts:
            residue = [r for r in _RESIDUE if r in text]
            if residue:
                problems.append(f"{label}：含有模板残留 {residue}：{text[:40]}")
            problems.extend(f"{label}：半角标点“{s}”" for s in half_width_punctuation(text))
    problems += [f"{c.id}：没有任何变更样例适用，无法试渲染（请增加样例）"
                 for c in supplement_library.clauses if c.id not in rendered]
    return problems


def lint_phrases() -> list[str]:
    """Return every problem of clauses/phrases/phrases.yaml: a text that does not compile, or half-width
    punctuation between Chinese characters."""
    from docgen.clauses.phrases import PHRASES_FILE, phrases
    from docgen.render.docx import compile_text

    problems: list[str] = []

    def visit(node: Any, key: str) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                visit(value, f"{key}.{name}" if key else str(name))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, f"{key}.{index}")
        elif isinstance(node, str):
            try:
                compile_text(node, f"phrases.{key}.txt")
            except DocgenError as exc:
                problems.append(f"{PHRASES_FILE.name}：{key}：{exc}")
            problems.extend(f"{PHRASES_FILE.name}：{key}：半角标点“{s}”"
                            for s in half_width_punctuation(_strip_jinja(node)))

    try:
        visit(phrases(), "")
    except DocgenError as exc:
        problems.append(str(exc))
    return problems
