"""Produce docgen's documents from a consortium: check, assemble, render, and write a run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from docgen.clauses.library import fingerprint, load_library
from docgen.clauses.phrases import phrase, phrases_version
from docgen.constants import DocumentKind
from docgen.drafting.agreement import Agreement, AgreementVersion, BaseContext, agreement_version
from docgen.drafting.commitments import assemble_commitments, commitment_reasons
from docgen.drafting.plan import Plan, PlanRevision, assemble_plan, load_outline
from docgen.drafting.register import PartyRegister, original_register
from docgen.errors import InputError, OutputExistsError, RuleError, TemplateError
from docgen.input.model import Consortium
from docgen.output import (
    MANIFEST,
    Document,
    commit,
    contents_of,
    locked_root,
    read_versions,
    safe_filename,
    write_documents,
)
from docgen.render.docx import render_docx
from docgen.resources import clauses_dir, templates_dir
from docgen.rules.guideline import Finding, check, for_document, has_errors

if TYPE_CHECKING:
    from docgen.drafting.supplement import ChangeDraft, PriorSupplement
    from docgen.rules.change import ChangeSet

# The modules only a change run needs (docgen.rules.change, docgen.drafting.supplement and
# .consolidated, docgen.render.redline) are imported by the functions that use them: a cold
# ``docgen render`` saves their import (about 50 ms).

__all__ = [
    "agreement_document",
    "change_documents",
    "change_run",
    "commitment_documents",
    "compliance_document",
    "input_digest",
    "plan_document",
    "render_agreement",
    "render_change",
    "render_commitments",
    "render_compliance",
    "render_plan",
    "render_review",
    "render_to",
    "review_document",
    "run_documents",
    "with_pdfs",
]

AGREEMENT_TEMPLATE = "formation_agreement.docx"
CONSOLIDATED_TEMPLATE = "consolidated_agreement.docx"
SUPPLEMENT_TEMPLATE = "supplementary_agreement.docx"
CHANGE_TABLE_TEMPLATE = "change_table.docx"
PLAN_TEMPLATE = "construction_plan.docx"
PLAN_OUTLINE = "plan_outline.yaml"
COMMITMENT_TEMPLATE = "integrity_commitment.docx"
COMPLIANCE_TEMPLATE = "compliance_table.docx"


def _phrases_entry() -> dict[str, str]:
    """Return the phrase file's entry in a document's clause versions (clauses/phrases/phrases.yaml)."""
    return {"phrases": phrases_version()}


def _require_clean(consortium: Consortium, draft: bool, findings: list[Finding] | None = None,
                   document: str = "all") -> list[Finding]:
    """Return check's findings; raise RuleError with the findings that bear on document ("agreement",
    "plan" or "all"; see ``for_document``) if any of them is an error, unless draft.

    findings, when given, are ``check``'s findings already computed for this consortium.
    """
    findings = check(consortium) if findings is None else findings
    relevant = for_document(findings, document)
    if has_errors(relevant) and not draft:
        raise RuleError(relevant)
    return findings


def agreement_document(consortium: Consortium, *, draft: bool = False) -> Document:
    """Return the formation agreement as a Document (bytes plus the clause versions used)."""
    _require_clean(consortium, draft, document="agreement")
    return _agreement(consortium, agreement_version(consortium, load_library()).agreement(draft=draft))


def _agreement(consortium: Consortium, outline: Agreement, template: str = AGREEMENT_TEMPLATE) -> Document:
    data = render_docx(
        templates_dir() / template,
        {"doc": outline},
        properties={"title": outline.title, "author": consortium.lead.name,
                    "subject": "创新联合体组建协议", "keywords": f"{consortium.industry}；{consortium.sub_track}"},
    )
    return Document(DocumentKind.AGREEMENT, safe_filename(outline.title) + ".docx", data, f"zh_CN/{template}",
                    {**outline.clause_versions, **_phrases_entry()},
                    {a.id: a.variant for a in outline.articles if a.variant})


def render_agreement(consortium: Consortium, *, draft: bool = False) -> bytes:
    """Return the .docx bytes of the formation agreement (组建协议).

    Raise RuleError if ``check`` reports errors, unless draft is True, in which case every page is
    marked 草稿 (draft).
    """
    return agreement_document(consortium, draft=draft).data


def plan_document(consortium: Consortium, *, draft: bool = False) -> Document:
    """Return the construction plan (建设方案) as a Document; its sections follow plan_outline.yaml."""
    _require_clean(consortium, draft, document="plan")
    return _plan(consortium, draft)


def _plan(consortium: Consortium, draft: bool, base: BaseContext | None = None,
          revision: PlanRevision | None = None) -> Document:
    return _plan_document(consortium, _plan_outline(consortium, draft, base, revision))


def _plan_outline(consortium: Consortium, draft: bool, base: BaseContext | None = None,
                  revision: PlanRevision | None = None) -> Plan:
    return assemble_plan(consortium, load_outline(templates_dir() / PLAN_OUTLINE), draft=draft, base=base,
                         revision=revision)


def _plan_document(consortium: Consortium, plan: Plan) -> Document:
    data = render_docx(
        templates_dir() / PLAN_TEMPLATE,
        {"doc": plan},
        properties={"title": plan.title, "author": consortium.lead.name, "subject": "创新联合体建设方案",
                    "keywords": f"{consortium.industry}；{consortium.sub_track}"},
    )
    return Document(DocumentKind.PLAN, safe_filename(plan.title) + ".docx", data, f"zh_CN/{PLAN_TEMPLATE}",
                    {"plan_outline": plan.version, **_phrases_entry()})


def render_plan(consortium: Consortium, *, draft: bool = False) -> bytes:
    """Return the .docx bytes of the construction plan; RuleError on rule errors unless draft."""
    return plan_document(consortium, draft=draft).data


def commitment_documents(consortium: Consortium, *, draft: bool = False) -> list[Document]:
    """Return one integrity commitment (诚信承诺书) per unit, the lead unit first."""
    _require_clean(consortium, draft, document="agreement")
    return _commitments(consortium, draft)


def _commitments(consortium: Consortium, draft: bool, base: BaseContext | None = None,
                 change: str = "", joined: tuple[str, ...] = (), only: frozenset[str] | None = None) -> list[Document]:
    texts = load_library().documents.get(DocumentKind.COMMITMENT)
    if texts is None:
        raise TemplateError("条款库缺少 commitment.yaml（诚信承诺书文字）")
    documents = []
    letters = assemble_commitments(consortium, texts, draft=draft, base=base, change=change, joined=joined,
                                   only=only)
    for index, letter in enumerate(letters, start=1):
        data = render_docx(
            templates_dir() / COMMITMENT_TEMPLATE,
            {"doc": letter},
            properties={"title": f"{letter.title}（{letter.unit_name}）", "author": letter.unit_name,
                        "subject": f"{consortium.name}{'备案变更' if change else '备案申请'}",
                        "keywords": "诚信承诺书"},
        )
        filename = f"诚信承诺书/{index:02d}-{safe_filename(letter.unit_name)}.docx"
        documents.append(Document(DocumentKind.COMMITMENT, filename, data, f"zh_CN/{COMMITMENT_TEMPLATE}",
                                  {"commitment": texts.version, **_phrases_entry()}))
    return documents


def render_commitments(consortium: Consortium, *, draft: bool = False) -> dict[str, bytes]:
    """Return {unit credit code: .docx bytes} of every unit's integrity commitment, lead unit first."""
    codes = [u.credit_code for u in consortium.units]
    return dict(zip(codes, (d.data for d in commitment_documents(consortium, draft=draft)), strict=False))


