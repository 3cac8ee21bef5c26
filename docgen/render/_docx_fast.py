"""docxtpl's render, with each template prepared once per process and only the templated parts rewritten.

``DocxTemplate.render`` reloads the whole package, recompiles the Jinja source of every part and
re-serialises and re-deflates every part (styles.xml alone is 350 kB) on every call. The output only
depends on the template file and on the context, so this module splits the work in two:

* ``prepare`` (once per template file, keyed by path, mtime and size) runs docxtpl's own
  part selection and ``patch_xml`` on the body, the headers and the footers, keeps the python-docx
  serialisation of every other entry already deflated, and computes headers and footers that hold no
  Jinja once (docxtpl re-renders them too, but their result cannot depend on the context). Its result
  is also kept on disk beside the compiled Jinja templates (``docgen.render.compiled.cache_dir``), keyed
  by the template's bytes and everything else it depends on, so a new process skips python-docx's
  parsing and saving of the template (a sixth of a cold ``docgen render``);
* ``render`` (every call) renders the body, the templated headers and footers and the core
  properties with docxtpl's own ``render_xml_part`` (its line handling and ``resolve_listing``),
  ``fix_tables``, ``fix_docpr_ids`` and ``render_properties``, each Jinja source compiled once, and
  writes the zip with docgen's fixed timestamps, deflating only the parts that changed.

The bytes equal ``_normalise_zip`` of plain docxtpl's output (tests/test_render_equivalence.py holds
that for every sample and template). ``Unsupported`` tells the caller to use plain docxtpl instead:
for contexts holding docxtpl objects (images, rich text, listings, sub-documents) and for templates
with footnotes or without core properties, whose rendering this module does not reproduce.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import decimal
import enum
import functools
import hashlib
import io
import marshal
import os
import re
import struct
import sys
import tempfile
import types
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.opc.parts.coreprops import CorePropertiesPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsmap
from docxtpl import InlineImage, Listing, RichText, RichTextParagraph
from lxml import etree

from docgen.render._docx_tags import Template

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["Unsupported", "needs_docxtpl", "render"]

# Context values that reach into docxtpl's package (pictures, hyperlinks, sub-documents) or emit raw
# WordprocessingML: they are rendered by plain docxtpl, never here.
_DOCXTPL_TYPES: tuple[type, ...] = (InlineImage, Listing, RichText, RichTextParagraph)
try:
    from docxtpl.subdoc import Subdoc
except ImportError:  # docxcompose missing: no Subdoc can exist either
    pass
else:
    _DOCXTPL_TYPES += (Subdoc,)
# Values that cannot hold a docxtpl object (subclasses included, e.g. Markup, IntEnum).
_ATOMS = (str, bytes, int, float, complex, bool, type(None), decimal.Decimal, datetime.date, datetime.time,
          datetime.timedelta, enum.Enum, range, type, types.FunctionType, types.BuiltinFunctionType,
          types.MethodType)

# Something that Jinja would read as a tag: a part without it renders to the same text whatever the context.
_JINJA_TAG = re.compile(r"\{[{%#]")

# How many prepared templates stay in memory (docgen has a handful).
_MAX_PREPARED = 32


class Unsupported(Exception):
    """This template or context is rendered by plain docxtpl instead."""


# --- the context guard ------------------------------------------------------------------------------

def needs_docxtpl(context: Mapping[str, Any]) -> bool:
    """Return True if any value reachable from context is a docxtpl object (image, rich text, …).

    Walks mappings, sequences, sets and instance attributes (``__dict__`` and ``__slots__``), each
    object once; strings, numbers, dates, classes and functions are leaves.
    """
    seen: set[int] = set()
    stack: list[Any] = [context]
    while stack:
        value = stack.pop()
        how = _WALK.get(type(value))
        if how is None:
            how = _walk(type(value))
        if how is _LEAF or id(value) in seen:
            continue
        seen.add(id(value))
        if how is _FOUND:
            return True
        if how is _MAPPING:
            stack.extend(value.keys())
            stack.extend(value.values())
        elif how is _ITEMS:
            stack.extend(value)
        else:
            attributes = getattr(value, "__dict__", None)
            if attributes is not None:
                stack.extend(attributes.values())
            stack.extend(getattr(value, slot, None) for slot in how)
    return False


# How needs_docxtpl treats a value of each type; a tuple of slot names means "walk its attributes".
_LEAF, _FOUND, _MAPPING, _ITEMS = "leaf", "found", "mapping", "items"
_WALK: dict[type, Any] = {}


def _walk(kind: type) -> Any:
    """Return (and remember) how needs_docxtpl treats values of this type."""
    if issubclass(kind, _DOCXTPL_TYPES):
        how: Any = _FOUND
    elif issubclass(kind, Mapping):
        how = _MAPPING
    elif issubclass(kind, (list, tuple, set, frozenset)):
        how = _ITEMS
    elif issubclass(kind, _ATOMS):
        how = _LEAF
    else:
        slots: list[str] = []
        for cls in kind.__mro__:
            declared = cls.__dict__.get("__slots__", ())
            for slot in (declared,) if isinstance(declared, str) else declared:
                if slot not in ("__dict__", "__weakref__") and slot not in slots:
                    slots.append(slot)
        how = tuple(slots)
    _WALK[kind] = how
    return how


# --- Jinja compiled once ----------------------------------------------------------------------------

class _CompileOnce:
    """The environment docxtpl is given: ``from_string`` compiles each distinct source only once.

    docxtpl calls ``jinja_env.from_string`` for the body, every header and footer and every core
    property on each render; the compiled template is a pure function of the source and the
    environment, so it is kept.
    """

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._templates: dict[str, Any] = {}

    def from_string(self, source: str) -> Any:
        template = self._templates.get(source)
        if template is None:
            template = self._templates[source] = self.env.from_string(source)
        return template


# --- the prepared template --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Entry:
    """One zip entry: name, CRC-32, size and deflated bytes."""

    name: str
    crc: int
    size: int
    deflated: bytes


@dataclasses.dataclass(frozen=True)
class _Part:
    """A templated part: its zip entry name, python-docx part name and content type, patched source."""

    name: str
    partname: Any
    content_type: str
    source: str
    encoding: str = "utf-8"


@dataclasses.dataclass(frozen=True)
class _Prepared:
    """What every render of one template file shares (nothing of python-docx's package, which is large)."""

    path: str
    jinja: _CompileOnce
    body_source: str
    # the <w:document> element, whose body each render replaces (see _document_xml), serialised; parsed
    # only when the body cannot be spliced in
    document_source: bytes
    namespaces: dict[str | None, str]  # the document element's namespace declarations
    document_name: str
    # document.xml as python-docx saves it, split where the body goes (see _document_xml); None if the
    # template's body cannot be spliced in.
    document_ends: tuple[bytes, bytes] | None
    parts: tuple[_Part, ...]  # templated headers, then footers, in docxtpl's order
    core: _Part  # core properties: source is the XML as python-docx saves it
    core_xml: bytes
    # Entry order as python-docx writes it; a str names an entry rendered each time.
    entries: tuple[_Entry | str, ...]

    @functools.cached_property
    def document(self) -> Any:
        """Return the template's <w:document> element as python-docx parses it (not to be changed)."""
        return parse_xml(self.document_source)


_prepared: dict[tuple[str, int, int, int], tuple[Environment, _Prepared | Unsupported]] = {}
_lock = Lock()


def _get_prepared(template: Path, env: Environment) -> _Prepared:
    """Return the prepared template for the file's current version; raise Unsupported (remembered too)."""
    path = os.path.abspath(template)
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size, id(env))
    hit = _prepared.get(key)
    if hit is None:
        with _lock:
            hit = _prepared.get(key)
            if hit is None:
                for old in [k for k in _prepared if k[0] == path]:
                    del _prepared[old]  # the file changed: forget its earlier version
                while len(_prepared) >= _MAX_PREPARED:
                    del _prepared[next(iter(_prepared))]
                try:
                    prepared: _Prepared | Unsupported = _prepare_cached(path, env)
                except Unsupported as exc:
                    prepared = exc
                # env is kept in the value so that its id cannot be reused while the entry lives.
                hit = _prepared[key] = (env, prepared)
    if isinstance(hit[1], Unsupported):
        raise Unsupported(*hit[1].args)
    return hit[1]


