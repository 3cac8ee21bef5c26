"""Compare the text of every generated document between two commits (or a commit and the worktree).

For each checkout, every valid sample is rendered (``docgen.render_to``) and the marine-ai changes
v1→v2→v3→… are drafted (``docgen.render_change``, into one series folder, as ``make demo`` does);
then the text of every .docx is extracted in document order — each paragraph on its own line, each table
row as its cells joined by " | ", tracked insertions and deletions marked ⟦+…⟧ and ⟦-…⟧ — and the two
extractions are diffed file by file. The summary also counts the .docx files whose bytes are identical.

    .venv/bin/python benchmarks/compare_text.py BASE [HEAD]     # HEAD defaults to the worktree

BASE and HEAD are git revisions (HEAD may be "." for the working tree). Each checkout is exported with
``git archive`` into a temporary folder and run with this interpreter, so both use the same packages.
Exit 0 when the texts are identical, 1 when they differ (the differences are printed as a unified diff).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# Run inside a checkout (cwd = the checkout, sys.path[0] = it): render everything into argv[1].
_RENDER = r"""
import sys
from pathlib import Path
import docgen
out = Path(sys.argv[1])
samples = sorted(Path("samples").glob("*.yaml"))
for path in samples:
    c = docgen.load(path)
    docgen.render_to(c, out / path.stem, draft=True)
versions = sorted(Path("samples").glob("marine-ai-v*.yaml"), key=lambda p: int(p.stem.rsplit("v", 1)[1]))
for old, new in zip(versions, versions[1:]):
    docgen.render_change(docgen.load(old), docgen.load(new), out / "marine-ai-changes", draft=True)
"""


def _text(node: Any) -> str:
    parts = []
    for el in node.iter(f"{W}t", f"{W}delText", f"{W}tab", f"{W}br"):
        if el.tag == f"{W}tab":
            parts.append("\t")
        elif el.tag == f"{W}br":
            parts.append("\n")
        elif el.tag == f"{W}delText":
            parts.append(f"⟦-{el.text or ''}⟧")
        elif any(a.tag == f"{W}ins" for a in el.iterancestors()):
            parts.append(f"⟦+{el.text or ''}⟧")
        else:
            parts.append(el.text or "")
    return "".join(parts)


def extract(docx: Path) -> list[str]:
    """Return the lines of a .docx: body paragraphs, table rows (cells joined by " | "), in order;
    then each header and footer part."""
    from lxml import etree

    lines: list[str] = []
    with zipfile.ZipFile(docx) as z:
        parts = sorted(n for n in z.namelist() if n.startswith(("word/header", "word/footer")))
        names = ["word/document.xml", *parts]
        for name in names:
            root = etree.fromstring(z.read(name))
            if name != "word/document.xml":
                lines.append(f"## {name}")
            body = root.find(f"{W}body")
            for child in (body if body is not None else root):
                if child.tag == f"{W}p":
                    lines.append(_text(child))
                elif child.tag == f"{W}tbl":
                    for row in child.iter(f"{W}tr"):
                        cells = [" / ".join(_text(p) for p in tc.iter(f"{W}p")) for tc in row.iter(f"{W}tc")]
                        lines.append(" | ".join(cells))
    return lines


def render_checkout(revision: str, work: Path) -> dict[str, tuple[list[str], str]]:
    """Return {relative path: (lines, SHA-256 of the bytes)} of every .docx rendered by the checkout at revision."""
    work.mkdir()
    if revision == ".":
        source = ROOT
    else:
        source = work / f"src-{revision}"
        source.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
    out = work / f"out-{revision.replace('/', '_')}"
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, '.'); exec({_RENDER!r})", str(out)],
                   cwd=source, check=True)
    return {str(p.relative_to(out)): (extract(p), hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(out.rglob("*.docx"))}


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__)
        return 2
    base, head = argv[0], argv[1] if len(argv) > 1 else "."
    with tempfile.TemporaryDirectory() as tmp:
        rendered_before = render_checkout(base, Path(tmp) / "base")
        rendered_after = render_checkout(head, Path(tmp) / "head")
    before = {name: lines for name, (lines, _) in rendered_before.items()}
    after = {name: lines for name, (lines, _) in rendered_after.items()}
    same_bytes = sum(1 for name, (_, digest) in rendered_after.items()
                     if name in rendered_before and rendered_before[name][1] == digest)
    differing = 0
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        differing += 1
        if a is None or b is None:
            print(f"== {name}: only in {'HEAD' if a is None else 'BASE'}")
            continue
        print(f"== {name}")
        sys.stdout.writelines(line + "\n" for line in difflib.unified_diff(a, b, "base", "head", n=1, lineterm=""))
    total = len(set(before) | set(after))
    print(json.dumps({"documents": total, "differing": differing, "identical_bytes": same_bytes},
                     ensure_ascii=False))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
