"""Assemble the supplementary agreement (补充协议) and the 修订对照表 from a ChangeSet.

The original agreement is re-assembled from the old data to learn its article numbers as signed; the
new data is assembled with references pointing at those same numbers, so an amended article is quoted
exactly as it will read in the original's numbering ("原协议第六条修改为：……"). Articles are matched by
clause id, never by number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docgen.clauses.library import DocumentTexts, Library
from docgen.drafting.agreement import (
    Annex,
    Article,
    Party,
    annex_tables,
    base_context,
    document_context,
    number_articles,
    number_items,
    party_rows,
    render_clause,
    select_variant,
    text_context,
)
from docgen.errors import TemplateError
from docgen.formatting import cn_date, cn_number, join_cn
from docgen.input.model import Consortium, Unit
from docgen.render.docx import render_text
from docgen.rules.change import ChangeSet

__all__ = ["AmendedArticle", "ChangeTable", "Supplement", "amended_articles", "assemble_change_table",
           "assemble_supplement", "serial_name"]


@dataclass(frozen=True)
class AmendedArticle:
    """An article of the original agreement that the change modifies, adds or deletes."""

    kind: str                 # "modified", "added" or "deleted"
    clause_id: str
    title: str
    old_number: str           # in the original ("" for an added article)
    new_number: str           # in the consolidated text ("" for a deleted article)
    after_number: str         # for an added article: the original article it follows
    before: tuple[str, ...]   # the original's paragraphs
    after: tuple[str, ...]    # the amended paragraphs, references in the original's numbering
    quoted: tuple[str, ...]   # after, as quoted in the supplement (“第六条　标题　……”)


@dataclass(frozen=True)
class Supplement:
    """The supplementary agreement as plain data, ready for the template."""

    title: str
    number: str
    draft: bool
    serial: int
    signing_place: str
    signing_date: str
    parties: tuple[dict[str, str], ...]
    recitals: tuple[str, ...]
    articles: tuple[Article, ...]
    closing: str
    annexes: tuple[Annex, ...]
    signature_heading: str
    signatures: tuple[dict[str, str], ...]
    clause_versions: dict[str, str]


@dataclass(frozen=True)
class ChangeTable:
    title: str
    subtitle: str
    draft: bool
    intro: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    note: str


def serial_name(serial: int) -> str:
    """Return 第一号 for 1."""
    return f"第{cn_number(serial)}号"


# --- the article diff ----------------------------------------------------------------------------

def _articles(c: Consortium, library: Library, texts: DocumentTexts,
              ref: Any = None) -> tuple[dict[str, tuple[str, str, tuple[str, ...]]], list[str], dict[str, str]]:
    """Return ({id: (number, title, paragraphs)}, ids in order, numbers) of c's agreement.

    ref, when given, replaces the reference function (to print another version's numbers).
    """
    context = document_context(c, texts)
    applicable, numbers = number_articles(library, context)
    full = text_context(library, context, numbers)
    if ref is not None:
        full["ref"] = ref
    out = {}
    for clause in applicable:
        paragraphs = tuple(render_clause(clause, select_variant(clause, full), full))
        out[clause.id] = (numbers[clause.id], clause.title, paragraphs)
    return out, [cl.id for cl in applicable], numbers


def amended_articles(cs: ChangeSet, library: Library) -> list[AmendedArticle]:
    """Return the original's articles that the change modifies, adds or deletes, in document order."""
    texts = library.documents["agreement"]
    old, old_order, old_numbers = _articles(cs.old, library, texts)
    titles = {c.id: c.title for c in library.clauses}

    def quote_ref(clause_id: str) -> str:
        if clause_id in old_numbers:
            return old_numbers[clause_id]
        if clause_id in titles:
            return f"新增的“{titles[clause_id]}”条款"
        raise TemplateError(f"引用了不存在的条款 {clause_id}")

    new, new_order, _new_numbers = _articles(cs.new, library, texts, ref=quote_ref)
    amended: list[AmendedArticle] = []
    added_after: dict[str, int] = {}
    previous_old = ""
    for clause_id in new_order:
        number, title, paragraphs = new[clause_id]
        if clause_id in old:
            previous_old = old[clause_id][0]
            old_number, old_title, before = old[clause_id]
            if (old_title, before) != (title, paragraphs):
                amended.append(AmendedArticle("modified", clause_id, title, old_number, number, "", before,
                                              paragraphs, _quote(old_number, title, paragraphs)))
        else:
            anchor = previous_old or "第一条"
            added_after[anchor] = added_after.get(anchor, 0) + 1
            label = f"{anchor}之{cn_number(added_after[anchor])}"
            amended.append(AmendedArticle("added", clause_id, title, "", number, anchor, (), paragraphs,
                                          _quote(label, title, paragraphs)))
    for clause_id in old_order:
        if clause_id not in new:
            number, title, before = old[clause_id]
            amended.append(AmendedArticle("deleted", clause_id, title, number, "", "", before, (), ()))
    order = {cid: i for i, cid in enumerate(dict.fromkeys(old_order + new_order))}
    return sorted(amended, key=lambda a: order[a.clause_id])


_INNER_QUOTES = str.maketrans({"“": "‘", "”": "’"})


def _quote(number: str, title: str, paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """Return the paragraphs as quoted in Chinese: each opens with “, only the last closes with ”.

    Double quotes inside the quoted text become single quotes (‘’), as Chinese nesting requires.
    """
    inner = [p.translate(_INNER_QUOTES) for p in paragraphs]
    quoted = [f"“{number}　{title}　{inner[0]}"] + [f"“{p}" for p in inner[1:]]
    quoted[-1] += "”"
    return tuple(quoted)


# --- the supplementary agreement -------------------------------------------------------------------

def _supplement_parties(cs: ChangeSet) -> list[Party]:
    """Return the signing parties: every unit of the old version, then each joiner."""
    new_units = {u.credit_code: u for u in cs.new.units}
    leaving = {u.credit_code for u in cs.left}
    out = []
    for index, unit in enumerate(cs.old.units):
        role = "牵头单位" if index == 0 else ("退出成员单位" if unit.credit_code in leaving else "成员单位")
        out.append(Party(_designation(index), role, new_units.get(unit.credit_code, unit)))
    for offset, unit in enumerate(cs.joined, start=len(cs.old.units)):
        out.append(Party(_designation(offset), "新加入成员单位", unit))
    return out


def _designation(index: int) -> str:
    return "甲方" if index == 0 else f"乙方{cn_number(index)}"


def _task_label(task: Any) -> str:
    return f"{task.id}“{task.title}”"


_INFO_FIELDS = ("name", "address", "legal_representative", "contact")
_CONTRIBUTION_FIELDS = {"role": "分工定位", "resources": "承诺投入资源", "background_ip": "背景知识产权",
                        "kind": "单位类型", "chain_position": "产业链位置"}


def _unit_change(old: Unit, new: Unit, designation: str) -> str:
    """Return the sentence stating how a unit's details change."""
    parts = []
    if old.name != new.name:
        parts.append(f"名称由“{old.name}”变更为“{new.name}”")
    if old.address != new.address:
        parts.append(f"住所变更为{new.address}")
    if old.legal_representative != new.legal_representative:
        parts.append(f"法定代表人变更为{new.legal_representative}")
    if old.contact != new.contact:
        parts.append(f"联系人变更为{new.contact.name}（联系电话：{new.contact.phone}，电子邮箱：{new.contact.email}）")
    others = [label for field, label in _CONTRIBUTION_FIELDS.items() if getattr(old, field) != getattr(new, field)]
    if others:
        parts.append(f"{join_cn(others)}依照本补充协议所附修订后的附件调整")
    return f"{designation}{old.name}的" + "；".join(parts) + "。"


def _summary(cs: ChangeSet) -> list[str]:
    """Return the list of changes the supplement's first article states."""
    items = []
    if cs.joined:
        items.append(f"新增{join_cn(u.name for u in cs.joined)}为联合体成员单位")
    if cs.left:
        items.append(f"{join_cn(u.name for u in cs.left)}退出联合体")
    info = [u.old.name for u in cs.updated_units if any(getattr(u.old, f) != getattr(u.new, f) for f in _INFO_FIELDS)]
    if info:
        items.append(f"变更{join_cn(info)}的单位信息")
    contributions = [u.old.name for u in cs.updated_units
                     if any(getattr(u.old, f) != getattr(u.new, f) for f in _CONTRIBUTION_FIELDS)]
    if contributions:
        items.append(f"调整{join_cn(contributions)}的分工定位或者承诺投入资源")
    if cs.tasks_added or cs.tasks_removed or cs.tasks_reassigned or cs.tasks_changed:
        items.append("调整攻关任务及其分工")
    if cs.head_changed:
        items.append("变更联合体负责人")
    if cs.chief_expert_changed:
        items.append("变更首席专家")
    if cs.shares_changed:
        items.append("调整收益分配比例" if cs.new.benefit.method == "fixed_shares" else "调整收益分配的有关约定")
    if cs.funding_changed:
        items.append("调整经费投入计划")
    if cs.other_fields:
        items.append(f"调整原协议关于{join_cn(cs.other_fields)}的约定")
    return items


def supplement_context(cs: ChangeSet, library: Library, serial: int, previous: list[str]) -> dict[str, Any]:
    """Return the names the supplement's texts may use (documented in clauses/README.md)."""
    agreement_texts = library.documents["agreement"]
    old_context = document_context(cs.old, agreement_texts)
    _, old_numbers = number_articles(library, old_context)
    original_title = render_text(agreement_texts.title, "agreement.title.txt", old_context).strip()

    def old_ref(clause_id: str) -> str:
        if clause_id not in old_numbers:
            raise TemplateError(f"原协议中没有条款 {clause_id}，补充协议不能援引")
        return old_numbers[clause_id]

    signing = {p.unit.credit_code: p for p in _supplement_parties(cs)}
    names = {u.credit_code: u.name for u in [*cs.old.units, *cs.joined]}
    joined = []
    for unit in cs.joined:
        tasks = [_task_label(t) for t in cs.new.tasks if unit.credit_code in (t.owner, *t.participants)]
        joined.append({
            "designation": signing[unit.credit_code].designation, "name": unit.name, "role": unit.role,
            "tasks": tasks, "cash": unit.resources.cash, "people": unit.resources.people,
            "in_kind": [i.description for i in unit.resources.in_kind],
            "background_ip": [f"《{ip.title}》（{ip.kind}{'，' + ip.number if ip.number else ''}）"
                              for ip in unit.background_ip],
        })
    left = []
    for unit in cs.left:
        departure = cs.departure(unit)
        if departure is None:
            raise TemplateError(f"{unit.name}退出但没有退出记录（amendment.departures）")
        handover = [f"{_task_label(r.task)}由{names[r.new_owner]}承担"
                    for r in cs.tasks_reassigned if r.old_owner == unit.credit_code]
        left.append({"designation": signing[unit.credit_code].designation, "name": unit.name,
                     "kind": departure.kind, "reason": departure.reason,
                     "effective_date": departure.effective_date, "handover": handover})
    updated = [{"name": u.old.name, "change": _unit_change(u.old, u.new, signing[u.old.credit_code].designation)}
               for u in cs.updated_units
               if (u.old.name, u.old.address, u.old.legal_representative, u.old.contact, u.old.role,
                   u.old.kind, u.old.chain_position, u.old.resources, u.old.background_ip)
               != (u.new.name, u.new.address, u.new.legal_representative, u.new.contact, u.new.role,
                   u.new.kind, u.new.chain_position, u.new.resources, u.new.background_ip)]
    return {
        **base_context(cs.new),
        "old": cs.old,
        "amendment": cs.new.amendment,
        "original_title": original_title,
        "original_parties": "甲方与乙方一" if len(cs.old.members) == 1
        else f"甲方与乙方一至乙方{cn_number(len(cs.old.members))}",
        "serial": serial,
        "serial_name": serial_name(serial),
        "previous": previous,
        "joined": joined,
        "left": left,
        "updated_units": updated,
        "changes_summary": _summary(cs),
        "tasks_reassigned": cs.tasks_reassigned, "tasks_added": cs.tasks_added,
        "tasks_removed": cs.tasks_removed, "tasks_changed": cs.tasks_changed,
        "head_changed": cs.head_changed, "chief_expert_changed": cs.chief_expert_changed,
        "shares_changed": cs.shares_changed, "funding_changed": cs.funding_changed,
        "other_fields": cs.other_fields,
        "copies_total": len(signing) * cs.new.copies_per_party + cs.new.copies_for_filing,
        "old_ref": old_ref,
        "annexes": [],  # filled by assemble_supplement once the revised annexes are known
    }


_REVISABLE = ("members", "tasks", "funding")


def revised_annexes(cs: ChangeSet, library: Library, supplement_texts: DocumentTexts) -> list[tuple[str, Annex, Annex]]:
    """Return (original citation, original annex, revised annex) for each annex table the change alters."""
    agreement_names = library.documents["agreement"].annexes
    numbered = {key: i for i, key in enumerate(agreement_names, start=1)}
    untitled = {k: "" for k in agreement_names}
    old_tables = annex_tables(cs.old, untitled, base_context(cs.old))
    new_tables = annex_tables(cs.new, untitled, base_context(cs.new))
    changed = [k for k in _REVISABLE if (old_tables[k].rows, old_tables[k].total, old_tables[k].total_row)
               != (new_tables[k].rows, new_tables[k].total, new_tables[k].total_row)]
    out = []
    for index, key in enumerate(changed, start=1):
        revised = new_tables[key]
        title = f"附件{index}　{supplement_texts.annexes[key]}"
        out.append((f"附件{numbered[key]}《{agreement_names[key]}》",
                    Annex(key, title, revised.rows, revised.total, revised.total_row),
                    old_tables[key]))
    return out


def assemble_supplement(cs: ChangeSet, library: Library, supplement_library: Library, *, serial: int,
                        previous: list[str], amended: list[AmendedArticle], draft: bool = False) -> Supplement:
    """Return the supplementary agreement's outline for this change."""
    texts = supplement_library.documents.get("supplement")
    if texts is None:
        raise TemplateError(f"条款库 {supplement_library.folder} 缺少补充协议文字（document: supplement）")
    context = supplement_context(cs, library, serial, previous)
    annexes = revised_annexes(cs, library, texts)
    context["annexes"] = [
        {"original": original, "revised": f"附件{i}《{texts.annexes[annex.key]}》"}
        for i, (original, annex, _) in enumerate(annexes, start=1)
    ]
    context["amended"] = amended
    applicable, numbers = number_articles(supplement_library, context)
    full = text_context(supplement_library, context, numbers)
    articles = []
    for clause in applicable:
        variant = select_variant(clause, full)
        paragraphs = render_clause(clause, variant, full)
        if not paragraphs:
            raise TemplateError(f"条款 {clause.id} 对本次变更没有生成任何文字")
        articles.append(Article(clause.id, numbers[clause.id], clause.title, tuple(paragraphs),
                                clause.version, variant))
    title = render_text(texts.title, "supplement.title.txt", full).strip()
    signing = _supplement_parties(cs)
    assert cs.new.amendment is not None  # check_change refuses a change without one
    return Supplement(
        title=title,
        number=cs.new.amendment.number or "",
        draft=draft,
        serial=serial,
        signing_place=cs.new.amendment.signing_place or cs.old.signing_place,
        signing_date=cn_date(cs.new.amendment.signing_date),
        parties=party_rows(signing),
        recitals=tuple(number_items(render_text(texts.recitals, "supplement.recitals.txt", full))),
        articles=tuple(articles),
        closing=texts.closing,
        annexes=tuple(annex for _, annex, _ in annexes),
        signature_heading=render_text(texts.signature_heading, "supplement.signature_heading.txt",
                                      {**full, "title": title}).strip(),
        signatures=tuple({"designation": p.designation, "role": p.role, "name": p.unit.name} for p in signing),
        clause_versions={cl.id: cl.version for cl in applicable},
    )


def assemble_change_table(cs: ChangeSet, library: Library, supplement_library: Library, *, serial: int,
                          amended: list[AmendedArticle], draft: bool = False) -> ChangeTable:
    """Return the 修订对照表: one row per amended article, before and after."""
    texts = supplement_library.documents.get("change_table")
    if texts is None:
        raise TemplateError(f"条款库 {supplement_library.folder} 缺少修订对照表文字（document: change_table）")
    context = supplement_context(cs, library, serial, [])
    rows = []
    for a in amended:
        where = a.old_number or f"{a.after_number}之后（新增）"
        renumbered = f"（汇编文本{a.new_number}）" if a.new_number and a.new_number != a.old_number else ""
        rows.append({"clause": f"{where}{renumbered}　{a.title}",
                     "before": a.before or ("（无）",), "after": a.after or ("（删除）",)})

    def render(field: str) -> str:
        return render_text(getattr(texts, field), f"change_table.{field}.txt", context).strip()

    return ChangeTable(
        title=render("title"),
        subtitle=render("subtitle"),
        draft=draft,
        intro=tuple(number_items(render("intro"))),
        rows=tuple(rows),
        note=render("note"),
    )
