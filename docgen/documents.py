"""Produce docgen's documents from a consortium: check, assemble, render, and write a run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from docgen.assemble import assemble_agreement
from docgen.clauses import load_library
from docgen.commitments import assemble_commitments
from docgen.plan import assemble_plan, load_outline
from docgen.errors import RuleError, TemplateError
from docgen.models import Consortium
from docgen.output import Document, safe_filename, write_documents
from docgen.render import render_docx
from docgen.resources import templates_dir
from docgen.rules import check, has_errors

__all__ = [
    "agreement_document", "commitment_documents", "input_digest", "plan_document", "render_agreement",
    "render_commitments", "render_plan", "render_to",
]

AGREEMENT_TEMPLATE = "formation_agreement.docx"
PLAN_TEMPLATE = "construction_plan.docx"
PLAN_OUTLINE = "plan_outline.yaml"
COMMITMENT_TEMPLATE = "integrity_commitment.docx"


def _require_clean(consortium: Consortium, draft: bool) -> None:
    """Raise RuleError with every finding if check reports errors, unless this is a draft."""
    findings = check(consortium)
    if has_errors(findings) and not draft:
        raise RuleError(findings)


def agreement_document(consortium: Consortium, *, draft: bool = False) -> Document:
    """Return the formation agreement as a Document (bytes plus the clause versions used)."""
    _require_clean(consortium, draft)
    outline = assemble_agreement(consortium, load_library(), draft=draft)
    data = render_docx(
        templates_dir() / AGREEMENT_TEMPLATE,
        {"doc": outline},
        properties={"title": outline.title, "author": consortium.lead.name,
                    "subject": "创新联合体组建协议", "keywords": f"{consortium.industry}；{consortium.sub_track}"},
    )
    return Document("agreement", safe_filename(outline.title) + ".docx", data, f"zh_CN/{AGREEMENT_TEMPLATE}",
                    outline.clause_versions)


def render_agreement(consortium: Consortium, *, draft: bool = False) -> bytes:
    """Return the .docx bytes of the formation agreement (组建协议).

    Raise RuleError if ``check`` reports errors, unless draft is True, in which case every page is
    marked 草稿 (draft).
    """
    return agreement_document(consortium, draft=draft).data


def plan_document(consortium: Consortium, *, draft: bool = False) -> Document:
    """Return the construction plan (建设方案) as a Document; its sections follow plan_outline.yaml."""
    _require_clean(consortium, draft)
    outline = load_outline(templates_dir() / PLAN_OUTLINE)
    plan = assemble_plan(consortium, outline, draft=draft)
    data = render_docx(
        templates_dir() / PLAN_TEMPLATE,
        {"doc": plan},
        properties={"title": plan.title, "author": consortium.lead.name, "subject": "创新联合体建设方案",
                    "keywords": f"{consortium.industry}；{consortium.sub_track}"},
    )
    return Document("plan", safe_filename(plan.title) + ".docx", data, f"zh_CN/{PLAN_TEMPLATE}",
                    {"plan_outline": outline.version})


def render_plan(consortium: Consortium, *, draft: bool = False) -> bytes:
    """Return the .docx bytes of the construction plan; RuleError on rule errors unless draft."""
    return plan_document(consortium, draft=draft).data


def commitment_documents(consortium: Consortium, *, draft: bool = False) -> list[Document]:
    """Return one integrity commitment (诚信承诺书) per unit, the lead unit first."""
    _require_clean(consortium, draft)
    texts = load_library().documents.get("commitment")
    if texts is None:
        raise TemplateError("条款库缺少 commitment.yaml（诚信承诺书文字）")
    documents = []
    for index, letter in enumerate(assemble_commitments(consortium, texts, draft=draft), start=1):
        data = render_docx(
            templates_dir() / COMMITMENT_TEMPLATE,
            {"doc": letter},
            properties={"title": f"{letter.title}（{letter.unit_name}）", "author": letter.unit_name,
                        "subject": f"{consortium.name}备案申请", "keywords": "诚信承诺书"},
        )
        documents.append(Document("commitment", f"诚信承诺书/{index:02d}-{safe_filename(letter.unit_name)}.docx", data,
                                  f"zh_CN/{COMMITMENT_TEMPLATE}", {"commitment": texts.version}))
    return documents


def render_commitments(consortium: Consortium, *, draft: bool = False) -> dict[str, bytes]:
    """Return {unit credit code: .docx bytes} of every unit's integrity commitment, lead unit first."""
    codes = [u.credit_code for u in consortium.units]
    return dict(zip(codes, (d.data for d in commitment_documents(consortium, draft=draft))))


def all_documents(consortium: Consortium, *, draft: bool = False) -> list[Document]:
    """Return every document a filing needs: agreement, plan, then each unit's commitment."""
    return [agreement_document(consortium, draft=draft), plan_document(consortium, draft=draft),
            *commitment_documents(consortium, draft=draft)]


def input_digest(consortium: Consortium) -> str:
    """Return the SHA-256 of the consortium's canonical JSON: the same data gives the same digest."""
    canonical = json.dumps(consortium.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def render_to(consortium: Consortium, out_dir: Path | str, *, draft: bool = False,
              overwrite: bool = False, input_sha256: str | None = None) -> Path:
    """Render every document of the consortium into out_dir with a manifest; return the manifest path.

    input_sha256 is recorded in the manifest; it defaults to the digest of the consortium's data (the
    CLI passes the hash of the input file's bytes). Nothing is written when the check fails
    (RuleError) or a target file exists (OutputExistsError).
    """
    documents = all_documents(consortium, draft=draft)
    digest = input_sha256 or input_digest(consortium)
    return write_documents(Path(out_dir), documents, digest, overwrite=overwrite)
