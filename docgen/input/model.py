"""The input model: one typed description of an innovation consortium (创新联合体).

Every field carries a Chinese ``title`` (used in error messages and in the JSON Schema) and a
``description``. The model checks types and formats only; whether the consortium meets the
guideline is the job of :mod:`docgen.rules.guideline`, so that a portal gets every guideline problem as a
finding rather than as a refusal to load.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from docgen.constants import FUNDING_SOURCES, ChainPosition, FundingSource, KpiCategory, UnitKind

__all__ = [
    "FUNDING_SOURCES",
    "IN_KIND_SOURCE",
    "KPI",
    "MECHANISM_LABELS",
    "Accession",
    "Activities",
    "Amendment",
    "Arbitration",
    "BackgroundIP",
    "BenefitMechanism",
    "BenefitPolicy",
    "BreachPolicy",
    "BudgetLine",
    "ChiefExpert",
    "Confidentiality",
    "Consortium",
    "Contact",
    "ContributionChange",
    "Council",
    "DataLicence",
    "DecisionMechanism",
    "Departure",
    "Effect",
    "FilingUpdate",
    "FundingLine",
    "FundingMechanism",
    "Goal",
    "Head",
    "IPMechanism",
    "IPPolicy",
    "InKind",
    "InKindSettlement",
    "Indicator",
    "LeadReplacement",
    "LeaverLicence",
    "Litigation",
    "Mechanisms",
    "Milestone",
    "Narrative",
    "PromotionMechanism",
    "ResearchMechanism",
    "Resources",
    "RiskPolicy",
    "RuleException",
    "Settlement",
    "Share",
    "StandardMechanism",
    "StatedTotals",
    "Task",
    "Unit",
    "YearTarget",
]


class _Model(BaseModel):
    # extra="forbid": a misspelt key in a YAML file is an error, not silently ignored data.
    # coerce_numbers_to_str: YAML reads 13800000000 as a number; a phone number is still text.
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True, frozen=True
    )


def _valid_credit_code(value: str, info: ValidationInfo) -> str:
    """Return the code upper-cased if its format and check character are right.

    With the validation context {"lenient": True} (used only to run the rules on an input that has
    already failed validation, see docgen.input.loading) a wrong code is kept as written.
    """
    if info.context and info.context.get("lenient"):
        return value.upper()
    try:
        return uscc.validate(value)
    except InvalidLength:
        raise ValueError("统一社会信用代码应为18位") from None
    except InvalidChecksum:
        raise ValueError("统一社会信用代码校验位错误，请核对营业执照") from None
    except (InvalidFormat, InvalidComponent):
        raise ValueError("统一社会信用代码格式不正确，含有不允许的字符") from None


CreditCode = Annotated[
    str,
    AfterValidator(_valid_credit_code),
    Field(title="统一社会信用代码", description="18位统一社会信用代码，含校验位",
          examples=["91370212MA3C4XYZ0Q"]),
]
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=15, decimal_places=2, description="金额，单位为元，最多两位小数"),
]
Text = Annotated[str, Field(min_length=1)]
Percent = Annotated[Decimal, Field(gt=0, le=100, decimal_places=2)]

IN_KIND_SOURCE = "实物投入"
BudgetSource = FundingSource | Literal["实物投入"]


class Contact(_Model):
    name: Text = Field(title="联系人", description="项目联系人姓名")
    phone: Text = Field(title="联系电话", description="固定电话或手机号码",
                        pattern=r"^[0-9+()\- ]{7,20}$")
    email: Text = Field(title="电子邮箱", description="用于通知与送达的电子邮箱",
                        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


InKindKind = Literal["仪器设备", "场地", "技术", "数据", "平台", "服务", "其他"]
Valuation = Literal["评估作价", "协商作价"]


class InKind(_Model):
    description: Text = Field(title="实物投入内容", description="实物、技术或其他非货币投入的内容")
    value: Money = Field(title="折价金额（元）", description="各方认可的折价金额")
    kind: InKindKind | None = Field(None, title="投入类别",
                                    description="仪器设备、场地、技术、数据、平台、服务或其他")
    task: str | None = Field(None, title="用于攻关任务",
                             description="该项投入用于的攻关任务编号，如“T6”；用于联合体整体的不填")
    quantity: str | None = Field(None, title="数量或期限",
                                 description="数量、使用期限或机时，如“累计不少于60个船日”“2026年至2028年”")
    year: int | None = Field(None, ge=2000, le=2100, title="投入年度",
                             description="集中在某一年度投入的填写该年度；跨建设期各年度投入的不填")
    valuation: Valuation = Field("协商作价", title="作价方式",
                                 description="评估作价：经资产评估机构评估；协商作价：由各方协商确认")
    confirmed_by: str | None = Field(None, title="作价确认",
                                     description="作价由谁确认及其依据，如“理事会2025年11月20日会议确认”“××资产评估报告”")


class StatedTotals(_Model):
    """Totals as the brief states them; docgen computes every total and checks these to the fen."""

    total: Money | None = Field(None, title="投入总额（元）", description="资金与实物投入的合计")
    cash: Money | None = Field(None, title="资金投入合计（元）", description="各来源资金的合计")
    in_kind: Money | None = Field(None, title="实物投入合计（元）", description="实物及技术投入折价金额的合计")


class Resources(_Model):
    cash: Money = Field(Decimal("0"), title="承诺自筹资金（元）",
                        description="本单位承诺投入的自筹资金，应与经费投入计划中本单位自筹资金合计一致")
    in_kind: list[InKind] = Field(default_factory=list, title="实物及技术投入",
                                  description="设备、技术、数据等非货币投入")
    people: int | None = Field(None, ge=1, title="投入研发人员（人）",
                               description="投入联合体工作的研发人员数；不确定的不填（不会印为0人）")
    key_staff: list[Text] = Field(default_factory=list, title="核心研发人员",
                                  description="投入的核心研发人员，如“林海澄（教授，T1技术负责人）”")
    equipment: list[Text] = Field(default_factory=list, title="开放共享仪器设备",
                                  description="向联合体开放的主要仪器设备")
    sites: list[Text] = Field(default_factory=list, title="办公科研场地",
                              description="提供的办公、科研、中试场地")
    data_platforms: list[Text] = Field(default_factory=list, title="数据及平台",
                                       description="向联合体开放的数据资源和创新平台")
    totals: StatedTotals | None = Field(None, title="本单位投入合计（核对用）",
                                        description="本单位的投入合计（资金、实物、总额），docgen 将与计算结果逐分核对")


BackgroundIPKind = Literal["发明专利", "实用新型专利", "外观设计专利", "计算机软件著作权",
                           "集成电路布图设计", "技术秘密", "其他"]


class BackgroundIP(_Model):
    title: Text = Field(title="名称", description="背景知识产权的名称")
    kind: BackgroundIPKind = Field(title="类型", description="知识产权类型")
    number: str | None = Field(None, title="登记号或专利号", description="专利号、登记号；技术秘密可不填")


class Unit(_Model):
    name: Text = Field(title="单位全称", description="与营业执照或事业单位法人证书一致的全称")
    short_name: str | None = Field(None, title="单位简称", description="在表格中使用的简称")
    credit_code: CreditCode
    kind: UnitKind = Field(title="单位类型", description="企业、高等院校、科研院所或其他")
    chain_position: ChainPosition = Field(title="产业链位置", description="上游、中游、下游或科研支撑")
    address: Text = Field(title="住所", description="注册地址（住所地）")
    district: Text = Field(title="注册所在区（市）",
                           description="注册地所在的区、市，如“崂山区”“胶州市”；市外单位写“北京市海淀区”等")
    legal_representative: Text = Field(title="法定代表人", description="法定代表人或负责人姓名")
    contact: Contact = Field(title="联系人信息", description="项目联系人、电话、电子邮箱")
    role: Text = Field(title="联合体中的分工定位", description="本单位在联合体中承担的主要职责，一句话")
    resources: Resources = Field(default_factory=Resources, title="承诺投入资源",
                                 description="资金、实物、人员、设备、场地")
    background_ip: list[BackgroundIP] = Field(default_factory=list, title="背景知识产权",
                                              description="加入前已拥有、拟用于联合体工作的知识产权")

    @property
    def display_name(self) -> str:
        """Return the short name where one is given, else the full name."""
        return self.short_name or self.name


class Head(_Model):
    name: Text = Field(title="姓名", description="创新联合体负责人姓名")
    position: Text = Field(title="职务", description="在所在单位的职务")
    unit: CreditCode = Field(title="所在单位", description="所在单位的统一社会信用代码，原则上为牵头单位")
    phone: str | None = Field(None, title="联系电话", description="联系电话")
    profile: str | None = Field(None, title="简介", description="工作经历和主要业绩，建设方案使用")


class ChiefExpert(_Model):
    name: Text = Field(title="姓名", description="首席专家姓名")
    title: Text = Field(title="职称或学术称号", description="如“研究员”“教授”“中国工程院院士”")
    field: Text = Field(title="研究领域", description="主要研究领域")
    unit: CreditCode = Field(title="所在单位", description="所在单位的统一社会信用代码")
    profile: str | None = Field(None, title="简介", description="学术经历和主要成果，建设方案使用")


class Indicator(_Model):
    name: Text = Field(title="指标名称", description="可考核的指标")
    target: Text = Field(title="目标值", description="含计量单位的目标值，如“≥3项”")


class Goal(_Model):
    title: Text = Field(title="目标", description="技术创新目标的简称")
    description: Text = Field(title="目标内容", description="目标的具体内容")
    indicators: list[Indicator] = Field(default_factory=list, title="考核指标",
                                        description="衡量该目标的指标")


class BudgetLine(_Model):
    source: BudgetSource = Field(title="资金来源",
                                 description="自筹资金、财政资助、社会资本、其他资金，或实物投入（实物及技术投入的折价金额）")
    amount: Money = Field(title="金额（元）")
    unit: CreditCode | None = Field(None, title="出资单位",
                                    description="承担这笔经费的成员单位的统一社会信用代码；不填则为任务承担单位")
    year: int | None = Field(None, ge=2000, le=2100, title="年度",
                             description="这笔经费所属的年度；填写的，各单位每年各来源的任务经费应与经费投入计划逐年相等"
                                         "（实物投入可不填）")


class Task(_Model):
    id: str = Field(title="任务编号", description="如“T1”，在全部任务中唯一",
                    pattern=r"^[A-Za-z][A-Za-z0-9\-]{0,15}$")
    title: Text = Field(title="任务名称", description="攻关任务名称")
    content: Text = Field(title="研究内容", description="主要研究内容和技术路线")
    owner: CreditCode = Field(title="承担单位", description="承担单位的统一社会信用代码")
    participants: list[CreditCode] = Field(default_factory=list, title="参与单位",
                                           description="参与单位的统一社会信用代码")
    start: dt.date = Field(title="开始日期")
    end: dt.date = Field(title="结束日期")
    deliverables: list[Text] = Field(min_length=1, title="交付成果", description="可验收的成果")
    budget: list[BudgetLine] = Field(default_factory=list, title="任务经费",
                                     description="按资金来源列示的任务经费")


Frequency = Literal["每月", "每季度", "每半年", "每年"]
VotingRule = Literal["过半数", "三分之二以上", "全体一致"]


class _Mechanism(_Model):
    note: str = Field("", title="补充约定",
                      description="对本机制所选规则的补充（组织方式、工作安排等），只能增加细节；不得另行规定"
                                  "选项已经约定的事项，否则检查报告条款冲突")


class DecisionMechanism(_Mechanism):
    """决策调度机制: how the decision body votes and how the head dispatches resources."""

    voting_rule: VotingRule | None = Field(
        None, title="全体成员会议表决规则",
        description="不设理事会或议事协调机制时，全体成员会议决定重大事项的通过比例（不填为全体一致）；"
                    "设立的不填，依理事会或议事协调机制的表决规则")
    dispatch_meeting: Frequency = Field("每季度", title="调度会频次",
                                        description="联合体负责人召开任务调度会的频次")


class ResearchMechanism(_Mechanism):
    """协同攻关机制: progress reports, technical reviews and the expert committee."""

    progress_report: Literal["每月", "每季度"] = Field(
        "每季度", title="进展报送频次", description="任务承担单位向联合体办公室报送任务进展的频次")
    review: Frequency = Field("每半年", title="技术检查频次", description="首席专家组织技术评审和节点检查的频次")
    expert_committee: bool = Field(False, title="设立专家委员会",
                                   description="是否设立由首席专家主持的专家委员会，为决策机构提供咨询意见")


class BenefitMechanism(_Mechanism):
    """收益分配机制: the base of the staff reward (the sharing basis itself is ``benefit.method``)."""

    staff_reward_base: Literal["unit_share", "net_income"] = Field(
        "unit_share", title="科技人员奖励提取基数",
        description="unit_share：各方从本单位分得的收益中提取；net_income：从转化净收入中先行提取，"
                    "余额再依收益分配方式分配")


class IPMechanism(_Mechanism):
    """知识产权管理机制: licensing and transfer consents and the members' free licence."""

    joint_licence: Literal["any_owner", "all_owners"] = Field(
        "any_owner", title="共有专利对外许可",
        description="any_owner：任一共有方可以普通许可方式单独许可他人实施（《专利法》第十四条）；"
                    "all_owners：许可他人实施须经全体共有方书面同意")
    secret_transfer: Literal["owners", "all_members"] = Field(
        "owners", title="技术秘密对外转让同意",
        description="owners：由该技术秘密的权利人决定，共有的须经全体共有方同意；"
                    "all_members：须经全体成员单位书面同意")
    member_licence: Literal["research", "research_and_supply", "business"] = Field(
        "research", title="其他成员免费实施范围",
        description="research：联合体攻关任务；research_and_supply：攻关任务和联合体产品配套；"
                    "business：攻关任务和本单位生产经营")


