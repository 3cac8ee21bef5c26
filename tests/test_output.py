"""Writing a run: all files or none, a manifest that matches the bytes, no silent overwrite."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import BASE_SAMPLE

import docgen
from docgen.output import Document, write_documents


def test_write_documents_and_manifest(tmp_path: Path) -> None:
    docs = [Document("agreement", "a.docx", b"one", "zh_CN/formation_agreement.docx", {"x.y": "1.0", "x.z": "2.0"},
                     {"x.z": "joint"}),
            Document("plan", "b.docx", b"two")]
    manifest_path = write_documents(tmp_path / "out", docs, "abc")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["input_sha256"] == "abc"
    assert [d["path"] for d in manifest["documents"]] == ["a.docx", "b.docx"]
    assert manifest["documents"][0]["sha256"] == hashlib.sha256(b"one").hexdigest()
    assert manifest["documents"][0]["clauses"] == {"x.y": {"version": "1.0", "variant": None},
                                                   "x.z": {"version": "2.0", "variant": "joint"}}
    assert manifest["manifest_version"] == 2 and manifest["docgen_version"] == docgen.__version__
    template = Path(docgen.__file__).parent.parent / "templates" / "zh_CN" / "formation_agreement.docx"
    assert manifest["templates"] == {
        "zh_CN/formation_agreement.docx": hashlib.sha256(template.read_bytes()).hexdigest()}
    assert (tmp_path / "out" / "b.docx").read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_existing_output_is_never_overwritten_silently(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.docx").write_bytes(b"keep")
    docs = [Document("agreement", "a.docx", b"one"), Document("plan", "b.docx", b"two")]
    with pytest.raises(docgen.OutputExistsError, match=r"b\.docx"):
        write_documents(out, docs, "abc")
    assert sorted(p.name for p in out.iterdir()) == ["b.docx"]  # nothing half-written
    assert (out / "b.docx").read_bytes() == b"keep"
    write_documents(out, docs, "abc", overwrite=True)
    assert (out / "b.docx").read_bytes() == b"two"


def test_render_to_writes_the_agreement_and_its_manifest(tmp_path: Path) -> None:
    consortium = docgen.load(BASE_SAMPLE)
    manifest_path = docgen.render_to(consortium, tmp_path / "run")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    (entry,) = [d for d in manifest["documents"] if d["kind"] == "agreement"]
    data = (tmp_path / "run" / entry["path"]).read_bytes()
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["template"] == "zh_CN/formation_agreement.docx"
    assert len(entry["clauses"]) >= 40 and all(v["version"] for v in entry["clauses"].values())
    assert entry["clauses"]["ip.patent"]["variant"] == consortium.ip.patent_right
    assert manifest["input_sha256"] == docgen.input_digest(consortium)