def all_documents(consortium: Consortium, *, draft: bool = False, review: bool = False,
                  findings: list[Finding] | None = None, scope: str = "all") -> list[Document]:
    """Return every document a filing needs: agreement, plan, then each unit's commitment, and the
    compliance table; with review, the reviewer's edition of the agreement too (never filed).

    scope "agreement" leaves out the plan (and the rules only the plan needs, see ``for_document``);
    scope "plan" gives the plan alone. findings, when given, are ``check``'s findings already computed.
    """
    findings = _require_clean(consortium, draft, findings, scope)
    version = agreement_version(consortium, load_library())
    if scope == "plan":
        return [_plan(consortium, draft, version.base)]
    extra = [_review(consortium, draft, version)] if review else []
    # the plan is assembled once: the compliance table cites its headings, which draft does not change
    plan = _plan_outline(consortium, draft, version.base) if scope == "all" else None
    return [_agreement(consortium, version.agreement(draft=draft)),
            *([_plan_document(consortium, plan)] if plan is not None else []),
            *_commitments(consortium, draft, version.base),
            _compliance(consortium, draft, findings, version, plan.headings if plan is not None else None),
            *extra]


def compliance_document(consortium: Consortium, *, draft: bool = False) -> Document:
    """Return the compliance self-check table (合规自查表, kind compliance_table) as a Document.

    Unlike the other documents it is drafted whatever ``check`` finds: a failing requirement shows
    as 不符合 with the finding quoted. draft marks its pages 草稿.
    """
    return _compliance(consortium, draft, check(consortium), agreement_version(consortium, load_library()))


