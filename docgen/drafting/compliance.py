"""Assemble the compliance self-check table (合规自查表): one row per requirement of the guideline.

Each row states a requirement of 《青岛市创新联合体组建工作指引》, its status for this consortium
(符合 / 例外（说明理由）/ 不符合 / 待补充), where the filing meets it (agreement articles by their
printed numbers, plan sections, other documents) and the evidence drawn from the input. Statuses come
from the same findings ``check`` reports, so the table never says something ``check`` does not; a
finding whose code no requirement lists gets a row of its own. A requirement the input meets but the
drafted documents do not yet show (a committed resource the annexes omit, a requirement's ``gaps``)
is 待补充, never 符合, and a table with such a row is marked 草稿: it is not fit to file. The
requirements and wording live in ``clauses/compliance/requirements.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass, replace
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from docgen.clauses.library import Library
from docgen.clauses.phrases import phrase
from docgen.constants import DocumentKind
from docgen.drafting.agreement import Agreement, annex_citation
from docgen.errors import TemplateError
from docgen.input.loading import read_yaml
from docgen.input.model import Consortium
from docgen.render.docx import render_text
from docgen.resources import clauses_dir
from docgen.rules.guideline import WAIVABLE, Finding

__all__ = ["ComplianceRow", "ComplianceTable", "ComplianceTexts", "assemble_compliance", "load_compliance_texts"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Requirement(_Record):
    """One requirement of the guideline and where docgen meets and checks it."""

    id: str = Field(pattern=r"^[a-z_]+$")
    clause: str = Field(min_length=1)
    requirement: str = Field(min_length=1)
    codes: tuple[str, ...] = ()
    agreement: tuple[str, ...] = ()
    plan: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    evidence: str = Field(min_length=1)
    listed_resources: bool = False  # met only when the annexes list every unit's committed resources
    gaps: str = ""  # Jinja: one line per thing the documents do not yet show; any line makes the row 待补充


class Statuses(_Record):
    ok: str = Field(min_length=1)
    waived: str = Field(min_length=1)
    failed: str = Field(min_length=1)
    warning: str = Field(min_length=1)
    pending: str = Field(min_length=1)


class ComplianceTexts(_Record):
    """The contents of clauses/compliance/requirements.yaml."""

    document: str = Field(pattern="^compliance$")
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    subtitle: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    note: str = Field(min_length=1)
    pending_note: str = Field(min_length=1)  # added to the note when a row is 待补充; the table is then a draft
    status: Statuses
    unmapped: str = Field(min_length=1)
    requirements: tuple[Requirement, ...] = Field(min_length=1)

    @property
    def codes(self) -> set[str]:
        """Return every rule code some requirement lists."""
        return {code for r in self.requirements for code in r.codes}


@lru_cache(maxsize=4)
def load_compliance_texts(path: Path | None = None) -> ComplianceTexts:
    """Return the requirement list; raise TemplateError naming the file when it is invalid."""
    path = path or clauses_dir() / "compliance" / "requirements.yaml"
    try:
        return ComplianceTexts.model_validate(read_yaml(path.read_text(encoding="utf-8")))
    except (OSError, ValidationError, ValueError) as exc:
        raise TemplateError(f"合规自查表要求清单 {path} 无法读取或不完整：{exc}") from exc


@dataclass(frozen=True)
class ComplianceRow:
    """One row: number, guideline clause, requirement, status, where it is met, evidence."""

    number: int
    clause: str
    requirement: str
    status: str
    where: str
    evidence: str
    met: bool  # False when the status is 不符合


@dataclass(frozen=True)
class ComplianceTable:
    title: str
    subtitle: str
    intro: str
    note: str
    rows: tuple[ComplianceRow, ...]
    draft: bool


def assemble_compliance(c: Consortium, findings: list[Finding], agreement: Agreement, library: Library,
                        plan_headings: list[str], texts: ComplianceTexts, *, draft: bool = False
                        ) -> ComplianceTable:
    """Return the compliance table of c from its findings, agreement outline and plan headings."""
    variants = {a.id: a.variant for a in agreement.articles}

    def choice(clause_id: str) -> str:
        key = variants.get(clause_id)
        return library.get(clause_id).variant(key).label if key else ""

    unlisted = _unlisted_resources(c, agreement)
    sections = _plan_sections(plan_headings)  # once: each row's “where” cites them
    funding = agreement.annexes.get("funding")
    funding_text = "\n".join(_strings(replace(funding, in_kind=None))) if funding is not None else ""
    context = {"c": c, "choice": choice, "unlisted": unlisted, "funding_annex_text": funding_text,
               "plan_titles": [title for title, _ in sections],
               "annex": _annex_citations(library),
               "funding_years": sorted({line.year for line in c.funding})}
    waived_reasons = {e.code: e.reason for e in c.exceptions if e.code in WAIVABLE}
    rows: list[ComplianceRow] = []
    separator = phrase("compliance.separator")
    for requirement in texts.requirements:
        own = [f for f in findings if f.code in requirement.codes]
        evidence = render_text(requirement.evidence, f"compliance.{requirement.id}.txt", context).strip()
        status, notes = _status(own, waived_reasons, texts.status)
        gaps = [line.strip() for line in render_text(requirement.gaps, f"compliance.{requirement.id}.gaps.txt",
                                                     context).splitlines() if line.strip()]
        if ((requirement.listed_resources and unlisted) or gaps) and status != texts.status.failed:
            status = texts.status.pending
        where = _where(requirement, agreement, sections)
        rows.append(ComplianceRow(len(rows) + 1, phrase("compliance.clause", clause=requirement.clause),
                                  requirement.requirement, status, where,
                                  separator.join([*gaps, evidence, *notes]).strip(separator),
                                  status not in (texts.status.failed, texts.status.pending)))
    known = texts.codes
    for finding in findings:  # a rule no requirement lists still gets its row
        if finding.code not in known:
            status, notes = _status([finding], waived_reasons, texts.status)
            rows.append(ComplianceRow(len(rows) + 1, finding.source, texts.unmapped, status,
                                      phrase("compliance.not_applicable"),
                                      separator.join(notes), status != texts.status.failed))
    title = render_text(texts.title, "compliance.title.txt", context).strip()
    pending = any(row.status == texts.status.pending for row in rows)
    note = texts.note.strip() + (texts.pending_note.strip() if pending else "")
    return ComplianceTable(title=title, subtitle=texts.subtitle, intro=texts.intro.strip(), note=note,
                           rows=tuple(rows), draft=draft or pending)


def _annex_citations(library: Library) -> dict[str, str]:
    """Return each agreement annex as the text cites it, by key: {"funding": 附件3《经费投入计划表》, …}."""
    texts = library.documents.get(DocumentKind.AGREEMENT)
    names = texts.annexes if texts is not None else {}
    return {key: annex_citation(i, name) for i, (key, name) in enumerate(names.items(), start=1)}


# the field names of each dataclass _strings meets (fields() is slow; () for any other type)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _strings(value: object) -> list[str]:
    """Return every string held in value (dataclasses, mappings and sequences searched through)."""
    if isinstance(value, str):
        return [value]
    names = _FIELDS.get(type(value))
    if names is None:
        names = _FIELDS[type(value)] = (tuple(f.name for f in fields(value))
                                        if is_dataclass(value) and not isinstance(value, type) else ())
    if names:
        return [s for name in names for s in _strings(getattr(value, name))]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _unlisted_resources(c: Consortium, agreement: Agreement) -> list[str]:
    """Return “unit：item” for each committed in-kind item, key researcher, instrument, site or data platform
    the annexes do not print."""
    annexes = "\n".join(_strings(agreement.annexes))
    missing: list[str] = []
    for unit in c.units:
        r = unit.resources
        items = [k.description for k in r.in_kind] + r.key_staff + r.equipment + r.sites + r.data_platforms
        missing.extend(phrase("compliance.unlisted", unit=unit.name, item=item) for item in items
                       if item not in annexes)
    return missing


def _status(findings: list[Finding], waived_reasons: dict[str, str], labels: Statuses) -> tuple[str, list[str]]:
    """Return the status of a requirement from its findings, and the finding messages to quote."""
    if any(f.severity == "error" for f in findings):
        return labels.failed, [f.message for f in findings if f.severity == "error"]
    waived = [f for f in findings if f.code in waived_reasons]
    if waived:
        return f"{labels.waived}", [f.message for f in waived]
    if findings:
        return labels.warning, [f.message for f in findings]
    return labels.ok, []


def _where(requirement: Requirement, agreement: Agreement, plan_sections: list[tuple[str, str]]) -> str:
    """Return where the filing meets a requirement: agreement articles, plan sections (``_plan_sections``),
    documents."""
    parts = []
    articles = [a.number for a in agreement.articles if a.id in requirement.agreement]
    if articles:
        parts.append(phrase("compliance.agreement", articles=articles))
    sections = [heading for title, heading in plan_sections if title in requirement.plan]
    if sections:
        parts.append(phrase("compliance.plan", sections=sections))
    parts.extend(requirement.documents)
    return phrase("compliance.separator").join(parts) or phrase("compliance.not_applicable")


_TOP = re.compile(r"^[一二三四五六七八九十]+、")
_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.|（\d+）)")


def _plan_sections(headings: list[str]) -> list[tuple[str, str]]:
    """Return (title without its number, the heading as a reader finds it) for each plan heading.

    A sub-heading is named with its chapter, e.g. “三、组织架构及运行机制”之“（一）组织架构”.
    """
    out, chapter = [], ""
    for heading in headings:
        title = _NUMBER.sub("", heading)
        if _TOP.match(heading):
            chapter = heading
            out.append((title, phrase("compliance.chapter", heading=heading)))
        else:
            out.append((title, phrase("compliance.section", chapter=chapter, heading=heading) if chapter
                        else phrase("compliance.chapter", heading=heading)))
    return out
