"""The form-ready JSON Schema of the input: pydantic's schema of the model, post-processed for portals.

A portal (or docgen's own web page) builds its form from this schema, so it adds what a form needs and
the model does not say in a machine-readable way:

- ``$schema`` (draft 2020-12) and a Chinese title on every definition;
- a Chinese description on every field (the field's title where the model gives none);
- every enumeration as ``oneOf`` of ``const`` + Chinese ``title`` (a drop-down with Chinese labels); the
  labels of English codes (``joint``, ``completing_party`` …) are read from the field's description,
  written ``code：label；code：label``;
- the 10+1 industries and Qingdao's districts as enumerations (the lists the guideline rules use), the
  members' district as a Qingdao district or another place outside the city;
- patterns for the credit code and phone numbers, and for money and percentages given as strings
  (a number, or a decimal string such as ``"1200000.00"`` — never an arbitrary string);
- examples that validate (the credit code's check character is right).

The schema is stricter than the model in one way only: where the model takes free text that a guideline
rule checks later (the industry, the lead unit's district), the schema offers the allowed values, so a
form cannot produce an input that ``check`` will reject for that reason.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from docgen.input.model import Consortium

__all__ = ["CREDIT_CODE_PATTERN", "MONEY_PATTERN", "PHONE_PATTERN", "SCHEMA_DIALECT", "form_schema"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# 18 characters: registration authority and kind (2), region code (6 digits), organisation code (9), check (1);
# the alphabet of GB 32100-2015 leaves out I, O, Z, S and V.
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
CREDIT_CODE_EXAMPLE = "91370212MA3C4XY803"
PHONE_PATTERN = r"^[0-9+()\- ]{7,20}$"
# A non-negative amount in yuan with at most two decimals (the model allows 15 digits in all).
MONEY_PATTERN = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
MONEY_MAXIMUM = 9999999999999.99
# A percentage above 0 and at most 100, at most two decimals.
PERCENT_PATTERN = r"^(100(\.0{1,2})?|(?!0+(\.0+)?$)[0-9]{1,2}(\.[0-9]{1,2})?)$"

# Chinese titles of the model's classes where no field that refers to them gives one (union branches).
_DEF_TITLES = {"Arbitration": "仲裁", "Litigation": "诉讼", "Consortium": "创新联合体"}
# Labels of English codes that no description spells out.
_CODE_LABELS = {"arbitration": "仲裁", "litigation": "诉讼"}


def form_schema() -> dict[str, Any]:
    """Return the input's JSON Schema (draft 2020-12), ready to generate a form from."""
    from docgen.rules.guideline import INDUSTRIES, QINGDAO_DISTRICTS  # the lists the rules check against

    schema = copy.deepcopy(Consortium.model_json_schema())
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    _title_definitions(schema, defs)
    _walk(schema)
    props = schema["properties"]
    props["industry"] = _labelled_field(props["industry"], INDUSTRIES)
    props["industry"].pop("examples", None)
    _split_lead_unit(schema, defs, QINGDAO_DISTRICTS)
    return {"$schema": SCHEMA_DIALECT, **schema}


# --- the walk over every subschema -------------------------------------------------------------------

def _walk(node: Any, owner: dict[str, Any] | None = None) -> None:
    """Rewrite node and everything under it in place; owner is the property schema holding node."""
    if isinstance(node, list):
        for item in node:
            _walk(item, owner)
        return
    if not isinstance(node, dict):
        return
    for name, prop in (node.get("properties") or {}).items():
        if isinstance(prop, dict):
            _field(prop, name)
    if "enum" in node:
        _label_enum(node, owner or node)
    if node.get("type") == "string" and "const" in node and "title" not in node:
        node["title"] = _CODE_LABELS.get(node["const"], str(node["const"]))
    _typed_strings(node, owner or node)
    for key, value in node.items():
        if key in ("properties",):
            for prop in value.values():
                _walk(prop, prop)
        elif key != "examples":
            _walk(value, owner)


def _field(prop: dict[str, Any], name: str) -> None:
    """Give a property a Chinese description where it has none."""
    if not prop.get("description") and prop.get("title"):
        prop["description"] = str(prop["title"])


def _typed_strings(node: dict[str, Any], owner: dict[str, Any]) -> None:
    """Add the credit-code, phone, money and percent patterns to the string schemas they concern."""
    text = f"{owner.get('title', '')} {owner.get('description', '')}"
    if node.get("type") == "string" and "统一社会信用代码" in text and "pattern" not in node:
        node["pattern"] = CREDIT_CODE_PATTERN
        node["minLength"] = node["maxLength"] = 18
        if "examples" in node or node is owner:
            node["examples"] = [CREDIT_CODE_EXAMPLE]
    if node.get("type") == "string" and owner.get("title") == "联系电话" and "pattern" not in node:
        node["pattern"] = PHONE_PATTERN
    branches = node.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2:
        number = next((b for b in branches if b.get("type") == "number"), None)
        string = next((b for b in branches if b.get("type") == "string"), None)
        if number is not None and string is not None and "pattern" not in string:
            _decimal(number, string)