def _name(part: Any) -> str:
    return str(part.partname).lstrip("/")


def _prepare(path: str, env: Environment, content: bytes | None = None) -> _Prepared:
    """Return the prepared template: docxtpl's patched sources and the entries that never change.

    content, when given, is the file at path as the caller read it (and hashed).
    """
    tpl = Template(path if content is None else io.BytesIO(content))
    tpl.init_docx()
    docx = tpl.docx
    package = docx.part.package
    if any(p.content_type == CT.WML_FOOTNOTES for p in package.iter_parts()):
        raise Unsupported("footnotes are rendered once per section by docxtpl")
    try:
        core_part = package.part_related_by(RT.CORE_PROPERTIES)
    except KeyError:
        raise Unsupported("python-docx would add core properties stamped with the current time") from None

    jinja = _CompileOnce(env)
    renderer = _Renderer(path)
    fixed: dict[str, bytes] = {}
    parts: list[_Part] = []
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _, part in tpl.get_headers_footers(uri):  # docxtpl's own choice of parts
            xml = tpl.get_part_xml(part)
            encoding = tpl.get_headers_footers_encoding(xml)
            source = tpl.patch_xml(xml)
            name = _name(part)
            if name in fixed or any(p.name == name for p in parts):
                raise Unsupported(f"{name} is the target of two relationships")
            templated = _Part(name, part.partname, part.content_type, source, encoding)
            if _JINJA_TAG.search(source):
                parts.append(templated)
            else:
                fixed[name] = _render_part(renderer, templated, {}, jinja)

    buffer = io.BytesIO()
    docx.save(buffer)  # python-docx's own serialisation and entry order, before any rendering
    dynamic = {_name(docx.part), _name(core_part), *(p.name for p in parts)}
    entries: list[_Entry | str] = []
    with zipfile.ZipFile(buffer) as saved:
        for info in saved.infolist():
            if info.filename in dynamic:
                entries.append(info.filename)
            else:
                data = fixed.get(info.filename)
                entries.append(_entry(info.filename, saved.read(info.filename) if data is None else data))
    return _Prepared(
        path=path, jinja=jinja, body_source=tpl.patch_xml(tpl.get_xml()),
        document_source=etree.tostring(docx.element), namespaces=dict(docx.element.nsmap),
        document_name=_name(docx.part), document_ends=_document_ends(docx.element), parts=tuple(parts),
        core=_Part(_name(core_part), core_part.partname, core_part.content_type, ""),
        core_xml=core_part.blob, entries=tuple(entries),
    )


