"""Manifest version 2 and docgen verify: hashes, and the text edited outside docgen."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import jsonschema
import pytest
from conftest import ROOT, SAMPLES
from test_cli import run

import docgen
from docgen.verify import verify_file, verify_folder

HUMANOID = SAMPLES / "humanoid-robot.yaml"
SCHEMA = json.loads((ROOT / "docs" / "manifest.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("verify") / "run"
    docgen.render_to(docgen.load(HUMANOID), out, review=True)
    return out


def copy_of(folder: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def edit_paragraph(path: Path, old: str, new: str) -> str:
    document = docx.Document(str(path))
    for paragraph in document.paragraphs:
        for run_ in paragraph.runs:
            if old in run_.text:
                run_.text = run_.text.replace(old, new, 1)
                document.save(str(path))
                return paragraph.text
    raise AssertionError(f"{old} not found")


def test_manifest_follows_its_schema_for_render_and_change_runs(rendered: Path, tmp_path: Path) -> None:
    jsonschema.validate(json.loads((rendered / "manifest.json").read_text(encoding="utf-8")), SCHEMA)
    old, new = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    change = json.loads(docgen.render_change(old, new, tmp_path / "changes").read_text(encoding="utf-8"))
    jsonschema.validate(change, SCHEMA)
    assert change["command"] == "change" and change["serial"] == 1
    assert change["base_sha256"] == docgen.input_digest(old) and change["input_sha256"] == docgen.input_digest(new)


def test_an_untouched_run_verifies(rendered: Path) -> None:
    checks = verify_folder(rendered)
    manifest = json.loads((rendered / "manifest.json").read_text(encoding="utf-8"))
    assert [c.path for c in checks] == [d["path"] for d in manifest["documents"]]
    assert {c.status for c in checks} == {"ok"}


def test_an_edit_in_word_is_shown_as_the_changed_paragraph(rendered: Path, tmp_path: Path) -> None:
    folder = copy_of(rendered, tmp_path)
    agreement = next(folder.glob("*组建协议.docx"))
    edited = edit_paragraph(agreement, "违约金", "赔偿金")
    checks = {c.path: c for c in verify_folder(folder)}
    verdict = checks[agreement.name]
    assert verdict.status == "changed"
    assert verdict.edits == (f"- 原文：{edited.replace('赔偿金', '违约金', 1)}", f"+ 现文：{edited}")
    assert all(c.status == "ok" for path, c in checks.items() if path != agreement.name)


def test_cli_exits_1_on_any_difference_and_names_missing_files(rendered: Path, tmp_path: Path) -> None:
    folder = copy_of(rendered, tmp_path)
    ok = run("verify", str(folder))
    assert ok.returncode == 0 and "0个不一致" in ok.stdout
    letter = next((folder / "诚信承诺书").glob("01-*.docx"))
    letter.unlink()
    result = run("verify", str(folder))
    assert result.returncode == 1
    assert f"缺失　诚信承诺书/{letter.name}" in result.stdout and "1个不一致" in result.stdout


def test_one_file_against_a_manifest(rendered: Path, tmp_path: Path) -> None:
    folder = copy_of(rendered, tmp_path)
    plan = next(folder.glob("*建设方案.docx"))
    elsewhere = tmp_path / plan.name
    elsewhere.write_bytes(plan.read_bytes())
    assert verify_file(elsewhere, folder / "manifest.json").status == "ok"
    edit_paragraph(elsewhere, "建设", "筹建")
    result = run("verify", str(elsewhere), "--manifest", str(folder / "manifest.json"))
    assert result.returncode == 1 and "已被修改" in result.stdout and "+ 现文：" in result.stdout


def test_a_change_run_verifies_and_shows_edits(tmp_path: Path) -> None:
    old, new = docgen.load(SAMPLES / "marine-ai-v1.yaml"), docgen.load(SAMPLES / "marine-ai-v2.yaml")
    folder = docgen.render_change(old, new, tmp_path / "changes").parent
    assert {c.status for c in verify_folder(folder)} == {"ok"}
    supplement = next(folder.glob("*补充协议*.docx"))
    edit_paragraph(supplement, "各方", "双方")
    verdict = next(c for c in verify_folder(folder) if c.path == supplement.name)
    assert verdict.status == "changed" and any(line.startswith("+ 现文：") and "双方" in line for line in verdict.edits)


def test_a_foreign_manifest_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"documents": []}', encoding="utf-8")
    with pytest.raises(docgen.OutputError, match="manifest_version"):
        verify_folder(tmp_path)
    result = run("verify", str(tmp_path))
    assert result.returncode != 0 and "第2版清单" in result.stderr