def _decimal(number: dict[str, Any], string: dict[str, Any]) -> None:
    """Constrain a decimal's string form: money (minimum 0) or a percentage (above 0, at most 100)."""
    if number.get("maximum") == 100:
        string["pattern"] = PERCENT_PATTERN
        string["title"] = "百分比（文本）"
        number["title"] = "百分比"
        string["examples"] = ["12.5"]
    else:
        number.setdefault("maximum", MONEY_MAXIMUM)
        string["pattern"] = MONEY_PATTERN
        string["title"] = "金额（文本，元）"
        number["title"] = "金额（元）"
        string["examples"] = ["1200000.00"]
    string["description"] = "阿拉伯数字，最多两位小数，不带单位和千位分隔符"


# --- enumerations ------------------------------------------------------------------------------------------

def _code_labels(description: str) -> dict[str, str]:
    """Return {code: label} read from a description written "code：label；code：label"."""
    labels: dict[str, str] = {}
    for part in re.split(r"[；;]", description):
        match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*[：:]\s*(.+)", part)
        if match:
            labels[match.group(1)] = re.sub(r"（[^（）]*）$", "", match.group(2).strip()).rstrip("，。")
    return labels


def _label_enum(node: dict[str, Any], owner: dict[str, Any]) -> None:
    """Replace node's ``enum`` by ``oneOf`` of ``const`` + Chinese ``title``."""
    labels = {**_CODE_LABELS, **_code_labels(str(owner.get("description", "")))}
    values = node.pop("enum")
    node["oneOf"] = [{"const": v, "title": labels.get(v, str(v)) if isinstance(v, str) else str(v)}
                     for v in values]


def _labelled_field(prop: dict[str, Any], values: tuple[str, ...]) -> dict[str, Any]:
    """Return prop as a string enumeration of values, each labelled with itself."""
    out = {k: v for k, v in prop.items() if k not in ("minLength", "pattern", "enum", "oneOf")}
    out["type"] = "string"
    out["oneOf"] = [{"const": v, "title": v} for v in values]
    return out


# --- definitions -------------------------------------------------------------------------------------------

def _title_definitions(schema: dict[str, Any], defs: dict[str, Any]) -> None:
    """Title each definition in Chinese: after the first property that refers to it, or _DEF_TITLES."""
    referrers: dict[str, str] = {}

    def find(node: Any) -> None:
        if isinstance(node, dict):
            for prop in (node.get("properties") or {}).values():
                target = _ref_target(prop)
                if target and prop.get("title"):
                    referrers.setdefault(target, str(prop["title"]))
            for value in node.values():
                find(value)
        elif isinstance(node, list):
            for value in node:
                find(value)

    find(schema)
    for name, definition in defs.items():
        definition["title"] = _DEF_TITLES.get(name) or referrers.get(name) or definition.get("title", name)
    schema["title"] = _DEF_TITLES["Consortium"]


def _ref_target(prop: dict[str, Any]) -> str | None:
    """Return the definition a property refers to (directly, as an array's items, or optionally)."""
    candidates = [prop, prop.get("items") or {}, *(prop.get("anyOf") or []), *(prop.get("allOf") or [])]
    for candidate in candidates:
        ref = candidate.get("$ref") if isinstance(candidate, dict) else None
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return ref.removeprefix("#/$defs/")
    return None


def _split_lead_unit(schema: dict[str, Any], defs: dict[str, Any], districts: tuple[str, ...]) -> None:
    """Give the lead unit a definition of its own whose district is one of Qingdao's; members may be
    registered anywhere, so their district is a Qingdao district or any other place."""
    lead_ref = _ref_target(schema["properties"]["lead"])
    if lead_ref is None or "district" not in defs[lead_ref].get("properties", {}):
        return
    unit = defs[lead_ref]
    lead = copy.deepcopy(unit)
    lead["title"] = "牵头单位"
    lead["properties"]["district"] = _labelled_field(unit["properties"]["district"], districts)
    lead["properties"]["district"]["description"] = "牵头单位须在青岛市独立注册：注册地所在的区、市"
    defs["LeadUnit"] = lead
    lead_prop = schema["properties"]["lead"]
    for key in ("$ref", "allOf"):
        lead_prop.pop(key, None)
    lead_prop["$ref"] = "#/$defs/LeadUnit"
    unit["title"] = "成员单位"
    district = unit["properties"]["district"]
    described = {k: v for k, v in district.items() if k in ("title", "description", "default")}
    unit["properties"]["district"] = {
        **described,
        "anyOf": [
            {"title": "青岛市辖区（市）", "type": "string", "oneOf": [{"const": v, "title": v} for v in districts]},
            {"title": "青岛市外（写明省、市、区）", "type": "string", "minLength": 2,
             "not": {"enum": list(districts)}},
        ],
    }
