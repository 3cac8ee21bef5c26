"""The companion documents of a change series (marine-ai v1 → v2 → v3 → v4), opened as rendered: the 汇编本
keeps what no supplement amended (recitals, role labels) and lists a party that has left (review F45);
the 修订对照表 has a row for every change of the annexes' facts (F41, F43); the 汇编本's note says how its
articles are numbered and what of the supplement it leaves out."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import docx
import pytest
from conftest import SAMPLES

import docgen
from docgen.documents import change_run


def _paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(path.read_bytes())).paragraphs]


def _rows(path: Path) -> list[tuple[str, str, str]]:
    table = docx.Document(io.BytesIO(path.read_bytes())).tables[0]
    return [(r.cells[0].text, r.cells[1].text, r.cells[2].text) for r in table.rows[1:]]


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    root = tmp_path_factory.mktemp("series")
    versions = [docgen.load(SAMPLES / f"marine-ai-v{n}.yaml") for n in (1, 2, 3, 4)]
    docgen.render_to(versions[0], root / "original")
    out = {0: root / "original"}
    for n, (old, new) in enumerate(itertools.pairwise(versions), start=1):
        manifest, _ = change_run(old, new, root)
        out[n] = manifest.parent
    return out


def _one(folder: Path, pattern: str) -> Path:
    (path,) = folder.glob(pattern)
    return path


def _roles(text: list[str]) -> list[str]:
    """Return the preamble's party headings up to the colon (甲方（牵头单位）, …)."""
    return [p.split("：")[0] for p in text[:text.index("鉴于：")] if p.startswith(("甲方（", "乙方"))]


def _recitals(text: list[str]) -> list[str]:
    start = text.index("鉴于：")
    end = next(i for i, p in enumerate(text) if p.startswith("为此，"))
    return text[start:end + 1]


def test_reading_copy_keeps_the_recitals_and_role_labels_as_signed(series: dict[int, Path]) -> None:
    original = _paragraphs(_one(series[0], "*组建协议.docx"))
    signed_roles = _roles(original)
    assert signed_roles[0] == "甲方（牵头单位）" and len(signed_roles) == 8
    for n in (1, 2, 3):
        copy = _paragraphs(_one(series[n], "*汇编本*.docx"))
        assert _recitals(copy) == _recitals(original), n
        roles = _roles(copy)
        # the original's eight parties under their signed labels, the joiner (乙方八) appended as a member
        assert roles == [*signed_roles, "乙方八（成员单位）"], n
        # the party that left is listed under its designation, marked as having left
        assert "乙方四（成员单位）：杭州云澜算力科技有限公司（已依照第一号补充协议退出）" in copy, n
        leaver = copy.index("乙方四（成员单位）：杭州云澜算力科技有限公司（已依照第一号补充协议退出）")
        assert copy[leaver + 1] == "统一社会信用代码：91330110MA2CH7DKXL"
        assert copy[leaver + 2].startswith("乙方五（成员单位）：")
    # after the lead replacement the cover names the lead as it now is; the preamble keeps the signed labels
    copy = _paragraphs(_one(series[3], "*汇编本*.docx"))
    assert "牵头单位：青岛蓝算数据智能科技有限公司" in copy
    assert "甲方（牵头单位）：青岛海图智算科技股份有限公司" in copy


def test_redline_leaves_the_recitals_and_role_labels_untracked(series: dict[int, Path]) -> None:
    from test_redline import body_texts

    for n in (1, 2, 3):
        data = _one(series[n], "*修订痕迹*.docx").read_bytes()
        before, after = body_texts(data, "reject"), body_texts(data, "accept")
        assert _recitals(after) == _recitals(before), n

        def labels(text: list[str]) -> dict[str, str]:
            heads = [p for p in text[:text.index("鉴于：")] if p.startswith(("甲方（", "乙方"))]
            return {p.split("（")[0]: p.split("：")[0] for p in heads}

        old, new = labels(before), labels(after)
        assert {d: new[d] for d in old if d in new} == {d: old[d] for d in old if d in new}, n


