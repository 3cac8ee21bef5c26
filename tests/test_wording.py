"""Contract wording lives in clauses/ and the templates, never in the drafting code.

The lint: every string literal in docgen/drafting/*.py that holds a Chinese character must be a docstring,
part of a ``raise`` (an error message), or listed in ALLOWED with the reason it stays. The phrases the
code joins (designations, roles, captions, the supplement's change sentences) come from
clauses/phrases/phrases.yaml, which a changed phrase proves.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLES

import docgen
from docgen.clauses import phrases as phrases_module
from docgen.clauses.library import load_library
from docgen.clauses.lint import lint_phrases
from docgen.documents import plan_document
from docgen.drafting.agreement import agreement_version
from docgen.drafting.supplement import prepare_change, supplement_context
from docgen.rules.change import diff

IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")

# (module, literal) → why it stays in Python
ALLOWED: dict[tuple[str, str], str] = {
    ("compliance.py", "^[一二三四五六七八九十]+、"): "parses the plan's headings, not wording",
    ("compliance.py", r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.|（\d+）)"):
        "parses the plan's headings, not wording",
    ("plan.py", "”超过三级标题"): "error message about the outline file",
    ("plan.py", "”：未知的表格 "): "error message about the outline file",
    ("plan.py", "（可用："): "error message about the outline file",
    ("plan.py", "”：未知的图表 "): "error message about the outline file",
    ("plan.py", "”：narrative 没有字段 "): "error message about the outline file",
    ("plan.py", "建设方案提纲“"): "names an outline section in error messages",
    ("supplement.py", "补充协议文字"): "error message: a missing clause-library file",
    ("supplement.py", "协议文字"): "error message: a missing clause-library file",
    ("supplement.py", "修订对照表文字"): "error message: a missing clause-library file",
}


def _cjk_literals(path: Path) -> list[tuple[int, str]]:
    """Return (line, literal) of the string literals holding Chinese outside docstrings and raise statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and IDEOGRAPH.search(node.value)):
            continue
        if id(node) in docstrings:
            continue
        parent: ast.AST | None = parents.get(node)
        while parent is not None and not isinstance(parent, ast.Raise):
            parent = parents.get(parent)
        if parent is None:
            found.append((node.lineno, node.value))
    return found


def test_drafting_code_holds_no_contract_wording() -> None:
    offences, used = [], set()
    for path in sorted((ROOT / "docgen" / "drafting").glob("*.py")):
        for line, literal in _cjk_literals(path):
            if (path.name, literal) in ALLOWED:
                used.add((path.name, literal))
            else:
                offences.append(f"docgen/drafting/{path.name}:{line}: {literal!r}")
    assert offences == [], "wording belongs in clauses/ (phrases/phrases.yaml) or a template:\n" + "\n".join(offences)
    assert set(ALLOWED) - used == set(), "allow-list entries no longer needed"


def test_the_lint_catches_wording(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text('"""文档。"""\n\ndef f() -> str:\n    """说明。"""\n    if 1:\n'
                      '        raise ValueError("错误")\n    return "甲方"\n', encoding="utf-8")
    assert _cjk_literals(module) == [(7, "甲方")]


def test_phrase_file_passes_the_clause_lint() -> None:
    assert lint_phrases() == []


def test_half_width_punctuation_in_a_phrase_is_a_lint_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _edited(lambda d: d["plan"]["tables"]["members"].update(caption="成员单位,构成"))
    monkeypatch.setattr(phrases_module, "phrases", lambda path=None: data)
    assert any("plan.tables.members.caption" in p for p in lint_phrases())


def _edited(change: Any) -> dict[str, Any]:
    import copy

    data = copy.deepcopy(phrases_module.phrases())
    change(data)
    return data


def test_documents_take_their_phrases_from_the_file(monkeypatch: pytest.MonkeyPatch, base: docgen.Consortium) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["plan"]["tables"]["members"]["caption"] = "成员单位一览"
        data["parties"]["lead_designation"] = "甲方（牵头）"
        joined = next(e for e in data["supplement"]["summary"] if e["when"] == "cs.joined")
        joined["text"] = "吸收{{ cs.joined | map(attribute='name') | join_cn }}为成员单位"

    edited = _edited(edit)
    agreement_version(base, load_library())  # kept from before the edit: it must not be reused after it
    monkeypatch.setattr(phrases_module, "phrases", lambda path=None: edited)
    from test_agreement import all_text, open_docx

    plan_text = all_text(open_docx(plan_document(base).data))
    assert "表1　成员单位一览" in plan_text and "表1　成员单位构成" not in plan_text
    outline = agreement_version(base, load_library()).outline
    assert outline.parties[0].designation == "甲方（牵头）"
    old, new = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    summary = supplement_context(prepare_change(diff(old, new), load_library()), 1, []).changes_summary
    assert summary[0].startswith("吸收") and summary[0].endswith("为成员单位")
