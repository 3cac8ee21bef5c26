"""The party register: designations stay stable across a series of supplements (issue 13)."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path
from typing import Any

import docx
import pytest

import docgen
from docgen.documents import change_run
from docgen.drafting.register import PartyRegister, register_of
from docgen.errors import OutputError, TemplateError

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
VERSIONS = [SAMPLES / f"marine-ai-v{n}.yaml" for n in (1, 2, 3, 4)]
LEAVER = "91330110MA2CH7DKXL"      # 杭州云澜算力 (乙方四), leaves by No. 1
IOT = "91370214MA3T8E5F5F"         # 青岛海联物联 (乙方五)
JOINER = "12370200427537181Q"      # 青岛海洋遥感研究院, joins by No. 1
NEW_LEAD = "91370212MA3U3G8M0L"    # 青岛蓝算 (乙方一), the lead from No. 3


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The marine-ai series drafted into one folder: 第一号 (v1→v2), 第二号 (v2→v3), 第三号 (v3→v4)."""
    root = tmp_path_factory.mktemp("series")
    versions = [docgen.load(p) for p in VERSIONS]
    for old, new in itertools.pairwise(versions):
        change_run(old, new, root)
    return root


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _paragraphs(folder: Path, kind: str) -> list[str]:
    path = next(d["path"] for d in _manifest(folder)["documents"] if d["kind"] == kind)
    return [p.text for p in docx.Document(io.BytesIO((folder / path).read_bytes())).paragraphs]


def test_register_of_a_series_keeps_retires_and_appends() -> None:
    register = register_of(*(docgen.load(p) for p in VERSIONS))
    assert register.serial == 3
    assert register.designation(IOT) == "乙方五"
    assert register.designation(JOINER) == "乙方八"
    assert register.designation(NEW_LEAD) == "乙方一"            # the successor lead keeps its number
    assert register.designation("91370203MA3K9W5B9L") == "甲方"  # the replaced lead stays, as 甲方
    leaver = register.get(LEAVER)
    assert leaver is not None and (leaver.designation, leaver.left) == ("乙方四", 1)
    with pytest.raises(TemplateError):
        register.designation(LEAVER)
    assert PartyRegister.from_json(json.loads(json.dumps(register.as_json())), Path("m.json")) == register
    broken = register.as_json()
    broken["parties"][5]["number"] = 4   # two parties numbered 乙方四
    with pytest.raises(OutputError, match="称谓序号重复"):
        PartyRegister.from_json(broken, Path("m.json"))


def test_a_retired_number_is_never_given_again() -> None:
    v1, v2 = docgen.load(VERSIONS[0]), docgen.load(VERSIONS[1])
    extra = v2.members[1].model_copy(update={"credit_code": "91370200MA3C4B6X51", "name": "青岛测试新成员科技有限公司"})
    after = register_of(v1, v2, v2.model_copy(update={"members": [*v2.members, extra]}))
    assert after.designation("91370200MA3C4B6X51") == "乙方九"   # not 乙方四, which the leaver had


def test_every_supplement_of_the_series_uses_the_register(series: Path) -> None:
    for folder in ("补充协议第一号", "补充协议第二号", "补充协议第三号"):
        text = _paragraphs(series / folder, "supplement")
        preamble = [p for p in text if p.startswith(("甲方（", "乙方"))]
        assert any(p.startswith("乙方五（") and p.endswith("青岛海联物联科技有限公司") for p in preamble), folder
        assert any(p.startswith("乙方八（") and p.endswith("青岛海洋遥感研究院") for p in preamble), folder
        assert not any(p.startswith("乙方四（") and "海联物联" in p for p in text), folder
    third = _paragraphs(series / "补充协议第三号", "supplement")
    assert "甲方（原牵头单位）：青岛海图智算科技股份有限公司" in third
    assert "乙方一（接任牵头单位）：青岛蓝算数据智能科技有限公司" in third
    assert _manifest(series / "补充协议第三号")["parties"]["serial"] == 3
    assert _manifest(series / "补充协议第三号")["warnings"] == []


def test_consolidated_lists_keep_designations_and_mark_the_leaver(series: Path) -> None:
    for folder in ("补充协议第一号", "补充协议第二号", "补充协议第三号"):
        text = _paragraphs(series / folder, "consolidated_agreement")
        iot = [p for p in text if "乙方五青岛海联物联科技有限公司：" in p]
        assert len(iot) == 2, folder  # the in-kind and the 违约金 lists
        assert not any("乙方四青岛海联物联" in p for p in text), folder
        gone = [p for p in text if "杭州云澜算力科技有限公司" in p]
        lists = [p for p in gone if not p.startswith("乙方四（成员单位）")]
        assert len(lists) == 2 and all(p.endswith("乙方四杭州云澜算力科技有限公司：已依照第一号补充协议退出联合体；")
                                       for p in lists), folder
        # F45 (1ff542a): the preamble lists the party that has left under its designation
        assert "乙方四（成员单位）：杭州云澜算力科技有限公司（已依照第一号补充协议退出）" in gone, folder
        assert "乙方八（成员单位）：青岛海洋遥感研究院" in text
    last = _paragraphs(series / "补充协议第三号", "consolidated_agreement")
    # F45 (1ff542a): the preamble keeps the role labels as signed; the cover names the lead as it now is
    assert "甲方（牵头单位）：青岛海图智算科技股份有限公司" in last
    assert "乙方一（成员单位）：青岛蓝算数据智能科技有限公司" in last
    assert "牵头单位：青岛蓝算数据智能科技有限公司" in last


def test_a_series_out_of_order_warns(tmp_path: Path) -> None:
    v1, v2, v3 = (docgen.load(p) for p in VERSIONS[:3])
    change_run(v2, v3, tmp_path)
    manifest_path, _ = change_run(v1, v2, tmp_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["serial"] == 2
    assert "无法沿用其当事人称谓登记" in manifest["warnings"][0]


def test_verify_drafts_a_later_supplement_again_with_its_register(series: Path) -> None:
    from docgen.verify import verify_folder

    for folder in ("补充协议第二号", "补充协议第三号"):
        checks = verify_folder(series / folder)
        assert checks and all(c.status == "ok" for c in checks), [c for c in checks if c.status != "ok"]
