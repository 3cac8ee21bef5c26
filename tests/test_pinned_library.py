"""A change names the original's articles whose clause changed since the original was drafted (issue 13)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx

import docgen
from docgen.documents import change_run, render_to

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _intro(folder: Path) -> list[str]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    path = next(d["path"] for d in manifest["documents"] if d["kind"] == "change_table")
    return [p.text for p in docx.Document(io.BytesIO((folder / path).read_bytes())).paragraphs]


def test_render_manifest_records_the_clause_library(tmp_path: Path) -> None:
    v1 = docgen.load(SAMPLES / "marine-ai-v1.yaml")
    manifest = json.loads(render_to(v1, tmp_path).read_text(encoding="utf-8"))
    record = manifest["clause_library"]
    assert len(record["sha256"]) == 64
    assert record["clauses"]["funding.contribution"]["version"] == "1.3"
    assert len(record["clauses"]["funding.contribution"]["sha256"]) == 16


def test_change_names_the_articles_drafted_with_another_library(tmp_path: Path) -> None:
    v1, v2 = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    root = tmp_path / "out"
    render_to(v1, root)
    signed = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    # the library the original was signed with had another 违约金 clause
    signed["clause_library"]["clauses"]["breach.liquidated"]["sha256"] = "0" * 16
    (root / "manifest.json").write_text(json.dumps(signed, ensure_ascii=False), encoding="utf-8")
    manifest_path, _ = change_run(v1, v2, root)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    [article] = manifest["library_differences"]
    assert article.endswith("条（违约金与损失赔偿）")
    assert any(article in w and "与签署文本不一致" in w for w in manifest["warnings"])
    assert any(p.startswith("注意：原协议起草后条款库已经修改") and article in p for p in _intro(manifest_path.parent))


def test_change_with_the_same_library_has_no_warning_and_a_plain_intro(tmp_path: Path) -> None:
    v1, v2 = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    render_to(v1, tmp_path)
    manifest_path, _ = change_run(v1, v2, tmp_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["warnings"] == [] and manifest["library_differences"] == []
    assert not any(p.startswith("注意：") for p in _intro(manifest_path.parent))


def test_change_without_a_record_of_the_original_says_it_cannot_check(tmp_path: Path) -> None:
    v1, v2 = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    manifest_path, _ = change_run(v1, v2, tmp_path)
    warnings = json.loads(manifest_path.read_text(encoding="utf-8"))["warnings"]
    assert len(warnings) == 1 and "无法核对原协议起草时的条款库" in warnings[0]
