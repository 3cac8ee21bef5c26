"""The PDF tests are marked ``slow``: ``pytest -m "not slow"`` leaves them out, ``make test`` runs them."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from conftest import ROOT


def _collected(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", *args, "tests"],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_pdf_tests_are_slow_and_make_test_runs_everything() -> None:
    markers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert any(m.startswith("slow:") for m in markers["markers"])
    slow = _collected("-m", "slow")
    fast = _collected("-m", "not slow")
    assert len(slow) >= 25  # every test of test_pdf.py and each test of test_signing.py that starts LibreOffice
    assert not any(t.startswith("tests/test_pdf.py::") for t in fast)
    assert "tests/test_signing.py::test_each_unit_seals_the_agreement_where_its_name_is" in slow
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "pytest" in recipe and "-m" not in recipe.replace("-m pytest", "")