# --- the prepared template on disk ------------------------------------------------------------------
# One file per template version in docgen's cache folder, written to a temporary file and renamed over
# the target, so processes running at the same time never read a partial file. A file that is missing,
# unreadable or not what this code wrote means preparing the template as before. Its name is a hash of
# the template's bytes and of everything else the prepared data depends on: this module's and the tag
# module's code, the libraries that parse and serialise (docxtpl, python-docx, lxml, Jinja, zlib), and
# the environment's settings (it renders the headers and footers that hold no Jinja).

_DISK_FORMAT = b"docgen-docx-1\n"


def _code_signature() -> str:
    """Return a hash of the code that prepared data depends on, besides the template and environment."""
    import importlib.metadata

    from docgen.render import _docx_tags

    hasher = hashlib.sha256()
    for module in (sys.modules[__name__], _docx_tags):
        hasher.update(Path(module.__file__ or "").read_bytes())
    for name in ("docxtpl", "python-docx", "lxml", "Jinja2"):
        hasher.update(f"{name} {importlib.metadata.version(name)}\0".encode())
    hasher.update(f"{sys.version} {zlib.ZLIB_RUNTIME_VERSION} {etree.LIBXML_VERSION}".encode())
    return hasher.hexdigest()


_CODE_SIGNATURE: list[str] = []  # computed at the first cached preparation


def _disk_path(path: str, source: bytes, env: Environment) -> Path | None:
    """Return the cache file for this template version and environment, or None (no cache)."""
    from docgen.render.compiled import cache_dir

    folder = cache_dir()
    signature = getattr(env, "signature", None)  # CachingEnvironment's; another environment: no cache
    if folder is None or not isinstance(signature, str):
        return None
    if not _CODE_SIGNATURE:
        _CODE_SIGNATURE.append(_code_signature())
    key = hashlib.sha256(b"\0".join((_CODE_SIGNATURE[0].encode(), signature.encode(), source))).hexdigest()
    # The template's path in the name lets a new version replace the files of the older ones.
    return folder / f"docx-{hashlib.sha256(path.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}-{key[:32]}.bin"


