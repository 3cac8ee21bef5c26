"""Member changes: the diff, the change rules, and the supplementary agreement a legal team signs."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from conftest import ROOT, SAMPLES

import docgen
from docgen.documents import change_documents
from docgen.formatting import cn_date, cn_number
from docgen.rules.change import check_change, diff

V1 = SAMPLES / "marine-ai-v1.yaml"
V2 = SAMPLES / "marine-ai-v2.yaml"
LEAVER = "91330110MA2CH7DKXL"   # 杭州云澜算力科技有限公司
JOINER = "12370200427537181Q"   # 青岛海洋遥感研究院


@pytest.fixture(scope="module")
def old() -> docgen.Consortium:
    return docgen.load(V1)


@pytest.fixture(scope="module")
def new() -> docgen.Consortium:
    return docgen.load(V2)


@pytest.fixture(scope="module")
def documents(old: docgen.Consortium, new: docgen.Consortium) -> dict[str, Any]:
    return {d.kind: d for d in change_documents(old, new)}


def paragraphs(data: bytes) -> list[str]:
    """Return the text of every paragraph in body order, table cells included (the signatures are a table)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    return [Paragraph(p, document).text for p in document.element.body.iter(qn("w:p"))]


def test_diff_finds_joiner_leaver_and_reassignment(old: docgen.Consortium, new: docgen.Consortium) -> None:
    cs = diff(old, new)
    assert [u.credit_code for u in cs.joined] == [JOINER]
    assert [u.credit_code for u in cs.left] == [LEAVER]
    assert [(r.task.id, r.old_owner, r.new_owner) for r in cs.tasks_reassigned] == [
        ("T3", LEAVER, new.lead.credit_code)]
    assert cs.shares_changed and cs.funding_changed
    assert not cs.head_changed and not cs.chief_expert_changed
    assert check_change(old, new) == []


def test_a_renamed_unit_is_an_update_not_a_leave_and_join(old: docgen.Consortium) -> None:
    data = old.model_dump(mode="json")
    data["members"][0]["name"] = "青岛蓝算数据智能科技有限公司"
    cs = diff(old, docgen.parse(data))
    assert not cs.joined and not cs.left
    assert [u.fields for u in cs.updated_units] == [("单位全称",)]


def test_supplement_recitals_name_the_original(old: docgen.Consortium, documents: dict[str, Any]) -> None:
    text = "\n".join(paragraphs(documents["supplement"].data))
    assert f"于{cn_date(old.signing_date)}签订了《{old.name}组建协议》（协议编号：{old.agreement_number}）" in text
    # the articles of the original that permit the change, by their numbers as signed
    original = paragraphs(docgen.render_agreement(old))
    join = next(p.split("　")[0] for p in original if p.split("　")[1:2] == ["成员加入"])
    leave = next(p.split("　")[0] for p in original if p.split("　")[1:2] == ["成员退出"])
    assert f"原协议{join}、{leave}约定" in text
    assert "经本补充协议首部所列各方（包括新加入的成员单位和退出的成员单位）一致同意" in text
    assert "《青岛市创新联合体组建工作指引》七（三）" in text


def test_supplement_has_one_article_per_change(new: docgen.Consortium, documents: dict[str, Any]) -> None:
    text = paragraphs(documents["supplement"].data)
    titles = [p.split("　")[1] for p in text if p.startswith("第") and "条　" in p[:8]]
    assert titles[:10] == ["变更事项", "新成员加入", "加入前成果的使用", "数据许可", "成员退出", "退出前成果的权益",
                           "退出结算", "非货币投入的结算", "投入的调整", "收益分配比例的调整"]
    assert "原协议条款的修改" in titles and "附件的修订" in titles and "与原协议的关系" in titles
    body = "\n".join(text)
    assert "青岛海洋遥感研究院自本补充协议生效之日起加入联合体" in body
    assert "同意接受原协议的全部约定" in body
    assert new.amendment is not None
    departure = new.amendment.departures[0]
    assert f"退出自{cn_date(departure.effective_date)}起生效" in body
    assert "T3“海洋大模型智算底座与推理部署优化”由甲方青岛海图智算科技股份有限公司承担" in body
    assert "保密义务" in body and "继续有效" in body


def test_amended_articles_are_quoted_with_the_original_numbers(old: docgen.Consortium,
                                                               documents: dict[str, Any]) -> None:
    original = paragraphs(docgen.render_agreement(old))
    numbers = {p.split("　")[1]: p.split("　")[0] for p in original if p.startswith("第") and "条　" in p[:8]}
    body = paragraphs(documents["supplement"].data)
    for title in ("攻关任务与分工", "经费投入总额", "收益分配方式"):
        instruction = f"原协议{numbers[title]}修改为："
        index = next(i for i, p in enumerate(body) if p.endswith(instruction))
        assert body[index + 1].startswith(f"“{numbers[title]}　{title}　")
    quoted = [p for p in body if p.startswith("“")]
    assert quoted and all("“" not in p[1:] for p in quoted)  # inner quotes became ‘’
    assert any(p.endswith("”") for p in quoted)


