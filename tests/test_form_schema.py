"""The form-ready schema (docgen.schema()): what a portal's form generator relies on, checked by validating
real inputs with jsonschema against it."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import BASE_SAMPLE
from stdnum.cn import uscc

import docgen
from docgen.input.loading import _Loader
from docgen.input.schema import CREDIT_CODE_EXAMPLE
from docgen.rules.guideline import INDUSTRIES, QINGDAO_DISTRICTS

SCHEMA = docgen.schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def _sample() -> dict[str, Any]:
    return copy.deepcopy(yaml.load(BASE_SAMPLE.read_text(encoding="utf-8"), Loader=_Loader))


def _errors(data: dict[str, Any]) -> list[str]:
    return sorted({".".join(map(str, e.absolute_path)) for e in VALIDATOR.iter_errors(data)})


def _nodes(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for key, value in node.items():
            if key not in ("examples", "default", "const"):
                out += _nodes(value)
    elif isinstance(node, list):
        for value in node:
            out += _nodes(value)
    return out


def test_schema_declares_its_dialect_and_is_itself_valid() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["title"] == "创新联合体"
    assert all(not d["title"].isascii() for d in SCHEMA["$defs"].values())


def test_the_sample_validates() -> None:
    assert _errors(_sample()) == []


def test_every_enumeration_is_labelled_in_chinese() -> None:
    labelled = 0
    for node in _nodes(SCHEMA):
        for option in node.get("oneOf", []):
            if "const" in option:
                assert option.get("title") and not option["title"].isascii(), option
                labelled += 1
    assert labelled > 40
    patent = SCHEMA["$defs"]["IPPolicy"]["properties"]["patent_right"]["oneOf"]
    assert {o["const"]: o["title"] for o in patent}["joint"] == "完成各方共有"
    benefit = SCHEMA["$defs"]["BenefitPolicy"]["properties"]["method"]["oneOf"]
    assert {o["const"]: o["title"] for o in benefit}["investment_ratio"] == "按投入比例"


def test_bare_enums_survive_only_inside_not() -> None:
    def walk(node: Any, under_not: bool = False) -> list[Any]:
        found = []
        if isinstance(node, dict):
            if "enum" in node and not under_not:
                found.append(node)
            for key, value in node.items():
                found += walk(value, under_not or key == "not")
        elif isinstance(node, list):
            for value in node:
                found += walk(value, under_not)
        return found

    assert walk(SCHEMA) == []


def test_every_property_has_a_chinese_title_and_description() -> None:
    for node in _nodes(SCHEMA):
        for name, prop in (node.get("properties") or {}).items():
            assert prop.get("title") and not prop["title"].isascii(), name
            assert prop.get("description") and not prop["description"].isascii(), name


def test_industry_is_one_of_the_10_plus_1() -> None:
    options = [o["const"] for o in SCHEMA["properties"]["industry"]["oneOf"]]
    assert options == list(INDUSTRIES) and len(options) == 11
    data = _sample()
    data["industry"] = "区块链"
    assert _errors(data) == ["industry"]


def test_lead_district_is_a_qingdao_district_members_may_be_elsewhere() -> None:
    lead = SCHEMA["$defs"]["LeadUnit"]["properties"]["district"]
    assert [o["const"] for o in lead["oneOf"]] == list(QINGDAO_DISTRICTS)
    data = _sample()
    data["lead"]["district"] = "北京市海淀区"
    data["members"][0]["district"] = "北京市海淀区"
    assert _errors(data) == ["lead.district"]
    data["lead"]["district"] = "胶州市"
    data["members"][0]["district"] = "胶州市"
    assert _errors(data) == []
    data["members"][0]["district"] = ""
    assert _errors(data) == ["members.0.district"]


@pytest.mark.parametrize("where", [("lead", "credit_code"), ("members", 0, "credit_code"), ("tasks", 0, "owner"),
                                   ("funding", 0, "unit"), ("head", "unit")])
def test_credit_codes_have_a_pattern(where: tuple[Any, ...]) -> None:
    data = _sample()
    node = data
    for key in where[:-1]:
        node = node[key]
    # an optional object (head) is reported at its own path: none of its anyOf branches matches
    expected = ([".".join(map(str, where))], [str(where[0])])
    node[where[-1]] = "abc"
    assert _errors(data) in expected
    node[where[-1]] = "91370212MA3C4XYZ0Q"  # Z is not in the code's alphabet
    assert _errors(data) in expected
    node[where[-1]] = CREDIT_CODE_EXAMPLE
    assert _errors(data) == []


def test_phones_have_a_pattern() -> None:
    data = _sample()
    data["lead"]["contact"]["phone"] = "电话号码"
    assert _errors(data) == ["lead.contact.phone"]


@pytest.mark.parametrize(("value", "valid"), [
    (1200000, True), ("1200000.00", True), ("0", True), (12.5, True), ("abc", False), ("1,200,000", False),
    ("1200000.001", False), ("-5", False), (-5, False), ("人民币100元", False), ("", False),
])
def test_money_is_a_number_or_a_decimal_string(value: Any, valid: bool) -> None:
    data = _sample()
    data["funding"][0]["amount"] = value
    assert (_errors(data) == []) is valid, _errors(data)


@pytest.mark.parametrize(("value", "valid"), [
    ("10", True), ("100", True), ("12.5", True), (0.5, True), ("0", False), ("100.5", False), ("abc", False),
    (0, False),
])
def test_percentages_are_bounded(value: Any, valid: bool) -> None:
    data = _sample()
    data["breach"] = {"percent": value}
    assert (_errors(data) == []) is valid


def test_every_example_validates_against_its_own_schema() -> None:
    checked = 0
    for node in _nodes(SCHEMA):
        for example in node.get("examples", []):
            sub = {**node, "$defs": SCHEMA["$defs"]}
            jsonschema.Draft202012Validator(sub).validate(example)
            checked += 1
    assert checked >= 5
    assert uscc.is_valid(CREDIT_CODE_EXAMPLE)


def test_the_schema_and_the_model_agree_on_the_sample_edits() -> None:
    """What the schema accepts as money the model loads to the same amount."""
    data = _sample()
    data["funding"][0]["amount"] = "1200000.50"
    assert _errors(data) == []
    assert str(docgen.parse(data).funding[0].amount) == "1200000.50"
