"""Members, tasks and funding as .xlsx: the template, export and import (CLI, API and service), and import
problems that each name the sheet, row and column. Workbooks are opened with openpyxl and read."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from conftest import BASE_SAMPLE, VALID_SAMPLES

import docgen
from docgen.cli import main
from docgen.errors import InputError
from docgen.input.spreadsheet import SHEETS, read_workbook, write_workbook


def _book(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def _bytes(book: Any) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _problems(data: bytes, base: dict[str, Any] | None = None) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_workbook(data, base)
    return [f"{p.label}|{p.path}|{p.message}" for p in caught.value.problems]


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_export_then_import_gives_the_same_consortium(path: Path) -> None:
    consortium = docgen.load(path)
    data = write_workbook(consortium)
    assert docgen.parse(read_workbook(data, consortium.model_dump(mode="json"))) == consortium
    assert write_workbook(consortium) == data  # the same input, the same bytes


def test_budget_years_and_funding_status_round_trip() -> None:
    from test_rule_messages import _data, _yearly

    consortium = docgen.parse(_yearly(_data()))
    assert any(b.year for t in consortium.tasks for b in t.budget)
    assert any(f.status for f in consortium.funding)
    base = consortium.model_dump(mode="json")
    for line in [*base["funding"], *(b for t in base["tasks"] for b in t["budget"])]:
        line.pop("year" if "status" not in line else "status", None)  # the workbook must supply them
    assert docgen.parse(read_workbook(write_workbook(consortium), base)) == consortium


def test_the_export_holds_the_units_tasks_and_funding() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    book = _book(write_workbook(consortium))
    assert book.sheetnames == ["成员单位", "攻关任务", "任务经费", "经费投入", "说明"]
    units = list(book["成员单位"].iter_rows(values_only=True))
    assert units[0][:4] == ("角色", "单位全称", "单位简称", "统一社会信用代码")
    assert units[1][0] == "牵头单位" and units[1][1] == consortium.lead.name
    assert [row[3] for row in units[2:]] == [m.credit_code for m in consortium.members]
    funding = list(book["经费投入"].iter_rows(values_only=True))
    assert len(funding) == len(consortium.funding) + 1
    assert sum(Decimal(str(row[3])) for row in funding[1:]) == sum(f.amount for f in consortium.funding)
    tasks = list(book["攻关任务"].iter_rows(values_only=True))
    assert tasks[1][0] == consortium.tasks[0].id
    assert tasks[1][7] == "；".join(consortium.tasks[0].deliverables)


def test_the_template_has_chinese_headers_comments_and_drop_downs() -> None:
    book = _book(write_workbook())
    units = book["成员单位"]
    headers = [c.value for c in units[1]]
    assert headers == [c.header for c in SHEETS[0].columns] and "单位类型" in headers
    assert units.max_row == 1
    lists = {str(next(iter(v.sqref.ranges)).coord).split(":")[0][0]: v.formula1
             for v in units.data_validations.dataValidation}
    kind_letter = openpyxl.utils.get_column_letter(headers.index("单位类型") + 1)
    assert "企业" in lists[kind_letter] and "高等院校" in lists[kind_letter]
    assert "牵头单位" in lists["A"]
    assert units.cell(row=1, column=headers.index("统一社会信用代码") + 1).comment.text.startswith("18位")
    assert "docgen import" in "".join(str(r[0].value) for r in book["说明"].iter_rows())


def test_every_import_problem_names_sheet_row_and_column_all_at_once() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    book = _book(write_workbook(consortium))
    book["成员单位"]["D3"] = "91370212MA3C4XYZ0Q"   # a letter the code does not use
    book["成员单位"]["K4"] = "电话"                   # phone
    book["攻关任务"]["F2"] = "2025-13-01"
    book["任务经费"]["C3"] = "十万元"
    book["经费投入"]["D2"] = "abc"
    problems = _problems(_bytes(book), consortium.model_dump(mode="json"))
    assert problems == [
        "工作表“成员单位”第3行D列（统一社会信用代码）|members[0].credit_code|统一社会信用代码格式不正确，含有不允许的字符"
        "；任务、经费、分配比例等处引用该单位的代码请一并更正",
        "工作表“成员单位”第4行K列（联系电话）|members[1].contact.phone|格式不符合要求：固定电话或手机号码",
        "工作表“攻关任务”第2行F列（开始日期）|tasks[0].start|日期无效，应如 2025-03-06",
        "工作表“任务经费”第3行C列（金额（元））|tasks[0].budget[1].amount|应为数字金额（单位为元，不带单位），当前为“十万元”",
        "工作表“经费投入”第2行D列（金额（元））|funding[0].amount|应为数字金额（单位为元，不带单位），当前为“abc”",
    ]


def test_structural_problems_are_named_too() -> None:
    book = _book(write_workbook(docgen.load(BASE_SAMPLE)))
    units = book["成员单位"]
    units["A3"] = "牵头单位"   # a second lead
    units["A4"] = "合作方"
    book["任务经费"]["A2"] = "T99"
    book["经费投入"]["E1"] = "备注"
    del book["攻关任务"]
    problems = _problems(_bytes(book))
    assert "工作表“攻关任务”|||工作簿中缺少这张工作表".replace("|||", "||") in problems
    assert "工作表“成员单位”第3行A列（角色）|lead|牵头单位只能有一行" in problems
    assert "工作表“成员单位”第4行A列（角色）||应为“牵头单位”或“成员单位”，当前为“合作方”" in problems
    assert any(p.startswith("工作表“经费投入”第1行E列（备注）||无法识别的列标题") for p in problems)


def test_an_unknown_task_id_in_the_budget_sheet() -> None:
    book = _book(write_workbook(docgen.load(BASE_SAMPLE)))
    book["任务经费"]["A2"] = "T99"
    assert _problems(_bytes(book)) == ["工作表“任务经费”第2行A列（任务编号）||任务编号“T99”不在工作表“攻关任务”中"]


def test_a_filled_in_template_imports_excel_dates_numbers_and_lists() -> None:
    consortium = docgen.load(BASE_SAMPLE)
    book = _book(write_workbook(consortium))
    tasks = book["攻关任务"]
    tasks["F2"] = dt.datetime(2026, 1, 5)   # an Excel date cell
    tasks["E2"] = tasks["E2"].value.replace("；", ";")
    units = book["成员单位"]
    units["K2"] = 53288996601                  # a phone typed as a number
    units["N2"] = "1,200,000"
    data = read_workbook(_bytes(book))
    assert sorted(data) == ["funding", "lead", "members", "tasks"]
    assert data["tasks"][0]["start"] == "2026-01-05"
    assert data["tasks"][0]["participants"] == consortium.tasks[0].participants
    assert data["lead"]["contact"]["phone"] == "53288996601"
    assert data["lead"]["resources"]["cash"] == "1200000"


def test_not_a_workbook() -> None:
    assert _problems(b"not a zip") == ["工作簿||不是可读取的 .xlsx 工作簿（BadZipFile）"]


def test_cli_export_and_import(tmp_path: Path) -> None:
    runner = CliRunner()
    book, out = tmp_path / "book.xlsx", tmp_path / "input.yaml"
    assert runner.invoke(main, ["export", str(BASE_SAMPLE), "-o", str(book)]).exit_code == 0
    assert runner.invoke(main, ["export", str(BASE_SAMPLE), "-o", str(book)]).exit_code == 3  # never overwritten
    result = runner.invoke(main, ["import", str(book), "-o", str(out), "--base", str(BASE_SAMPLE)])
    assert result.exit_code == 0, result.output
    assert docgen.load(out) == docgen.load(BASE_SAMPLE)
    template = tmp_path / "template.xlsx"
    assert runner.invoke(main, ["export", "--template", "-o", str(template)]).exit_code == 0
    assert _book(template.read_bytes())["成员单位"].max_row == 1
    assert runner.invoke(main, ["export", "-o", str(template), "--force"]).exit_code == 2  # neither
    broken = _book(book.read_bytes())
    broken["经费投入"]["D3"] = "abc"
    broken.save(book)
    failed = runner.invoke(main, ["import", str(book), "-o", str(tmp_path / "x.yaml")])
    assert failed.exit_code == 2 and "工作表“经费投入”第3行D列（金额（元））" in failed.output
    assert not (tmp_path / "x.yaml").exists()
    imported = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert imported["name"] == docgen.load(BASE_SAMPLE).name
