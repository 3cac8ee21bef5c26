"""The bridge between docgen and a LibreOffice kept running (docgen.render.warm): run by the system's
Python, which has LibreOffice's ``uno`` module (Debian: python3-uno), not by docgen's virtualenv.

Usage: ``python3 uno_bridge.py PIPE_NAME``. It connects to the soffice listening on the named pipe
(retrying while soffice starts), prints ``{"ready": true}``, then answers one JSON request per line on
stdin, ``{"inputs": [".../001.docx", …], "outdir": "..."}``, by loading each document hidden and
exporting it with writer_pdf_Export to OUTDIR/<stem>.pdf, one JSON reply per line: ``{"ok": true}`` or
``{"error": "..."}``. It imports nothing from docgen, so the system Python needs only uno.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import uno
from com.sun.star.beans import PropertyValue


def _property(name: str, value: Any) -> Any:
    prop = PropertyValue()
    prop.Name = name
    prop.Value = value
    return prop


def _connect(pipe: str, deadline: float) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _convert(desktop: Any, inputs: list[str], outdir: str) -> str | None:
    """Export each input to OUTDIR/<stem>.pdf; return an error message, or None when all were written."""
    load = (_property("Hidden", True), _property("ReadOnly", True), _property("UpdateDocMode", 0))
    store = (_property("FilterName", "writer_pdf_Export"), _property("Overwrite", True))
    for name in inputs:
        source = Path(name)
        document = desktop.loadComponentFromURL(source.resolve().as_uri(), "_blank", 0, load)
        if document is None:
            return f"LibreOffice cannot load {source.name}"
        try:
            target = Path(outdir).resolve() / (source.stem + ".pdf")
            document.storeToURL(target.as_uri(), store)
        finally:
            document.close(True)
    return None


def main() -> int:
    desktop = _connect(sys.argv[1], time.monotonic() + float(sys.argv[2] if len(sys.argv) > 2 else 60))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            error = _convert(desktop, list(request["inputs"]), str(request["outdir"]))
            reply: dict[str, Any] = {"error": error} if error else {"ok": True}
        except Exception as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(reply, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
