"""docgen's benchmarks: print a table and write BENCHMARKS.md at the repository root (``make bench``).

(a) package   the deep-sea sample's full .docx package, warm and in-process, against bare docxtpl
              rendering the same templates with the same precomputed contexts, measured in the same
              run; and the bytes of both, zip-normalised alike, compared.
(b) scaling   generated consortia of 10 … 200 member units (benchmarks/generate.py): time, Python peak
              memory (tracemalloc), peak RSS in a fresh process, and RSS over 100 repeated renders.
(c) cold      ``docgen render SAMPLE -o DIR`` as a subprocess against the import floor (``python -c
              "import docxtpl, pydantic, yaml, jinja2.sandbox"``), interleaved in the same run.
(d) pdf       docgen.pdf.convert: the whole package in one LibreOffice start against one document.
(e) warm      the LibreOffice the service keeps running: one document and the package (service_bench.py).
(f) load      docgen serve on loopback, 8 concurrent clients: throughput, p50/p95, errors, peak RSS.

Timings are medians of repeated runs with time.perf_counter; nothing here is asserted by the tests.
``make bench`` writes BENCHMARKS.md (every target: figure, ratio to the target, verdict) and
BENCHMARKS.json (the figures and the same-run ratios). ``make bench-quick`` (``--quick``, under a minute)
measures only the same-run ratios and fails when one is more than 30 % worse than in BENCHMARKS.json.
Run ``python benchmarks/run.py --help`` for the options.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.metadata
import importlib.util
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "samples" / "deep-sea-sensing.yaml"
REPORT = ROOT / "BENCHMARKS.md"
FIGURES = ROOT / "BENCHMARKS.json"
sys.path[:0] = [str(HERE), str(ROOT)]

import service_bench  # noqa: E402  (beside this file, found through the path just set)

# The targets of the issues "Benchmarks: full package faster than bare docxtpl, linear scaling to 200
# members, PDF batching" and "Performance, second round" (issue 17).
PACKAGE_RATIO = 0.10         # docgen's package time / bare docxtpl's
SCALE_SIZES = (10, 20, 50, 100, 200, 1000)
LARGEST_SECONDS = 1.0        # full package of 200 members
SCALE_RATIO = 10.0           # t(200) / t(20)
STEP_RATIO = 6.0             # t(1000) / t(200): 5 × the members, at most 20 % slower per member
PEAK_RSS_MB = 150.0          # 200 members
LARGE_PEAK_RSS_MB = 250.0    # 1,000 members
RSS_GROWTH_MB = 5.0          # "flat": RSS after render 100 minus RSS after render 10
REPEATS = 100
IMPORT_SECONDS = 0.3
COLD_FLOOR_RATIO = 2.0       # cold docgen render / the import floor, interleaved in one run
FLOOR = "import docxtpl, pydantic, yaml, jinja2.sandbox"
PDF_RATIO = 1.5              # whole package in one LibreOffice start / one document
REGRESSION = 1.3             # bench-quick fails when a same-run ratio is 30 % worse than the committed one



# --- helpers ----------------------------------------------------------------------------------------

def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    """Return (median seconds, all timings) of fn over runs calls, garbage collected before each."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def normalise(data: bytes) -> bytes:
    """Return the zip with docgen's fixed entry timestamps and attributes (docgen's own normaliser)."""
    from docgen.render.docx import _normalise_zip

    return _normalise_zip(data)


