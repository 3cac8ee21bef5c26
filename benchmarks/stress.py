"""make stress: kill -9 trials (no mixed output folder) and concurrent runs into one folder (nothing lost).

Each trial runs the real ``docgen`` command in subprocesses and then inspects the output folder:

* kill: a folder holds a complete render of one sample; ``docgen render OTHER -o folder --force`` is killed
  with SIGKILL, in odd trials at a random moment, in even ones within 0.2 s of its journal appearing
  (its file moves slowed to 20 ms each, so the kill lands between two moves of the commit). The folder
  must then hold exactly the old set or exactly the new set, every file matching its
  manifest, or, when the kill fell inside the commit, a journal that the next run completes to the new set.
* change: ``docgen change v1 v2`` and ``docgen change v2 v3`` run at once into one root; both must succeed,
  as 补充协议第一号 and 第二号, each complete.
* render: ``docgen render A --force`` and ``docgen render B --force`` run at once into one folder; the
  folder must end as exactly A's set or B's set.

Usage: python benchmarks/stress.py [--trials N] (default 20 of each). Exit 1 if any trial fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
A, B = SAMPLES / "deep-sea-sensing.yaml", SAMPLES / "synthetic-bio.yaml"
V1, V2, V3 = (SAMPLES / f"marine-ai-v{n}.yaml" for n in (1, 2, 3))

# docgen with each file move slowed down, so that a kill can land between two moves of the commit
SLOW_MOVES = """
import os, sys, time
from docgen import output
real = os.replace
def slow(source, target, *args, **kwargs):
    if "files" in str(source):
        time.sleep(0.02)
    return real(source, target, *args, **kwargs)
output.os.replace = slow
from docgen.cli import main
sys.argv[0] = "docgen"
main()
"""


def docgen(*args: str, slow: bool = False) -> subprocess.Popen[bytes]:
    code = SLOW_MOVES if slow else "from docgen.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "200"})


def state(folder: Path) -> tuple[str, str]:
    """Return (verdict, input hash): "complete", "pending" (a journal awaits the next run) or "mixed: …"."""
    manifest_path = folder / "manifest.json"
    staging = [p for p in folder.glob(".docgen-staging-*") if p.is_dir()]
    journaled = any((p / "journal.json").is_file() for p in staging)
    if not manifest_path.is_file():
        return ("pending" if journaled else "mixed: no manifest"), ""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    listed = {d["path"]: d["sha256"] for d in manifest["documents"]}
    present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
               and not str(p.relative_to(folder)).startswith(".docgen-staging-")} - {"manifest.json"}
    wrong = [name for name, digest in listed.items()
             if name not in present or hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest]
    extra = present - set(listed)
    if wrong or extra:
        return ("pending" if journaled else f"mixed: {len(wrong)} differing, {len(extra)} extra"), ""
    return "complete", manifest["input_sha256"]


def kill_trials(trials: int, work: Path) -> list[str]:
    failures: list[str] = []
    counts = {"old": 0, "new": 0, "recovered": 0}
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "docgen.cli", "render", str(B), "-o", str(work / "timing")],
                   check=True, capture_output=True)
    duration = time.monotonic() - start
    for trial in range(trials):
        folder = work / f"kill-{trial}"
        subprocess.run([sys.executable, "-m", "docgen.cli", "render", str(A), "-o", str(folder)],
                       check=True, capture_output=True)
        old = state(folder)[1]
        process = docgen("render", str(B), "-o", str(folder), "--force", slow=True)
        if trial % 2:  # a random moment: most land while drafting, some after the run
            time.sleep(random.uniform(0.2, duration * 1.3))
        else:  # inside the commit: as soon as the journal exists, a few moves in
            deadline = time.monotonic() + 120
            while not list(folder.glob(".docgen-staging-*/journal.json")) and time.monotonic() < deadline \
                    and process.poll() is None:
                time.sleep(0.002)
            time.sleep(random.uniform(0, 0.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        verdict, digest = state(folder)
        if verdict == "pending":  # the next run in the folder completes the killed one
            subprocess.run([sys.executable, "-c", "import sys; from docgen.output import locked_root\n"
                            "with locked_root(sys.argv[1]): pass", str(folder)], check=True)
            verdict, digest = state(folder)
            counts["recovered"] += verdict == "complete"
        elif verdict == "complete":
            counts["old" if digest == old else "new"] += 1
        if verdict != "complete":
            failures.append(f"kill trial {trial}: {verdict}")
    print(f"kill -9: {trials} trials, {trials - len(failures)} folders whole "
          f"(old set {counts['old']}, new set {counts['new']}, completed from the journal {counts['recovered']}), "
          f"{len(failures)} mixed")
    return failures


def change_trials(trials: int, work: Path) -> list[str]:
    failures: list[str] = []
    for trial in range(trials):
        root = work / f"change-{trial}"
        runs = [docgen("change", str(V1), str(V2), "-o", str(root)),
                docgen("change", str(V2), str(V3), "-o", str(root))]
        codes = [run.wait() for run in runs]
        folders = sorted(p.name for p in root.iterdir())
        verdicts = [state(root / name)[0] for name in folders]
        if codes != [0, 0] or folders != ["补充协议第一号", "补充协议第二号"] or set(verdicts) != {"complete"}:
            failures.append(f"change trial {trial}: exit {codes}, folders {folders}, {verdicts}")
    print(f"concurrent change: {trials} trials of two runs into one root, {trials - len(failures)} with both "
          f"supplements whole, {len(failures)} with a loss")
    return failures


def render_trials(trials: int, work: Path) -> list[str]:
    failures: list[str] = []
    digests = {}
    for sample in (A, B):
        folder = work / f"reference-{sample.stem}"
        subprocess.run([sys.executable, "-m", "docgen.cli", "render", str(sample), "-o", str(folder)], check=True,
                       capture_output=True)
        digests[state(folder)[1]] = sample.stem
    for trial in range(trials):
        folder = work / f"render-{trial}"
        runs = [docgen("render", str(A), "-o", str(folder), "--force"),
                docgen("render", str(B), "-o", str(folder), "--force")]
        codes = [run.wait() for run in runs]
        verdict, digest = state(folder)
        if codes != [0, 0] or verdict != "complete" or digest not in digests:
            failures.append(f"render trial {trial}: exit {codes}, {verdict}")
    print(f"concurrent render: {trials} trials of two runs into one folder, {trials - len(failures)} ending as "
          f"one whole set, {len(failures)} mixed")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="docgen-stress-"))
    try:
        failures = kill_trials(args.trials, work) + change_trials(args.trials, work) + render_trials(args.trials, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print("FAILED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