def _compliance(consortium: Consortium, draft: bool, findings: list[Finding], version: AgreementVersion,
                headings: list[str] | None = None) -> Document:
    """Return the compliance table; headings are the plan's (assembled here when not given)."""
    from docgen.drafting.compliance import assemble_compliance, load_compliance_texts

    library = load_library()
    if headings is None:
        headings = _plan_outline(consortium, True, version.base).headings
    table = assemble_compliance(consortium, findings, version.agreement(draft=True),
                                library, headings, load_compliance_texts(), draft=draft)
    data = render_docx(templates_dir() / COMPLIANCE_TEMPLATE, {"doc": table},
                       properties={"title": table.title, "author": consortium.lead.name,
                                   "subject": "创新联合体合规自查表", "keywords": "青科字〔2025〕5号"})
    return Document(DocumentKind.COMPLIANCE_TABLE, safe_filename(table.title) + ".docx", data,
                    f"zh_CN/{COMPLIANCE_TEMPLATE}",
                    {"compliance": load_compliance_texts().version, **_phrases_entry()})


def render_compliance(consortium: Consortium, *, draft: bool = False) -> bytes:
    """Return the .docx bytes of the compliance self-check table: one row per requirement of the
    guideline with its status (符合 / 例外（说明理由）/ 不符合), where it is met and the evidence."""
    return compliance_document(consortium, draft=draft).data


def review_document(consortium: Consortium, *, draft: bool = False) -> Document:
    """Return the reviewer's edition of the agreement (审阅本, kind agreement_review) as a Document."""
    _require_clean(consortium, draft, document="agreement")
    return _review(consortium, draft, agreement_version(consortium, load_library()))


def _review(consortium: Consortium, draft: bool, version: AgreementVersion) -> Document:
    from docgen.drafting.review import assemble_review, load_review_texts
    from docgen.render.review import annotate  # imported here: python-docx is needed only for this

    library = load_library()
    outline = version.agreement(draft=draft)
    signing = _agreement(consortium, outline)
    data = annotate(signing.data, assemble_review(outline, library, load_review_texts()))
    return Document(DocumentKind.AGREEMENT_REVIEW, safe_filename(outline.title + "（审阅本）") + ".docx", data,
                    signing.template, signing.clauses)


def render_review(consortium: Consortium, *, draft: bool = False) -> bytes:
    """Return the .docx bytes of the reviewer's edition: the agreement with a Word comment on every
    article (clause id and version, the variant chosen and its alternatives, the legal basis), a first
    page listing every choice that differs from the default, and every page marked not for signing.
    Raise RuleError on rule errors unless draft."""
    return review_document(consortium, draft=draft).data