def bare_environment() -> Any:
    """Return a sandboxed strict environment equivalent to docgen's, built independently of it."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    from docgen.formatting import FILTERS
    from docgen.render.docx import fit_widths

    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined,
                               autoescape=lambda name: not (name or "").endswith(".txt"),
                               keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    env.filters["dg_fit_widths"] = fit_widths  # the templates' {% colwidths %} tag (docgen.render._docx_tags)
    return env


def record_renders(build: Callable[[], Any]) -> list[tuple[Path, dict[str, Any], dict[str, str]]]:
    """Return the (template, context, properties) of every render_docx call that build() makes."""
    from docgen import documents

    calls: list[tuple[Path, dict[str, Any], dict[str, str]]] = []
    original = documents.render_docx

    def recording(template: Path, context: Any, *, properties: Any = None) -> bytes:
        calls.append((template, dict(context), dict(properties or {})))
        return original(template, context, properties=properties)

    documents.render_docx = recording
    try:
        build()
    finally:
        documents.render_docx = original
    return calls


def child(*args: str) -> dict[str, Any]:
    """Run this script in a fresh interpreter with --child args; return the JSON it prints."""
    done = subprocess.run([sys.executable, __file__, "--child", *args], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def rss_mb() -> float:
    """Return this process's current resident set size in MiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def max_rss_mb() -> float:
    """Return this process's peak resident set size in MiB.

    VmHWM from /proc/self/status where there is one: Linux carries ru_maxrss over an exec, so in a
    child started by this (large) process getrusage would report the parent's size at the fork.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@dataclass
class Result:
    """One benchmark section: rows for the table, targets with their verdicts, notes, same-run ratios."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    # (target, measured, measured / limit, met); a limit is an upper bound, so ≤ 1.00 means met. A section
    # may also add (target, measured, met), without a ratio (benchmarks/service_bench.py does).
    targets: list[tuple[Any, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ratios: dict[str, float] = field(default_factory=dict)  # same-run ratios, guarded by bench-quick
    figures: dict[str, float] = field(default_factory=dict)  # absolute figures, for the record only

    def target(self, text: str, measured: str, value: float, limit: float) -> None:
        """Record a target "value ≤ limit"."""
        self.targets.append((text, measured, value / limit, value <= limit))

    def verdicts(self) -> list[tuple[str, str, float | None, bool | None]]:
        """Return the targets as (target, measured, ratio or None, met)."""
        return [(t[0], t[1], None, t[2]) if len(t) == 3 else (t[0], t[1], t[2], t[3]) for t in self.targets]


# --- (a) the full package against bare docxtpl -------------------------------------------------------

def bench_package(runs: int) -> Result:
    import docgen
    from docgen.documents import all_documents
    from docgen.render._docx_tags import Template as DocxTemplate  # docxtpl plus docgen's table tags
    from docgen.render.docx import render_docx

    consortium = docgen.load(SAMPLE)
    calls = record_renders(lambda: all_documents(consortium))
    env = bare_environment()

    def bare() -> None:
        for template, context, _ in calls:
            document = DocxTemplate(str(template))
            document.render(dict(context), jinja_env=env, autoescape=False)
            document.save(io.BytesIO())

    def docgen_render() -> None:
        for template, context, properties in calls:
            render_docx(template, context, properties=properties)

    def docgen_package() -> None:
        all_documents(consortium)

    # Same bytes: bare docxtpl with the same core properties set afterwards, zip-normalised alike.
    identical = 0
    for template, context, properties in calls:
        document = DocxTemplate(str(template))
        document.render(dict(context), jinja_env=env, autoescape=False)
        for key, value in properties.items():
            setattr(document.docx.core_properties, key, value)
        buffer = io.BytesIO()
        document.save(buffer)
        identical += normalise(buffer.getvalue()) == render_docx(template, context, properties=properties)

    for fn in (bare, docgen_render, docgen_package):  # warm-up
        fn()
    timings: dict[str, list[float]] = {"bare": [], "render": [], "package": []}
    for i in range(runs):  # interleaved, alternating order, so drift on a shared machine hits all three
        order = [("bare", bare), ("render", docgen_render), ("package", docgen_package)]
        for name, fn in order if i % 2 == 0 else reversed(order):
            timings[name].append(median_time(fn, 1)[0])
    bare_s, render_s, package_s = (statistics.median(timings[k]) for k in ("bare", "render", "package"))

    result = Result(f"(a) Full .docx package of {SAMPLE.name} ({len(calls)} documents), warm, "
                    f"median of {runs} interleaved runs",
                    ("what", "median", "min", "ratio to bare docxtpl"))
    for label, key, value in (("bare docxtpl: render + save, same contexts", "bare", bare_s),
                              ("docgen render_docx, same contexts", "render", render_s),
                              ("docgen all_documents (check + assemble + render)", "package", package_s)):
        result.rows.append((label, f"{value * 1000:.1f} ms", f"{min(timings[key]) * 1000:.1f} ms",
                            f"{value / bare_s:.3f}"))
    result.target(f"package ratio ≤ {PACKAGE_RATIO} (all_documents / bare docxtpl, warm)",
                  f"{package_s / bare_s:.3f}", package_s / bare_s, PACKAGE_RATIO)
    result.targets.append(("same bytes as bare docxtpl (zip-normalised alike)",
                           f"{identical}/{len(calls)} documents identical", None, identical == len(calls)))
    result.ratios["package / bare docxtpl"] = package_s / bare_s
    result.ratios["render_docx / bare docxtpl"] = render_s / bare_s
    result.figures.update(bare_ms=bare_s * 1000, render_ms=render_s * 1000, package_ms=package_s * 1000)
    result.notes.append(f"Render-only ratio (the same {len(calls)} contexts through render_docx): "
                        f"{render_s / bare_s:.3f}.")
    return result


# --- (b) scaling ------------------------------------------------------------------------------------

def bench_scaling(runs: int, sizes: tuple[int, ...] = SCALE_SIZES, *, memory: bool = True) -> Result:
    import generate

    from docgen.documents import all_documents

    result = Result(f"(b) Scaling: full package of generated consortia (n member units + the lead, "
                    f"2 tasks per unit), median of {runs} interleaved runs",
                    ("members", "documents", "median", "per document", "Python peak (tracemalloc)",
                     "peak RSS (fresh process)"))
    seconds: dict[int, float] = {}
    peaks: dict[int, float] = {}
    consortia = {n: generate.consortium(n) for n in sizes}
    counts = {n: len(all_documents(c)) for n, c in consortia.items()}  # also the warm-up
    timings: dict[int, list[float]] = {n: [] for n in sizes}
    for i in range(runs):  # interleaved, alternating order, so drift on a shared machine hits every size
        for n in sizes if i % 2 == 0 else reversed(sizes):
            timings[n].append(median_time(lambda c=consortia[n]: all_documents(c), 1)[0])
    for n in sizes:
        seconds[n] = statistics.median(timings[n])
        traced = "–"
        if memory:
            gc.collect()
            tracemalloc.start()
            all_documents(consortia[n])
            traced = f"{tracemalloc.get_traced_memory()[1] / 2**20:.1f} MiB"
            tracemalloc.stop()
            peaks[n] = child("peak", str(n))["max_rss_mb"]
        result.rows.append((str(n), str(counts[n]), f"{seconds[n] * 1000:.0f} ms",
                            f"{seconds[n] / counts[n] * 1000:.2f} ms", traced,
                            f"{peaks[n]:.1f} MiB" if n in peaks else "–"))
    del consortia
    gc.collect()
    largest, smaller = 200, 20
    ratio = seconds[largest] / seconds[smaller]
    result.target(f"{largest} members ≤ {LARGEST_SECONDS:g} s", f"{seconds[largest]:.3f} s",
                  seconds[largest], LARGEST_SECONDS)
    result.target(f"t({largest}) / t({smaller}) ≤ {SCALE_RATIO:g}", f"{ratio:.2f}", ratio, SCALE_RATIO)
    result.ratios[f"t({largest}) / t({smaller})"] = ratio
    result.figures.update({f"t{n}_ms": seconds[n] * 1000 for n in seconds})
    if 1000 in seconds:
        step = seconds[1000] / seconds[largest]
        result.target(f"no super-linear step: t(1000) / t({largest}) ≤ {STEP_RATIO:g} (5 × the members)",
                      f"{step:.2f}", step, STEP_RATIO)
        result.ratios[f"t(1000) / t({largest})"] = step
    if memory:
        result.target(f"peak RSS ≤ {PEAK_RSS_MB:g} MB ({largest} members, fresh process)",
                      f"{peaks[largest]:.1f} MiB", peaks[largest], PEAK_RSS_MB)
        if 1000 in peaks:
            result.target(f"peak RSS ≤ {LARGE_PEAK_RSS_MB:g} MB (1000 members, fresh process)",
                          f"{peaks[1000]:.1f} MiB", peaks[1000], LARGE_PEAK_RSS_MB)
        result.figures.update({f"peak_rss_{n}_mib": peaks[n] for n in peaks})
        repeat = child("repeat", str(REPEATS))
        growth = repeat["rss_mb"][-1] - repeat["rss_mb"][1]
        result.targets.append(
            (f"RSS flat over {REPEATS} renders of the {SAMPLE.stem} package (growth from render 10 to "
             f"{REPEATS} ≤ {RSS_GROWTH_MB:g} MB)",
             f"{growth:+.1f} MiB (RSS " + ", ".join(f"{r:.1f}" for r in repeat["rss_mb"]) + " MiB after renders "
             + ", ".join(map(str, repeat["after"])) + ")", None, growth <= RSS_GROWTH_MB))
        result.notes.append("tracemalloc counts Python allocations only (lxml's trees live in C memory); "
                            "peak RSS is the high-water mark (VmHWM) of a fresh interpreter that imports "
                            "docgen, builds the consortium and renders its package three times.")
    return result


def child_peak(n: int) -> dict[str, Any]:
    import generate

    from docgen.documents import all_documents

    consortium = generate.consortium(n)
    for _ in range(3):
        all_documents(consortium)
    return {"max_rss_mb": max_rss_mb()}


def child_repeat(repeats: int) -> dict[str, Any]:
    import docgen
    from docgen.documents import all_documents

    consortium = docgen.load(SAMPLE)
    after = sorted({1, 10, repeats // 4, repeats // 2, repeats})
    rss = []
    for i in range(1, repeats + 1):
        all_documents(consortium)
        if i in after:
            rss.append(rss_mb())
    return {"after": after, "rss_mb": rss, "max_rss_mb": max_rss_mb()}


# --- (c) cold start ---------------------------------------------------------------------------------

def _run_seconds(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds) of running command to completion."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def bench_cold(runs: int, *, details: bool = True) -> Result:
    """Cold render against the import floor, interleaved, with docgen's compiled-template cache filled.

    The cache lives in a fresh temporary folder (DOCGEN_CACHE_DIR): the first render fills it and is
    reported on its own, as is a render with the cache turned off. docgen's modules are byte-compiled
    first, as installing a wheel does (this machine sets PYTHONDONTWRITEBYTECODE for editable installs).
    """
    import compileall

    python = sys.executable
    cli = Path(python).with_name("docgen")
    render = [str(cli)] if cli.exists() else [python, "-m", "docgen.cli"]
    compileall.compile_dir(str(ROOT / "docgen"), quiet=1)
    result = Result(f"(c) Cold start, fresh processes, median of {runs} interleaved runs",
                    ("command", "median", "min", "median CPU time", "ratio to the floor"))
    rows: dict[str, list[tuple[float, float]]] = {"pass": [], "floor": [], "import": [], "render": [], "first": [],
                                                  "nocache": []}
    with tempfile.TemporaryDirectory(prefix="docgen-bench-") as tmp:
        env = {**os.environ, "DOCGEN_CACHE_DIR": f"{tmp}/cache"}
        env.pop("DOCGEN_NO_CACHE", None)
        rows["first"].append(_run_seconds([*render, "render", str(SAMPLE), "-o", f"{tmp}/first"], ROOT, env))
        for i in range(runs):  # interleaved, alternating order, so drift on a shared machine hits both
            pair = [("floor", [python, "-c", FLOOR]), ("render", [*render, "render", str(SAMPLE), "-o", f"{tmp}/{i}"])]
            for name, command in pair if i % 2 == 0 else reversed(pair):
                rows[name].append(_run_seconds(command, ROOT, env))
            if details:
                rows["pass"].append(_run_seconds([python, "-c", "pass"], ROOT, env))
                rows["import"].append(_run_seconds([python, "-c", "import docgen"], ROOT, env))
                if i < 3:
                    rows["nocache"].append(_run_seconds([*render, "render", str(SAMPLE), "-o", f"{tmp}/n{i}"], ROOT,
                                                        {**env, "DOCGEN_NO_CACHE": "1"}))
    floor = statistics.median(w for w, _ in rows["floor"])
    floor_cpu = statistics.median(c for _, c in rows["floor"])
    labels = {"pass": 'python -c "pass" (interpreter alone)', "floor": f'python -c "{FLOOR}" (the floor)',
              "import": 'python -c "import docgen"',
              "render": f"docgen render {SAMPLE.relative_to(ROOT)} -o DIR (compiled templates cached)",
              "first": "… its first run, filling the cache (1 run)",
              "nocache": "… with DOCGEN_NO_CACHE=1 (3 runs)"}
    for key, label in labels.items():
        values = rows[key]
        if values:
            wall = statistics.median(w for w, _ in values)
            cpu = statistics.median(c for _, c in values)
            result.rows.append((label, f"{wall * 1000:.0f} ms", f"{min(w for w, _ in values) * 1000:.0f} ms",
                                f"{cpu * 1000:.0f} ms", f"{wall / floor:.2f}"))
    cold = statistics.median(w for w, _ in rows["render"])
    cold_cpu = statistics.median(c for _, c in rows["render"])
    result.target(f"cold render ≤ {COLD_FLOOR_RATIO:g} × the import floor (same run)",
                  f"{cold:.3f} s against {floor:.3f} s: {cold / floor:.2f} ×", cold / floor, COLD_FLOOR_RATIO)
    result.ratios["cold render / import floor"] = cold / floor
    result.figures.update(cold_ms=cold * 1000, floor_ms=floor * 1000, cold_cpu_ms=cold_cpu * 1000,
                          floor_cpu_ms=floor_cpu * 1000)
    if details:
        imports = statistics.median(w for w, _ in rows["import"])
        result.target(f"import docgen ≤ {IMPORT_SECONDS * 1000:.0f} ms", f"{imports * 1000:.0f} ms", imports,
                      IMPORT_SECONDS)
        result.notes.append(f"In CPU time (less sensitive to other processes on a shared machine) the cold "
                            f"render is {cold_cpu / floor_cpu:.2f} × the floor.")
        result.notes.append("Largest self times of `python -X importtime -c \"import docgen\"`: "
                            + ", ".join(f"{name} {ms:.0f} ms" for name, ms in _import_hotspots(python)) + ".")
    return result


def _import_hotspots(python: str, count: int = 6) -> list[tuple[str, float]]:
    done = subprocess.run([python, "-X", "importtime", "-c", "import docgen"], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    entries = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            entries.append((parts[2].strip(), int(parts[0]) / 1000))
    return sorted(entries, key=lambda e: -e[1])[:count]


# --- (d) PDF ----------------------------------------------------------------------------------------

def bench_pdf(runs: int) -> Result:
    result = Result(f"(d) PDF: docgen.pdf.convert, median of {runs}",
                    ("documents converted", "median", "min"))
    reason = _pdf_unavailable()
    if reason:
        result.targets.append((f"whole package ≤ {PDF_RATIO:g} × one document", f"skipped: {reason}", None, None))
        return result
    import docgen
    from docgen.documents import all_documents
    from docgen.render import pdf

    documents = all_documents(docgen.load(SAMPLE))
    batches = {"one document (the agreement)": documents[:1],
               "one document (a commitment, the smallest)": documents[-1:],
               f"whole package ({len(documents)} documents), one LibreOffice start": documents}
    medians = {}
    for label, batch in batches.items():
        medians[label], times = median_time(lambda b=batch: pdf.convert(b), runs)
        result.rows.append((label, f"{medians[label]:.2f} s", f"{min(times):.2f} s"))
    single, whole = medians["one document (the agreement)"], medians[list(batches)[-1]]
    smallest = medians["one document (a commitment, the smallest)"]
    result.target(f"whole package ≤ {PDF_RATIO:g} × one document (the agreement)", f"{whole / single:.2f} ×",
                  whole / single, PDF_RATIO)
    result.figures.update(pdf_agreement_s=single, pdf_package_s=whole)
    result.notes.append("Each convert() here starts LibreOffice; (e) measures the one the service keeps running.")
    result.notes.append(f"One LibreOffice start with the smallest document takes {smallest:.2f} s; each further "
                        f"document of the package adds {(whole - smallest) / (len(documents) - 1):.2f} s on "
                        f"average, so {len(documents)} documents in one start cost {whole / single:.2f} × "
                        "the agreement alone.")
    return result


def _pdf_unavailable() -> str | None:
    if importlib.util.find_spec("docgen.render.pdf") is None:
        return "docgen.render.pdf does not exist yet"
    from docgen.render import pdf

    if not callable(getattr(pdf, "convert", None)):
        return "docgen.render.pdf has no convert(documents)"
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return "LibreOffice (soffice) is not installed"
    return None


# --- the report -------------------------------------------------------------------------------------

def machine() -> list[tuple[str, str]]:
    """Return (what, value) pairs describing this machine and the library versions."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kib / 2**20:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    office = "not installed"
    if soffice:
        done = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60)
        office = done.stdout.strip() or done.stderr.strip()
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}"
                         for name in ("docxtpl", "python-docx", "lxml", "Jinja2", "pydantic"))
    return [
        ("nproc", str(len(os.sched_getaffinity(0)))),
        ("CPU", cpu),
        ("memory", memory),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("libraries", versions),
        ("LibreOffice", office),
        ("docgen", f"git {commit}"),
        ("load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Return a Markdown table (which also reads well as plain text)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)) + " |"

    return [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]


def verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT met", None: "skipped"}[met]


def report(about: list[tuple[str, str]], results: list[Result], started: dt.datetime) -> str:
    lines = ["# docgen benchmarks", "",
             f"Written by `make bench` (benchmarks/run.py) on {started:%Y-%m-%d %H:%M} local time; "
             "the numbers below are from that run. Timings are medians; the machine may be shared, so "
             "compare ratios measured in the same run rather than absolute times across runs. "
             "`make bench-quick` re-measures the same-run ratios (BENCHMARKS.json) and fails when one is "
             f"more than {REGRESSION - 1:.0%} worse.", "",
             "## Machine", "", *table(("what", "value"), about), ""]
    summary = [(target, measured, "–" if ratio is None else f"{ratio:.2f}", verdict(met))
               for r in results for target, measured, ratio, met in r.verdicts()]
    lines += ["## Targets", "",
              "Ratio is the measured figure over the target's limit: 1.00 or less meets it.", "",
              *table(("target", "measured", "ratio", "verdict"), summary), ""]
    for r in results:
        lines += [f"## {r.title}", ""]
        if r.rows:
            lines += [*table(r.header, r.rows), ""]
        lines += [f"- {note}" for note in r.notes]
        lines += [""] if r.notes else []
    return "\n".join(lines).rstrip() + "\n"


def figures(about: list[tuple[str, str]], results: list[Result], started: dt.datetime) -> dict[str, Any]:
    """Return what BENCHMARKS.json records: the same-run ratios (guarded), figures and targets."""
    return {
        "written": f"{started:%Y-%m-%d %H:%M}",
        "machine": dict(about),
        "ratios": {k: round(v, 4) for r in results for k, v in r.ratios.items()},
        "figures": {k: round(v, 3) for r in results for k, v in r.figures.items()},
        "targets": [{"target": t, "measured": m, "ratio": None if q is None else round(q, 3), "met": met}
                    for r in results for t, m, q, met in r.verdicts()],
    }


def quick() -> int:
    """Measure the same-run ratios in under a minute; return 1 if one regressed by more than 30 %."""
    committed = json.loads(FIGURES.read_text(encoding="utf-8"))["ratios"] if FIGURES.exists() else {}
    started = time.perf_counter()
    results = [bench_package(7), bench_scaling(5, (20, 200), memory=False), bench_cold(5, details=False)]
    rows, failed = [], []
    for r in results:
        for name, value in r.ratios.items():
            before = committed.get(name)
            if before is None:
                rows.append((name, f"{value:.3f}", "–", "–", "new"))
                continue
            change = value / before
            worse = change > REGRESSION
            failed += [name] if worse else []
            rows.append((name, f"{value:.3f}", f"{before:.3f}", f"{change - 1:+.0%}",
                         "REGRESSED" if worse else "ok"))
    print("\n".join(table(("same-run ratio", "now", "committed (BENCHMARKS.json)", "change", "verdict"), rows)))
    print(f"\nbench-quick took {time.perf_counter() - started:.0f} s; load average now "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if failed:
        print(f"FAILED: {', '.join(failed)} more than {REGRESSION - 1:.0%} worse than the committed figures "
              "(re-run on a quiet machine before believing it; `make bench` records new figures).",
              file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of (a) (at least 20 for the record)")
    parser.add_argument("--scale-runs", type=int, default=5, help="runs per size in (b)")
    parser.add_argument("--cold-runs", type=int, default=9, help="interleaved runs of each command in (c)")
    parser.add_argument("--pdf-runs", type=int, default=5, help="runs of each conversion in (d)")
    parser.add_argument("--only", choices=("package", "scaling", "cold", "pdf", "warm", "load"), action="append",
                        help="run only these sections (repeatable); BENCHMARKS.md is then not written")
    parser.add_argument("--quick", action="store_true",
                        help="measure the same-run ratios only and fail on a regression over 30 %%")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, value = args.child
        print(json.dumps(child_peak(int(value)) if kind == "peak" else child_repeat(int(value))))
        return 0
    if args.quick:
        return quick()

    started = dt.datetime.now()
    about = machine()
    sections = {"package": lambda: bench_package(args.runs),
                "scaling": lambda: bench_scaling(args.scale_runs),
                "cold": lambda: bench_cold(args.cold_runs),
                "pdf": lambda: bench_pdf(args.pdf_runs),
                "warm": lambda: service_bench.bench_warm(args.pdf_runs, Result, SAMPLE, median_time),
                "load": lambda: service_bench.bench_load(Result, sorted((ROOT / "samples").glob("*.yaml")))}
    results = []
    for name, run in sections.items():
        if args.only and name not in args.only:
            continue
        print(f"running {name} …", file=sys.stderr, flush=True)
        results.append(run())
    about.append(("load average at end", " ".join(f"{x:.2f}" for x in os.getloadavg())))
    text = report(about, results, started)
    print(text)
    if not args.only:
        REPORT.write_text(text, encoding="utf-8")
        FIGURES.write_text(json.dumps(figures(about, results, started), ensure_ascii=False, indent=2) + "\n",
                           encoding="utf-8")
        print(f"wrote {REPORT.relative_to(ROOT)} and {FIGURES.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
