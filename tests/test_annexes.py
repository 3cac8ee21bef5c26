"""The formation agreement's signature blocks and annexes: words, table cells and numbers of the .docx."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from conftest import SAMPLES

import docgen

DEEP_SEA, HUMANOID = SAMPLES / "deep-sea-sensing.yaml", SAMPLES / "humanoid-robot.yaml"


def _paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


@pytest.mark.parametrize("path", [DEEP_SEA, HUMANOID], ids=lambda p: p.name)
def test_each_signature_block_names_unit_credit_code_signer_and_date(path: Path) -> None:
    consortium = docgen.load(path)
    text = _paragraphs(docgen.render_agreement(consortium))
    start = max(i for i, p in enumerate(text) if p.startswith("（本页无正文"))
    for unit in consortium.units:
        seal = next(i for i, p in enumerate(text) if i > start and p.endswith(f"：{unit.name}（盖章）"))
        assert text[seal + 1: seal + 4] == [f"统一社会信用代码：{unit.credit_code}",
                                            "法定代表人或授权代表（签字）：________________",
                                            "日期：______年____月____日"]
