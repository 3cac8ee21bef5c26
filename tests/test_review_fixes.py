"""The contract lawyer's findings on governance and wording, checked in the rendered agreements."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from conftest import SAMPLES, VALID_SAMPLES
from test_agreement import _article_text, body_text, numbered, open_docx, rendered

import docgen
from docgen.drafting.agreement import render_clause, select_variant

DEEP_SEA = SAMPLES / "deep-sea-sensing.yaml"
HUMANOID = SAMPLES / "humanoid-robot.yaml"
MARINE = SAMPLES / "marine-ai-v1.yaml"
ARTICLE_NUMBER = "[一二三四五六七八九十百零]+"


def article(path: Path, clause_id: str) -> str:
    _, numbers, _ = numbered(path)
    return _article_text(body_text(open_docx(rendered(path))), numbers[clause_id])


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_every_article_reference_is_computed_from_a_clause_id(path: Path) -> None:
    """Each 第X条 an article prints (statutes aside) is one of the refs its clause asked for."""
    applicable, numbers, full = numbered(path)
    paragraphs = body_text(open_docx(rendered(path)))
    for clause in applicable:
        called: list[str] = []
        recording = dict(full, ref=lambda target, called=called: called.append(target) or full["ref"](target))
        render_clause(clause, select_variant(clause, full), recording)
        text = _article_text(paragraphs, numbers[clause.id])
        body = text[len(numbers[clause.id]):]  # the heading's own number left out
        printed = re.findall(rf"(?<![》\d])(第{ARTICLE_NUMBER}条)(?!之)", body)
        assert sorted(set(printed)) == sorted({numbers[t] for t in called}), clause.id


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name)
def test_unanimity_reference_points_at_the_article_with_the_list(path: Path) -> None:
    _, numbers, _ = numbered(path)
    paragraphs = body_text(open_docx(rendered(path)))
    cited = re.findall(rf"依照(第{ARTICLE_NUMBER}条)约定的表决规则作出决定，依照该条须经各方一致同意的事项，从其约定",
                       "".join(paragraphs))
    intended = numbers.get("organisation.council", numbers["organisation.decision"])
    assert cited == [intended]
    assert "牵头单位的变更" in _article_text(paragraphs, intended)


@pytest.mark.parametrize("path", [DEEP_SEA, HUMANOID], ids=lambda p: p.name)
def test_council_gives_each_party_including_the_lead_one_vote(path: Path) -> None:
    text = article(path, "organisation.council")
    assert "各方（含牵头单位）各委派一名代表组成" in text
    assert "由各成员单位" not in text
    assert "每一方享有一票表决权" in text
    assert "理事长为牵头单位委派的理事，代表牵头单位行使一票表决权，不另行享有表决权" in text
    assert "每名组成人员享有一票表决权" not in text


def test_humanoid_ex_officio_members_do_not_vote() -> None:
    text = article(HUMANOID, "organisation.council")
    assert "联合体负责人、首席专家作为当然理事或者列席人员，享有发言权和建议权，不享有表决权" in text
    assert "仅以该方理事的身份行使该方的一票表决权" in text
    assert "经过半数的各方同意" in text


def test_deep_sea_has_one_rule_for_extraordinary_meetings() -> None:
    text = article(DEEP_SEA, "organisation.council")
    assert text.count("临时会议") == 3  # 分为例会和临时会议; the input's trigger; the 15-day duty
    assert "经三分之一以上理事提议可召开临时会议" in text
    assert "三分之一以上的各方提议" not in text
    assert "经三分之二以上的各方同意" in text


def test_humanoid_default_trigger_for_extraordinary_meetings() -> None:
    text = article(HUMANOID, "organisation.council")
    assert "牵头单位或者三分之一以上的各方提议时，应当召开临时会议" in text


def test_secret_transfer_consent_is_of_all_parties_and_sole_owner_keeps_income() -> None:
    secret = article(HUMANOID, "ip.secret")
    assert "全体成员单位" not in secret
    assert "应当事先取得各方书面同意" in secret
    assert "技术秘密为一方单独所有的，所得收益归该方所有" in secret
    _, numbers, _ = numbered(HUMANOID)
    assert f"为两方以上共有的，所得收益依照{numbers['benefit.method']}的约定在共有各方之间分配" in secret
    scope = article(HUMANOID, "benefit.scope")
    assert f"或者由共有一方依照{numbers['ip.patent']}的约定以普通许可方式单独许可他人实施" in scope
    assert "一方单独所有的项目成果由其自行实施或者对外转化的，收益归该方所有" in scope


def test_other_member_units_have_rights_and_duties() -> None:
    text = article(DEEP_SEA, "rights_obligations.others")
    assert "其他成员单位的权利和义务" in text
    assert "青岛市海洋仪器仪表行业协会" in text
    assert "其他成员单位承担下列义务" in text
    _, numbers, _ = numbered(HUMANOID)
    assert "rights_obligations.others" not in numbers  # no 其他 unit there


def test_negotiation_is_bounded_and_penalty_adjustment_names_the_forum() -> None:
    for path in (DEEP_SEA, HUMANOID):
        dispute = article(path, "dispute.resolution")
        assert "自一方书面提出协商之日起三十日内协商不成的" in dispute
        assert "首先协商解决。协商不成的" not in dispute
    assert "请求人民法院予以增加或者适当减少" in article(HUMANOID, "breach.liquidated")
    deep = article(DEEP_SEA, "breach.liquidated")
    assert "请求争议解决机构" not in deep
    assert re.search(r"请求\S+仲裁委员会予以增加或者适当减少", deep)


@pytest.mark.parametrize("path", [DEEP_SEA, MARINE], ids=lambda p: p.name)
def test_recitals_cite_statutes_by_article_and_the_guideline_by_number(path: Path) -> None:
    text = "".join(body_text(open_docx(rendered(path))))
    assert "《中华人民共和国科学技术进步法》第三十一条规定，国家鼓励企业、科学技术研究开发机构" in text
    assert "《中华人民共和国促进科技成果转化法》第二十六条" in text
    assert "青岛市科学技术局2025年3月6日印发的《青岛市创新联合体组建工作指引》（青科字〔2025〕5号）" in text


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_compliance_table_is_the_leads_own_and_has_no_empty_cells() -> None:
    data = docgen.render_compliance(docgen.load(DEEP_SEA))
    text = _docx_text(data)
    assert "docgen" not in text
    assert "由牵头单位根据备案材料编制" in text
    assert "参考提纲" not in text
    assert ("建设方案按指引五（五）所列建设意义及基础优势、组织架构及运行机制、目标任务及进度安排、"
            "经费投入及保障措施四部分内容编制") in text
    (table,) = docx.Document(io.BytesIO(data)).tables
    for row in table.rows[1:]:
        assert all(cell.text.strip() for cell in row.cells), [cell.text for cell in row.cells]
    assert any(row.cells[4].text == "不适用" for row in table.rows[1:])


def test_commitment_item_three_follows_the_units_background_ip() -> None:
    consortium = docgen.load(DEEP_SEA)
    commitments = docgen.render_commitments(consortium)
    assert len(commitments) == len(consortium.units)
    for unit in consortium.units:
        text = _docx_text(commitments[unit.credit_code])
        assert unit.name in text
        if unit.background_ip:
            assert "本单位所列背景知识产权权属清晰" in text and "未向联合体列报背景知识产权" not in text
        else:
            assert "本单位未向联合体列报背景知识产权" in text and "背景知识产权权属清晰" not in text
    assert any(not u.background_ip for u in consortium.units)


def test_review_comment_on_the_secret_article_describes_the_rendered_variant() -> None:
    text = article(DEEP_SEA, "ip.secret")
    assert "只能由其权利人进行" in text
    from docgen.clauses.library import load_library
    labels = [v.label for v in load_library().get("ip.secret").variants]
    assert all("各方均可使用和转让" not in label for label in labels)
    assert "各方均可免费使用，对外转让和许可由权利人经同意进行（民法典第八百六十一条）" in labels


@pytest.mark.parametrize("path", [DEEP_SEA, HUMANOID], ids=lambda p: p.name)
def test_resources_row_claims_met_only_for_what_the_annexes_list(path: Path) -> None:
    consortium = docgen.load(path)
    agreement = docx.Document(io.BytesIO(rendered(path)))
    annexes = "\n".join(cell.text for table in agreement.tables for row in table.rows for cell in row.cells)
    missing = [(u.name, item) for u in consortium.units
               for item in [k.description for k in u.resources.in_kind] + u.resources.equipment + u.resources.sites
               if item not in annexes]
    (table,) = docx.Document(io.BytesIO(docgen.render_compliance(consortium))).tables
    (row,) = [[c.text for c in r.cells] for r in table.rows if r.cells[1].text == "指引三（六）"]
    if missing:
        assert row[3] == "待补充"
        assert "未在组建协议附件中列明" in row[5]
        unit, item = missing[0]
        assert f"{unit}“{item}”" in row[5]
    else:
        assert row[3] == "符合" and "均已在组建协议附件中列明" in row[5]