class StandardMechanism(_Mechanism):
    """标准创制机制: who leads standards work and the FRAND commitment."""

    lead: CreditCode | None = Field(None, title="标准研制牵头单位", description="统一社会信用代码；不填由决策机构确定")
    frand: bool = Field(False, title="标准必要专利许可承诺",
                        description="项目成果专利纳入标准的，专利权人承诺以公平、合理、无歧视的条件许可实施")
    test_data: bool = Field(True, title="无偿提供试验数据", description="各方无偿提供标准研制所需的试验数据")


class PromotionMechanism(_Mechanism):
    """推广应用机制: scenarios opened by members and preferential purchasing."""

    scenario_units: list[CreditCode] = Field(default_factory=list, title="开放应用场景的单位",
                                             description="统一社会信用代码")
    preferential_purchase: bool = Field(True, title="同等条件下优先采购",
                                        description="成员单位在同等条件下优先采购、采用联合体成果")
    matchmaking: Frequency | None = Field(None, title="供需对接频次", description="发布场景清单、组织供需对接的频次")


Disbursement = Literal["各方自行管理", "按季度拨付", "按半年拨付", "按任务节点拨付"]


class FundingMechanism(_Mechanism):
    """资金投入机制: who manages and disburses funds, how execution is reported and audited."""

    disbursement: Disbursement = Field(
        "各方自行管理", title="经费管理与拨付",
        description="各方自行管理：经费由各方投入并自行管理使用；按季度拨付等：由联合体办公室按攻关任务编制"
                    "年度预算，按所选节奏向承担单位拨付")
    audit: Literal["on_decision", "annual_third_party"] = Field(
        "on_decision", title="经费审计",
        description="on_decision：经决策机构决定委托审计；annual_third_party：每年委托第三方机构审计一次")
    report: Literal["每季度", "每半年", "每年"] = Field(
        "每年", title="经费执行通报频次", description="向决策机构和各方通报经费执行情况的频次")


