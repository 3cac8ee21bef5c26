"""Produce docgen's documents from a consortium: check, assemble, render, and write a run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from docgen.assemble import assemble_agreement
from docgen.clauses import load_library
from docgen.errors import RuleError
from docgen.models import Consortium
from docgen.output import Document, write_documents
from docgen.render import render_docx
from docgen.resources import templates_dir
from docgen.rules import check, has_errors

__all__ = ["agreement_document", "input_digest", "render_agreement", "render_to"]

AGREEMENT_TEMPLATE = "formation_agreement.docx"


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
    return Document("agreement", f"{outline.title}.docx", data, f"zh_CN/{AGREEMENT_TEMPLATE}",
                    outline.clause_versions)


def render_agreement(consortium: Consortium, *, draft: bool = False) -> bytes:
    """Return the .docx bytes of the formation agreement (组建协议).

    Raise RuleError if ``check`` reports errors, unless draft is True, in which case every page is
    marked 草稿 (draft).
    """
    return agreement_document(consortium, draft=draft).data


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
    documents = [agreement_document(consortium, draft=draft)]
    digest = input_sha256 or input_digest(consortium)
    return write_documents(Path(out_dir), documents, digest, overwrite=overwrite)