def _to_disk(prepared: _Prepared) -> bytes:
    def part(p: _Part) -> tuple[str, str, str, str, str]:
        return p.name, str(p.partname), p.content_type, p.source, p.encoding

    entries = tuple(e if isinstance(e, str) else (e.name, e.crc, e.size, e.deflated) for e in prepared.entries)
    return _DISK_FORMAT + marshal.dumps((
        prepared.body_source, prepared.document_source, tuple(prepared.namespaces.items()), prepared.document_name,
        prepared.document_ends, tuple(part(p) for p in prepared.parts), part(prepared.core), prepared.core_xml,
        entries,
    ))


def _from_disk(data: bytes, path: str, env: Environment) -> _Prepared | None:
    """Return the prepared template stored as data, or None if data is not what _to_disk wrote."""
    if not data.startswith(_DISK_FORMAT):
        return None

    def part(fields: tuple[str, str, str, str, str]) -> _Part:
        name, partname, content_type, source, encoding = fields
        return _Part(name, PackURI(partname), content_type, source, encoding)

    try:
        (body_source, document_source, namespaces, document_name, ends, parts, core, core_xml,
         entries) = marshal.loads(data[len(_DISK_FORMAT):])
        if ends is not None:
            head, tail = ends
            ends = (bytes(head), bytes(tail))
        prepared = _Prepared(
            path=path, jinja=_CompileOnce(env), body_source=str(body_source),
            document_source=bytes(document_source), namespaces={prefix: str(uri) for prefix, uri in namespaces},
            document_name=str(document_name), document_ends=ends, parts=tuple(part(p) for p in parts),
            core=part(core), core_xml=bytes(core_xml),
            entries=tuple(e if isinstance(e, str) else _Entry(*e) for e in entries),
        )
    except Exception:  # not marshal data, or not the shape _to_disk writes
        return None
    return prepared


def _prepare_cached(path: str, env: Environment) -> _Prepared:
    """Return ``_prepare(path, env)``, read from docgen's cache folder when a process prepared it before."""
    with open(path, "rb") as file:
        source = file.read()
    target = _disk_path(path, source, env)
    if target is not None:
        try:
            stored = _from_disk(target.read_bytes(), path, env)
        except OSError:  # missing, unreadable: prepare it again
            stored = None
        if stored is not None:
            return stored
    prepared = _prepare(path, env, source)
    if target is not None:
        _write(target, _to_disk(prepared))
    return prepared


def _write(target: Path, data: bytes) -> None:
    """Write data to target atomically and remove the files of the template's other versions; never raise."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
        prefix = target.name[:len("docx-") + 13]  # docx-<path hash>-
        for old in target.parent.glob(prefix + "*.bin"):
            if old.name != target.name:
                old.unlink(missing_ok=True)
    except Exception:  # unwritable folder, full disk, …: no cache, as if it were turned off
        return


# --- rendering --------------------------------------------------------------------------------------

class _Renderer(Template):
    """A DocxTemplate holding only the per-render state docxtpl's fix-ups use; nothing is loaded."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.pic_map: dict[str, Any] = {}
        self.current_rendering_part = None
        self.docx_ids_index = 1000  # as render_init sets it; fix_docpr_ids counts up from here

    def resolve_listing(self, xml: str) -> str:
        """Return docxtpl's resolve_listing(xml), skipped when xml has no tab, bell, newline or form feed.

        resolve_listing only rewrites those four characters inside text runs, so without them it
        returns xml unchanged, after three nested regex passes over every paragraph.
        """
        if _LISTING_CHARACTERS.search(xml) is None:
            return xml
        listed: str = super().resolve_listing(xml)
        return listed

    def fix_tables(self, xml: str | bytes) -> Any:
        """Return docxtpl's fix_tables(xml): the parsed body, grid columns fitted to the rendered rows.

        fix_tables parses xml, then walks every cell of every table in Python; it changes a table only
        if a row has more cells than the grid has columns, or no row fills the grid. When every table
        plainly has neither (no row wider than the grid, one row exactly as wide, every gridSpan a
        positive integer, so no row is narrower than its cell count), the parsed tree is returned as
        is; otherwise docxtpl's own fix_tables runs.
        """
        # strict: text that is not well-formed XML is an error, never silently dropped or truncated
        tree = etree.fromstring(xml, parser=etree.XMLParser(huge_tree=True))
        w = tree.nsmap.get("w")
        if w is None or not all(_table_fits(table, f"{{{w}}}") for table in tree.iter(f"{{{w}}}tbl")):
            return super().fix_tables(xml)
        return tree

    def fix_docpr_ids(self, tree: Any) -> None:
        """Run docxtpl's fix_docpr_ids (renumber drawings' wp:docPr ids) if the body has any drawing."""
        if next(tree.iter(_DOCPR), None) is not None:
            super().fix_docpr_ids(tree)