def test_revised_annex_tables(new: docgen.Consortium, documents: dict[str, Any]) -> None:
    document = docx.Document(io.BytesIO(documents["supplement"].data))
    members = next(t for t in document.tables if "统一社会信用代码" in [c.text for c in t.rows[0].cells])
    assert [r.cells[1].text for r in members.rows[1:]] == [u.name for u in new.units]
    tasks = next(t for t in document.tables if t.rows[0].cells[0].text == "编号")
    t3 = next(r for r in tasks.rows if r.cells[0].text == "T3")
    assert t3.cells[2].text == new.lead.short_name


def test_every_old_member_and_the_joiner_sign(old: docgen.Consortium, new: docgen.Consortium,
                                            documents: dict[str, Any]) -> None:
    text = paragraphs(documents["supplement"].data)
    start = next(i for i, p in enumerate(text) if p.startswith("（本页无正文"))
    signatures = [p for p in text[start:] if p.endswith("（盖章）")]
    expected = [u.name for u in old.units] + [u.name for u in new.units if u.credit_code == JOINER]
    assert [s.split("：", 1)[1].removesuffix("（盖章）") for s in signatures] == expected
    leaver = next(u for u in old.units if u.credit_code == LEAVER)
    assert any(s.startswith(f"乙方{cn_number(old.units.index(leaver))}（退出成员单位）") for s in signatures)


def test_consolidated_agreement_is_a_reading_copy(new: docgen.Consortium, documents: dict[str, Any]) -> None:
    data = documents["consolidated_agreement"].data
    text = paragraphs(data)
    assert text[0] == f"{new.name}组建协议（汇编本）"
    # the leaver keeps its designation in the preamble and its place in the per-party lists, marked as left
    leaver = [p for p in text if "杭州云澜算力科技有限公司" in p]
    marked = "乙方四杭州云澜算力科技有限公司：已依照第一号补充协议退出联合体；"
    assert leaver[0] == "乙方四（成员单位）：杭州云澜算力科技有限公司（已依照第一号补充协议退出）"
    assert leaver[1:] and all(p.endswith(marked) for p in leaver[1:])
    # the original designations are kept, the joiner appended after them
    assert "乙方五（成员单位）：青岛海联物联科技有限公司" in text and "乙方八（成员单位）：青岛海洋遥感研究院" in text
    assert not any(p.startswith(("签订日期", "（本页无正文")) or p.endswith("（盖章）") for p in text)
    assert "不是各方签署的协议文本，不得用于签署" in "\n".join(text)
    headers = [p.text for s in docx.Document(io.BytesIO(data)).sections for p in s.header.paragraphs]
    assert "根据第一号补充协议汇编，仅供参考，以各方签署文本为准" in headers


def test_change_table_rows_match_the_amended_articles(documents: dict[str, Any]) -> None:
    supplement = paragraphs(documents["supplement"].data)
    amended = [p.split("原协议")[1].removesuffix("修改为：") for p in supplement if p.endswith("修改为：")]
    table = docx.Document(io.BytesIO(documents["change_table"].data)).tables[0]
    article_rows = [r for r in table.rows[1:] if r.cells[0].text.startswith("第")]
    assert [r.cells[0].text.split("（")[0] for r in article_rows] == amended
    assert all("（汇编文本第" in r.cells[0].text for r in article_rows)   # the number in both texts
    assert all(r.cells[1].text and r.cells[2].text and r.cells[1].text != r.cells[2].text for r in table.rows[1:])
    facts = {(r.cells[0].text.split("（")[0], r.cells[1].text, r.cells[2].text) for r in table.rows[1:]
             if not r.cells[0].text.startswith("第")}
    # each side states the party as it then stands (its role before leaving was 成员单位)
    assert ("成员单位", "乙方四杭州云澜算力科技有限公司（成员单位）", "（退出联合体）") in facts
    assert ("成员单位", "（无）", "乙方八青岛海洋遥感研究院（成员单位）") in facts
    assert ("任务T3承担单位", "杭州云澜算力科技有限公司", "青岛海图智算科技股份有限公司") in facts
    assert ("经费投入计划　青岛海图智算科技股份有限公司", "合计人民币贰仟陆佰万元整（¥26,000,000.00）",
            "合计人民币叁仟叁佰万元整（¥33,000,000.00）") in facts
    assert any(f[0] == "背景知识产权　青岛海洋遥感研究院" and "ZL202010746158.9" in f[2] for f in facts)
    assert any(r.cells[0].text == "背景知识产权　青岛海洋遥感研究院（原协议附件4《背景知识产权清单》；"
               "汇编文本附件4《背景知识产权清单》）" for r in table.rows)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "docgen.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, check=False)


