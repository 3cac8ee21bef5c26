"""``make demo`` drafts the marine-ai change series beside a render of v1, so every change checks the library."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def _demo_docgen_commands() -> list[list[str]]:
    """Return the docgen commands of the demo recipe (``$(BIN)/docgen …``), in order, options as written."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    commands = []
    for line in recipe.replace("\\\n", "\n").splitlines():
        line = line.strip().rstrip(";").strip()
        if line.startswith("$(BIN)/docgen "):
            commands.append(shlex.split(line.replace("$$pdf", ""))[1:])
    return commands


def test_demo_renders_v1_into_the_change_folder_before_the_first_change(tmp_path: Path) -> None:
    commands = [c for c in _demo_docgen_commands() if "out/marine-ai-changes" in c]
    assert [c[0] for c in commands] == ["render", "change", "change", "change"]
    assert commands[0][1:2] == ["samples/marine-ai-v1.yaml"]
    assert commands[1][1:3] == ["samples/marine-ai-v1.yaml", "samples/marine-ai-v2.yaml"]
    # the first two as the demo runs them, into a fresh folder: the change finds v1's manifest and checks
    # the clause library (no "无法核对" warning)
    out = tmp_path / "marine-ai-changes"
    for command in commands[:2]:
        args = [str(out) if a == "out/marine-ai-changes" else str(ROOT / a) if a.startswith("samples/") else a
                for a in command]
        result = subprocess.run([sys.executable, "-m", "docgen.cli", *args], capture_output=True, text=True,
                                cwd=tmp_path, check=False)
        assert result.returncode == 0, result.stderr
        assert "无法核对" not in result.stdout + result.stderr
    manifest = json.loads((out / "补充协议第一号" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["warnings"] == [] and manifest["library_differences"] == []