class Mechanisms(_Model):
    """The seven operating mechanisms of guideline 三（四）, each a set of choices the clauses render."""

    decision_dispatch: DecisionMechanism | None = Field(None, title="决策调度机制",
                                                         description="重大事项如何决策、如何调度资源")
    collaborative_research: ResearchMechanism | None = Field(None, title="协同攻关机制",
                                                              description="任务如何协同推进、如何检查进度")
    benefit_distribution: BenefitMechanism | None = Field(None, title="收益分配机制", description="人员奖励等")
    ip_management: IPMechanism | None = Field(None, title="知识产权管理机制",
                                               description="知识产权的许可、转让和管理")
    standard_setting: StandardMechanism | None = Field(None, title="标准创制机制", description="标准研制的组织方式")
    promotion_application: PromotionMechanism | None = Field(None, title="推广应用机制",
                                                              description="成果推广和应用场景开放")
    funding_input: FundingMechanism | None = Field(None, title="资金投入机制", description="资金拨付、通报和审计")


MECHANISM_LABELS: dict[str, str] = {
    name: str(info.title) for name, info in Mechanisms.model_fields.items()
}

class Council(_Model):
    kind: Literal["理事会", "议事协调机制"] = Field(title="机构形式", description="理事会或议事协调机制")
    composition: Text = Field(title="组成", description="组成方式，如“由各成员单位各委派一名代表组成”")
    chair: Text = Field(title="召集人或理事长", description="由谁担任召集人或理事长")
    voting_rule: VotingRule = Field("三分之二以上", title="表决规则",
                                    description="一般事项的通过比例：过半数、三分之二以上或全体一致")
    meeting_frequency: Text = Field("每半年至少一次", title="会议频次", description="例会频次")


