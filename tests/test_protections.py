"""The protections a reviewing lawyer expects: printed where the input says they are relevant, with the
agreed variant, and the governance and dispute fixes of issue 12 (read from the rendered .docx)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import SAMPLES, agreement_articles, changed

import docgen

DEEP_SEA = SAMPLES / "deep-sea-sensing.yaml"
HUMANOID = SAMPLES / "humanoid-robot.yaml"
SYNBIO = SAMPLES / "synthetic-bio.yaml"
MARINE = SAMPLES / "marine-ai-v1.yaml"


@cache
def articles(path: Path) -> dict[str, str]:
    return agreement_articles(docgen.render_agreement(docgen.load(path)))


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_agreement_has_foreign_filing_personnel_and_integrity(path: Path) -> None:
    text = articles(path)
    assert "应当事先报经国务院专利行政部门进行保密审查" in text["涉外申请与出口管制"]
    assert "《中华人民共和国出口管制法》" in text["涉外申请与出口管制"]
    assert "不得以提高待遇等方式主动招揽" in text["科研人员"]
    assert "属于原单位的职务成果" in text["科研人员"]
    assert "应当主动申报并回避" in text["廉洁与利益冲突"]
    assert "三十日内协商不成" in "".join(text.values())
    assert "两者中较晚的日期终止" in text["协议期限"]
    assert "保密、违约责任和争议解决的约定继续有效" in text["协议期限"]
    assert "骑缝章" in text["协议的生效"] and "授权委托书" in text["协议的生效"]


def test_field_tests_follow_the_chosen_loss_rule() -> None:
    sea, line = articles(DEEP_SEA)["现场试验"], articles(HUMANOID)["现场试验"]
    assert "海上试验和深海布放回收试验" in sea
    assert "保险赔付不足的部分，包括免赔额和超出保险金额的部分，亦由组织方承担" in sea
    assert "家电产线试验" in line and "自行承担本方财产在试验中的损失" in line
    assert "由组织方承担" not in line
    assert "现场试验" not in articles(MARINE) and "现场试验" not in articles(SYNBIO)


def test_data_and_ethics_only_where_the_work_involves_them(base_data: dict[str, Any]) -> None:
    assert "模型权重" in articles(MARINE)["数据、样品与模型"]
    assert "科技伦理审查" in articles(SYNBIO) and "科技伦理审查" not in articles(DEEP_SEA)
    assert "样品、菌株等生物材料、材料和样机" in articles(SYNBIO)["数据、样品与模型"]
    assert "菌株" not in articles(DEEP_SEA)["数据、样品与模型"]

    def no_data(d: dict[str, Any]) -> None:
        d["activities"].update(data_or_models=False, samples_or_prototypes=False, human_data=False)

    text = agreement_articles(docgen.render_agreement(changed(base_data, no_data)))
    assert "数据、样品与模型" not in text and "科技伦理审查" not in text


def test_council_one_vote_per_party_and_no_vote_on_own_case() -> None:
    council = articles(HUMANOID)["决策机构及议事规则"]
    assert "每一方享有一票表决权" in council
    assert "牵头单位委派的代表为理事会的当然组成人员" in council
    assert "牵头单位不参加表决" in council
    assert "不参加对其本人更换事项的表决" in articles(HUMANOID)["首席专家"]


def test_recital_cites_the_right_article_and_costs_follow_income() -> None:
    paragraphs = [p.text for p in docx.Document(io.BytesIO(docgen.render_agreement(docgen.load(DEEP_SEA)))).paragraphs]
    assert any("《中华人民共和国科学技术进步法》第三十一条规定" in p for p in paragraphs)
    assert not any("鼓励企业牵头组建创新联合体" in p for p in paragraphs)
    assert "使收益和费用适用同一比例" in articles(DEEP_SEA)["知识产权维护"]
    assert "用于办理备案" in articles(DEEP_SEA)["协议文本与份数"]


def test_plan_chart_shows_the_office_and_the_expert_committee_the_mechanisms_rely_on() -> None:
    def cells(path: Path) -> str:
        document = docx.Document(io.BytesIO(docgen.render_plan(docgen.load(path))))
        return "".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)

    deep, humanoid = cells(DEEP_SEA), cells(HUMANOID)
    assert "联合体办公室（设在牵头单位）" in deep and "专家委员会（首席专家主持）" in deep
    assert "联合体办公室（设在牵头单位）" in humanoid and "专家委员会" not in humanoid
    assert "担任理事长召集" not in deep


def test_mechanism_article_points_at_the_article_listing_unanimous_matters() -> None:
    from docgen.clauses.library import load_library
    from docgen.drafting.agreement import agreement_version

    for path in (DEEP_SEA, SYNBIO):
        version = agreement_version(docgen.load(path), load_library())
        listing = "organisation.council" if version.consortium.council else "organisation.decision"
        text = "".join(version.article("mechanisms.mechanisms").paragraphs)  # type: ignore[union-attr]
        assert f"依照{version.numbers[listing]}约定的表决规则作出决定，依照该条须经各方一致同意的事项，从其约定" in text
