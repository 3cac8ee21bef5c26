"""Mutated inputs only ever give InputError or findings, never another exception."""

from __future__ import annotations

import copy
from typing import Any

from conftest import BASE_SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import docgen

BASE = docgen.load(BASE_SAMPLE).model_dump(mode="json")

_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
    st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.sampled_from(["", "2025-02-30", "企业", "joint", "arbitration", "91370212MA3R7K2L4D", "-1", "1e400"]),
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(BASE)


def _set(data: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    if value is _DELETE:
        if isinstance(data, dict):
            data.pop(path[-1], None)
        else:
            del data[path[-1]]
    else:
        data[path[-1]] = value


_DELETE = object()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), st.one_of(_values, st.just(_DELETE))), min_size=1, max_size=4))
def test_mutations_give_input_errors_or_findings(mutations: list[tuple[tuple, Any]]) -> None:
    data = copy.deepcopy(BASE)
    for path, value in mutations:
        try:
            _set(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the parent
    try:
        consortium = docgen.parse(data)
    except docgen.InputError as exc:
        assert exc.problems and all(p.path and p.label and p.message for p in exc.problems)
        return
    findings = docgen.check(consortium)
    assert all(f.code and f.message and f.path for f in findings)
