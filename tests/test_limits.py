"""Loading is bounded: size, nesting and alias expansion are refused quickly, as InputErrors naming the line."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
from conftest import BASE_SAMPLE, VALID_SAMPLES

import docgen
from docgen.input.limits import MAX_DEPTH, Limits, check_data


def _bomb(levels: int = 12) -> str:
    """A 'billion laughs': each anchor lists the previous one nine times (9**12 values expanded)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _refused(path: Path, words: str, **kwargs: int) -> docgen.InputError:
    with pytest.raises(docgen.InputError) as info:
        docgen.load(path, **kwargs)
    assert words in str(info.value), str(info.value)
    return info.value


def test_alias_bomb_is_refused_in_well_under_a_second_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(), encoding="utf-8")
    assert path.stat().st_size < 600
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    error = _refused(path, "锚点和别名")
    assert time.perf_counter() - start < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB: under 50 MB more
    assert error.problems[0].line is not None and error.problems[0].line <= 12


def test_moderate_aliases_still_load(tmp_path: Path) -> None:
    text = BASE_SAMPLE.read_text(encoding="utf-8")
    text = text.replace("signing_place:", "x_anchor: &place 山东省青岛市\nsigning_place:", 1)
    path = tmp_path / "aliases.yaml"
    path.write_text(text, encoding="utf-8")
    _refused(path, "x_anchor")  # an unknown key: the anchor itself is read without complaint


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_deep_nesting_is_refused_with_its_line(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"deep{suffix}"
    depth = 100_000 if suffix == ".json" else 1_000
    path.write_text("{\"a\": " * depth + "1" + "}" * depth, encoding="utf-8")
    error = _refused(path, f"超过{MAX_DEPTH}层")
    assert error.problems[0].line == 1


def test_nesting_at_the_limit_reaches_the_model(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text("{\"name\": " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}", encoding="utf-8")
    _refused(path, "联合体名称")  # the model speaks: the depth was accepted


def test_size_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    size = BASE_SAMPLE.stat().st_size
    _refused(BASE_SAMPLE, "文件过大", max_bytes=size - 1)
    assert docgen.load(BASE_SAMPLE, max_bytes=size).name
    monkeypatch.setenv("DOCGEN_MAX_INPUT_BYTES", "100")
    _refused(BASE_SAMPLE, "DOCGEN_MAX_INPUT_BYTES")
    big = tmp_path / "big.yaml"
    monkeypatch.delenv("DOCGEN_MAX_INPUT_BYTES")
    with big.open("w", encoding="utf-8") as stream:
        stream.write("name: '" + "长" * (2 * 1024 * 1024) + "'\n")  # 6 MB of UTF-8
    _refused(big, "上限为5,242,880字节")


@pytest.mark.parametrize(("name", "text"), [
    ("huge.json", '{"copies_per_party": ' + "9" * 5000 + "}"),
    ("huge.yaml", "copies_per_party: " + "9" * 5000 + "\n"),
    ("dir.yaml", None),
])
def test_unreadable_values_and_folders_are_input_errors(tmp_path: Path, name: str, text: str | None) -> None:
    path = tmp_path / name
    if text is None:
        path.mkdir()
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(docgen.InputError):
        docgen.load(path)


def test_portal_data_is_bounded_too() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(10_000):
        node["a"] = {}
        node = node["a"]  # type: ignore[assignment]
    with pytest.raises(docgen.InputError, match="嵌套层次过深"):
        docgen.parse(deep)
    cyclic: dict[str, object] = {"name": "x"}
    cyclic["self"] = cyclic
    with pytest.raises(docgen.InputError, match="嵌套层次过深"):
        docgen.parse(cyclic)
    with pytest.raises(docgen.InputError, match="数据过大"):
        docgen.parse({"members": [[0] * 100] * 3000})
    assert check_data(json.loads(json.dumps({"a": [1, 2]})), Limits()) is None


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_samples_are_far_inside_the_limits(path: Path) -> None:
    tight = Limits(max_depth=8, max_nodes=5_000)
    from docgen.input.limits import check_yaml
    from docgen.input.loading import _Loader

    assert check_yaml(path.read_text(encoding="utf-8"), tight, _Loader) is None


def test_the_service_refuses_bombs_and_deep_bodies_as_input_problems() -> None:
    pytest.importorskip("fastapi", reason="the service extra is not installed")
    from test_service import request

    bomb = request("POST", "/v1/check", content=_bomb().encode(), headers={"content-type": "application/yaml"})
    assert bomb.status_code == 422 and "锚点和别名" in bomb.text
    deep = ("{\"a\": " * 100_000 + "1" + "}" * 100_000).encode()
    for url in ("/v1/check", "/v1/change"):
        response = request("POST", url, content=deep, headers={"content-type": "application/json"})
        assert 400 <= response.status_code < 500, (url, response.status_code, response.text[:200])