def test_second_change_gets_second_serial_and_keeps_the_first(tmp_path: Path) -> None:
    out = tmp_path / "versions"
    assert run("change", str(V1), str(V2), "-o", str(out)).returncode == 0
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    v3 = yaml.safe_load(V2.read_text(encoding="utf-8"))
    v3["head"]["name"] = "孙明哲"
    v3["amendment"] = {"signing_date": "2027-03-01", "reason": "原负责人工作调动，牵头单位另行选聘负责人"}
    (tmp_path / "v3.yaml").write_text(yaml.safe_dump(v3, allow_unicode=True), encoding="utf-8")
    result = run("change", str(V2), str(tmp_path / "v3.yaml"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["补充协议第一号", "补充协议第二号"]
    assert {p: p.read_bytes() for p in (out / "补充协议第一号").rglob("*") if p.is_file()} == first
    manifest = json.loads((out / "补充协议第二号" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["serial"] == 2
    supplement = next(d for d in manifest["documents"] if d["kind"] == "supplement")
    text = "\n".join(paragraphs((out / "补充协议第二号" / supplement["path"]).read_bytes()))
    assert "补充协议（第二号）" in text and "有关各方签订了第一号补充协议" in text
    assert "牵头单位选聘孙明哲" in text
    again = run("change", str(V1), str(V2), "-o", str(out))
    assert again.returncode == 3 and "已生成为第一号补充协议" in again.stderr  # an existing output: exit 3


def _write(tmp_path: Path, data: dict[str, Any], name: str) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _v2() -> dict[str, Any]:
    return yaml.safe_load(V2.read_text(encoding="utf-8"))


def _lead_leaves(data: dict[str, Any]) -> None:
    old_lead = data["lead"]
    new_lead = next(m for m in data["members"] if m["kind"] == "企业")
    data["members"].remove(new_lead)
    data["lead"] = new_lead
    data["members"].append(old_lead)
    data["members"] = [m for m in data["members"] if m["credit_code"] != old_lead["credit_code"]]


def _too_few_enterprises(data: dict[str, Any]) -> None:
    leaving = [m for m in data["members"] if m["kind"] == "企业"][:2]
    for unit in leaving:
        data["members"].remove(unit)


def _task_not_reassigned(data: dict[str, Any]) -> None:
    data["tasks"][2]["owner"] = LEAVER


@pytest.mark.parametrize("change,code", [
    (_lead_leaves, "CHANGE_LEAD_LEAVES"),
    (_too_few_enterprises, "TOO_FEW_ENTERPRISES"),
    (_task_not_reassigned, "CHANGE_TASK_NOT_REASSIGNED"),
])
def test_rejected_changes_name_the_code_and_write_nothing(tmp_path: Path, change: Any, code: str) -> None:
    data = _v2()
    change(data)
    new = _write(tmp_path, data, "bad.yaml")
    findings = check_change(docgen.load(V1), docgen.load(new)) if code != "TOO_FEW_ENTERPRISES" else None
    out = tmp_path / "out"
    result = run("change", str(V1), str(new), "-o", str(out))
    assert result.returncode in (1, 2)
    assert code in result.stdout + result.stderr
    assert not out.exists()
    if findings is not None:
        assert code in {f.code for f in findings}


def test_empty_change_is_reported_not_drafted(tmp_path: Path) -> None:
    result = run("change", str(V1), str(V1), "-o", str(tmp_path / "out"))
    assert result.returncode == 1 and "CHANGE_EMPTY" in result.stdout
    assert not (tmp_path / "out").exists()


def test_leaver_without_departure_record(old: docgen.Consortium) -> None:
    data = _v2()
    data["amendment"]["departures"] = []
    findings = check_change(old, docgen.parse(data))
    assert [f.code for f in findings if f.severity == "error"] == ["CHANGE_DEPARTURE_MISSING"]


def test_redline_rejects_to_the_original_and_accepts_to_the_amended_agreement(
        old: docgen.Consortium, new: docgen.Consortium, documents: dict[str, Any]) -> None:
    from test_redline import body_texts

    from docgen.clauses.library import load_library
    from docgen.documents import _agreement
    from docgen.drafting.consolidated import amended_agreement
    from docgen.drafting.supplement import prepare_change

    change = prepare_change(diff(old, new), load_library())
    original = docgen.render_agreement(old)
    amended = _agreement(new, amended_agreement(change)).data
    marked = documents["redline"].data
    assert body_texts(marked, "reject") == body_texts(original)     # every paragraph and table cell
    assert body_texts(marked, "accept") == body_texts(amended)
    accepted = "\n".join(body_texts(marked, "accept"))
    reading = "\n".join(paragraphs(documents["consolidated_agreement"].data))
    for article in change.new.articles:
        assert all(p in accepted and p in reading for p in article.paragraphs)
    xml = docx_xml(marked).decode()
    # the party list, the annexes and the signature list are tracked too
    assert "<w:delText xml:space=\"preserve\">乙方四（成员单位）：杭州云澜算力科技有限公司（盖章）</w:delText>" in xml
    assert "<w:t xml:space=\"preserve\">乙方八（成员单位）：青岛海洋遥感研究院（盖章）</w:t>" in xml
    assert "<w:delText xml:space=\"preserve\">91330110MA2CH7DKXL</w:delText>" in xml
    assert set(re.findall(r'w:author="([^"]*)"', xml)) == {"第一号补充协议"}
    assert set(re.findall(r'w:date="([^"]*)"', xml)) == {"2026-09-18T00:00:00Z"}


def docx_xml(data: bytes) -> bytes:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")


def test_reading_copy_and_redline_are_not_filed(documents: dict[str, Any], new: docgen.Consortium,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The filing package of a change holds the signed supplement and what explains it, never the
    unsigned 汇编本 or the redline (both still written, and converted for reading)."""
    from dataclasses import replace

    from docgen import documents as module
    from docgen.render import pdf

    packed: list[str] = []

    def convert(docs: list[Any], **_: Any) -> list[Any]:
        return [replace(d, filename=d.filename.removesuffix(".docx") + ".pdf", data=b"%PDF") for d in docs]

    def package(pdfs: list[Any], **kwargs: Any) -> Any:
        packed.extend(str(d.kind) for d in pdfs)
        return replace(pdfs[0], kind="package_pdf", filename=kwargs["filename"])

    monkeypatch.setattr(pdf, "convert", convert)
    monkeypatch.setattr(pdf, "package", package)
    monkeypatch.setattr(module, "_signing_documents", lambda *a: [])
    out = module.with_pdfs(list(documents.values()), new)
    assert packed == ["plan", "supplement", "change_table", "commitment"]   # the fixture keeps one per kind
    assert {"consolidated_agreement", "redline"} <= {str(d.kind) for d in out if d.filename.endswith(".pdf")}


def test_commitments_of_a_change_speak_of_the_filing_update(old: docgen.Consortium, new: docgen.Consortium) -> None:
    letters = [d for d in change_documents(old, new) if d.kind == "commitment"]
    joiner = next(d for d in letters if "青岛海洋遥感研究院" in d.filename)
    text = "\n".join(paragraphs(joiner.data))
    # the joiner certifies the supplement and the filing change, not the formation it took no part in
    assert "作为新加入的成员单位，依第一号补充协议加入" in text and "备案申请" not in text and "参与组建" not in text
    assert "包括第一号补充协议、变更后的成员单位名单、依第一号补充协议修订的建设方案" in text
    assert "包括组建协议" not in text and "本单位在第一号补充协议中承诺投入的自筹资金人民币捌拾万元整" in text
    assert "青岛市科学技术局、市北区科学技术局：" in text       # the filing authority the supplement names
    lead = "\n".join(paragraphs(next(d for d in letters if "海图智算" in d.filename).data))
    assert "依第一号补充协议办理的备案变更" in lead
    assert "为联合体备案变更提交的全部材料，包括组建协议、第一号补充协议、建设方案" in lead
    assert "备案申请" in "\n".join(paragraphs(docgen.render_commitments(new)[JOINER]))


def test_a_draft_of_a_non_compliant_change_lists_its_findings_first(old: docgen.Consortium) -> None:
    data = _v2()
    data["term_end"] = "2030-12-31"   # a term over three years: a guideline error, which --draft tolerates
    new = docgen.parse(data)
    findings = [f for f in check_change(old, new) if f.severity == "error"]
    supplement = next(d for d in change_documents(old, new, draft=True) if d.kind == "supplement")
    text = paragraphs(supplement.data)
    start = text.index("草稿：本补充协议所依据的变更未通过检查，下列问题解决前本文本不得签署：")
    assert start < 3
    assert text[start + 1:start + 1 + len(findings)] == [str(f) for f in findings]
    compliant = next(d for d in change_documents(old, docgen.load(V2), draft=True) if d.kind == "supplement")
    assert not any(p.startswith("草稿：本补充协议所依据") for p in paragraphs(compliant.data))
