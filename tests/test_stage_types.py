"""Stages hand each other typed data: document kinds, contexts, parties and signatures, annex rows."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from conftest import BASE_SAMPLE, ROOT, SAMPLES

import docgen
from docgen.clauses.library import load_library
from docgen.constants import FUNDING_COLUMNS, FUNDING_SOURCES, KPI_CATEGORIES, DocumentKind
from docgen.drafting.agreement import (
    Annex,
    BaseContext,
    FundingRow,
    MemberRow,
    PartyRow,
    Signature,
    TaskView,
    agreement_version,
    base_context,
)
from docgen.drafting.supplement import SupplementContext, assemble_supplement, prepare_change, supplement_context
from docgen.input.model import KPI, FundingLine, Unit
from docgen.resources import clauses_dir
from docgen.rules.change import diff


def _documented(section: str) -> set[str]:
    """Return the names in the first column of the first table under the clauses/README.md heading section."""
    text = (ROOT / "clauses" / "README.md").read_text(encoding="utf-8")
    body = text.split(section, 1)[1].split("\n## ", 1)[0]
    table = body[body.index("\n|"):].split("\n\n", 1)[0]
    names: set[str] = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names |= {re.sub(r"\(.*\)", "", n) for n in re.findall(r"`([^`]+)`", first)}
    return names


def test_document_kinds_are_the_manifest_strings(tmp_path: Path) -> None:
    manifest_path = docgen.render_to(docgen.load(BASE_SAMPLE), tmp_path / "run")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    kinds = {d["kind"] for d in manifest["documents"]}
    assert kinds == {"agreement", "plan", "commitment", "compliance_table"}
    assert kinds <= {k.value for k in DocumentKind}
    assert DocumentKind("agreement") is DocumentKind.AGREEMENT and f"{DocumentKind.PLAN}" == "plan"
    assert json.dumps(DocumentKind.SUPPLEMENT) == '"supplement"'


def test_domain_constants_are_the_model_enumerations() -> None:
    assert FUNDING_SOURCES == ("自筹资金", "财政资助", "社会资本", "其他资金")
    assert list(FUNDING_COLUMNS.values()) == ["self", "fiscal", "social", "other"]
    assert KPI_CATEGORIES == ("管理运行机制", "科研攻关", "产出")
    schema = FundingLine.model_json_schema()["properties"]["source"]
    assert tuple(schema["enum"]) == FUNDING_SOURCES
    assert tuple(KPI.model_json_schema()["properties"]["category"]["enum"]) == KPI_CATEGORIES
    assert set(Unit.model_json_schema()["properties"]["kind"]["enum"]) >= {"企业", "高等院校", "科研院所"}


def test_base_context_is_typed_and_its_names_are_documented(base: docgen.Consortium) -> None:
    context = base_context(base)
    assert isinstance(context, BaseContext)
    assert all(isinstance(t, TaskView) for t in context.tasks)
    assert [t.id for t in context.tasks] == [t.id for t in base.tasks]
    assert context.tasks[0].owner_name == next(u.name for u in base.units if u.credit_code == base.tasks[0].owner)
    documented = _documented("## What a clause may use")
    assert set(context.names()) == documented - {"annex", "ref"}


def test_agreement_parts_are_dataclasses(base: docgen.Consortium) -> None:
    outline = agreement_version(base, load_library()).outline
    assert all(isinstance(p, PartyRow) for p in outline.parties)
    assert outline.parties[0].name == base.lead.name and outline.parties[0].designation == "甲方"
    assert all(type(s) is Signature for s in outline.signatures)
    annexes: dict[str, Annex] = outline.annexes
    assert all(isinstance(r, MemberRow) for r in annexes["members"].rows)
    assert isinstance(annexes["funding"].total_row, FundingRow)
    assert annexes["funding"].total_row.unit == "合计"


def test_supplement_context_is_typed_and_matches_the_documented_names() -> None:
    old, new = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    library = load_library()
    change = prepare_change(diff(old, new), library)
    context = supplement_context(change, 1, [])
    assert isinstance(context, SupplementContext)
    assert [j.name for j in context.joined] == [u.name for u in diff(old, new).joined]
    assert all(dataclasses.is_dataclass(item) for item in [*context.joined, *context.left, *context.updated_units])
    base_names = set(context.base.names())
    own = set(context.names()) - base_names
    documented = _documented("## The supplementary agreement")
    assert own | {"amended", "ref"} == documented
    supplement = assemble_supplement(change, library, load_library(clauses_dir() / "supplement"), serial=1,
                                     previous=[])
    # one Signature type for both documents
    assert all(type(s) is Signature for s in supplement.signatures)
    assert [s.name for s in supplement.signatures] == [p.unit.name for p in change.parties]
    assert all(isinstance(p, PartyRow) for p in supplement.parties)


def test_domain_values_are_written_once() -> None:
    import ast

    from docgen.constants import ACADEMIC_KINDS, ENTERPRISE

    values = {*FUNDING_SOURCES, *KPI_CATEGORIES, *ACADEMIC_KINDS, ENTERPRISE}
    offences = []
    for path in sorted((ROOT / "docgen").rglob("*.py")):
        if path.name == "constants.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in values:
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert offences == [], "use docgen.constants:\n" + "\n".join(offences)
