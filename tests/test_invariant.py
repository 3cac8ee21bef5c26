"""The invariant: whatever ``check`` accepts, ``render`` and ``change`` draft without an exception.

Inputs are generated from a valid sample by replacing values with hostile ones: control, bidi and
zero-width characters, lone surrogates, markup and Jinja syntax, 10,000-character and over-255-byte CJK
strings, boundary dates and numbers. Each input is either refused with an InputError whose every problem
names its field, or it loads, ``check`` runs, and drafting gives documents or a DocgenError, never any
other exception.

Two tiers keep ``make test`` quick: every example (DOCGEN_FUZZ_EXAMPLES, 2,000 by default) loads,
checks and renders the lead unit's integrity commitment through the real renderer (names, document
properties, file names); a smaller number (DOCGEN_FUZZ_RENDERS, 25) drafts every document of ``render``
and of ``change``. ``make fuzz`` runs 10,000 and 300.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from typing import Any

from conftest import BASE_SAMPLE, SAMPLES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import docgen
from docgen.clauses.library import load_library
from docgen.documents import COMMITMENT_TEMPLATE, all_documents, change_documents
from docgen.drafting.commitments import assemble_commitments
from docgen.output import safe_filename
from docgen.render.docx import render_docx
from docgen.resources import templates_dir
from docgen.rules.guideline import has_errors

EXAMPLES = int(os.environ.get("DOCGEN_FUZZ_EXAMPLES", "2000"))
RENDERS = int(os.environ.get("DOCGEN_FUZZ_RENDERS", "25"))

BASE = docgen.load(BASE_SAMPLE).model_dump(mode="json")
OLD = docgen.load(SAMPLES / "marine-ai-v1.yaml")
NEW = docgen.load(SAMPLES / "marine-ai-v2.yaml").model_dump(mode="json")

# refused by the text policy wherever they appear (some only outside prose)
ILLEGAL = ["\x00", "\x01", "\x0b", "\x1f", "\x7f", "\x85", "\r", "\n", "\t", "\u200b", "\u200d", "\u202e",
           "\u2066", "\ufeff", "\ufffe", "\uffff", "\ud800", "\u2028", "\u00ad"]
# accepted, and hostile to templates, XML, file names or document properties
TRICKY = ["{{", "}}", "{%", "%}", "{#", "{{ doc }}", "{% if %}", "<", ">", "&", "&amp;", "]]>", "<w:t>", "'", '"',
          "\\", "/", ":", "*", "?", "|", ".", "..", " ", "\u3000", "Ａ", "ｱ", "𠀀", "é", "e\u0301", "青岛", "有限公司",
          "创新联合体", "None", "null", "0", "第一条", "人民币", ""]
_piece = st.one_of(st.sampled_from(TRICKY), st.sampled_from(TRICKY), st.sampled_from(TRICKY),
                   st.sampled_from(ILLEGAL), st.text(max_size=8),
                   st.builds(lambda c, n: c * n, st.sampled_from(["青", "a", "\u202e", " "]),
                             st.sampled_from([10_000, 86, 101, 256, 301])))
STRINGS = st.lists(_piece, min_size=0, max_size=6).map("".join)
# strings the loader accepts in one-line fields: what the full tier drafts
ACCEPTED = st.lists(st.one_of(st.sampled_from(TRICKY), st.builds(lambda n: "青" * n, st.sampled_from([1, 86, 100]))),
                    min_size=1, max_size=4).map("".join)
DATES = st.one_of(st.sampled_from(["0001-01-01", "1899-12-31", "1900-01-01", "1999-12-31", "2000-01-01",
                                   "2024-02-29", "2100-12-31", "2199-12-31", "2200-01-01", "9999-12-31"]),
                  st.dates(dt.date(1890, 1, 1), dt.date(2210, 12, 31)).map(dt.date.isoformat))
NUMBERS = st.sampled_from([0, 1, -1, 99, 100, 100_000, 100_001, 10**9, 10**9 + 1, 10**30, "1e400", "0.001"])


def _leaves(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*prefix, key))]
    if isinstance(node, list):
        return [leaf for index, value in enumerate(node) for leaf in _leaves(value, (*prefix, index))]
    return [(prefix, node)]


# keys whose values are codes, enumerations or patterns: free text elsewhere
_CODED = {"credit_code", "unit", "owner", "participants", "payer", "payee", "phone", "email", "id", "kind",
          "chain_position", "source", "method", "venue", "patent_right", "technical_secret", "improvements",
          "voting_rule", "category", "condition", "direction", "code", "name_of_consortium"}


def _kinds(data: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    kinds: dict[str, list[tuple[Any, ...]]] = {"text": [], "date": [], "number": [], "free": []}
    for path, value in _leaves(data):
        if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
            kinds["date"].append(path)
        elif isinstance(value, int | float) or (isinstance(value, str) and value.replace(".", "").isdigit()):
            kinds["number"].append(path)
        elif isinstance(value, str):
            kinds["text"].append(path)
            keys = [k for k in path if isinstance(k, str)]
            if keys and keys[-1] not in _CODED and path != ("name",):  # the consortium's name has a pattern
                kinds["free"].append(path)
    return kinds


def _mutations(data: dict[str, Any], strings: st.SearchStrategy[str] = STRINGS, *, free: bool = False
               ) -> st.SearchStrategy[list[tuple[tuple[Any, ...], Any]]]:
    kinds = _kinds(data)
    one = st.one_of(st.tuples(st.sampled_from(kinds["free" if free else "text"]), strings),
                    st.tuples(st.sampled_from(kinds["date"]), DATES),
                    st.tuples(st.sampled_from(kinds["number"]), NUMBERS))
    return st.lists(one, min_size=1, max_size=4)


def _apply(data: dict[str, Any], mutations: list[tuple[tuple[Any, ...], Any]]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for path, value in mutations:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return data


def _load(data: dict[str, Any]) -> docgen.Consortium | None:
    """Return the consortium, or None after checking the InputError names every problem's field."""
    try:
        consortium = docgen.parse(data)
    except docgen.InputError as exc:
        assert exc.problems and all(p.path and p.label and p.message for p in exc.problems), exc
        event("refused by the loader")
        return None
    event("loaded")
    return consortium


