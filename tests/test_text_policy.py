"""The text policy: whatever would crash a render or be altered on its way into a document is an input
error naming the field; whatever check accepts renders; no text is ever changed silently."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import changed, codes

import docgen
from docgen.rules.guideline import _add_years


def _refused(base_data: dict[str, Any], change: Any, path: str, words: str) -> None:
    with pytest.raises(docgen.InputError) as info:
        changed(base_data, change)
    found = [p for p in info.value.problems if p.path == path]
    assert found, str(info.value)
    assert words in found[0].message and found[0].label, found[0]


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x1f", "\ufffe", "\x85", "\u202e", "\u200b", "\u2066", "\ufeff"])
def test_invisible_and_illegal_characters_in_names_are_refused(base_data: dict[str, Any], char: str) -> None:
    unit = f"青岛{char}海洋科技有限公司"
    _refused(base_data, lambda d: d["lead"].update(name=unit), "lead.name", f"U+{ord(char):04X}")
    _refused(base_data, lambda d: d.update(name=f"深海{char}传感创新联合体"), "name", "第3个字符")


@pytest.mark.parametrize("char", ["\x00", "\r", "\x7f", "\u202e"])
def test_prose_refuses_them_too(base_data: dict[str, Any], char: str) -> None:
    _refused(base_data, lambda d: d["narrative"].update(significance=f"第一段{char}第二段"),
             "narrative.significance", f"U+{ord(char):04X}")


def test_line_breaks_only_where_a_value_is_prose(base_data: dict[str, Any]) -> None:
    _refused(base_data, lambda d: d["members"][0].update(name="青岛某某\n有限公司"), "members[0].name", "只能写一行")
    _refused(base_data, lambda d: d["lead"].update(address="青岛市\u2028崂山区"), "lead.address", "行分隔符")
    consortium = changed(base_data, lambda d: d["narrative"].update(significance="第一段。\n第二段。"))
    assert consortium.narrative.significance == "第一段。\n第二段。"


def test_lengths_are_bounded_per_field(base_data: dict[str, Any]) -> None:
    _refused(base_data, lambda d: d["lead"].update(name="青" * 256), "lead.name", "最多100个字符")
    _refused(base_data, lambda d: d["lead"].update(address="青" * 301), "lead.address", "最多300个字符")
    _refused(base_data, lambda d: d["narrative"].update(safeguards="青" * 20_001), "narrative.safeguards",
             "最多20,000个字符")


def test_every_policy_problem_is_reported_with_the_models(base_data: dict[str, Any]) -> None:
    def faults(d: dict[str, Any]) -> None:
        d["lead"]["name"] = "甲\u200b乙"
        d["members"][0]["credit_code"] = "123"
        d["narrative"]["platforms"] = "x\x00"

    with pytest.raises(docgen.InputError) as info:
        changed(base_data, faults)
    assert {p.path for p in info.value.problems} >= {"lead.name", "members[0].credit_code", "narrative.platforms"}


def test_absurd_dates_and_numbers_are_input_errors(base_data: dict[str, Any]) -> None:
    _refused(base_data, lambda d: d.update(signing_date="0001-01-01"), "signing_date", "日期超出合理范围")
    _refused(base_data, lambda d: d.update(term_end="9999-12-31"), "term_end", "日期超出合理范围")
    _refused(base_data, lambda d: d["lead"]["resources"].update(people=10**30), "lead.resources.people", "数值过大")
    assert _add_years(dt.date(9999, 1, 1), 3) == dt.date.max  # check's own arithmetic cannot overflow


def test_implausible_values_are_findings(base_data: dict[str, Any]) -> None:
    assert "IMPLAUSIBLE_DATE" in codes(docgen.check(changed(base_data, lambda d: d.update(signing_date="1990-01-01"))))
    people = changed(base_data, lambda d: d["lead"]["resources"].update(people=10**6))
    assert "IMPLAUSIBLE_COUNT" in codes(docgen.check(people))


def test_names_differing_only_in_width_or_case_are_duplicates(base_data: dict[str, Any]) -> None:
    def wide(d: dict[str, Any]) -> None:
        d["members"][0]["name"] = "青岛ABC海洋科技有限公司"
        d["members"][1]["name"] = "青岛ａｂｃ海洋科技有限公司"  # full-width, lower case

    assert "DUPLICATE_NAME" in codes(docgen.check(changed(base_data, wide)))


def _texts(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def test_a_long_cjk_name_renders_and_names_its_file_within_255_bytes(base_data: dict[str, Any], tmp_path: Path) -> None:
    long_name = "青岛" + "海" * 84  # 86 characters, 258 bytes
    consortium = changed(base_data, lambda d: d["members"][0].update(name=long_name))
    manifest = docgen.render_to(consortium, tmp_path / "out", draft=True)
    names = [p.name for p in manifest.parent.rglob("*")]
    assert all(len(name.encode("utf-8")) <= 255 for name in names)
    commitment = next(p for p in manifest.parent.rglob("*.docx") if "海海海" in p.name)
    assert long_name in _texts(commitment.read_bytes())  # the text itself is whole


def test_a_reversed_term_still_drafts_the_plan(base_data: dict[str, Any]) -> None:
    consortium = changed(base_data, lambda d: d.update(term_end="2025-01-01"))
    assert "TERM_END_BEFORE_START" in codes(docgen.check(consortium))
    assert docgen.render_plan(consortium, draft=True)[:2] == b"PK"


def test_text_that_is_not_xml_is_never_silently_dropped(base_data: dict[str, Any]) -> None:
    consortium = docgen.parse(base_data)
    # bypass the loader (model_copy does not validate) to hand the renderer an XML-illegal character
    bad = consortium.model_copy(update={"lead": consortium.lead.model_copy(update={"name": "青岛\x01公司"})})
    with pytest.raises(docgen.TemplateError, match="生成的文档无效"):
        docgen.render_agreement(bad, draft=True)
