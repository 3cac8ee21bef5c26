"""Load the clause library (clauses/*.yaml) into plain, immutable records.

The file format is documented in clauses/README.md. Loading checks the structure (every clause has an
id, a title, a version, a legal basis, texts; variants have exactly one default) and raises
TemplateError naming the file and clause for every defect at once. Whether the texts render against the
model is checked by ``docgen.clauses.lint``.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from docgen.errors import TemplateError
from docgen.input.loading import read_yaml
from docgen.resources import clauses_dir

__all__ = ["Clause", "ClauseFile", "DocumentTexts", "Library", "Variant", "fingerprint", "load_library"]

REQUIRED_TOPICS: tuple[str, ...] = (
    "general", "goals_tasks", "organisation", "rights_obligations", "mechanisms", "funding", "ip",
    "benefit", "risk", "confidentiality", "membership", "breach", "force_majeure", "term_filing",
    "dissolution", "dispute", "notices", "final",
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Variant(_Record):
    """One alternative wording of a clause, picked by the clause's ``select`` value."""

    key: str
    label: str = Field(min_length=1)
    default: bool = False
    legal_basis: tuple[str, ...] = Field(min_length=1)
    text: str = Field(min_length=1)


class Clause(_Record):
    """One article (条) of a document: metadata, applicability, and its text or variants."""

    id: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    legal_basis: tuple[str, ...] = ()
    when: str | None = None
    each: str | None = None     # Jinja expression giving a list: one article per element, bound as ``item``
    select: str | None = None
    text: str | None = None
    variants: tuple[Variant, ...] = ()
    # filled from the file that holds the clause
    topic: str = ""
    chapter: str = ""
    chapter_order: int = 0
    order: int = 0

    @model_validator(mode="after")
    def _text_or_variants(self) -> Clause:
        if self.select is None:
            if not self.text or self.variants:
                raise ValueError("无 select 的条款应有 text 且不得有 variants")
            if not self.legal_basis:
                raise ValueError("条款缺少法律依据 legal_basis")
        else:
            if self.text is not None or not self.variants:
                raise ValueError("有 select 的条款应有 variants 且不得有 text")
            defaults = [v.key for v in self.variants if v.default]
            if len(defaults) != 1:
                raise ValueError(f"variants 应恰有一个 default，当前为{len(defaults)}个")
        return self

    def variant(self, key: str) -> Variant:
        """Return the variant with this key; raise TemplateError if there is none."""
        for variant in self.variants:
            if variant.key == key:
                return variant
        known = "、".join(v.key for v in self.variants)
        raise TemplateError(f"条款 {self.id} 没有变体“{key}”（可用：{known}）")

    @property
    def default_variant(self) -> Variant:
        """Return the variant marked default."""
        return next(v for v in self.variants if v.default)


class ClauseFile(_Record):
    """The contents of one clauses/<topic>.yaml file."""

    topic: str
    chapter: str
    chapter_order: int
    order: int = 0
    clauses: tuple[dict[str, Any], ...] = Field(min_length=1)


class DocumentTexts(_Record):
    """Texts of a document that are not articles; which fields a document needs depends on its kind.

    agreement and supplement: title, recitals, closing, signature_heading, annexes.
    commitment: title, addressee, paragraphs, items, closing, signer_label.
    change_table: title, subtitle, intro, note.
    consolidated (the 汇编本): title, subtitle (the legend on every page), intro (the cover note), closing.
    """

    document: Literal["agreement", "commitment", "supplement", "change_table", "consolidated"]
    version: str = Field(min_length=1)
    legal_basis: tuple[str, ...] = Field(min_length=1)
    title: str = Field(min_length=1)
    recitals: str = ""
    closing: str = ""
    signature_heading: str = ""
    annexes: dict[str, str] = Field(default_factory=dict)
    addressee: str = ""
    paragraphs: str = ""
    items: str = ""
    signer_label: str = ""
    subtitle: str = ""
    intro: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _fields_of_kind(self) -> DocumentTexts:
        required = {"agreement": ("recitals", "closing", "signature_heading", "annexes"),
                    "commitment": ("addressee", "paragraphs", "items", "signer_label"),
                    "supplement": ("recitals", "closing", "signature_heading", "annexes"),
                    "change_table": ("subtitle", "intro", "note"),
                    "consolidated": ("subtitle", "intro", "closing")}[self.document]
        missing = [name for name in required if not getattr(self, name)]
        if missing:
            raise ValueError(f"{self.document} 缺少 {'、'.join(missing)}")
        return self