PatentRight = Literal["joint", "completing_party", "lead_unit"]


class IPPolicy(_Model):
    patent_right: PatentRight = Field(
        "joint", title="专利申请权归属",
        description="joint：完成各方共有（依照民法典第八百六十条约定）；completing_party：归完成方，"
                    "其他成员享有免费实施许可；lead_unit：归牵头单位，完成方享有免费实施许可")
    technical_secret: Literal["all_may_use", "members_only"] = Field(
        "all_may_use", title="技术秘密",
        description="all_may_use：各方均可免费使用，对外转让和许可由权利人经同意进行（民法典第八百六十一条）；"
                    "members_only：仅限各方内部使用，对外转让和许可由权利人经同意进行")
    improvements: Literal["improver", "notify_and_license"] = Field(
        "improver", title="后续改进成果",
        description="improver：归改进方（民法典第八百七十五条）；notify_and_license：归改进方，"
                    "并应通知其他成员且以优惠条件许可")


class Share(_Model):
    unit: CreditCode = Field(title="成员单位", description="统一社会信用代码")
    percent: Percent = Field(title="分配比例（%）")


class BenefitPolicy(_Model):
    method: Literal["investment_ratio", "contribution", "fixed_shares"] = Field(
        "investment_ratio", title="收益分配方式",
        description="investment_ratio：按投入比例；contribution：按贡献评定；fixed_shares：按约定比例")
    shares: list[Share] = Field(default_factory=list, title="约定分配比例",
                                description="fixed_shares：各单位的比例，合计应为100%；investment_ratio："
                                            "各方核对的投入比例，应与计算结果一致，将印入协议")
    basis: Literal["cash_and_in_kind", "cash"] = Field(
        "cash_and_in_kind", title="投入比例计算基础",
        description="cash_and_in_kind：自有资金加实物投入的折价金额；cash：仅自有资金")
    include_grants: bool = Field(False, title="财政资助计入投入",
                                 description="是否把由该单位使用的财政资助资金计入其投入（默认不计入）")
    include_third_party: bool = Field(False, title="社会资本及其他资金计入投入",
                                      description="是否把社会资本和其他资金计入其投入（默认不计入）")
    assessor: str | None = Field(None, title="贡献评定机构",
                                 description="contribution 时评定各方贡献的机构，不填则为决策机构")
    assessed_when: str | None = Field(None, title="贡献评定时间",
                                      description="contribution 时评定的时间，如“每项成果首次取得转化收入后六十日内”")
    staff_reward_percent: Percent | None = Field(
        None, title="科技人员奖励比例（%）",
        description="转化净收入中用于奖励完成人员的比例；不填则依《促进科技成果转化法》第四十五条")