def test_reading_copy_note_says_how_articles_are_numbered_and_what_stays_in_the_supplement(
        series: dict[int, Path]) -> None:
    notes = {n: next(p for p in _paragraphs(_one(series[n], "*汇编本*.docx")) if p.startswith("本汇编本根据"))
             for n in (1, 2, 3)}
    assert all("条款序号为汇编后的序号" not in note for note in notes.values())
    assert all("本汇编本的条款序号与原协议相同，经补充协议修改的条款保留其在原协议中的序号。" in note
               for note in notes.values())
    # supplement 1: 第二条 (accession) to 第十条 (shares) are its own terms; 第十一条 and 第十二条 are merged
    supplement = _paragraphs(_one(series[1], "*补充协议（第一号）.docx"))
    titles = {p.split("　")[0]: p.split("　")[1] for p in supplement if p.startswith("第") and "　" in p}
    assert titles["第十一条"] == "原协议条款的修改" and titles["第十二条"] == "附件的修订"
    assert ("第一号补充协议第十一条（原协议条款的修改）和第十二条（附件的修订）对原协议条款和附件的修改已并入本汇编本；"
            "该补充协议第二条至第十条的专项约定及其他条款未并入本汇编本，以该补充协议为准。") in notes[1]
    assert "该补充协议第二条、第三条的专项约定" in notes[3]
    assert "此前各号补充协议中未修改原协议条款和附件的约定，同样未并入本汇编本" in notes[3]
    assert "此前各号" not in notes[1]


def test_change_table_has_rows_for_task_participants_budgets_and_a_name_change(series: dict[int, Path]) -> None:
    tasks = "（原协议附件2《攻关任务分工表》；汇编文本附件2《攻关任务分工表》）"
    rows = {r[0]: r[1:] for r in _rows(_one(series[1], "修订对照表*.docx"))}
    assert rows[f"任务T1参与单位{tasks}"] == ("山东省海洋数值预报研究院、青岛海联物联科技有限公司",
                                         "山东省海洋数值预报研究院、青岛海联物联科技有限公司、青岛海洋遥感研究院")
    assert rows[f"任务T2参与单位{tasks}"] == ("青岛海事科技大学、杭州云澜算力科技有限公司", "青岛海事科技大学")
    assert rows[f"任务T4参与单位{tasks}"][0] == "青岛海事科技大学、青岛海图智算科技股份有限公司"
    assert rows[f"任务T1经费预算{tasks}"] == ("合计人民币陆佰伍拾万元整（¥6,500,000.00）",
                                         "合计人民币陆佰柒拾万元整（¥6,700,000.00）")
    assert rows[f"任务T3经费预算{tasks}"] == ("合计人民币捌佰万元整（¥8,000,000.00）",
                                         "合计人民币柒佰万元整（¥7,000,000.00）")
    assert rows[f"任务T4经费预算{tasks}"] == ("合计人民币伍佰万元整（¥5,000,000.00）",
                                         "合计人民币伍佰陆拾万元整（¥5,600,000.00）")
    assert f"任务T2经费预算{tasks}" not in rows
    members = "（原协议附件1《成员单位名单》；汇编文本附件1《成员单位名单》）"
    left = [v for _, v in _rows_of(series[1], members)]
    assert ("乙方四杭州云澜算力科技有限公司（成员单位）", "（退出联合体）") in left
    renamed = dict(_rows_of(series[2], members))
    assert renamed[f"成员单位名称{members}"] == ("乙方一青岛蓝算数据科技有限公司（成员单位）",
                                            "乙方一青岛蓝算数据智能科技有限公司（成员单位）")
    lead = dict(_rows_of(series[3], members))
    assert lead[f"牵头单位{members}"] == ("甲方青岛海图智算科技股份有限公司（牵头单位）",
                                       "乙方一青岛蓝算数据智能科技有限公司（牵头单位）")


def _rows_of(folder: Path, suffix: str) -> list[tuple[str, tuple[str, str]]]:
    return [(r[0], (r[1], r[2])) for r in _rows(_one(folder, "修订对照表*.docx")) if r[0].endswith(suffix)]