_FAST = settings(max_examples=EXAMPLES, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_FULL = settings(max_examples=RENDERS, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_FAST
@given(_mutations(BASE))
def test_accepted_input_checks_and_renders_a_commitment(mutations: list[tuple[tuple[Any, ...], Any]]) -> None:
    consortium = _load(_apply(BASE, mutations))
    if consortium is None:
        return
    findings = docgen.check(consortium)
    assert all(f.code and f.message and f.path for f in findings)
    event("check passes" if not has_errors(findings) else "check reports errors")
    letter = assemble_commitments(consortium, load_library().documents["commitment"], draft=True)[0]
    data = render_docx(templates_dir() / COMMITMENT_TEMPLATE, {"doc": letter},
                       properties={"title": f"{letter.title}（{letter.unit_name}）", "author": letter.unit_name,
                                   "subject": f"{consortium.name}备案申请", "keywords": "诚信承诺书"})
    assert data[:2] == b"PK"
    for unit in consortium.units:
        name = safe_filename(unit.name)
        assert 0 < len(name.encode("utf-8")) <= 200 and "/" not in name


@_FULL
@given(_mutations(BASE, ACCEPTED, free=True), _mutations(NEW, ACCEPTED, free=True))
def test_whatever_loads_drafts_render_and_change(render_mutations: list[tuple[tuple[Any, ...], Any]],
                                                 change_mutations: list[tuple[tuple[Any, ...], Any]]) -> None:
    consortium = _load(_apply(BASE, render_mutations))
    if consortium is not None:
        docgen.check(consortium)
        documents = all_documents(consortium, draft=True)  # drafted even with rule errors: stronger
        assert all(d.data[:2] == b"PK" for d in documents)
    new = _load(_apply(NEW, change_mutations))
    if new is not None:
        try:
            documents = change_documents(OLD, new, draft=True)
        except docgen.RuleError as exc:  # a change the rules cannot draft (CHANGE_…) is refused cleanly
            assert exc.findings
            event("change refused: " + ", ".join(sorted({f.code for f in exc.findings
                                                          if f.code.startswith("CHANGE_")})))
        else:
            assert all(d.data[:2] == b"PK" for d in documents)
            event("change drafted")