class RiskPolicy(_Model):
    method: Literal["proportional", "reasonable"] = Field(
        "proportional", title="风险承担方式",
        description="proportional：按投入比例分担；reasonable：依民法典第八百五十八条合理分担")


class Confidentiality(_Model):
    years: int = Field(5, ge=1, le=30, title="保密期限（年）",
                       description="联合体终止或成员退出后继续承担保密义务的年数")


class BreachPolicy(_Model):
    percent: Percent = Field(Decimal("10"), title="违约金比例（%）",
                             description="违约金按违约方计算基数的比例计算")
    base: Literal["committed", "own_cash"] = Field(
        "committed", title="违约金计算基数",
        description="committed：违约方承诺投入的自有资金与实物投入折价金额之和；own_cash：仅自有资金。"
                    "财政资助和社会资本不计入")
    floor: Money | None = Field(None, title="违约金下限（元）",
                                description="违约金的最低额，计算基数为零或较小时适用；不填则不设下限")
    cap: Money | None = Field(None, title="违约金上限（元）", description="违约金的最高额；不填则不设上限")


class Arbitration(_Model):
    method: Literal["arbitration"] = Field(title="争议解决方式")
    commission: str | None = Field(None, title="仲裁委员会", description="唯一一个仲裁委员会的全称，如“青岛仲裁委员会”")


LitigationVenue = Literal["牵头单位住所地", "合同签订地", "原告住所地", "被告住所地"]


class Litigation(_Model):
    method: Literal["litigation"] = Field(title="争议解决方式")
    venue: LitigationVenue = Field(title="管辖法院所在地",
                                   description="依《民事诉讼法》第三十五条选择的一个连结点")


DisputePolicy = Annotated[Arbitration | Litigation, Field(discriminator="method")]


FundingStatus = Literal["已到位", "已批复", "已签约", "拟申请", "洽谈中"]


class FundingLine(_Model):
    unit: CreditCode = Field(title="投入单位", description="统一社会信用代码")
    source: FundingSource = Field(title="资金来源")
    year: int = Field(ge=2000, le=2100, title="年度")
    amount: Money = Field(title="金额（元）")
    payer: str | None = Field(None, title="出资方",
                              description="财政资助写资助部门或项目，社会资本写投资方；自筹资金不填（即本单位）")
    status: FundingStatus | None = Field(None, title="落实情况",
                                         description="财政资助和社会资本的落实情况：已到位、已批复、已签约、拟申请或洽谈中")


class YearTarget(_Model):
    year: int = Field(ge=2000, le=2100, title="年度")
    value: Text = Field(title="目标值")


class KPI(_Model):
    name: Text = Field(title="指标名称")
    category: KpiCategory = Field(
        title="评价维度", description="对应指引七(二)绩效评价的三项内容")
    unit: Text = Field(title="计量单位", description="如“项”“件”“万元”")
    targets: list[YearTarget] = Field(min_length=1, title="年度目标")


class Milestone(_Model):
    date: dt.date = Field(title="日期")
    title: Text = Field(title="节点事项")


class RuleException(_Model):
    code: Text = Field(title="规则代码", description="可说明理由的规则代码，如 TOO_FEW_ENTERPRISES")
    reason: Text = Field(title="理由", description="不符合“原则上”要求的具体理由，将写入检查结果")


class Effect(_Model):
    """When the supplementary agreement takes effect: on signature, on an authority's approval, or on a date."""

    condition: Literal["signature", "approval", "date"] = Field(
        "signature", title="生效条件",
        description="signature：各方签署之日生效；approval：经批准机关批准之日生效；date：于约定日期生效")
    authority: str | None = Field(None, title="批准机关",
                                  description="condition 为 approval 时必填，如“青岛市科学技术局”")
    date: dt.date | None = Field(None, title="生效日期", description="condition 为 date 时必填")


class InKindSettlement(_Model):
    """How one of a leaving unit's contributions in kind is settled on its exit (民法典第五百六十六条)."""

    item: Text = Field(title="非货币投入内容", description="与原协议该单位 resources.in_kind 中的 description 一致")
    delivered: Text | None = Field(None, title="已提供情况",
                                   description="截至退出生效之日已经提供的数量或者期限，如“80万卡时”；不填则未提供")
    treatment: Literal["returned", "retained", "valued"] = Field(
        title="已提供部分的处理",
        description="returned：返还退出方；retained：其他各方继续使用至约定期限，不另行支付费用；"
                    "valued：按约定折价计为退出方的实际投入，不予返还，也不另行结算")
    value: Money = Field(Decimal("0"), title="已提供部分的折价（元）", description="valued 时填写")
    until: dt.date | None = Field(None, title="留用期限届满日", description="retained 时必填")


