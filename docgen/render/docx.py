"""The one adapter to Jinja and docxtpl: a sandboxed strict environment and deterministic .docx bytes.

One Jinja environment serves the clause texts and the Word templates, with the same filters, the same
sandbox and StrictUndefined. Autoescaping is chosen by template name: clause texts (names ending in
``.txt``) produce plain text, which stays plain in the document outline; Word XML (docxtpl compiles
it with ``from_string``, so it has no name) is always escaped, which keeps a user's ``<`` or ``&`` from
being read as markup and silently truncating the text.

``render_docx`` gives the bytes plain docxtpl would give (zip-normalised), but through
``docgen.render._docx_fast``, which prepares each template once per process and rewrites only its templated
parts (tests/test_render_equivalence.py holds the two byte for byte); contexts holding docxtpl objects
(images, rich text, …) go through plain docxtpl. Both read a template through
``docgen.render._docx_tags.Template``: docxtpl with docgen's table tags (``{% colwidths %}``, ``{% colspan %}``,
``{% cellbg %}``, ``{% cellalign %}``), which keep Jinja out of the attributes Word validates.
Jinja, docxtpl, python-docx and lxml are imported on first use, so importing this module costs next to
nothing.
"""

from __future__ import annotations

import gc
import io
import zipfile
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.errors import TemplateError

if TYPE_CHECKING:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

__all__ = ["compile_text", "environment", "render_docx", "render_expression"]

# Zip entries get this timestamp so the same input always gives the same bytes (the zip format's
# earliest date; docxtpl would stamp the current time).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _autoescape(template_name: str | None) -> bool:
    return not (template_name or "").endswith(".txt")


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """Return the process-wide sandboxed, strict Jinja environment with docgen's filters.

    Its compiled templates persist between processes (docgen.render.compiled).
    """
    import jinja2

    from docgen.formatting import FILTERS
    from docgen.render.compiled import CachingEnvironment

    env = CachingEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.filters["dg_fit_widths"] = fit_widths  # the {% colwidths %} table tag (docgen/render/_docx_tags.py)
    env.attach_store()  # last: the filters are part of the cache file's name
    return env


def fit_widths(widths: Any, total: int) -> list[int]:
    """Return widths (positive numbers) scaled to integers that sum to total; the first column takes the rest."""
    values = list(widths)
    if not values or any(isinstance(v, bool) or not isinstance(v, int | float) or v <= 0 for v in values):
        raise TemplateError(f"模板表格的 colwidths 需要一组正数列宽，得到 {values!r}")
    whole = sum(values)
    scaled = [int(total * v // whole) for v in values]
    scaled[0] += total - sum(scaled)
    return scaled


@lru_cache(maxsize=4096)
def compile_text(source: str, name: str) -> jinja2.Template:
    """Return the compiled plain-text template; name should end in .txt and identify the clause."""
    import jinja2

    env = environment()
    try:
        code = env.compile(source, name=name, filename=name)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{name} 第{exc.lineno}行 Jinja 语法错误：{exc.message}") from None
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def render_text(source: str, name: str, context: Mapping[str, Any]) -> str:
    """Return source rendered as plain text; raise TemplateError naming the clause on any failure."""
    import jinja2

    try:
        return compile_text(source, name).render(context)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{name}：使用了不存在的变量或字段（{exc.message}）") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{name}：{exc}") from None


def render_expression(expression: str, name: str, context: Mapping[str, Any]) -> Any:
    """Return the value of a Jinja expression (a clause's ``when`` or ``select``)."""
    import jinja2

    try:
        return _compile_expression(expression)(**context)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{name}：表达式“{expression}”使用了不存在的字段（{exc.message}）") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{name}：表达式“{expression}”有误（{exc}）") from None


@lru_cache(maxsize=4096)
def _compile_expression(expression: str) -> jinja2.environment.TemplateExpression:
    """Return the compiled expression; compiling costs about a millisecond, evaluating microseconds."""
    return environment().compile_expression(expression, undefined_to_none=False)


def render_docx(template: Path, context: Mapping[str, Any], *,
                properties: Mapping[str, str] | None = None) -> bytes:
    """Return the .docx bytes of template rendered with context; same input, same bytes.

    properties sets core document properties (title, author, subject, keywords) after rendering,
    so their values never pass through XML escaping twice.
    """
    import jinja2

    from docgen.render import _docx_fast  # imported here: docxtpl pulls in lxml and python-docx

    if not zipfile.is_zipfile(template):  # False for a missing file too
        raise TemplateError(f"模板 {template} 不存在或不是有效的 .docx 文件（安装不完整？）")
    context = dict(context)
    properties = dict(properties or {})
    try:
        try:
            if _docx_fast.needs_docxtpl(context):
                raise _docx_fast.Unsupported("the context holds docxtpl objects")
            return _docx_fast.render(template, context, environment(), properties)
        except _docx_fast.Unsupported:
            return _render_plain(template, context, properties)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"模板 {template.name}：使用了不存在的变量（{exc.message}）") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"模板 {template.name}：{exc}") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise TemplateError(f"模板 {template} 无法读取（{exc}）") from None
    except (ValueError, SyntaxError) as exc:  # lxml's XMLSyntaxError, a property over 255: never patched over
        raise TemplateError(f"模板 {template.name} 生成的文档无效（{exc}）；"
                            "输入中的文字应先经 docgen check 检查") from None


def _render_plain(template: Path, context: dict[str, Any], properties: Mapping[str, str]) -> bytes:
    """Return the normalised bytes of plain docxtpl's render of template (the reference behaviour).

    Each such render leaves python-docx's package graph behind as cyclic garbage (tens of MiB over a
    few dozen renders), so it ends with a full collection; the fast path leaves no cycles.
    """
    from docgen.render._docx_tags import Template

    document = Template(str(template))
    try:
        # autoescape=False: docxtpl would otherwise overwrite the environment's own per-name choice
        document.render(context, jinja_env=environment(), autoescape=False)
        for key, value in properties.items():
            setattr(document.docx.core_properties, key, value)
        buffer = io.BytesIO()
        document.save(buffer)
        return _normalise_zip(buffer.getvalue())
    finally:
        del document
        gc.collect()


def _normalise_zip(data: bytes) -> bytes:
    """Return the zip rewritten with fixed timestamps and attributes, entries in their original order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            entry.create_system = 0
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
