"""A change series drafted run after run into one folder (marine-ai v1 → v2 → v3 → v4): each supplement's
recitals name who signed the original and every earlier supplement with its date and what it did; its
preamble and effect clause name the parties that sign it, not 原协议各方 (review F42, F43, F47)."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import docx
import pytest
from conftest import SAMPLES

import docgen
from docgen.documents import change_documents, change_run
from docgen.drafting.register import PartyRegister
from docgen.drafting.supplement import PriorSupplement


def _text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(path.read_bytes())).paragraphs)


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    root = tmp_path_factory.mktemp("series")
    versions = [docgen.load(SAMPLES / f"marine-ai-v{n}.yaml") for n in (1, 2, 3, 4)]
    out = {}
    for n, (old, new) in enumerate(itertools.pairwise(versions), start=1):
        manifest, _ = change_run(old, new, root)
        path = next(manifest.parent.glob("*补充协议（第*号）.docx"))
        out[n] = _text(path)
        # what the manifest records (earlier supplements, original parties, party register) drafts the same bytes again
        record = json.loads(manifest.read_text(encoding="utf-8"))
        previous = [PriorSupplement.from_record(r) for r in record["previous_supplements"]]
        # the register the manifest records is the one after this supplement: retreat() gives the one before
        register = PartyRegister.from_json(record["parties"], manifest).retreat()
        again = change_documents(old, new, serial=n, previous=previous, original_parties=record["original_parties"],
                                 register=register)
        assert next(d.data for d in again if d.kind == "supplement") == path.read_bytes()
    return out


def test_recital_names_the_original_signatories_and_dated_earlier_supplements(series: dict[int, str]) -> None:
    original = ("青岛海图智算科技股份有限公司与青岛蓝算数据科技有限公司等七家单位于2025年12月20日签订了"
                "《青岛市海洋领域大模型创新联合体组建协议》")
    assert all(original in text for text in series.values())
    assert "乙方一至乙方七" not in "".join(series.values())
    assert "除本补充协议外，各方此前未就原协议签订其他补充协议；" in series[1]
    first = ("2026年9月18日，有关各方签订了第一号补充协议，杭州云澜算力科技有限公司退出联合体，"
             "青岛海洋遥感研究院加入联合体；")
    assert first in series[2]
    assert first + "2027年3月16日，有关各方签订了第二号补充协议；" in series[3]


def test_preamble_and_effect_name_the_signing_parties(series: dict[int, str]) -> None:
    for text in series.values():
        assert "原协议各方" not in text
        assert "本补充协议自首部所列各方的法定代表人或者授权代表签字" in text
    assert "经本补充协议首部所列各方（包括新加入的成员单位和退出的成员单位）一致同意" in series[1]
    assert "经本补充协议首部所列各方一致同意" in series[2]


def test_name_change_keeps_the_contract_and_says_what_did_not_change(series: dict[int, str]) -> None:
    text = series[2]
    assert "其不得因名称或者法定代表人的变更而不履行原协议约定的义务。其住所、联系人和电子邮箱不变。" in text
    assert "变更后的住所、联系人和电子邮箱" not in text
    assert "第三条　联合体负责人变更　" in text and "负责人和首席专家变更" not in text
