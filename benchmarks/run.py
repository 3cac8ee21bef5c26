"""docgen's benchmarks: print a table and write BENCHMARKS.md at the repository root (``make bench``).

(a) package   the deep-sea sample's full .docx package, warm and in-process, against bare docxtpl
              rendering the same templates with the same precomputed contexts, measured in the same
              run; and the bytes of both, zip-normalised alike, compared.
(b) scaling   generated consortia of 10 … 200 member units (benchmarks/generate.py): time, Python peak
              memory (tracemalloc), peak RSS in a fresh process, and RSS over 100 repeated renders.
(c) cold      ``python -c "import docgen"`` and ``docgen render SAMPLE -o DIR`` as subprocesses.
(d) pdf       docgen.pdf.convert: the whole package in one LibreOffice start against one document.
(e) warm      the LibreOffice the service keeps running: one document and the package (service_bench.py).
(f) load      docgen serve on loopback, 8 concurrent clients: throughput, p50/p95, errors, peak RSS.

Timings are medians of repeated runs with time.perf_counter; nothing here is asserted by the tests.
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
sys.path[:0] = [str(HERE), str(ROOT)]

import service_bench  # noqa: E402  (beside this file, found through the path just set)

# The targets of the issue "Benchmarks: full package faster than bare docxtpl, linear scaling to 200
# members, PDF batching".
PACKAGE_RATIO = 0.3          # docgen's package time / bare docxtpl's
SCALE_SIZES = (10, 20, 50, 100, 200)
LARGEST_SECONDS = 1.0        # full package of 200 members
SCALE_RATIO = 12.0           # t(200) / t(20)
PEAK_RSS_MB = 150.0
RSS_GROWTH_MB = 5.0          # "flat": RSS after render 100 minus RSS after render 10
REPEATS = 100
IMPORT_SECONDS = 0.3
COLD_RENDER_SECONDS = 1.0
PDF_RATIO = 1.5              # whole package in one LibreOffice start / one document



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

    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined,
                               autoescape=lambda name: not (name or "").endswith(".txt"),
                               keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
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
    """One benchmark section: rows for the table, targets with their verdicts, notes."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    targets: list[tuple[str, str, bool | None]] = field(default_factory=list)  # (target, measured, met)
    notes: list[str] = field(default_factory=list)


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
    result.targets.append((f"package ratio ≤ {PACKAGE_RATIO} (all_documents / bare docxtpl)",
                           f"{package_s / bare_s:.3f}", package_s / bare_s <= PACKAGE_RATIO))
    result.targets.append(("same bytes as bare docxtpl (zip-normalised alike)",
                           f"{identical}/{len(calls)} documents identical", identical == len(calls)))
    result.notes.append(f"Render-only ratio (the same {len(calls)} contexts through render_docx): "
                        f"{render_s / bare_s:.3f}.")
    return result


# --- (b) scaling ------------------------------------------------------------------------------------

def bench_scaling(runs: int) -> Result:
    import generate

    from docgen.documents import all_documents

    result = Result("(b) Scaling: full package of generated consortia (n member units + the lead, "
                    "2 tasks per unit)",
                    ("members", "documents", "median", "per document", "Python peak (tracemalloc)",
                     "peak RSS (fresh process)"))
    seconds: dict[int, float] = {}
    peaks: dict[int, float] = {}
    for n in SCALE_SIZES:
        consortium = generate.consortium(n)
        documents = all_documents(consortium)  # warm-up
        count = len(documents)
        del documents
        seconds[n] = median_time(lambda c=consortium: all_documents(c), runs)[0]
        gc.collect()
        tracemalloc.start()
        all_documents(consortium)
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        peaks[n] = child("peak", str(n))["max_rss_mb"]
        result.rows.append((str(n), str(count), f"{seconds[n] * 1000:.0f} ms",
                            f"{seconds[n] / count * 1000:.2f} ms", f"{traced_peak:.1f} MiB",
                            f"{peaks[n]:.1f} MiB"))
    largest, smaller = max(SCALE_SIZES), 20
    ratio = seconds[largest] / seconds[smaller]
    repeat = child("repeat", str(REPEATS))
    growth = repeat["rss_mb"][-1] - repeat["rss_mb"][1]
    result.targets += [
        (f"{largest} members ≤ {LARGEST_SECONDS:g} s", f"{seconds[largest]:.3f} s",
         seconds[largest] <= LARGEST_SECONDS),
        (f"t({largest}) / t({smaller}) ≤ {SCALE_RATIO:g}", f"{ratio:.2f}", ratio <= SCALE_RATIO),
        (f"peak RSS ≤ {PEAK_RSS_MB:g} MB ({largest} members, fresh process)", f"{peaks[largest]:.1f} MiB",
         peaks[largest] <= PEAK_RSS_MB),
        (f"RSS flat over {REPEATS} renders of the {SAMPLE.stem} package (growth from render 10 to "
         f"{REPEATS} ≤ {RSS_GROWTH_MB:g} MB)",
         f"{growth:+.1f} MiB (RSS " + ", ".join(f"{r:.1f}" for r in repeat["rss_mb"]) + " MiB after renders "
         + ", ".join(map(str, repeat["after"])) + ")", growth <= RSS_GROWTH_MB),
    ]
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

