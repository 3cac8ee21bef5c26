"""Benchmarks of the HTTP service (imported by benchmarks/run.py, sections ``warm`` and ``load``).

(e) warm   the LibreOffice the service keeps running (docgen.render.warm): one document and the whole
           package, after the start, against the targets of the issue "HTTP service … warm PDF".
(f) load   ``docgen serve`` on loopback (a free port on 127.0.0.1, nothing else contacted) and 8 concurrent
           clients each posting the samples to /v1/render for a bounded number of requests and seconds;
           throughput, p50 and p95 latency, errors (must be 0) and the server's peak RSS.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

WARM_ONE_SECONDS = 0.5       # one document, LibreOffice already running
WARM_PACKAGE_RATIO = 1.2     # the whole package / one document, both warm
LOAD_CLIENTS = 8
LOAD_REQUESTS = 5            # per client
LOAD_SECONDS = 180.0         # no client starts a request after this


def bench_warm(runs: int, result_type: Any, sample: Path, median_time: Any) -> Any:
    result = result_type(f"(e) warm PDF: the service's LibreOffice kept running, median of {runs}",
                         ("documents converted", "median", "min"))
    if shutil.which("soffice") is None:
        result.targets.append((f"one document ≤ {WARM_ONE_SECONDS:g} s warm", "skipped: no LibreOffice", None))
        return result
    import docgen
    from docgen.documents import all_documents
    from docgen.render import pdf, warm

    python = warm.system_python()
    if python is None:
        result.targets.append((f"one document ≤ {WARM_ONE_SECONDS:g} s warm",
                               "skipped: the system Python has no uno (apt-get install python3-uno)", None))
        return result
    documents = all_documents(docgen.load(sample))
    office = warm.WarmOffice(python=python)
    try:
        started = time.perf_counter()
        with warm.using(office):
            pdf.convert(documents[-1:])  # the first use starts LibreOffice
            start = time.perf_counter() - started
            batches = {"one document (the agreement)": documents[:1],
                       "one document (a commitment, the smallest)": documents[-1:],
                       f"whole package ({len(documents)} documents)": documents}
            medians = {}
            for label, batch in batches.items():
                medians[label], times = median_time(lambda b=batch: pdf.convert(b), runs)
                result.rows.append((label, f"{medians[label]:.2f} s", f"{min(times):.2f} s"))
    finally:
        office.stop()
    agreement, smallest = medians["one document (the agreement)"], medians["one document (a commitment, the smallest)"]
    whole = medians[list(batches)[-1]]
    result.rows.insert(0, ("start (first use: soffice, bridge, first commitment)", f"{start:.2f} s", ""))
    result.targets += [
        (f"one document ≤ {WARM_ONE_SECONDS:g} s warm (the agreement)", f"{agreement:.2f} s",
         agreement <= WARM_ONE_SECONDS),
        (f"one document ≤ {WARM_ONE_SECONDS:g} s warm (a commitment)", f"{smallest:.2f} s",
         smallest <= WARM_ONE_SECONDS),
        (f"whole package ≤ {WARM_PACKAGE_RATIO:g} × one document, warm (the agreement)",
         f"{whole / agreement:.2f} ×", whole / agreement <= WARM_PACKAGE_RATIO),
    ]
    result.notes.append("Warm, a conversion costs only LibreOffice's layout and export of each document, so the "
                        "package costs about the sum of its documents; the start is paid once per worker. "
                        f"The ratio target compares a {len(documents)}-document package with its largest "
                        "document, which holds only if layout time is small against the start it no longer pays.")
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def bench_load(result_type: Any, samples: list[Path]) -> Any:
    import httpx

    result = result_type(f"(f) load: docgen serve on loopback, {LOAD_CLIENTS} concurrent clients × "
                         f"{LOAD_REQUESTS} POST /v1/render (.docx package)", ("measure", "value"))
    port = _free_port()
    docgen_cli = Path(sys.executable).with_name("docgen")
    env = {**os.environ, "DOCGEN_RENDERS": "2", "DOCGEN_RENDER_QUEUE": str(LOAD_CLIENTS * 2)}
    server = subprocess.Popen([str(docgen_cli), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    peak = [0.0]
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    result.targets.append(("errors = 0", "skipped: docgen serve did not start", None))
                    return result
                time.sleep(0.2)
        idle = _rss_mb(server.pid)

        def sample_memory() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _rss_mb(server.pid))
                time.sleep(0.05)

        bodies = [p.read_bytes() for p in samples]
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        began = time.perf_counter()
        end_by = time.monotonic() + LOAD_SECONDS

        def client(index: int) -> None:
            with httpx.Client(base_url=base, timeout=LOAD_SECONDS) as http:
                for n in range(LOAD_REQUESTS):
                    if time.monotonic() > end_by:
                        return
                    body = bodies[(index + n) % len(bodies)]
                    t0 = time.perf_counter()
                    try:
                        response = http.post("/v1/render", content=body,
                                             headers={"content-type": "application/yaml"})
                        ok = response.status_code == 200 and response.content[:2] == b"PK"
                        failure = "" if ok else f"HTTP {response.status_code}"
                    except httpx.HTTPError as exc:
                        failure = type(exc).__name__
                    with lock:
                        latencies.append(time.perf_counter() - t0)
                        if failure:
                            errors.append(failure)

        sampler = threading.Thread(target=sample_memory, daemon=True)
        sampler.start()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(LOAD_CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    count = len(latencies)
    ordered = sorted(latencies)
    p95 = ordered[min(count - 1, max(0, round(0.95 * count) - 1))] if count else 0.0
    result.rows += [
        ("requests (all samples in turn)", str(count)),
        ("wall time", f"{wall:.1f} s"),
        ("throughput", f"{count / wall:.2f} requests/s"),
        ("latency p50", f"{statistics.median(latencies):.2f} s" if latencies else "—"),
        ("latency p95", f"{p95:.2f} s"),
        ("errors", f"{len(errors)}" + (f" ({', '.join(sorted(set(errors)))})" if errors else "")),
        ("server RSS idle → peak", f"{idle:.0f} → {peak[0]:.0f} MiB"),
    ]
    result.targets += [("load test: errors = 0", f"{len(errors)} of {count}", not errors and count > 0)]
    result.notes.append("One uvicorn worker drafting 2 requests at a time (DOCGEN_RENDERS=2), the others queued; "
                        "throughput grows with workers (docgen serve --workers N) up to the cores available.")
    return result
