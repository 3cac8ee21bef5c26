"""The persistent cache of compiled Jinja templates (docgen.render.compiled): same output, safe to share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from jinja2.sandbox import SandboxedEnvironment

from docgen.formatting import FILTERS
from docgen.render import compiled
from docgen.render.compiled import CachingEnvironment, CodeStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "deep-sea-sensing.yaml"
TEXT = "{% for u in units %}{{ u.name }}出资{{ u.amount | money }}；{% endfor %}共{{ units | length | cn_number }}方"
CONTEXT = {"units": [{"name": "甲公司", "amount": "1000000"}, {"name": "乙大学", "amount": "0.05"}]}


def _env(store: CodeStore | None) -> SandboxedEnvironment:
    env = CachingEnvironment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    env.attach_store(store)
    return env


def _count_compilations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = SandboxedEnvironment._generate

    def counting(self: SandboxedEnvironment, *args: object, **kwargs: object) -> str:
        calls.append(str(args[1]))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SandboxedEnvironment, "_generate", counting)
    return calls


def test_a_second_process_renders_from_the_cache_without_compiling(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "jinja.bin"
    plain = _env(None)
    expected = plain.from_string(TEXT).render(CONTEXT)
    expected_when = plain.compile_expression("units | length > 1")(**CONTEXT)

    first = _env(CodeStore(path))
    assert first.from_string(TEXT).render(CONTEXT) == expected
    assert first.compile_expression("units | length > 1")(**CONTEXT) is expected_when is True
    first.store.save()  # type: ignore[union-attr]
    assert path.is_file()

    calls = _count_compilations(monkeypatch)
    second = _env(CodeStore(path))  # as a new process would: a fresh store reading the file
    assert second.from_string(TEXT).render(CONTEXT) == expected
    assert second.compile_expression("units | length > 1")(**CONTEXT) is True
    assert calls == []
    # an edited source misses and is compiled
    assert second.from_string(TEXT + "。").render(CONTEXT) == expected + "。"
    assert len(calls) == 1


def test_errors_are_not_cached(tmp_path: Path) -> None:
    env = _env(CodeStore(tmp_path / "jinja.bin"))
    for _ in range(2):
        with pytest.raises(jinja2.TemplateSyntaxError):
            env.from_string("{% if %}")
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing.name }}").render({})


@pytest.mark.parametrize("content", [b"", b"garbage", b"docgen-jinja-1\n\x00\x01 not marshal", b"docgen-jinja-1\n"])
def test_a_corrupt_cache_file_is_ignored(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "jinja.bin"
    path.write_bytes(content)
    env = _env(CodeStore(path))
    assert env.from_string(TEXT).render(CONTEXT).endswith("共二方")
    env.store.save()  # type: ignore[union-attr]
    assert CodeStore(path).get("t" + compiled._digest(None, None, TEXT)) is not None


def test_an_unusable_cache_folder_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = CodeStore(blocker / "docgen" / "jinja.bin")  # its folder cannot be created
    env = _env(store)
    assert env.from_string(TEXT).render(CONTEXT).startswith("甲公司出资人民币壹佰万元整")
    store.save()  # silently does nothing
    assert not (blocker / "docgen").exists()


def test_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path))
    assert compiled.cache_dir() == tmp_path
    monkeypatch.setenv("DOCGEN_NO_CACHE", "1")
    assert compiled.cache_dir() is None
    monkeypatch.delenv("DOCGEN_NO_CACHE")
    monkeypatch.delenv("DOCGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert compiled.cache_dir() == tmp_path / "xdg" / "docgen"


def test_settings_and_filters_name_the_cache_file() -> None:
    base = _env(None)
    other = CachingEnvironment(undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=True)
    other.filters.update(FILTERS)
    fewer = CachingEnvironment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    signatures = {compiled._signature(e) for e in (base, other, fewer)}
    assert len(signatures) == 3
    assert compiled._signature(_env(None)) == compiled._signature(base)


_WRITER = r"""
import sys
import jinja2
from docgen.render.compiled import CachingEnvironment, CodeStore
env = CachingEnvironment(undefined=jinja2.StrictUndefined)
store = CodeStore(__import__("pathlib").Path(sys.argv[1]))
env.attach_store(store)
for i in range(60):
    assert env.from_string("{{ x }}-%s-%s" % (sys.argv[2], i)).render(x=1) == "1-%s-%s" % (sys.argv[2], i)
    if i % 10 == 0:
        store.save()
store.save()
"""


def test_processes_writing_at_once_leave_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "jinja.bin"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(n)], cwd=ROOT) for n in range(4)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0, 0]
    store = CodeStore(path)
    assert len(store._entries()) >= 60  # the last writer's entries at least; never a partial file
    assert not [p for p in tmp_path.iterdir() if p != path]  # no temporary files left behind


def test_cached_and_uncached_renders_give_the_same_bytes(tmp_path: Path) -> None:
    """A cold render that compiles, one that reads the cache it wrote, and one without a cache agree."""
    outputs = []
    for name, extra in (("fill", {}), ("hit", {}), ("off", {"DOCGEN_NO_CACHE": "1"})):
        env = {**os.environ, "DOCGEN_CACHE_DIR": str(tmp_path / "cache"), **extra}
        subprocess.run([sys.executable, "-m", "docgen.cli", "render", str(SAMPLE), "-o", str(tmp_path / name)],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        outputs.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).glob("*.docx"))})
    assert len(list((tmp_path / "cache").glob("jinja-*.bin"))) == 1
    assert len(list((tmp_path / "cache").glob("docx-*.bin"))) == 4  # the prepared templates
    assert outputs[0] and outputs[0] == outputs[1] == outputs[2]


class _Record:
    def __init__(self) -> None:
        self.name = "甲"
        self._secret = "x"

    def method(self) -> str:
        return self.name


@pytest.mark.parametrize("source", [
    "{{ r.name }}", "{{ r.method() }}", "{{ r._secret }}", "{{ r.__class__ }}", "{{ r.method.__func__ }}",
    "{{ f.__globals__ }}", "{{ f.__code__ }}", "{{ t.mro() }}", "{{ s.format(1) }}", "{{ s.upper() }}",
    "{{ s.format.__self__ }}", "{{ d.items() | list }}", "{{ r.missing }}", "{{ d.name }}",
])
def test_the_sandbox_decides_as_jinja_does(source: str) -> None:
    """Attribute verdicts remembered per type give the same results and errors as Jinja's sandbox."""
    context = {"r": _Record(), "f": _count_compilations, "t": str, "s": "{}元", "d": {"name": "乙"}}

    def outcome(env: SandboxedEnvironment) -> str:
        try:
            return env.from_string(source).render(context)
        except jinja2.TemplateError as exc:
            return f"{type(exc).__name__}: {exc}"

    plain = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    caching = CachingEnvironment(undefined=jinja2.StrictUndefined)
    expected = outcome(plain)
    assert [outcome(caching), outcome(caching)] == [expected, expected]