_LISTING_CHARACTERS = re.compile("[\t\a\n\f]")
_DOCPR = "{{{}}}docPr".format(nsmap["wp"])


def _table_fits(table: Any, w: str) -> bool:
    """Return True if docxtpl's fix_tables leaves this table alone, as _Renderer.fix_tables explains."""
    grid = table.find(w + "tblGrid")
    if grid is None:
        return False  # docxtpl fails on it; let it report that
    columns = len(grid.findall(w + "gridCol"))
    row, cell, span_value = w + "tr", w + "tc", w + "val"
    full = columns == 0  # no rows and no columns: nothing to fit
    for element in table.iter(row, w + "gridSpan"):  # one walk for both
        if element.tag == row:
            cells = len(element.findall(cell))
            if cells > columns:
                return False
            full = full or cells == columns
        else:
            value = element.get(span_value)
            if value is None or not (value.isascii() and value.isdigit()) or int(value) < 1:
                return False
    return full


def _render_part(tpl: _Renderer, part: _Part, context: Mapping[str, Any], jinja: _CompileOnce) -> bytes:
    """Return a header or footer's bytes as python-docx saves them after docxtpl rendered the part.

    docxtpl passes the python-docx part too, which only pictures (InlineImage, never here) use.
    """
    xml = tpl.render_xml_part(part.source, None, context, jinja)
    # python-docx only reaches the package for relationships, which headers and footers load later
    blob: bytes = XmlPart.load(part.partname, part.content_type, xml.encode(part.encoding),
                               None).blob  # type: ignore[arg-type]
    return blob


def render(template: Path, context: Mapping[str, Any], env: Environment,
           properties: Mapping[str, str]) -> bytes:
    """Return the normalised .docx bytes of template rendered with context, as plain docxtpl makes them.

    Raise Unsupported if plain docxtpl must render this template; Jinja errors propagate unchanged.
    """
    prepared = _get_prepared(template, env)
    jinja = prepared.jinja
    tpl = _Renderer(prepared.path)
    data: dict[str, bytes | list[bytes | memoryview]] = {}

    # Body: DocxTemplate.build_xml, fix_tables, fix_docpr_ids, map_tree. The body is parsed one top-level
    # element at a time where that gives the same bytes (_document_xml_in_pieces): the whole tree of a
    # 1,000-member plan takes about 250 MB for 17 million characters of XML.
    # UTF-8 from here: a third of the memory of the str for Chinese-heavy XML (lxml parses either alike)
    xml = tpl.render_xml_part(prepared.body_source, None, context, jinja).encode("utf-8")
    document: bytes | list[bytes | memoryview] | None = _document_xml_in_pieces(prepared, xml)
    if document is None:
        tree = tpl.fix_tables(xml)
        del xml
        tpl.fix_docpr_ids(tree)
        document = _document_xml(prepared, tree)
        del tree
    data[prepared.document_name] = document
    del document

    # Headers, then footers (DocxTemplate.build_headers_footers_xml, map_headers_footers_xml).
    for part in prepared.parts:
        data[part.name] = _render_part(tpl, part, context, jinja)

    # Core properties: DocxTemplate.render_properties, then docgen's own values.
    core = prepared.core
    core_part = CorePropertiesPart.load(core.partname, core.content_type, prepared.core_xml,
                                        None)  # type: ignore[arg-type]
    tpl.docx = types.SimpleNamespace(core_properties=core_part.core_properties)
    tpl.render_properties(context, jinja)
    for key, value in properties.items():
        setattr(core_part.core_properties, key, value)
    data[core.name] = core_part.blob
    tpl.docx = None

    return _zip(_entry(e, data[e]) if isinstance(e, str) else e for e in prepared.entries)


# --- document.xml -----------------------------------------------------------------------------------
# docxtpl puts the rendered body into the document element (map_tree) and python-docx serialises the
# whole element. Moving the body's subtree into the other lxml document walks every node to reconcile
# namespaces (a quarter of the render for a large plan); lxml drops each namespace declaration that the
# new ancestors already make. When that leaves nothing to change but the body's own start tag, the same
# bytes are the document's serialisation around an empty body with the body's serialisation in between.

