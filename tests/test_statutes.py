"""Every statute article the clause library and the rule messages cite exists in that statute.

The texts of the statutes available offline are in tests/data/statutes/ (official texts, outside copyright
under 《中华人民共和国著作权法》第五条). A citation — 《中华人民共和国民法典》第五百四十三条, 民法典第五百八十五条,
《仲裁法》第十六条、第十八条, 《……促进科技成果转化法》第四十五条第一款第三项 — is parsed into (law, article,
paragraph, item) and looked up; a law whose text is not here must be listed in UNVERIFIED, so a new law
is never cited unchecked by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATUTES = Path(__file__).resolve().parent / "data" / "statutes"
CITING = sorted((ROOT / "clauses").glob("**/*.yaml"))

# Laws cited whose text is not in tests/data/statutes/ (read by hand, see CHANGELOG; add the text to check them).
UNVERIFIED = {
    "中华人民共和国个人信息保护法", "中华人民共和国数据安全法", "中华人民共和国出口管制法",
    "中华人民共和国劳动合同法", "中华人民共和国反不正当竞争法", "中华人民共和国标准化法",
    "中华人民共和国民事诉讼法", "中华人民共和国技术进出口管理条例", "科技伦理审查办法（试行）",
}
# The civil code's file holds book 3 (合同编, 第四百六十三条 to 第九百八十八条); these articles of other books are
# cited and read by hand: 137 (意思表示的生效), 156 (部分无效), 160 (附期限), 178 (连带责任), 180 (不可抗力),
# 240 (所有权), 1165 (过错责任), 1191 (用人单位责任).
CIVIL_CODE_OTHER_BOOKS = {137, 156, 160, 178, 180, 240, 1165, 1191}

# What each cited article is about: a phrase of its text (read against each citing clause by hand).
SUBJECTS: dict[tuple[str, int], str] = {
    ("中华人民共和国专利法", 6): "职务发明创造",
    ("中华人民共和国专利法", 8): "合作完成的发明创造",
    ("中华人民共和国专利法", 10): "专利申请权和专利权可以转让",
    ("中华人民共和国专利法", 12): "实施许可合同",
    ("中华人民共和国专利法", 14): "共有人对权利的行使有约定的",
    ("中华人民共和国专利法", 15): "给予奖励",
    ("中华人民共和国专利法", 19): "保密审查",
    ("中华人民共和国专利法", 20): "诚实信用原则",
    ("中华人民共和国仲裁法", 9): "一裁终局",
    ("中华人民共和国仲裁法", 16): "仲裁协议应当具有下列内容",
    ("中华人民共和国仲裁法", 18): "达不成补充协议的，仲裁协议无效",
    ("中华人民共和国促进科技成果转化法", 16): "科技成果转化",
    ("中华人民共和国促进科技成果转化法", 26): "产学研合作",
    ("中华人民共和国促进科技成果转化法", 40): "合同约定该科技成果有关权益的归属",
    ("中华人民共和国促进科技成果转化法", 41): "保守技术秘密",
    ("中华人民共和国促进科技成果转化法", 42): "技术秘密保护制度",
    ("中华人民共和国促进科技成果转化法", 44): "奖励和报酬",
    ("中华人民共和国促进科技成果转化法", 45): "提取不低于百分之五十",
    ("中华人民共和国科学技术进步法", 31): "创新联合体",
    ("中华人民共和国科学技术进步法", 32): "财政性资金设立的科学技术计划项目",
    ("中华人民共和国科学技术进步法", 103): "科技伦理",
    ("中华人民共和国科学技术进步法", 107): "科技伦理",
    ("中华人民共和国科学技术进步法", 112): "科技伦理",
    ("中华人民共和国民法典", 465): "仅对当事人具有法律约束力",
    ("中华人民共和国民法典", 466): "确定争议条款的含义",
    ("中华人民共和国民法典", 467): "参照适用",
    ("中华人民共和国民法典", 470): "合同的内容由当事人约定",
    ("中华人民共和国民法典", 490): "签名、盖章",
    ("中华人民共和国民法典", 501): "商业秘密",
    ("中华人民共和国民法典", 502): "自成立时生效",
    ("中华人民共和国民法典", 507): "解决争议方法的条款的效力",
    ("中华人民共和国民法典", 509): "诚信原则",
    ("中华人民共和国民法典", 510): "协议补充",
    ("中华人民共和国民法典", 511): "履行期限不明确的",
    ("中华人民共和国民法典", 532): "名称的变更",
    ("中华人民共和国民法典", 543): "协商一致，可以变更合同",
    ("中华人民共和国民法典", 544): "推定为未变更",
    ("中华人民共和国民法典", 555): "一并转让给第三人",
    ("中华人民共和国民法典", 556): "一并转让的",
    ("中华人民共和国民法典", 557): "债权债务终止",
    ("中华人民共和国民法典", 558): "保密",
    ("中华人民共和国民法典", 562): "协商一致，可以解除合同",
    ("中华人民共和国民法典", 563): "可以解除合同",
    ("中华人民共和国民法典", 566): "合同解除后",
    ("中华人民共和国民法典", 567): "结算和清理条款",
    ("中华人民共和国民法典", 577): "违约责任",
    ("中华人民共和国民法典", 584): "损失赔偿额",
    ("中华人民共和国民法典", 585): "违约金",
    ("中华人民共和国民法典", 590): "不可抗力",
    ("中华人民共和国民法典", 591): "防止损失的扩大",
    ("中华人民共和国民法典", 592): "对损失的发生有过错",
    ("中华人民共和国民法典", 593): "第三人的原因",
    ("中华人民共和国民法典", 845): "收益的分配办法",
    ("中华人民共和国民法典", 846): "提成支付",
    ("中华人民共和国民法典", 847): "职务技术成果",
    ("中华人民共和国民法典", 849): "技术成果完成者",
    ("中华人民共和国民法典", 851): "合作开发合同",
    ("中华人民共和国民法典", 855): "按照约定进行投资",
    ("中华人民共和国民法典", 856): "研究开发工作停滞",
    ("中华人民共和国民法典", 857): "已经由他人公开",
    ("中华人民共和国民法典", 858): "风险",
    ("中华人民共和国民法典", 860): "申请专利的权利属于合作开发的当事人共有",
    ("中华人民共和国民法典", 861): "技术秘密成果",
    ("中华人民共和国民法典", 862): "技术许可合同",
    ("中华人民共和国民法典", 863): "采用书面形式",
    ("中华人民共和国民法典", 864): "不得限制技术竞争和技术发展",
    ("中华人民共和国民法典", 875): "后续改进",
    ("中华人民共和国民法典", 967): "合伙合同",
    ("最高人民法院关于适用〈中华人民共和国仲裁法〉若干问题的解释", 7): "仲裁协议无效",
}

DIGITS = "零一二三四五六七八九"
NUM = r"[零一二三四五六七八九十百千]+"
ALIASES = {name: f"中华人民共和国{name}" for name in (
    "民法典", "专利法", "仲裁法", "促进科技成果转化法", "科学技术进步法", "个人信息保护法", "数据安全法", "出口管制法",
    "劳动合同法", "反不正当竞争法", "标准化法", "民事诉讼法")}
REF = rf"第({NUM})条(?:第({NUM})款)?(?:第[（(]?({NUM})[）)]?项)?"
CITATION = re.compile(rf"(?:《([^《》{{}}]+?)》|(?<![《〈\w])({'|'.join(sorted(ALIASES, key=len, reverse=True))}))"
                      rf"((?:{REF})(?:(?:、|和|及|以及|至|或者)(?:{REF}))*)")
ONE_REF = re.compile(REF)
ARTICLE_LINE = re.compile(rf"^第({NUM})条[\s　]+(.*)$")
ITEM_LINE = re.compile(rf"^[（(]({NUM})[）)]")


def cn_int(text: str) -> int:
    """Return the value of a Chinese numeral such as 五百零一 or 十四."""
    section, digit = 0, 0
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS.index(ch)
        else:
            section += (digit or 1) * {"十": 10, "百": 100, "千": 1000}[ch]
            digit = 0
    return section + digit


def law_name(raw: str) -> str:
    """Return a law's full title: 民法典 → 中华人民共和国民法典; inner quotes as 〈〉."""
    raw = raw.strip().replace("《", "〈").replace("》", "〉")
    return ALIASES.get(raw, raw)