def input_digest(consortium: Consortium) -> str:
    """Return the SHA-256 of the consortium's canonical JSON: the same data gives the same digest."""
    canonical = json.dumps(consortium.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The order a filing reads in: the compliance self-check, the plan, the agreement, each unit's commitment.
# Documents that are converted for reading but never filed: the reviewer's edition, the 汇编本 and the
# redline. None is signed, and a package of signed documents is no place for an unsigned copy of the
# agreement that reads like one: the authority files the signed supplement, and the 修订对照表 (which says
# it is for reading only) explains it.
_NOT_FILED = (DocumentKind.AGREEMENT_REVIEW, DocumentKind.CONSOLIDATED_AGREEMENT, DocumentKind.REDLINE)
_FILING_ORDER = (DocumentKind.COMPLIANCE_TABLE, DocumentKind.PLAN, DocumentKind.AGREEMENT, DocumentKind.SUPPLEMENT,
                 DocumentKind.CHANGE_TABLE, DocumentKind.COMMITMENT)


def with_pdfs(documents: list[Document], consortium: Consortium, *, draft: bool = False,
              package_title: str | None = None, base: Consortium | None = None) -> list[Document]:
    """Return documents plus a PDF of each (one LibreOffice start), the merged filing package, and for
    each signed PDF (and the package) its signing positions (kind signing_positions, .json).

    base is the original version in a change run: its units sign the supplement too. Raise
    ConversionError, naming the packages to install, when LibreOffice is missing.
    """
    from docgen.render.pdf import convert, package  # imported here: pypdf and LibreOffice are only for PDFs

    pdfs = convert(documents)
    # the reviewer's edition, the 汇编本 and the redline are converted for reading but never filed
    filed = [d for d in pdfs if d.kind not in _NOT_FILED]
    ordered = sorted(filed, key=lambda d: _FILING_ORDER.index(d.kind) if d.kind in _FILING_ORDER else 99)
    title = package_title or f"{consortium.name}备案材料"
    bundle = package(ordered, title=title, author=consortium.lead.name, subject="创新联合体备案申请材料",
                     keywords=f"{consortium.industry}；{consortium.sub_track}", draft=draft,
                     filename=safe_filename(title) + ".pdf")
    return [*documents, *pdfs, bundle, *_signing_documents(ordered, bundle, consortium, base)]


# Documents that carry signature blocks, and so signing positions.
_SIGNED = (DocumentKind.AGREEMENT, DocumentKind.SUPPLEMENT, DocumentKind.COMMITMENT)


def _signing_documents(filed: list[Document], bundle: Document, consortium: Consortium,
                       base: Consortium | None) -> list[Document]:
    """Return a signing-positions JSON for each signed PDF and for the package (pages offset per part)."""
    from docgen.render.pdf import page_count
    from docgen.render.signing import Signatory, signing_positions

    units = {u.credit_code: u for u in [*(base.units if base else []), *consortium.units]}

    def signatories(document: Document) -> list[Signatory]:
        if document.kind == DocumentKind.COMMITMENT:  # 诚信承诺书/01-单位名称.pdf: the unit whose name the file carries
            stem = PurePosixPath(document.filename).stem.split("-", 1)[-1]
            chosen = [u for u in consortium.units if safe_filename(u.name) == stem]
        elif document.kind == DocumentKind.SUPPLEMENT:
            chosen = list(units.values())
        else:
            chosen = consortium.units
        return [Signatory(u.name, u.credit_code) for u in chosen]

    out: list[Document] = []
    parts: list[dict[str, object]] = []
    start = 0
    for document in filed:
        pages = page_count(document)
        if document.kind in _SIGNED:
            positions = signing_positions(document.data, document.filename, signatories(document))
            out.append(_json_document(document, positions.as_dict()))
            parts.append({"title": PurePosixPath(document.filename).stem,
                          "riding_seal": {"from_page": start + 1, "to_page": start + pages},
                          "units": [unit.as_dict(page_offset=start) for unit in positions.units]})
        start += pages
    return [*out, _json_document(bundle, {"file": bundle.filename, "pages": start, "parts": parts})]


def _json_document(pdf: Document, positions: dict[str, object]) -> Document:
    """Return the signing positions of pdf as a JSON Document beside it (X.pdf → X.签章位置.json)."""
    text = json.dumps(positions, ensure_ascii=False, indent=2) + "\n"
    return Document(DocumentKind.SIGNING_POSITIONS, pdf.filename.removesuffix(".pdf") + ".签章位置.json",
                    text.encode("utf-8"))


def render_to(consortium: Consortium, out_dir: Path | str, *, draft: bool = False,
              overwrite: bool = False, input_sha256: str | None = None, pdf: bool = False,
              review: bool = False, findings: list[Finding] | None = None, scope: str = "all") -> Path:
    """Render every document of the consortium into out_dir with a manifest; return the manifest path.

    input_sha256 is recorded in the manifest; it defaults to ``input_digest(consortium)``, the hash of
    the validated model's canonical JSON, which the CLI records too. With pdf, each document is also converted to PDF
    and merged into the filing package (kind package_pdf). Nothing is written when the check fails
    (RuleError), a conversion fails (ConversionError) or a target file exists (OutputExistsError).
    findings, when given, are ``check``'s findings already computed for this consortium. scope
    ("all", "agreement" or "plan") chooses the documents, as in ``all_documents``.
    """
    documents = run_documents(consortium, draft=draft, pdf=pdf, review=review, findings=findings, scope=scope)
    digest = input_sha256 or input_digest(consortium)
    return write_documents(Path(out_dir), documents, digest, overwrite=overwrite,
                           extra=render_record(consortium, draft=draft, pdf=pdf, review=review, scope=scope))


def render_record(consortium: Consortium, *, draft: bool, pdf: bool, review: bool,
                  scope: str = "all") -> dict[str, object]:
    """Return what a render run's manifest records besides its documents: the command, its options and
    the validated input, so that ``docgen verify`` can draft the same run again."""
    options: dict[str, object] = {"draft": draft, "pdf": pdf, "review": review}
    if scope != "all":
        options["for"] = scope
    return {"command": "render", "options": options, "clause_library": fingerprint(load_library()),
            "input": consortium.model_dump(mode="json")}


def run_documents(consortium: Consortium, *, draft: bool = False, pdf: bool = False,
                  review: bool = False, findings: list[Finding] | None = None, scope: str = "all") -> list[Document]:
    """Return the documents ``render_to`` writes: every .docx, and with pdf the PDFs and the package."""
    documents = all_documents(consortium, draft=draft, review=review, findings=findings, scope=scope)
    return with_pdfs(documents, consortium, draft=draft) if pdf else documents


def change_documents(old: Consortium, new: Consortium, *, serial: int = 1,
                     previous: Sequence[str | PriorSupplement] | None = None, draft: bool = False,
                     original_parties: Sequence[str] = (), register: PartyRegister | None = None,
                     pinned: dict[str, Any] | None = None, differences: list[str] | None = None) -> list[Document]:
    """Return the documents of a member change: supplement, consolidated agreement, change table,
    redline (the consolidated agreement with tracked changes against the original), plan, commitments.

    Raise RuleError with every finding if ``check_change`` reports errors. With draft, rule errors of
    either version are tolerated (pages marked 草稿), but not the change rules themselves (CHANGE_…):
    an empty change, a departing lead unit or an unassigned task cannot be drafted at all.

    previous are the earlier supplements of the series (their names, or ``PriorSupplement`` records with
    dates and membership changes, which the recitals cite); original_parties the names of the units that
    signed the original agreement (default: old's units).

    register is the party register the previous supplement ended with (``docgen.drafting.register``);
    without it old's parties are designated in input order, as in the original agreement. pinned is
    the clause-library record (``fingerprint``) of the run that drafted old: the articles whose clauses
    differ now are named in the 修订对照表's introduction (see ``library_differences``); differences,
    when given, are those names as a manifest recorded them (``docgen verify``).
    """
    from docgen.rules.change import review_change

    changeset, findings = review_change(old, new)
    return _change_documents(changeset, findings, serial=serial, previous=list(previous or []), draft=draft,
                             original_parties=original_parties, register=register, pinned=pinned,
                             differences=differences)[0]


def _refuse_blocking(findings: list[Finding], draft: bool) -> None:
    """Raise RuleError if a change cannot be drafted: any error, or with draft any CHANGE_ error."""
    if any(f.severity == "error" and (not draft or f.code.startswith("CHANGE_")) for f in findings):
        raise RuleError(findings)


def library_differences(pinned: dict[str, Any] | None, version: AgreementVersion) -> list[str]:
    """Return the articles of version (the old agreement drafted with today's library) whose clause is not
    the one the pinned record (``fingerprint`` in the manifest of the run that drafted it) names, each as
    第六条（各方投入义务）; by hash where the record has one, else by version."""
    if not pinned or not isinstance(pinned.get("clauses"), dict):
        return []
    now = fingerprint(load_library())["clauses"]
    then: dict[str, Any] = pinned["clauses"]
    out = []
    for article in version.articles:
        recorded, current = then.get(article.id), now.get(article.id)
        same = (isinstance(recorded, dict) and current is not None
                and recorded.get("sha256", current["sha256"]) == current["sha256"]
                and recorded.get("version") == current["version"])
        if not same:
            out.append(phrase("change_warnings.article", number=article.number, title=article.title))
    return out


def _change_documents(cs: ChangeSet, findings: list[Finding], *, serial: int,
                      previous: Sequence[str | PriorSupplement], draft: bool,
                      original_parties: Sequence[str] = (), register: PartyRegister | None = None,
                      pinned: dict[str, Any] | None = None,
                      differences: list[str] | None = None) -> tuple[list[Document], ChangeDraft, list[str]]:
    """Return ``change_documents`` from the ChangeSet and ``check_change``'s findings already computed,
    and the ChangeDraft they were drafted from (its ``after`` is the register the manifest records)."""
    from docgen.drafting.consolidated import amended_agreement, reading_copy
    from docgen.drafting.supplement import (
        assemble_change_table,
        assemble_supplement,
        prepare_change,
        serial_name,
        supplement_context,
    )
    from docgen.render.redline import track_changes

    _refuse_blocking(findings, draft)
    new = cs.new
    library = load_library()
    supplement_library = load_library(clauses_dir() / "supplement")
    # each version's agreement numbered and rendered once, its parties designated by the register
    change = prepare_change(cs, library, register=register, serial=serial)
    unresolved = tuple(str(f) for f in findings if f.severity == "error") if draft else ()
    supplement = assemble_supplement(change, library, supplement_library, serial=serial, previous=previous,
                                     draft=draft, findings=unresolved, original_parties=original_parties)
    differences = library_differences(pinned, change.old) if differences is None else differences
    table = assemble_change_table(change, supplement_library, serial=serial, draft=draft, differences=differences)
    author = new.lead.name
    supplement_data = render_docx(templates_dir() / SUPPLEMENT_TEMPLATE, {"doc": supplement},
                                  properties={"title": supplement.title, "author": author,
                                              "subject": "创新联合体组建协议补充协议", "keywords": "成员变更"})
    table_data = render_docx(templates_dir() / CHANGE_TABLE_TEMPLATE, {"doc": table},
                             properties={"title": f"{table.subtitle}{table.title}", "author": author,
                                         "subject": "修订对照表", "keywords": "成员变更"})
    name = serial_name(serial)
    amendment_date = new.amendment.signing_date if new.amendment else new.signing_date
    original = _agreement(cs.old, change.old.outline)
    amended = _agreement(new, amended_agreement(change, draft=draft))
    marked = track_changes(original.data, amended.data, author=f"{name}补充协议", date=amendment_date,
                           header=phrase("redline.header"))
    consolidated_texts = supplement_library.documents.get("consolidated")
    if consolidated_texts is None:
        raise TemplateError("补充协议条款库缺少 consolidated.yaml（汇编本的标题、页眉说明和封面说明）")
    copy = reading_copy(change, consolidated_texts,
                        supplement_context(change, serial, previous, original_parties).names(), serial=serial,
                        draft=draft, supplement_articles=supplement.articles)
    copy_data = render_docx(templates_dir() / CONSOLIDATED_TEMPLATE, {"doc": copy},
                            properties={"title": copy.title, "author": author, "subject": "创新联合体组建协议汇编本",
                                        "keywords": "汇编本；仅供参考"})
    return [
        Document(DocumentKind.SUPPLEMENT, safe_filename(supplement.title.replace("《", "").replace("》", "")) + ".docx",
                 supplement_data,
                 f"zh_CN/{SUPPLEMENT_TEMPLATE}", {**supplement.clause_versions, **_phrases_entry()}),
        Document(DocumentKind.CONSOLIDATED_AGREEMENT, safe_filename(copy.title) + ".docx", copy_data,
                 f"zh_CN/{CONSOLIDATED_TEMPLATE}", {**copy.clause_versions, **_phrases_entry()}),
        Document(DocumentKind.CHANGE_TABLE, safe_filename(f"修订对照表（{name}补充协议）") + ".docx", table_data,
                 f"zh_CN/{CHANGE_TABLE_TEMPLATE}", _phrases_entry()),
        Document(DocumentKind.REDLINE,
                 safe_filename(amended.filename.removesuffix(".docx") + f"（{name}补充协议修订痕迹）") + ".docx",
                 marked, amended.template, amended.clauses),
        _plan(new, draft, change.new.base, PlanRevision(name, amendment_date)),
        *_commitments(new, draft, change.new.base, change=name,
                      joined=tuple(u.credit_code for u in change.changeset.joined),
                      only=frozenset(code for code, why in commitment_reasons(cs).items() if why)),
    ], change, differences


def _commitment_record(change: ChangeDraft, documents: list[Document]) -> list[dict[str, Any]]:
    """Return, for each unit of the new version, whether the change run issues its 诚信承诺书 (the file)
    and why, or why the one it gave before stands (``commitment_reasons``)."""
    reasons = commitment_reasons(change.changeset)
    files = {PurePosixPath(d.filename).stem.split("-", 1)[-1]: d.filename for d in documents
             if d.kind == DocumentKind.COMMITMENT and d.filename.endswith(".docx")}
    return [{"credit_code": p.unit.credit_code, "unit": p.unit.name, "designation": p.designation,
             "file": files.get(safe_filename(p.unit.name)) if reasons[p.unit.credit_code] else None,
             "reasons": reasons[p.unit.credit_code] or [phrase("change_commitments.unchanged")]}
            for p in change.new.base.parties]


def _source(root: Path, versions: list[dict[str, Any]], old_digest: str) -> dict[str, Any] | None:
    """Return the manifest of the run that drafted old: the latest change run in root whose new version
    it is, or else a render run written into root itself (``docgen render OLD -o ROOT``); None if neither."""
    found: dict[str, Any] | None = next((v for v in reversed(versions) if v.get("input_sha256") == old_digest),
                                        None)
    if found is not None:
        return found
    path = root / MANIFEST
    record: Any = None
    try:
        if path.is_file() and not path.is_symlink():
            record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(record, dict) and record.get("command") == "render" and record.get("input_sha256") == old_digest:
        return {**record, "folder": str(root)}
    return None


def _register_before(source: dict[str, Any] | None, old: Consortium,
                     serial: int) -> tuple[PartyRegister | None, list[str]]:
    """Return the party register supplement No. serial starts from, and warnings for the manifest.

    The register is the one recorded by source, the change run whose new version is old: the series
    continues from it, so every party keeps its designation. Without any source and serial 1, old is
    the original agreement. Otherwise (a series drafted out of order, a manifest from before the
    register was recorded) old's parties are numbered in input order, with a warning saying so.
    """
    if source is not None and "parties" in source:
        register = PartyRegister.from_json(source["parties"], Path(str(source["folder"])) / MANIFEST)
        if register.covers(old):
            return register, []
    if serial == 1:
        return None, []
    return original_register(old, serial - 1), [phrase("change_warnings.no_register", serial=serial)]


def render_change(old: Consortium, new: Consortium, out_root: Path | str, *, draft: bool = False,
                  old_sha256: str | None = None, new_sha256: str | None = None, pdf: bool = False) -> Path:
    """Write a member change's documents into a new version folder under out_root; return its manifest.

    The serial number (第一号, 第二号, …) follows from the versions already in out_root, whose folders are
    never touched. Drafting the same pair of inputs twice is refused (OutputExistsError). With pdf, PDFs
    and a merged package are written too.
    """
    return change_run(old, new, out_root, draft=draft, old_sha256=old_sha256, new_sha256=new_sha256, pdf=pdf)[0]


def _series(versions: list[dict[str, Any]]) -> tuple[list[PriorSupplement], list[str]]:
    """Return the earlier supplements (from their manifests) and the names of the original's parties (the
    first supplement's base input; empty when there is none: this change's old version is the original)."""
    from docgen.drafting.supplement import PriorSupplement, serial_name
    from docgen.input.loading import parse

    previous: list[PriorSupplement] = []
    parties: list[str] = []
    for version in versions:
        name = serial_name(int(version["serial"]))
        try:
            old = parse(version["base_input"], source="manifest.json base_input")
            new = parse(version["input"], source="manifest.json input")
        except (KeyError, InputError):
            previous.append(PriorSupplement(name))
            continue
        previous.append(PriorSupplement.of_change(name, old, new))
        if not parties:
            parties = [u.name for u in old.units]
    return previous, parties


def change_run(old: Consortium, new: Consortium, out_root: Path | str, *, draft: bool = False,
               old_sha256: str | None = None, new_sha256: str | None = None,
               pdf: bool = False, serial: int | None = None) -> tuple[Path, list[Finding]]:
    """Return ``render_change``'s manifest path and the findings of ``check_change`` (each version
    checked once, the versions diffed once).

    serial, for a root without earlier runs (the service's temporary folder), is the supplement's number
    when earlier supplements were drafted elsewhere: the parties are then numbered in old's input order,
    with a warning, since their register is unknown.
    """
    out_root = Path(out_root)
    old_digest = old_sha256 or input_digest(old)
    new_digest = new_sha256 or input_digest(new)
    from docgen.drafting.supplement import serial_name
    from docgen.rules.change import review_change

    changeset, findings = review_change(old, new)
    _refuse_blocking(findings, draft)  # before the folder is created: a refused change writes nothing
    with locked_root(out_root) as root:  # the serial is claimed and written under one lock
        versions = read_versions(root)
        for version in versions:
            if (version.get("base_sha256"), version.get("input_sha256")) == (old_digest, new_digest):
                raise OutputExistsError(f"这两个版本之间的变更已生成为{serial_name(int(version['serial']))}补充协议"
                                        f"（{version['folder']}），未重复生成")
        serial = (int(versions[-1]["serial"]) + 1) if versions else (serial or 1)
        previous, original_parties = _series(versions)
        source = _source(root, versions, old_digest)
        register, warnings = _register_before(source, old, serial)
        pinned = source.get("clause_library") if source is not None else None
        documents, change, differences = _change_documents(changeset, findings, serial=serial, previous=previous,
                                                           draft=draft, original_parties=original_parties,
                                                           register=register, pinned=pinned)
        if source is None:
            warnings.append(phrase("change_warnings.no_pin"))
        elif differences:
            warnings.append(phrase("change_warnings.library_changed", articles=differences))
        if pdf:
            documents = with_pdfs(documents, new, draft=draft,
                                  package_title=f"{new.name}{serial_name(serial)}补充协议材料", base=old)
        folder = f"补充协议{serial_name(serial)}"
        run = {"command": "change", "base_sha256": old_digest, "serial": serial,
               "previous": [p.name for p in previous],
               "previous_supplements": [p.record() for p in previous], "original_parties": list(original_parties),
               "options": {"draft": draft, "pdf": pdf, "review": False},
               "parties": change.after.as_json(), "warnings": warnings,
               "clause_library": fingerprint(load_library()), "library_differences": differences,
               "commitments": _commitment_record(change, documents),
               "base_input": old.model_dump(mode="json"), "input": new.model_dump(mode="json")}
        commit(root, folder, contents_of(documents, new_digest, run))
    return out_root / folder / MANIFEST, findings