_BODY_PLACEHOLDER = b"<w:body/>"


def _document_ends(document: Any) -> tuple[bytes, bytes] | None:
    """Return document.xml before and after the body as python-docx saves it, or None."""
    body = etree.fromstring(b'<w:body xmlns:w="%s"/>' % nsmap["w"].encode())
    copied = copy.deepcopy(document)
    copied.replace(copied.body, body)
    whole = serialize_part_xml(copied)
    if whole.count(_BODY_PLACEHOLDER) != 1 or len(set(document.nsmap.values())) != len(document.nsmap):
        return None
    head, tail = whole.split(_BODY_PLACEHOLDER)
    return head, tail


def _document_xml(prepared: _Prepared, body: Any) -> bytes:
    """Return document.xml with body (the tree fix_tables returned) in place of the template's body.

    The bytes of ``copy.deepcopy(document).replace(document.body, body)`` serialised by python-docx,
    built without moving the body when that is certainly the same: the body is a plain ``<w:body>``
    whose namespace declarations the document element makes too (prefix and URI, each URI once), and
    no element inside declares a namespace.
    """
    ends = prepared.document_ends
    if ends is not None and body.tag == _BODY and body.prefix == "w" and not body.attrib:
        declared = prepared.namespaces
        if all(declared.get(prefix) == uri for prefix, uri in body.nsmap.items()):
            inner = etree.tostring(body, encoding="UTF-8", xml_declaration=False)
            start = inner.index(b">") + 1
            if inner[start - 2:start] != b"/>" and inner.find(b"xmlns", start) == -1:
                return b"".join((ends[0], b"<w:body>", memoryview(inner)[start:], ends[1]))
    document = copy.deepcopy(prepared.document)
    document.replace(document.body, body)
    return serialize_part_xml(document)


_BODY = "{{{}}}body".format(nsmap["w"])


# Parsed in pieces: the body's serialisation is its start tag, each top-level element's serialisation
# (tail included) in turn, and its end tag; an element's bytes depend only on the namespaces declared
# around it, the body's. So the rendered body is cut into pieces of about _PIECE bytes at
# top-level boundaries, each parsed inside the body's own start tag and serialised, and the pieces
# joined: one piece's tree at a time instead of the whole (a 1,000-member plan is 17 million
# characters of XML, about 250 MB as one tree). A boundary is found by counting tags ("<" opens, "</"
# closes, "/>" closes what it opened); a miscount can only cut inside an element or a tag, which leaves a
# piece that is not well-formed. Any doubt (such a piece, comments, CDATA or processing instructions,
# a table docxtpl would refit, a drawing whose id it would renumber, a namespace declared inside)
# means None, and the whole tree is built as before, with its errors.

_PIECE = 1 << 20  # bytes
_BODY_END = b"</w:body>"
_TOP_LEVEL_ENDS = (b"</w:p>", b"</w:tbl>")


def _document_xml_in_pieces(prepared: _Prepared, xml: bytes) -> list[bytes | memoryview] | None:
    """Return ``_document_xml`` of the body xml (UTF-8) renders to as pieces to be joined, each parsed on
    its own; None when in doubt."""
    ends = prepared.document_ends
    head_end = xml.find(b">") + 1
    if (ends is None or not xml.startswith(b"<w:body") or xml[head_end - 2:head_end] == b"/>"
            or not xml.endswith(_BODY_END) or b"<!" in xml or b"<?" in xml):
        return None
    head, stop = xml[:head_end], len(xml) - len(_BODY_END)
    w = f"{{{nsmap['w']}}}"
    parser = etree.XMLParser(huge_tree=True)  # strict, as fix_tables parses
    pieces: list[bytes | memoryview] = [ends[0], b"<w:body>"]
    start = head_end
    while start < stop:
        end = _boundary(xml, start, stop)
        try:
            body = etree.fromstring(head + xml[start:end] + _BODY_END, parser=parser)
        except etree.XMLSyntaxError:
            return None
        if start == head_end:  # the first piece: the body itself, as _document_xml requires
            if body.tag != _BODY or body.prefix != "w" or body.attrib:
                return None
            declared = prepared.namespaces
            if not all(declared.get(prefix) == uri for prefix, uri in body.nsmap.items()):
                return None
        if next(body.iter(_DOCPR), None) is not None or not all(_table_fits(t, w) for t in body.iter(w + "tbl")):
            return None
        data = etree.tostring(body, encoding="UTF-8", xml_declaration=False)
        del body
        inner = data.index(b">") + 1
        if data[inner - 2:inner] == b"/>" or not data.endswith(b"</w:body>") or data.find(b"xmlns", inner) != -1:
            return None
        pieces.append(memoryview(data)[inner:len(data) - len(b"</w:body>")])
        start = end
    pieces += (b"</w:body>", ends[1])
    return pieces