class Settlement(_Model):
    """How a leaving unit's funds are settled (民法典第五百六十六条: settlement on termination)."""

    method: Literal["no_refund", "refund", "transfer"] = Field(
        title="结算方式",
        description="no_refund：已投入经费不予返还，不另行支付；refund：返还退出方已投入但尚未使用的经费；"
                    "transfer：退出方将其在退出前项目成果中的权益转让给受让方，受让方支付对价")
    committed: Money = Field(title="承诺投入金额（元）", description="退出方依原协议承诺投入的经费")
    delivered: Money = Field(title="已实际投入金额（元）", description="退出方截至退出时实际投入的经费")
    used: Money = Field(title="已使用金额（元）", description="退出方已投入经费中已经使用的部分")
    amount: Money = Field(Decimal("0"), title="结算金额（元）", description="一方向另一方支付的金额；no_refund 时为0")
    payer: CreditCode | None = Field(None, title="付款单位", description="支付结算金额的单位（统一社会信用代码）")
    payee: CreditCode | None = Field(None, title="收款单位", description="收取结算金额的单位（统一社会信用代码）")
    due_date: dt.date | None = Field(None, title="付款期限", description="结算金额最迟支付日期")
    unused_task: str | None = Field(None, title="未使用经费的用途（任务）",
                                    description="退出方划付的已投入但尚未使用的经费用于的攻关任务编号，如“T3”")
    unused_year: int | None = Field(None, ge=2000, le=2100, title="未使用经费的用途（年度）",
                                    description="该笔经费列入的经费投入计划年度")
    in_kind: list[InKindSettlement] = Field(
        default_factory=list, title="非货币投入的结算",
        description="退出方在原协议中承诺的每一项非货币投入：已提供多少，已提供部分返还、留用还是折价")


class LeaverLicence(_Model):
    """A licence a leaving unit keeps (to use consortium results) or grants (to the remaining parties)."""

    direction: Literal["keeps", "grants"] = Field(
        title="许可方向", description="keeps：退出方保留使用联合体成果的许可；grants：退出方向其他各方授予许可")
    subject: Text = Field(title="许可标的", description="如“T3推理加速工具链样机”或专利名称、专利号")
    scope: Text = Field(title="许可范围", description="使用目的、方式，是否可以转让或者再许可")
    until: dt.date | None = Field(None, title="许可期限届满日", description="不填则在该成果权利有效期内有效")
    fee: Money = Field(Decimal("0"), title="许可费（元）", description="0为免费许可")


SurvivingDuty = Literal["confidentiality", "licences_granted", "breach_liability", "ip_cooperation",
                        "audit_cooperation"]


def _default_surviving() -> list[SurvivingDuty]:
    return ["confidentiality", "licences_granted", "breach_liability"]


class Departure(_Model):
    """A unit leaving the consortium through a supplementary agreement (指引 七（三）)."""

    unit: CreditCode = Field(title="退出单位", description="退出单位的统一社会信用代码")
    kind: Literal["自愿退出", "除名"] = Field(title="退出方式", description="自愿退出，或依原协议被除名")
    reason: Text = Field(title="退出原因", description="写入补充协议的退出原因")
    effective_date: dt.date | None = Field(
        None, title="退出生效日期",
        description="不填则自补充协议生效之日起退出；补充协议晚于该日生效的，自补充协议生效之日起退出")
    notice_date: dt.date | None = Field(
        None, title="退出通知日期",
        description="退出方依原协议发出书面退出通知的日期；不填则各方在补充协议中豁免原协议的提前通知期限")
    handover_date: dt.date | None = Field(
        None, title="交接完成期限",
        description="任务、资料和样品移交的最迟日期，不得晚于退出生效日期；不填则在退出生效前完成")
    settlement: Settlement | None = Field(None, title="经费结算", description="已投入、已使用经费和结算款的支付")
    results_income: Literal["keeps", "assigns"] | None = Field(
        None, title="退出前成果的权益",
        description="keeps：退出方对退出前形成的成果保留权利和收益分配份额；assigns：转让给 results_assignee")
    results_assignee: CreditCode | None = Field(None, title="成果权益受让单位",
                                                description="results_income 为 assigns 时必填")
    licences: list[LeaverLicence] = Field(default_factory=list, title="退出方保留或授予的许可")
    surviving: list[SurvivingDuty] = Field(
        default_factory=_default_surviving,
        title="退出后继续有效的义务",
        description="confidentiality：保密义务；licences_granted：已授予的许可；breach_liability：退出前违约的责任；"
                    "ip_cooperation：配合办理成果权属和专利事务；audit_cooperation：配合项目审计和验收")