class Library(_Record):
    """Every clause of one document kind, in file order, and that document's fixed texts."""

    folder: Path
    clauses: tuple[Clause, ...]
    documents: dict[str, DocumentTexts]

    def get(self, clause_id: str) -> Clause:
        """Return the clause with this id; raise TemplateError if unknown."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise TemplateError(f"条款库中没有条款 {clause_id}")

    @property
    def topics(self) -> set[str]:
        """Return the topics that have at least one clause."""
        return {c.topic for c in self.clauses}


def fingerprint(library: Library) -> dict[str, Any]:
    """Return what a manifest records of the clause library a run drafted with: each clause's version
    and the SHA-256 of its whole definition (texts, variants, conditions), and one hash of them all.

    A later ``docgen change`` compares the record of the run that drafted its old version with the
    library it has now, so an edited clause is found even when its version was not raised.
    """
    clauses = {c.id: {"version": c.version,
                      "sha256": hashlib.sha256(c.model_dump_json().encode("utf-8")).hexdigest()[:16]}
               for c in library.clauses}
    whole = hashlib.sha256(json.dumps(clauses, sort_keys=True).encode("utf-8")).hexdigest()
    return {"sha256": whole, "clauses": clauses}


def load_library(folder: Path | None = None) -> Library:
    """Return the clause library in folder (default: the bundled clauses/), checked for structure."""
    return _load(Path(folder) if folder else clauses_dir())


@lru_cache(maxsize=8)
def _load(folder: Path) -> Library:
    problems: list[str] = []
    clauses: list[Clause] = []
    documents: dict[str, DocumentTexts] = {}
    if not folder.is_dir():
        raise TemplateError(f"找不到条款库目录 {folder}")
    for path in sorted(folder.glob("*.yaml")):
        data = _read(path, problems)
        if data is None:
            continue
        if "document" in data:
            try:
                texts = DocumentTexts.model_validate(data)
                documents[texts.document] = texts
            except ValidationError as exc:
                problems.append(f"{path.name}：{_short(exc)}")
            continue
        try:
            spec = ClauseFile.model_validate(data)
        except ValidationError as exc:
            problems.append(f"{path.name}：{_short(exc)}")
            continue
        if spec.topic != path.stem:
            problems.append(f"{path.name}：topic “{spec.topic}” 应与文件名一致")
        for index, raw in enumerate(spec.clauses):
            raw = dict(raw)
            raw["variants"] = tuple({"key": k, **v} for k, v in (raw.get("variants") or {}).items())
            raw.update(topic=spec.topic, chapter=spec.chapter, chapter_order=spec.chapter_order,
                       order=spec.order)
            try:
                clause = Clause.model_validate(raw)
            except ValidationError as exc:
                problems.append(f"{path.name} 第{index + 1}条（{raw.get('id', '无 id')}）：{_short(exc)}")
                continue
            if not clause.id.startswith(spec.topic + "."):
                problems.append(f"{path.name}：条款 id {clause.id} 应以 “{spec.topic}.” 开头")
            clauses.append(clause)
    seen: set[str] = set()
    for clause in clauses:
        if clause.id in seen:
            problems.append(f"条款 id {clause.id} 重复")
        seen.add(clause.id)
    if problems:
        raise TemplateError(f"条款库 {folder} 有{len(problems)}处问题：\n" + "\n".join(f"  - {p}" for p in problems))
    ordered = sorted(clauses, key=lambda c: (c.chapter_order, c.order))  # stable: file order kept
    return Library(folder=folder, clauses=tuple(ordered), documents=documents)


def _read(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}：无法读取（{exc}）")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"第{mark.line + 1}行 " if mark is not None else ""
        problems.append(f"{path.name}：{line}YAML 语法错误")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name}：顶层应为映射")
        return None
    return data


def _short(exc: ValidationError) -> str:
    return "；".join(
        f"{'.'.join(str(p) for p in e['loc']) or '条款'}: {e['msg']}" for e in exc.errors(include_url=False)
    )
