"""render_docx gives plain docxtpl's bytes: every sample, every template, and the fallback path.

render_docx prepares each template once and rewrites only its templated parts (docgen/_docx_fast.py).
These tests hold it to plain docxtpl (``DocxTemplate.render`` with docgen's environment, the same core
properties set afterwards, saved and zip-normalised with the same fixed timestamps), byte for byte. "Plain
docxtpl" is docxtpl's class with docgen's table tags (docgen/render/_docx_tags.py: ``{% colwidths %}``,
``{% colspan %}``, ``{% cellbg %}``, ``{% cellalign %}``) applied before its own patching, as both paths do.
No timings here: those live in benchmarks/.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import BASE_SAMPLE, SAMPLES, VALID_SAMPLES
from docxtpl import DocxTemplate, Listing, RichText
from lxml import etree

import docgen
from docgen import documents
from docgen.render import _docx_fast
from docgen.render import docx as render
from docgen.render._docx_tags import Template
from docgen.render.docx import environment, render_docx

Call = tuple[Path, dict[str, Any], dict[str, str], bytes]

TEMPLATES = {documents.AGREEMENT_TEMPLATE, documents.PLAN_TEMPLATE, documents.COMMITMENT_TEMPLATE,
             documents.SUPPLEMENT_TEMPLATE, documents.CHANGE_TABLE_TEMPLATE, documents.CONSOLIDATED_TEMPLATE}
CHANGE_PAIRS = [("marine-ai-v1", "marine-ai-v2"), ("marine-ai-v2", "marine-ai-v3")]


def normalise(data: bytes) -> bytes:
    """Return the zip with every entry dated 1980-01-01 00:00, mode 0600, entries in their order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            entry.create_system = 0
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def plain_docxtpl(template: Path, context: dict[str, Any], properties: dict[str, str]) -> bytes:
    """Return what plain docxtpl makes of template, with docgen's properties and zip normalisation."""
    document = Template(str(template))
    document.render(dict(context), jinja_env=environment(), autoescape=False)
    for key, value in properties.items():
        setattr(document.docx.core_properties, key, value)
    buffer = io.BytesIO()
    document.save(buffer)
    return normalise(buffer.getvalue())


def recorded(build: Any) -> list[Call]:
    """Return (template, context, properties, bytes) of every render_docx call build() makes."""
    calls: list[Call] = []
    original = documents.render_docx

    def recording(template: Path, context: Any, *, properties: Any = None) -> bytes:
        data = original(template, context, properties=properties)
        calls.append((template, dict(context), dict(properties or {}), data))
        return data

    documents.render_docx = recording
    try:
        build()
    finally:
        documents.render_docx = original
    return calls


@cache
def sample_calls(name: str, draft: bool) -> list[Call]:
    consortium = docgen.load(SAMPLES / f"{name}.yaml")
    return recorded(lambda: documents.all_documents(consortium, draft=draft))


@cache
def change_calls(old: str, new: str) -> list[Call]:
    before, after = docgen.load(SAMPLES / f"{old}.yaml"), docgen.load(SAMPLES / f"{new}.yaml")
    return recorded(lambda: documents.change_documents(before, after))


CASES = ([pytest.param(lambda s=p.stem: sample_calls(s, False), id=p.stem) for p in VALID_SAMPLES]
         + [pytest.param(lambda: sample_calls(BASE_SAMPLE.stem, True), id=f"{BASE_SAMPLE.stem}-draft")]
         + [pytest.param(lambda o=o, n=n: change_calls(o, n), id=f"{o}-to-{n}") for o, n in CHANGE_PAIRS])


@pytest.mark.parametrize("calls", CASES)
def test_same_bytes_as_plain_docxtpl(calls: Any) -> None:
    for template, context, properties, data in calls():
        assert data == plain_docxtpl(template, context, properties), template.name


def test_every_template_is_compared() -> None:
    names = {template.name for case in CASES for template, *_ in case.values[0]()}
    assert names >= TEMPLATES


def test_fast_path_serves_docgen_contexts(monkeypatch: pytest.MonkeyPatch) -> None:
    def plain_not_expected(*args: Any) -> bytes:
        raise AssertionError("docgen's own contexts should not need plain docxtpl")

    monkeypatch.setattr(render, "_render_plain", plain_not_expected)
    for template, context, properties, data in sample_calls(BASE_SAMPLE.stem, False):
        assert render_docx(template, context, properties=properties) == data