def _boundary(xml: bytes, start: int, stop: int) -> int:
    """Return the end of the first top-level element that ends _PIECE bytes or more after start
    (a top-level boundary), or stop if none does."""
    position = xml.find(b"<", start + _PIECE, stop)  # never between the two characters of "</" or "/>"
    if position == -1:
        return stop
    depth = 1 + _depth(xml, start, position)  # the body is open at start
    # each end tag's next occurrence at or after position, searched again only once passed: searching
    # anew at every step would scan to the end each time for a tag that no longer occurs
    following = {tag: xml.find(tag, position, stop) for tag in _TOP_LEVEL_ENDS}
    while True:
        for tag, index in following.items():
            if index != -1 and index < position:
                following[tag] = xml.find(tag, position, stop)
        found = [(i, t) for t, i in following.items() if i != -1]
        if not found:
            return stop
        index, tag = min(found)
        end = index + len(tag)
        depth += _depth(xml, position, end)
        if depth == 1:  # inside the body only: end is a top-level boundary
            return end
        position = end


def _depth(xml: bytes, start: int, end: int) -> int:
    """Return how many elements xml[start:end] opens and leaves open (closing ones counted negative)."""
    return xml.count(b"<", start, end) - 2 * xml.count(b"</", start, end) - xml.count(b"/>", start, end)


# --- the zip ----------------------------------------------------------------------------------------
# The same bytes as zipfile.ZipFile(…, "w", ZIP_DEFLATED).writestr(ZipInfo(name, 1980-01-01), data)
# with create_system 0 and external_attr 0o600 << 16 (render._normalise_zip), for archives under 2 GiB.

_DOS_DATE = (1980 - 1980) << 9 | 1 << 5 | 1  # 1980-01-01
_DOS_TIME = 0  # 00:00:00
_VERSION = 20  # zipfile's DEFAULT_VERSION: deflate, no zip64
_EXTERNAL_ATTR = 0o600 << 16
_UTF8_FLAG = 0x800
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_LIMIT = (1 << 31) - 1


def _entry(name: str, data: bytes | list[bytes | memoryview]) -> _Entry:
    """Return the entry of data, given whole or as the pieces it is the concatenation of.

    zlib's output does not depend on how its input is split, so pieces give the bytes data joined gives.
    """
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    if isinstance(data, bytes):
        return _Entry(name, zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())
    crc, size, deflated = 0, 0, []
    for piece in data:
        crc = zlib.crc32(piece, crc)
        size += len(piece)
        deflated.append(compressor.compress(piece))
    deflated.append(compressor.flush())
    return _Entry(name, crc, size, b"".join(deflated))


def _zip(entries: Iterable[_Entry]) -> bytes:
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    count = 0
    for entry in entries:
        try:
            filename, flags = entry.name.encode("ascii"), 0
        except UnicodeEncodeError:
            filename, flags = entry.name.encode("utf-8"), _UTF8_FLAG
        if max(entry.size, len(entry.deflated), offset) > _LIMIT:
            raise Unsupported("archives over 2 GiB need zip64")
        header = _LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, zlib.DEFLATED, _DOS_TIME, _DOS_DATE,
                             entry.crc, len(entry.deflated), entry.size, len(filename), 0)
        central.append(_CENTRAL.pack(b"PK\x01\x02", _VERSION, 0, _VERSION, 0, flags, zlib.DEFLATED,
                                     _DOS_TIME, _DOS_DATE, entry.crc, len(entry.deflated), entry.size,
                                     len(filename), 0, 0, 0, 0, _EXTERNAL_ATTR, offset) + filename)
        chunks += (header, filename, entry.deflated)
        offset += len(header) + len(filename) + len(entry.deflated)
        count += 1
    directory = b"".join(central)
    chunks += (directory, _END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0))
    return b"".join(chunks)