@dataclass(frozen=True)
class Citation:
    law: str
    article: int
    paragraph: int | None
    item: int | None
    where: str


def citations(text: str, where: str) -> list[Citation]:
    """Return every article citation in text (several for 第十六条、第十八条)."""
    found = []
    for match in CITATION.finditer(text):
        law = law_name(match.group(1) or match.group(2))
        for ref in ONE_REF.finditer(match.group(3)):
            paragraph, item = (cn_int(g) if g else None for g in ref.group(2, 3))
            found.append(Citation(law, cn_int(ref.group(1)), paragraph, item, where))
    return found


@cache
def statutes() -> dict[str, dict[int, list[list[str]]]]:
    """Return {law title: {article number: paragraphs, each a list of lines (the paragraph, then its items)}}."""
    laws = {}
    for path in sorted(STATUTES.glob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        articles: dict[int, list[list[str]]] = {}
        current: list[list[str]] | None = None
        for line in (raw.strip() for raw in lines[1:]):
            if not line or line.startswith("<!--"):
                continue
            if line.startswith("#"):
                current = None
            elif match := ARTICLE_LINE.match(line):
                current = articles.setdefault(cn_int(match.group(1)), [])
                current.append([match.group(2)])
            elif current is not None:
                if ITEM_LINE.match(line):
                    current[-1].append(line)
                else:
                    current.append([line])
        laws[law_name(lines[0].lstrip("# "))] = articles
    return laws


def all_citations() -> list[Citation]:
    found = []
    for path in CITING:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += citations(line, f"{path.relative_to(ROOT)}:{number}")
    return found


def test_the_parser_reads_every_form_the_library_uses() -> None:
    assert [(c.law, c.article, c.paragraph, c.item) for c in citations(
        "依照《中华人民共和国促进科技成果转化法》第四十五条第一款第三项；《仲裁法》第十六条、第十八条；"
        "民法典第五百零一条和第五百五十八条；"
        "《最高人民法院关于适用〈中华人民共和国仲裁法〉若干问题的解释》第七条", "x")] == [
        ("中华人民共和国促进科技成果转化法", 45, 1, 3), ("中华人民共和国仲裁法", 16, None, None),
        ("中华人民共和国仲裁法", 18, None, None), ("中华人民共和国民法典", 501, None, None),
        ("中华人民共和国民法典", 558, None, None),
        ("最高人民法院关于适用〈中华人民共和国仲裁法〉若干问题的解释", 7, None, None)]
    assert cn_int("一百一十二") == 112 and cn_int("十四") == 14 and cn_int("一千一百六十五") == 1165
    law = statutes()["中华人民共和国促进科技成果转化法"][45]
    assert len(law) == 3 and len(law[0]) == 4     # three paragraphs; the first with items (一) to (三)


def test_the_library_cites_statutes_and_each_is_known() -> None:
    found = all_citations()
    assert len(found) > 150
    unknown = sorted({c.law for c in found} - set(statutes()) - UNVERIFIED)
    assert not unknown, f"cited laws with no text in tests/data/statutes/ and not in UNVERIFIED: {unknown}"


@pytest.mark.parametrize("citation", all_citations(), ids=lambda c: f"{c.where}:{c.law[-6:]}{c.article}")
def test_every_cited_article_exists(citation: Citation) -> None:
    articles = statutes().get(citation.law)
    if articles is None:
        pytest.skip(f"{citation.law}: text not available")
    if citation.law == "中华人民共和国民法典" and citation.article in CIVIL_CODE_OTHER_BOOKS:
        pytest.skip("civil code outside 合同编")
    assert citation.article in articles, f"{citation.where}: {citation.law}第{citation.article}条 does not exist"
    paragraphs = articles[citation.article]
    if citation.paragraph is not None:
        assert citation.paragraph <= len(paragraphs), f"{citation.where}: no such paragraph"
        if citation.item is not None:
            items = sum(1 for line in paragraphs[citation.paragraph - 1] if ITEM_LINE.match(line))
            assert citation.item <= items, f"{citation.where}: no such item"
    subject = SUBJECTS.get((citation.law, citation.article))
    assert subject is not None, f"{citation.where}: read {citation.law}第{citation.article}条 and add it to SUBJECTS"
    assert subject in "".join(line for paragraph in paragraphs for line in paragraph), citation