# --- the fallback to plain docxtpl ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Holder:
    items: tuple[Any, ...]


class Slotted:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


@pytest.mark.parametrize("extra", [
    RichText("加粗", bold=True),
    {"nested": [Holder((1, "二", Listing("第一行\n第二行")))]},
    Slotted(Holder((RichText("x"),))),
], ids=["rich-text", "listing-in-dataclass", "rich-text-in-slots"])
def test_context_with_docxtpl_objects_renders_through_plain_docxtpl(
        monkeypatch: pytest.MonkeyPatch, extra: Any) -> None:
    template, context, properties, fast = sample_calls(BASE_SAMPLE.stem, False)[-1]  # a commitment
    plain_calls = []
    original = render._render_plain
    monkeypatch.setattr(render, "_render_plain", lambda *a: plain_calls.append(a) or original(*a))

    data = render_docx(template, {**context, "extra": extra}, properties=properties)

    assert len(plain_calls) == 1
    assert data == plain_docxtpl(template, {**context, "extra": extra}, properties)
    assert data == fast  # the template does not use extra, so the fast path's bytes are the same


def test_guard_ignores_plain_data() -> None:
    for template, context, *_ in sample_calls(BASE_SAMPLE.stem, False):
        assert not _docx_fast.needs_docxtpl(context), template.name


def test_changed_template_is_prepared_again(tmp_path: Path) -> None:
    template, context, properties, _ = next(call for call in reversed(sample_calls(BASE_SAMPLE.stem, False))
                                            if call[0].name == "integrity_commitment.docx")
    copy = tmp_path / template.name
    shutil.copyfile(template, copy)
    first = render_docx(copy, context, properties=properties)

    edited = docx.Document(str(copy))
    edited.add_paragraph("附加段落：{{ doc.unit_name }}")
    edited.save(str(copy))
    second = render_docx(copy, context, properties=properties)

    assert second != first
    assert second == plain_docxtpl(copy, context, properties)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(second)).paragraphs]
    assert "附加段落：" + context["doc"].unit_name in paragraphs


# --- the shortcuts over docxtpl's fix-ups, on the cases where docxtpl does change something ----------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


def body(inner: str) -> str:
    return f'<w:body xmlns:w="{W}" xmlns:wp="{WP}">{inner}</w:body>'


def table(grid: int, *rows: str) -> str:
    cols = '<w:gridCol w:w="1000"/>' * grid
    return f"<w:tbl><w:tblGrid>{cols}</w:tblGrid>{''.join(rows)}</w:tbl>"


def row(*spans: int | None) -> str:
    cells = "".join("<w:tc><w:p/></w:tc>" if s is None else
                    f'<w:tc><w:tcPr><w:gridSpan w:val="{s}"/></w:tcPr><w:p/></w:tc>' for s in spans)
    return f"<w:tr>{cells}</w:tr>"


@pytest.mark.parametrize("xml", [
    body(table(3, row(None, None, None), row(2, None))),            # fits: left alone
    body(table(3, row(None, None, None, None))),                    # a row wider than the grid
    body(table(3, row(None, None))),                                 # no row fills the grid
    body(table(3, row(2, None), row(3))),                            # filled only through spans
    body(table(2, row(None, None), row(0, None))),                   # a span docxtpl reads as 0
    body(table(2)),                                                  # no rows
    body(table(0)),                                                  # nothing at all
    body(table(2, row(None, None)) + '<w:p><w:r><wp:docPr id="7"/><wp:docPr id="7"/></w:r></w:p>'),
])
def test_fix_ups_match_docxtpl(xml: str) -> None:
    plain, fast = DocxTemplate("unused.docx"), _docx_fast._Renderer("unused.docx")
    plain.docx_ids_index = 1000
    expected = plain.fix_tables(xml)
    plain.fix_docpr_ids(expected)
    got = fast.fix_tables(xml)
    fast.fix_docpr_ids(got)
    assert etree.tostring(got) == etree.tostring(expected)


