"""Compiled Jinja templates kept between processes: a cold ``docgen render`` skips Jinja's compiler.

A cold render compiles about 140 Jinja sources (the clause texts, their ``when`` and ``select``
expressions, the XML of the Word templates); that is a third of its time. ``CachingEnvironment`` keeps
each compiled code object in one file in the user's cache folder, keyed by the SHA-256 of the source and
its name (so an edited clause library or template simply misses), in a file whose name is a hash of
everything else the code depends on: Python's bytecode version, Jinja's version, docgen's version and
the environment's settings, filters and tests.

The file is read once, at the first compilation, and written at exit when something was compiled:
to a temporary file in the same folder, then renamed over the old one, so processes running at the same
time never see a partial file (the last writer wins; an entry it lacks is compiled again next time).
Entries no process has used since the file outgrew ``MAX_ENTRIES`` are dropped. Any problem (no cache
folder, an unwritable or unreadable one, a corrupt file) silently means compiling as before.

Folder: ``$DOCGEN_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/docgen`` or ``~/.cache/docgen``
(``~/Library/Caches/docgen`` on macOS, ``%LOCALAPPDATA%\\docgen\\Cache`` on Windows).
``DOCGEN_NO_CACHE=1`` turns the cache off. The cached code is what Jinja's compiler generates for the
sandboxed environment, so the sandbox is unchanged; whoever can write the user's cache folder could
change it, as they could the user's other caches.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
import threading
import types
from collections.abc import MutableMapping
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.environment import TemplateExpression
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import internalcode

__all__ = ["MAX_ENTRIES", "CachingEnvironment", "CodeStore", "cache_dir"]

MAX_ENTRIES = 4096
_METHODS = (types.MethodType, types.BuiltinMethodType)
_FORMAT = b"docgen-jinja-1\n"


def cache_dir() -> Path | None:
    """Return docgen's cache folder (not created here), or None when the cache is turned off."""
    if os.environ.get("DOCGEN_NO_CACHE", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("DOCGEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "docgen" / "Cache" if base else None
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "docgen"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "docgen"


class CodeStore:
    """Code objects by key, loaded from path at first use and written back by ``save``."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._loaded: dict[str, CodeType] | None = None
        self._used: dict[str, CodeType] = {}
        self._added = False

    def _entries(self) -> dict[str, CodeType]:
        if self._loaded is None:
            self._loaded = {}
            if self.path is not None:
                try:
                    data = self.path.read_bytes()
                    if data.startswith(_FORMAT):
                        entries = marshal.loads(data[len(_FORMAT):])
                        if isinstance(entries, dict):
                            self._loaded = {k: v for k, v in entries.items()
                                            if isinstance(k, str) and isinstance(v, CodeType)}
                except Exception:  # no file, unreadable, corrupt: start empty
                    self._loaded = {}
        return self._loaded

    def get(self, key: str) -> CodeType | None:
        """Return the code stored under key (and remember that this process used it), or None."""
        with self._lock:
            code = self._used.get(key) or self._entries().get(key)
            if code is not None:
                self._used[key] = code
            return code

    def put(self, key: str, code: CodeType) -> None:
        """Store code under key; it is written by the next ``save``."""
        with self._lock:
            self._entries()
            self._used[key] = code
            self._added = True

    def save(self) -> None:
        """Write the entries (those loaded and those added) if any were added; never raise."""
        with self._lock:
            if not self._added or self.path is None:
                return
            loaded = self._entries()
            entries = {**loaded, **self._used} if len(loaded) + len(self._used) <= MAX_ENTRIES else dict(self._used)
            try:
                data = _FORMAT + marshal.dumps(entries)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp",
                                                     dir=self.path.parent)
                try:
                    with os.fdopen(handle, "wb") as out:
                        out.write(data)
                    os.replace(temporary, self.path)
                except BaseException:
                    os.unlink(temporary)
                    raise
            except Exception:  # unwritable folder, full disk, …: no cache, as if it were turned off
                return
            self._loaded, self._added = entries, False


def _digest(*parts: object) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(("s" + part if isinstance(part, str) else "r" + repr(part)).encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def _signature(env: SandboxedEnvironment) -> str:
    """Return a hash of what compiled code depends on besides its source and name."""
    from docgen import __version__

    def code_of(fn: Any) -> object:
        code = getattr(fn, "__code__", None)
        return (code.co_code, code.co_consts, code.co_names) if code is not None else fn

    # Jinja's optimiser folds filters of constants at compile time, so the code depends on the filters'
    # implementation: the source of every module outside Jinja that defines one is part of the hash.
    sources = []
    for module in sorted({getattr(f, "__module__", None) or "" for f in env.filters.values()}):
        path = getattr(sys.modules.get(module), "__file__", None)
        if path and not module.startswith("jinja2"):
            try:
                sources.append(Path(path).read_bytes())
            except OSError:
                sources.append(module.encode())
    return _digest(
        sys.version, importlib.util.MAGIC_NUMBER, jinja2.__version__, __version__,
        [c.__qualname__ for c in type(env).__mro__],
        env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
        env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
        env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized,
        code_of(env.autoescape), code_of(env.finalize), sorted(env.extensions), sorted(env.filters),
        sorted(env.tests), env.undefined.__qualname__, sources,
    )[:20]


class CachingEnvironment(SandboxedEnvironment):
    """A sandboxed environment whose compiled templates and expressions persist in a ``CodeStore``,
    and which remembers the sandbox's verdict on each attribute of each type it has seen.

    Only whole sources are cached (``compile`` of a string, ``compile_expression``); raw Python output
    and module code go through Jinja's compiler as before. Call ``attach_store`` after the filters and
    the other settings are final: they are part of the cache file's name.
    """

    store: CodeStore | None = None
    # A hash of the settings compiled code depends on (set by attach_store); docgen.render._docx_fast
    # keys its prepared templates with it too.
    signature: str | None = None
    _expression = threading.local()
    # is_safe_attribute's verdict per (type of the object, attribute name): the sandbox's rule depends on
    # nothing else, and asking it anew costs a sixth of a warm render.
    _safe: dict[tuple[type, str], bool]

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Return obj.attribute as SandboxedEnvironment.getattr does, its safety verdict remembered."""
        if type(attribute) is str:
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                return super().getattr(obj, attribute)
            if type(value) not in _METHODS:  # only str.format and format_map need wrapping
                key = (type(obj), attribute)
                safe = self._safe.get(key)
                if safe is None:
                    safe = self._safe[key] = self.is_safe_attribute(obj, attribute, value)
                return value if safe else self.unsafe_undefined(obj, attribute)
        return super().getattr(obj, attribute)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._safe = {}

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """Return a template's globals as a plain dict: the environment's globals, then d's.

        Jinja returns a ChainMap so that later changes to the environment's globals reach templates
        already loaded; docgen never changes them (the environment is built once, see
        ``docgen.render.docx.environment``). Every render copies its template's globals into a new
        context twice (``dict(globals, **vars)`` and ``set(globals)``), which for a ChainMap runs in
        Python: about a tenth of a warm package's check and assembly, which render ~2,000 short texts.
        """
        return {**self.globals, **(d or {})}

    def attach_store(self, store: CodeStore | None = None) -> None:
        """Use store, by default the file for this environment's settings in ``cache_dir()``, saved at exit."""
        self.signature = _signature(self)
        if store is None:
            folder = cache_dir()
            store = CodeStore(folder / f"jinja-{self.signature}.bin" if folder else None)
            atexit.register(store.save)
        self.store = store

    @internalcode
    def compile(self, source: str | nodes.Template, name: str | None = None,
                filename: str | None = None, raw: bool = False, defer_init: bool = False) -> Any:
        store = self.store
        if store is None or raw or defer_init:
            return super().compile(source, name, filename, raw, defer_init)  # type: ignore[call-overload]
        key: str | None
        if isinstance(source, str):
            key = "t" + _digest(name, filename, source)
        else:  # the node compile_expression builds, under the key it set
            key = getattr(self._expression, "key", None)
            self._expression.key = None
        code = store.get(key) if key is not None else None
        if code is None:
            code = super().compile(source, name, filename)
            if key is not None:
                store.put(key, code)
        return code

    def compile_expression(self, source: str, undefined_to_none: bool = True) -> TemplateExpression:
        store = self.store
        if store is None:
            return super().compile_expression(source, undefined_to_none)
        key = "e" + _digest(source)
        code = store.get(key)
        if code is None:
            self._expression.key = key
            try:
                return super().compile_expression(source, undefined_to_none)
            finally:
                self._expression.key = None
        template = self.template_class.from_code(self, code, self.make_globals(None), None)
        return TemplateExpression(template, undefined_to_none)
