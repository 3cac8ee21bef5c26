"""The docgen command: exit codes, every problem printed, nothing written on refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import BASE_SAMPLE, ROOT, SAMPLES, VALID_SAMPLES

import docgen

INVALID = SAMPLES / "invalid"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "docgen.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, check=False)


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_check_passes_valid_samples(path: Path) -> None:
    result = run("check", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0项错误" in result.stdout


def test_check_json_lists_codes_of_an_invalid_sample() -> None:
    expected = yaml.safe_load((INVALID / "expected.yaml").read_text(encoding="utf-8"))
    name, codes = next((k, v) for k, v in sorted(expected.items()) if v != "input_error")
    result = run("check", str(INVALID / name), "--json")
    assert result.returncode == 1
    found = {f["code"] for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"}
    assert found == set(codes)


def test_check_malformed_yaml_exits_2_naming_the_line() -> None:
    result = run("check", str(INVALID / "malformed.yaml"))
    assert result.returncode == 2
    assert "行" in result.stderr and "YAML 语法错误" in result.stderr


def test_check_lists_every_field_problem(tmp_path: Path) -> None:
    result = run("check", str(INVALID / "bad-fields.yaml"), "--json")
    assert result.returncode == 2
    problems = json.loads(result.stdout)["input_errors"]
    assert len(problems) >= 3
    assert all(p["label"] and p["path"] and p["message"] for p in problems)


def test_schema_command_prints_json_schema() -> None:
    result = run("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "创新联合体" and schema["properties"]["lead"]["title"] == "牵头单位"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_init_writes_a_starter_that_check_refuses_until_filled_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "new.yaml"
    assert run("init", str(target)).returncode == 0
    text = target.read_text(encoding="utf-8")
    assert "# 牵头单位" in text and "# 统一社会信用代码" in text
    assert run("check", str(target)).returncode == 2  # placeholders: see test_starter.py
    second = run("init", str(target))
    assert second.returncode == 3 and "已存在" in second.stderr  # an existing output: exit 3
    assert target.read_text(encoding="utf-8") == text


def test_render_writes_agreement_and_manifest_then_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("render", str(BASE_SAMPLE), "-o", str(out))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))

    # one input hash for the CLI and the API: the validated model's canonical JSON
    assert manifest["input_sha256"] == docgen.input_digest(docgen.load(BASE_SAMPLE))
    assert docgen.parse(manifest["input"]) == docgen.load(BASE_SAMPLE)
    kinds = [d["kind"] for d in manifest["documents"]]
    assert kinds[:2] == ["agreement", "plan"] and set(kinds[2:-1]) == {"commitment"}
    assert kinds[-1] == "compliance_table"
    assert len(kinds) == 3 + len(docgen.load(BASE_SAMPLE).units)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = run("render", str(BASE_SAMPLE), "-o", str(out))
    assert again.returncode == 3 and "--force" in again.stderr  # an existing output: exit 3
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert run("render", str(BASE_SAMPLE), "-o", str(out), "--force").returncode == 0


def test_render_refuses_rule_errors_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("render", str(INVALID / "no-head.yaml"), "-o", str(out))
    assert result.returncode == 1
    assert "HEAD_MISSING" in result.stdout
    assert not out.exists()
    draft = run("render", str(INVALID / "no-head.yaml"), "-o", str(out), "--draft")
    assert draft.returncode == 0 and any(out.glob("*.docx"))


def test_render_a_folder_gives_one_output_folder_per_input(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for path in VALID_SAMPLES[:2]:
        (folder / path.name).write_bytes(path.read_bytes())
    result = run("render", str(folder), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.stem for p in VALID_SAMPLES[:2])


def test_render_stops_before_writing_when_any_input_is_bad(tmp_path: Path) -> None:
    result = run("render", str(BASE_SAMPLE), str(INVALID / "malformed.yaml"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert not (tmp_path / "out").exists()


def test_clauses_lint_passes_and_listing_shows_variants() -> None:
    lint = run("clauses", "--lint")
    assert lint.returncode == 0, lint.stdout
    listing = run("clauses")
    assert "ip.patent" in listing.stdout and "completing_party" in listing.stdout


def test_several_inputs_write_nothing_when_any_target_exists(tmp_path: Path) -> None:
    out = tmp_path / "out"
    second = VALID_SAMPLES[1]
    (out / second.stem).mkdir(parents=True)
    (out / second.stem / "manifest.json").write_text("{}", encoding="utf-8")
    result = run("render", str(VALID_SAMPLES[0]), str(second), "-o", str(out))
    assert result.returncode == 3 and "manifest.json" in result.stderr  # an existing output: exit 3
    assert not (out / VALID_SAMPLES[0].stem).exists()
