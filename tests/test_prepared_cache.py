"""Prepared Word templates kept on disk (docgen.render._docx_fast): same bytes, ignored when damaged."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import jinja2
import pytest

from docgen.render import _docx_fast
from docgen.render.docx import environment
from docgen.resources import templates_dir

TEMPLATE = templates_dir() / "integrity_commitment.docx"


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(folder))
    monkeypatch.delenv("DOCGEN_NO_CACHE", raising=False)
    return folder


def _fields(prepared: _docx_fast._Prepared) -> dict[str, object]:
    return {f.name: getattr(prepared, f.name) for f in dataclasses.fields(prepared) if f.name != "jinja"}


def test_a_second_preparation_reads_the_file_and_equals_the_first(cache: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(TEMPLATE)
    first = _docx_fast._prepare_cached(path, environment())
    assert len(list(cache.glob("docx-*.bin"))) == 1

    def refuse(*args: object) -> None:
        raise AssertionError("prepared again instead of read from the cache")

    monkeypatch.setattr(_docx_fast, "_prepare", refuse)
    second = _docx_fast._prepare_cached(path, environment())
    assert _fields(second) == _fields(first)
    assert second.document.nsmap == first.document.nsmap  # parsed from the stored XML on demand
    assert _docx_fast.serialize_part_xml(second.document) == _docx_fast.serialize_part_xml(first.document)


@pytest.mark.parametrize("content", [b"", b"garbage", b"docgen-docx-1\n\x00 not marshal",
                                     b"docgen-docx-1\n" + __import__("marshal").dumps((1, 2, 3))])
def test_a_damaged_file_is_ignored_and_replaced(cache: Path, content: bytes) -> None:
    path = str(TEMPLATE)
    expected = _fields(_docx_fast._prepare(path, environment()))
    _docx_fast._prepare_cached(path, environment())
    (stored,) = cache.glob("docx-*.bin")
    stored.write_bytes(content)
    assert _fields(_docx_fast._prepare_cached(path, environment())) == expected
    assert stored.read_bytes().startswith(b"docgen-docx-1\n") and stored.read_bytes() != content
    assert _fields(_docx_fast._prepare_cached(path, environment())) == expected


def test_an_edited_template_replaces_its_file(cache: Path, tmp_path: Path) -> None:
    copy = tmp_path / "template.docx"
    shutil.copyfile(TEMPLATE, copy)
    _docx_fast._prepare_cached(str(copy), environment())
    (old,) = cache.glob("docx-*.bin")
    shutil.copyfile(templates_dir() / "compliance_table.docx", copy)  # another version at the same path
    prepared = _docx_fast._prepare_cached(str(copy), environment())
    (new,) = cache.glob("docx-*.bin")
    assert new != old
    assert _fields(prepared) == _fields(_docx_fast._prepare(str(copy), environment()))


def test_no_file_without_a_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DOCGEN_NO_CACHE", "1")
    _docx_fast._prepare_cached(str(TEMPLATE), environment())
    monkeypatch.delenv("DOCGEN_NO_CACHE")
    _docx_fast._prepare_cached(str(TEMPLATE), jinja2.Environment())  # not docgen's environment: no key
    assert not (tmp_path / "cache").exists()


def test_an_unusable_cache_folder_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(blocker / "cache"))
    prepared = _docx_fast._prepare_cached(str(TEMPLATE), environment())
    assert _fields(prepared) == _fields(_docx_fast._prepare(str(TEMPLATE), environment()))