class DataLicence(_Model):
    """A data licence a joining unit gives the other parties (数据安全法, 个人信息保护法)."""

    dataset: Text = Field(title="数据名称", description="许可使用的数据集或数据产品")
    scope: Text = Field(title="使用范围", description="许可的使用目的和方式")
    until: dt.date = Field(title="许可期限届满日")
    derived_data: Literal["licensor", "producer", "joint"] = Field(
        title="衍生数据归属",
        description="licensor：归许可方；producer：归加工形成衍生数据的一方；joint：许可方与加工方共有")
    model_training: bool = Field(title="可否用于模型训练",
                                 description="true：可用于联合体模型的训练、验证和评测")
    fee: Money = Field(Decimal("0"), title="许可费（元）", description="0为免费许可")


class Accession(_Model):
    """What a joining unit agrees on joining (指引 七（三）)."""

    unit: CreditCode = Field(title="加入单位", description="加入单位的统一社会信用代码")
    accepts_terms: bool = Field(title="接受原协议全部条款", description="必须为 true：加入单位接受原协议的全部约定")
    effective_date: dt.date | None = Field(None, title="加入生效日期", description="不填则自补充协议生效之日起加入")
    access_licence: Literal["none", "tasks", "all"] = Field(
        "tasks", title="对加入前成果的使用许可",
        description="none：不享有；tasks：为完成其承担或者参与的攻关任务免费使用；all：与其他成员单位同等使用")
    data_licences: list[DataLicence] = Field(default_factory=list, title="数据许可")
    no_background_ip: bool = Field(False, title="确认无背景知识产权",
                                   description="加入单位没有拟用于联合体的背景知识产权时填 true")


class ContributionChange(_Model):
    unit: CreditCode = Field(title="调整投入的单位", description="统一社会信用代码")
    reason: Text = Field(title="调整原因")


class LeadReplacement(_Model):
    """The lead unit replaced by a member (指引 七（三）; the agreement's article on the lead's failure)."""

    successor: CreditCode = Field(title="新的牵头单位", description="统一社会信用代码，应为原协议的成员单位")
    ground: Literal["组织不力", "退出", "协商一致"] = Field(title="更换事由")
    reason: Text = Field(title="更换原因", description="写入补充协议的具体原因")
    handover_date: dt.date = Field(title="档案移交期限", description="原牵头单位移交档案、账目和资料的最迟日期")


class FilingUpdate(_Model):
    authority: Text = Field("所在区（市、功能区）科技主管部门", title="备案机关")
    days: int = Field(30, ge=1, le=90, title="报送期限（日）", description="自补充协议生效之日起的日数")


class Amendment(_Model):
    """What a new version of the input says about the change it makes (the change brief of the 补充协议)."""

    signing_date: dt.date = Field(title="补充协议签订日期")
    number: str | None = Field(None, title="补充协议编号", description="可不填")
    signing_place: str | None = Field(None, title="补充协议签订地点", description="不填则与原协议相同")
    reason: Text = Field(title="变更原因", description="如“根据已立项项目的实施需要”")
    effect: Effect = Field(default_factory=Effect, title="生效条件")
    departures: list[Departure] = Field(default_factory=list, title="成员退出",
                                        description="每个退出单位的方式、原因、生效、交接、结算和成果安排")
    accessions: list[Accession] = Field(default_factory=list, title="成员加入",
                                        description="每个加入单位的加入条件、成果使用许可和数据许可")
    share_reason: str | None = Field(None, title="收益分配调整原因", description="约定分配比例调整时必填")
    contribution_changes: list[ContributionChange] = Field(default_factory=list, title="投入调整",
                                                           description="各单位调整承诺投入的原因")
    lead_replacement: LeadReplacement | None = Field(None, title="更换牵头单位")
    filing: FilingUpdate = Field(default_factory=FilingUpdate, title="备案变更")


class Narrative(_Model):
    """Prose the construction plan needs; each field is one section's body text."""

    significance: str = Field("", title="建设意义", description="产业需求和组建必要性")
    foundation: str = Field("", title="基础优势", description="牵头单位和成员单位的基础与优势")
    cooperation_history: str = Field("", title="合作基础", description="各方已有的合作")
    platforms: str = Field("", title="平台载体", description="已有的创新平台")
    safeguards: str = Field("", title="保障措施", description="组织、制度、资金、人才等保障")
    ip_plan: str = Field("", title="知识产权布局", description="知识产权规划")
    talent_plan: str = Field("", title="人才培养", description="人才培养计划")
    promotion_plan: str = Field("", title="推广应用", description="推广应用和场景计划")
    standards_plan: str = Field("", title="标准研制", description="标准研制计划")


