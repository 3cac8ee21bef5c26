"""PDF conversion leaves nothing behind: on a timeout, SIGINT, SIGTERM or even SIGKILL of docgen, LibreOffice's
whole process group is killed and its temporary profile removed (a stand-in soffice records its pids)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import docgen
from docgen.output import Document
from docgen.render import pdf

FAKE_SOFFICE = """#!/bin/sh
echo $$ >> "$DOCGEN_FAKE_PIDS"
sleep 300 &
echo $! >> "$DOCGEN_FAKE_PIDS"
wait
"""

DRIVER = """
import sys
from docgen.output import Document
from docgen.render.pdf import convert
convert([Document("agreement", "a.docx", b"PK")], timeout=float(sys.argv[1]))
"""


def _alive(pid: int) -> bool:
    """Return whether pid runs (a zombie awaiting its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        # The process may exit between opening its stat file and reading it (ESRCH): it is gone.
        return False
    return state != "Z"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A stand-in soffice on PATH that starts a child and waits; a private TMPDIR."""
    bin_dir, tmp = tmp_path / "bin", tmp_path / "tmp"
    bin_dir.mkdir()
    tmp.mkdir()
    script = bin_dir / "soffice"
    script.write_text(FAKE_SOFFICE, encoding="utf-8")
    script.chmod(0o755)
    pids = tmp_path / "pids"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setenv("DOCGEN_FAKE_PIDS", str(pids))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    return {"tmp": tmp, "pids": pids}


def _started(pids: Path) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if pids.is_file() and len(pids.read_text().split()) >= 2:
            return [int(p) for p in pids.read_text().split()]
        time.sleep(0.05)
    raise AssertionError("the stand-in soffice did not start")


def _nothing_left(fake: dict[str, Path], pids: list[int]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (any(map(_alive, pids)) or any(fake["tmp"].iterdir())):
        time.sleep(0.1)
    assert [pid for pid in pids if _alive(pid)] == []
    assert list(fake["tmp"].iterdir()) == []  # the profile and the inputs are gone


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_a_signal_to_docgen_stops_libreoffice_and_removes_its_profile(fake: dict[str, Path], signum: int) -> None:
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, "300"], stderr=subprocess.PIPE)
    pids = _started(fake["pids"])
    driver.send_signal(signum)
    _, stderr = driver.communicate(timeout=30)
    assert driver.returncode != 0, stderr
    _nothing_left(fake, pids)


def test_a_timeout_stops_libreoffice_and_removes_its_profile(fake: dict[str, Path]) -> None:
    with pytest.raises(docgen.ConversionError, match="超过 2 秒"):
        pdf.convert([Document("agreement", "a.docx", b"PK")], timeout=2)
    _nothing_left(fake, _started(fake["pids"]))


def test_folders_of_dead_conversions_are_removed(fake: dict[str, Path]) -> None:
    dead = fake["tmp"] / "docgen-pdf-999999999-x"
    live = fake["tmp"] / f"docgen-pdf-{os.getpid()}-y"
    for folder in (dead, live):
        (folder / "profile").mkdir(parents=True)
    assert pdf.remove_stale_workdirs() == [dead]
    assert sorted(p.name for p in fake["tmp"].iterdir()) == [live.name]
