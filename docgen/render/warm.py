"""A LibreOffice kept running for the service (``docgen serve``), so a PDF does not pay soffice's start.

``WarmOffice`` starts soffice headless with a UNO listener on a private named pipe and a private profile
(the same fontconfig as the cold path), and the bridge (uno_bridge.py) under the system's Python, which
has LibreOffice's ``uno`` module (Debian: python3-uno). Both start on first use; when either has died
they are started again on the next conversion; a conversion past its timeout kills both (the next one
starts them afresh) and raises ConversionError. One WarmOffice per worker process, conversions one at a
time (a lock): LibreOffice is single-threaded.

``pdf.convert`` uses the WarmOffice made current with ``using(office)`` (a context variable, so only the
service's own threads see it); everywhere else, the CLI included, it keeps its one-start-per-run path.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from docgen.errors import ConversionError

__all__ = ["WarmOffice", "current", "system_python", "using"]

_CURRENT: ContextVar[WarmOffice | None] = ContextVar("docgen_warm_office", default=None)
_BRIDGE = Path(__file__).with_name("uno_bridge.py")
# Where the system's Python (with LibreOffice's uno) lives; DOCGEN_UNO_PYTHON overrides.
_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")


def current() -> WarmOffice | None:
    """Return the WarmOffice conversions in this context should use, or None (start soffice per run)."""
    return _CURRENT.get()


@contextlib.contextmanager
def using(office: WarmOffice | None) -> Iterator[None]:
    """Make office the one ``pdf.convert`` uses within the block (None: the cold path)."""
    token = _CURRENT.set(office)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def system_python() -> str | None:
    """Return a Python that can import uno (DOCGEN_UNO_PYTHON, else the system's), or None."""
    candidates = [os.environ["DOCGEN_UNO_PYTHON"]] if os.environ.get("DOCGEN_UNO_PYTHON") else list(_PYTHONS)
    for candidate in candidates:
        if not os.access(candidate, os.X_OK):
            continue
        try:
            probe = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return candidate
    return None


class WarmOffice:
    """One soffice with a UNO listener and its bridge, started on first use and restarted when dead."""

    def __init__(self, *, python: str | None = None, start_timeout: float = 60, timeout: float = 300) -> None:
        self.python = python
        self.start_timeout = start_timeout
        self.timeout = timeout  # the most one conversion may take, whatever the caller allows
        self.starts = 0  # how many times soffice was started (1 + restarts)
        self._lock = threading.Lock()
        self._soffice: subprocess.Popen[bytes] | None = None
        self._bridge: subprocess.Popen[bytes] | None = None
        self._profile: Path | None = None

    # --- life cycle ---------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Return whether soffice and the bridge are both alive."""
        return all(p is not None and p.poll() is None for p in (self._soffice, self._bridge))

    @property
    def pid(self) -> int | None:
        """Return soffice's process id while it runs."""
        return self._soffice.pid if self._soffice is not None and self.running else None

    def _start(self) -> None:
        from docgen.render.pdf import _environment, soffice_path

        python = self.python or system_python()
        if python is None:
            raise ConversionError("常驻 LibreOffice 需要系统 Python 的 uno 模块：apt-get install python3-uno")
        self.python = python
        self._profile = Path(tempfile.mkdtemp(prefix="docgen-office-"))
        pipe = f"docgen_{os.getpid()}_{self.starts}_{int(time.monotonic() * 1000)}"
        command = [soffice_path(), f"-env:UserInstallation={(self._profile / 'profile').as_uri()}", "--headless",
                   "--invisible", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
                   f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]
        self.starts += 1
        try:
            self._soffice = subprocess.Popen(command, env=_environment(), stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                             start_new_session=True)
            self._bridge = subprocess.Popen([python, str(_BRIDGE), pipe, str(self.start_timeout)],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            self.stop()
            raise ConversionError(f"无法启动常驻 LibreOffice：{exc}") from exc
        reply = self._reply(self.start_timeout)
        if reply is None or not reply.get("ready"):
            self.stop()
            raise ConversionError(f"常驻 LibreOffice 未能在{self.start_timeout:g}秒内就绪")

    def stop(self) -> None:
        """Stop soffice and the bridge (if running) and remove the profile."""
        for process in (self._bridge, self._soffice):
            if process is None:
                continue
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.communicate(timeout=10)
        self._bridge = self._soffice = None
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    # --- conversion ----------------------------------------------------------------------------------------

    def convert(self, inputs: list[Path], outdir: Path, timeout: float) -> None:
        """Write OUTDIR/<stem>.pdf for each .docx in inputs; raise ConversionError on failure or timeout
        (after which soffice is stopped, and started again by the next conversion). When LibreOffice turns
        out to have died (the bridge lost it), it is started again and the conversion tried once more."""
        timeout = min(timeout, self.timeout)
        with self._lock:
            for attempt in (1, 2):
                if not self.running:
                    self.stop()  # one of the two died: start both afresh
                    self._start()
                lost = self._attempt(inputs, outdir, timeout)
                if lost is None:
                    return
                self.stop()
                if attempt == 2:
                    raise ConversionError(f"常驻 LibreOffice 转换 {len(inputs)} 个文件时意外退出（{lost}），"
                                          "重新启动后仍失败")

    def _attempt(self, inputs: list[Path], outdir: Path, timeout: float) -> str | None:
        """Convert once; return None on success or why LibreOffice was lost (worth a restart); raise
        ConversionError for a timeout or a document LibreOffice refuses."""
        bridge = self._bridge
        if bridge is None or bridge.stdin is None:  # pragma: no cover - _start guarantees both
            return "未运行"
        request = json.dumps({"inputs": [str(p) for p in inputs], "outdir": str(outdir)}) + "\n"
        try:
            bridge.stdin.write(request.encode("utf-8"))
            bridge.stdin.flush()
        except OSError as exc:
            return f"桥接进程已退出：{exc}"
        reply = self._reply(timeout)
        if reply is None:
            if not self.running:
                return "进程已退出"
            self.stop()
            raise ConversionError(f"常驻 LibreOffice 转换 {len(inputs)} 个文件超过 {timeout:g} 秒未完成，已终止"
                                  "（下次转换将重新启动）")
        error = reply.get("error")
        if error is None:
            return None
        if "DisposedException" in str(error) or "NoConnectException" in str(error) or not self.running:
            return str(error)
        raise ConversionError(f"常驻 LibreOffice 转换失败：{error}")

    def _reply(self, timeout: float) -> dict[str, Any] | None:
        """Return the bridge's next JSON line, or None when it does not come within timeout (or EOF)."""
        bridge = self._bridge
        if bridge is None or bridge.stdout is None:
            return None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(bridge.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                line = bridge.stdout.readline()
                if not line:
                    return None
                with contextlib.suppress(ValueError):
                    value = json.loads(line)
                    if isinstance(value, dict):
                        return value
