"""The one place for docgen's fixed vocabularies: document kinds and the domain's enumerations.

The Chinese values are the input model's enumerations (what a YAML file writes and the guideline
names), not contract wording; each appears here once and everything else imports it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args

__all__ = [
    "ACADEMIC_KINDS", "ENTERPRISE", "FUNDING_COLUMNS", "FUNDING_SOURCES", "KPI_CATEGORIES", "SELF_FUNDED",
    "TEXT_WIDTH",
    "ChainPosition", "DocumentKind", "FundingSource", "KpiCategory", "UnitKind",
]


class DocumentKind(StrEnum):
    """What a produced file is; its value is what manifest.json and the API call the kind."""

    AGREEMENT = "agreement"                            # 组建协议
    PLAN = "plan"                                      # 建设方案
    COMMITMENT = "commitment"                          # 诚信承诺书 (one per unit)
    COMPLIANCE_TABLE = "compliance_table"              # 合规自查表
    AGREEMENT_REVIEW = "agreement_review"              # the reviewer's edition (审阅本), never filed
    SUPPLEMENT = "supplement"                          # 补充协议
    CONSOLIDATED_AGREEMENT = "consolidated_agreement"  # the agreement as amended
    CHANGE_TABLE = "change_table"                      # 修订对照表
    REDLINE = "redline"                                # the agreement with tracked changes
    PACKAGE_PDF = "package_pdf"                        # the merged filing package
    SIGNING_POSITIONS = "signing_positions"            # seal positions of a signed PDF (.json)
    DOCX = "docx"                                      # a .docx file given on disk (docgen.to_pdf)
    PDF = "pdf"                                        # a PDF file given on disk (docgen.build_package)


# --- the input model's enumerations ------------------------------------------------------------------

UnitKind = Literal["企业", "高等院校", "科研院所", "其他"]
ChainPosition = Literal["上游", "中游", "下游", "科研支撑"]
FundingSource = Literal["自筹资金", "财政资助", "社会资本", "其他资金"]
KpiCategory = Literal["管理运行机制", "科研攻关", "产出"]  # 指引 七（二）: the three dimensions, in order

ENTERPRISE: UnitKind = "企业"
ACADEMIC_KINDS: tuple[UnitKind, ...] = ("高等院校", "科研院所")  # 高校院所 in the guideline's counts
FUNDING_SOURCES: tuple[FundingSource, ...] = get_args(FundingSource)  # the order tables and sums use
SELF_FUNDED: FundingSource = "自筹资金"  # the source a unit's committed cash (resources.cash) must match
KPI_CATEGORIES: tuple[KpiCategory, ...] = get_args(KpiCategory)
# The agreement's funding annex has one column per source; the template names the columns by these keys.
FUNDING_COLUMNS: dict[FundingSource, str] = dict(zip(FUNDING_SOURCES, ("self", "fiscal", "social", "other"),
                                                     strict=True))

# --- page geometry -------------------------------------------------------------------------------------

TEXT_WIDTH = 8845  # dxa: the 156 mm text block of GB/T 9704 (A4, left 28 mm and right 26 mm margins)