def test_document_xml_when_the_body_cannot_be_spliced() -> None:
    template = sample_calls(BASE_SAMPLE.stem, False)[-1][0]
    prepared = _docx_fast._get_prepared(template, environment())
    declared = " ".join(f'xmlns:{p}="{u}"' for p, u in prepared.document.nsmap.items())
    for inner in ('<w:p><w:r><w:t>甲</w:t></w:r></w:p>',                      # spliced
                  f'<w:p xmlns:w="{W}"><w:r><w:t>乙</w:t></w:r></w:p>',       # a redundant declaration inside
                  '<w:p xmlns:x="urn:x"><x:y/></w:p>'):                        # a new namespace inside
        tree = etree.fromstring(f"<w:body {declared}>{inner}</w:body>")
        document = _docx_fast.copy.deepcopy(prepared.document)
        document.replace(document.body, etree.fromstring(f"<w:body {declared}>{inner}</w:body>"))
        assert _docx_fast._document_xml(prepared, tree) == _docx_fast.serialize_part_xml(document)


def test_zip_matches_zipfile() -> None:
    parts = {"[Content_Types].xml": b"<x/>", "word/\u6587\u6863.xml": "正文".encode() * 1000, "empty": b""}
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert _docx_fast._zip(_docx_fast._entry(n, d) for n, d in parts.items()) == normalise(source.getvalue())


# --- the body parsed in pieces ----------------------------------------------------------------------

def test_bodies_parsed_in_small_pieces_give_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of a few hundred characters (many boundaries, tables whole) still give docxtpl's bytes."""
    monkeypatch.setattr(_docx_fast, "_PIECE", 300)
    used = []
    original = _docx_fast._document_xml_in_pieces

    def counting(prepared: Any, xml: bytes) -> list[bytes | memoryview] | None:
        result = original(prepared, xml)
        used.append(result is not None)
        return result

    monkeypatch.setattr(_docx_fast, "_document_xml_in_pieces", counting)
    for template, context, properties, data in sample_calls(BASE_SAMPLE.stem, False):
        assert render_docx(template, context, properties=properties) == data, template.name
    assert used and all(used)


def _body(inner: str) -> str:
    declared = " ".join(f'xmlns:{p}="{u}"' for p, u in _body_namespaces().items())
    return f"<w:body {declared}>{inner}</w:body>"


@cache
def _body_namespaces() -> dict[str | None, str]:
    template = sample_calls(BASE_SAMPLE.stem, False)[-1][0]
    return dict(_docx_fast._get_prepared(template, environment()).namespaces)


@pytest.mark.parametrize("inner, pieces", [
    ('<w:p><w:r><w:t>甲&amp;</w:t></w:r></w:p>' * 40, True),
    ('<w:p><w:r><w:t>乙</w:t></w:r></w:p>\n' * 40 + '<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid>'
     + '<w:tr><w:tc><w:p><w:r><w:t>/&gt;</w:t></w:r></w:p></w:tc></w:tr>' * 30 + '</w:tbl>', True),
    ('text<w:p><w:r><w:t>戊</w:t></w:r></w:p>' * 40, True),                 # text directly in the body
    ('<w:p><w:r><w:t>丙</w:t></w:r></w:p><!-- a comment -->' * 40, False),
    ('<w:p xmlns:x="urn:x"><x:y/></w:p>' * 40, False),                       # a namespace declared inside
    ('<w:p><w:r><wp:docPr id="7"/></w:r></w:p>' * 40, False),                # drawings are renumbered
    ('<w:tbl><w:tblGrid/><w:tr><w:tc/></w:tr></w:tbl>' * 40, False),         # docxtpl refits this table
    ('<w:p><w:r><w:t>丁</w:t></w:r></w:p>' * 40 + '<w:p>', False),          # not well-formed
])
def test_pieces_or_the_whole_tree(monkeypatch: pytest.MonkeyPatch, inner: str, pieces: bool) -> None:
    monkeypatch.setattr(_docx_fast, "_PIECE", 100)
    template = sample_calls(BASE_SAMPLE.stem, False)[-1][0]
    prepared = _docx_fast._get_prepared(template, environment())
    xml = _body(inner)
    got = _docx_fast._document_xml_in_pieces(prepared, xml.encode())
    assert (got is not None) == pieces
    if got is not None:
        document = _docx_fast.copy.deepcopy(prepared.document)
        document.replace(document.body, etree.fromstring(xml))
        assert b"".join(got) == _docx_fast.serialize_part_xml(document)