def _run_seconds(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def bench_cold(runs: int) -> Result:
    python = sys.executable
    cli = Path(python).with_name("docgen")
    render = [str(cli)] if cli.exists() else [python, "-c", "from docgen.cli import main; main()"]
    result = Result(f"(c) Cold start, fresh processes, median of {runs}", ("command", "median", "min"))
    imports = [_run_seconds([python, "-c", "import docgen"], ROOT) for _ in range(runs)]
    renders = []
    with tempfile.TemporaryDirectory(prefix="docgen-bench-") as tmp:
        for i in range(runs):
            renders.append(_run_seconds([*render, "render", str(SAMPLE), "-o", f"{tmp}/{i}"], ROOT))
    baseline = [_run_seconds([python, "-c", "pass"], ROOT) for _ in range(runs)]
    for label, values in (('python -c "pass" (interpreter alone)', baseline),
                          ('python -c "import docgen"', imports),
                          (f"docgen render {SAMPLE.relative_to(ROOT)} -o DIR", renders)):
        result.rows.append((label, f"{statistics.median(values) * 1000:.0f} ms",
                            f"{min(values) * 1000:.0f} ms"))
    result.targets += [
        (f"import docgen ≤ {IMPORT_SECONDS * 1000:.0f} ms", f"{statistics.median(imports) * 1000:.0f} ms",
         statistics.median(imports) <= IMPORT_SECONDS),
        (f"cold render ≤ {COLD_RENDER_SECONDS:g} s", f"{statistics.median(renders):.3f} s",
         statistics.median(renders) <= COLD_RENDER_SECONDS),
    ]
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
        result.targets.append((f"whole package ≤ {PDF_RATIO:g} × one document", f"skipped: {reason}", None))
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
    result.targets.append((f"whole package ≤ {PDF_RATIO:g} × one document (the agreement)",
                           f"{whole / single:.2f} ×", whole / single <= PDF_RATIO))
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
             "compare ratios measured in the same run rather than absolute times across runs.", "",
             "## Machine", "", *table(("what", "value"), about), ""]
    summary = [(target, measured, verdict(met)) for r in results for target, measured, met in r.targets]
    lines += ["## Targets", "", *table(("target", "measured", "verdict"), summary), ""]
    for r in results:
        lines += [f"## {r.title}", ""]
        if r.rows:
            lines += [*table(r.header, r.rows), ""]
        lines += [f"- {note}" for note in r.notes]
        lines += [""] if r.notes else []
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of (a) (at least 20 for the record)")
    parser.add_argument("--scale-runs", type=int, default=5, help="runs per size in (b)")
    parser.add_argument("--cold-runs", type=int, default=7, help="runs of each command in (c)")
    parser.add_argument("--pdf-runs", type=int, default=5, help="runs of each conversion in (d)")
    parser.add_argument("--only", choices=("package", "scaling", "cold", "pdf", "warm", "load"), action="append",
                        help="run only these sections (repeatable); BENCHMARKS.md is then not written")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, value = args.child
        print(json.dumps(child_peak(int(value)) if kind == "peak" else child_repeat(int(value))))
        return 0

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
        print(f"wrote {REPORT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
