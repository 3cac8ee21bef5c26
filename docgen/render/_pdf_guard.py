"""Run one LibreOffice conversion for docgen, and clean up if docgen goes away.

Started by docgen.render.pdf as ``python -I _pdf_guard.py WORKDIR LOG COMMAND…`` in a session of its own,
with a pipe as stdin. It starts COMMAND (soffice) in a further process group, writes that group's id to
WORKDIR/soffice.pid and its output to LOG, and exits with its exit status. If the pipe reaches end of
file while soffice still runs (docgen was interrupted, timed out or was killed, even by SIGKILL), or the
guard itself is sent SIGTERM, SIGINT or SIGHUP, it kills soffice's whole group (oosplash, soffice.bin)
and removes WORKDIR (the private profile, the inputs and outputs). It imports nothing from docgen.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading


def main(argv: list[str]) -> int:
    workdir, log, command = argv[1], argv[2], argv[3:]
    with open(log, "wb") as output:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    with open(os.path.join(workdir, "soffice.pid"), "w", encoding="ascii") as pid_file:
        pid_file.write(str(child.pid))
    lock = threading.RLock()  # the signal handler may run while the main thread holds it

    def abandon(*_: object) -> None:
        with lock:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            shutil.rmtree(workdir, ignore_errors=True)
            os._exit(128 + signal.SIGKILL)

    def watch() -> None:
        while os.read(0, 4096):  # an empty read is end of file: docgen closed the pipe or is gone
            pass
        if child.poll() is None:
            abandon()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, abandon)
    threading.Thread(target=watch, daemon=True).start()
    code = child.wait()
    with lock, contextlib.suppress(ProcessLookupError, PermissionError):  # anything soffice left behind
        os.killpg(child.pid, signal.SIGKILL)
    return code


if __name__ == "__main__":
    os._exit(main(sys.argv))  # not sys.exit: the watching thread is still blocked reading the pipe