class Activities(_Model):
    """What the consortium's work involves, so that the agreement prints the protections it needs."""

    data_or_models: bool = Field(False, title="涉及数据或模型",
                                 description="攻关任务是否采集、加工、共享数据，或者训练、提供模型及模型权重")
    human_data: bool = Field(False, title="涉及人的数据或样本",
                             description="是否使用个人信息、人类遗传资源或者以人为对象的研究（须科技伦理审查）")
    samples_or_prototypes: bool = Field(False, title="涉及样品或样机",
                                        description="是否在成员之间提供材料、样品或样机")
    biological_materials: bool = Field(False, title="涉及生物材料",
                                       description="是否在成员之间提供菌株、细胞系、质粒等生物材料")
    field_tests: list[Text] = Field(default_factory=list, title="现场试验",
                                    description="海试、产线试验、道路试验等现场试验，每项一句，如“海上试验”")
    field_test_loss: Literal["owner_insures", "organiser_bears"] = Field(
        "owner_insures", title="现场试验财产损失承担",
        description="owner_insures：各方自行投保并承担本方财产损失，过错方赔偿；"
                    "organiser_bears：试验组织方（试验所属任务的承担单位）投保并承担试验期间的财产损失，"
                    "含保险赔付不足部分，再向故意或者重大过失方追偿")


class Consortium(_Model):
    """One innovation consortium: its parties, organisation, tasks, money and chosen policies."""

    name: str = Field(title="联合体名称", description="全称，以“创新联合体”结尾",
                      pattern=r"^.{2,60}创新联合体$")
    short_name: Text = Field(title="联合体简称", description="简称，如“深海传感创新联合体”")
    industry: Text = Field(title="所属产业领域", description="青岛市“10+1”创新型产业体系中的一个",
                           examples=["智能装备", "未来产业"])
    future_field: str | None = Field(None, title="未来产业方向",
                                     description="产业领域为“未来产业”时必填，如“深海开发”")
    sub_track: Text = Field(title="细分赛道", description="如“人形机器人”“海洋领域大模型”")
    term_start: dt.date = Field(title="建设期开始日期")
    term_end: dt.date = Field(title="建设期结束日期", description="建设期不超过3年")
    signing_place: Text = Field(title="签订地点", description="如“山东省青岛市崂山区”")
    signing_date: dt.date = Field(title="签订日期")
    agreement_number: str | None = Field(None, title="协议编号", description="可不填")
    filing_authority: str | None = Field(None, title="备案受理机关",
                                         description="牵头单位所在区（市、功能区）科技主管部门的全称，"
                                                     "如“崂山区科学技术局”；不填则写作“××区科技主管部门”")
    lead: Unit = Field(title="牵头单位")
    members: list[Unit] = Field(title="成员单位", description="牵头单位以外的成员单位")
    head: Head | None = Field(None, title="创新联合体负责人")
    chief_expert: ChiefExpert | None = Field(None, title="首席专家")
    council: Council | None = Field(None, title="理事会或议事协调机制", description="确有必要时设立")
    goals: list[Goal] = Field(min_length=1, title="技术创新目标")
    tasks: list[Task] = Field(min_length=1, title="攻关任务")
    mechanisms: Mechanisms = Field(default_factory=Mechanisms, title="运行机制")
    ip: IPPolicy = Field(default_factory=IPPolicy, title="知识产权约定")
    benefit: BenefitPolicy = Field(default_factory=BenefitPolicy, title="收益分配约定")
    risk: RiskPolicy = Field(default_factory=RiskPolicy, title="风险承担约定")
    confidentiality: Confidentiality = Field(default_factory=Confidentiality, title="保密约定")
    breach: BreachPolicy = Field(default_factory=BreachPolicy, title="违约责任约定")
    dispute: DisputePolicy = Field(title="争议解决方式", description="仲裁（一个仲裁委员会）或诉讼，二者只能选一")
    funding: list[FundingLine] = Field(min_length=1, title="经费投入计划", description="按单位、来源、年度列示")
    kpis: list[KPI] = Field(default_factory=list, title="考核指标")
    milestones: list[Milestone] = Field(default_factory=list, title="里程碑")
    narrative: Narrative = Field(default_factory=Narrative, title="建设方案文字")
    amendment: Amendment | None = Field(None, title="本次变更说明",
                                        description="仅在生成补充协议时填写：签订日期、变更原因、成员退出")
    activities: Activities = Field(default_factory=Activities, title="攻关活动特征",
                                   description="数据与模型、人的数据、样品样机、现场试验；决定协议是否写入相应条款")
    exceptions: list[RuleException] = Field(default_factory=list, title="例外说明",
                                            description="对“原则上”要求的有理由例外")
    totals: StatedTotals | None = Field(None, title="投入总额（核对用）",
                                        description="联合体投入的合计（资金、实物、总额），docgen 将与计算结果逐分核对")
    copies_per_party: int = Field(1, ge=1, le=10, title="每方持有份数")
    copies_for_filing: int = Field(1, ge=0, le=10, title="报备份数")

    @property
    def units(self) -> list[Unit]:
        """Return the lead unit followed by the members, in input order."""
        return [self.lead, *self.members]

    def unit(self, credit_code: str) -> Unit | None:
        """Return the unit with this credit code, or None."""
        return next((u for u in self.units if u.credit_code == credit_code), None)
