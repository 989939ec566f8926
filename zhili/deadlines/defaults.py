"""The deadline rules shipped with Zhili, created after `migrate` (services.sync_builtin_rules).

Statutes that say "N日" count calendar days (自然日) with the 《民法典》 roll-over of a last day
that falls on a holiday; only where a text says 工作日 do we count working days. That is why the
legal-aid deadlines (《法律援助法》第四十三条: 七日, 三日) are calendar days, although the older
《办理法律援助案件程序规定》 (2012) said 7 个工作日: the 2021 statute prevails.

The local request deadlines (响应 and 办结 by risk colour) are this platform's defaults, not
law: each centre may change them in Django admin, and the sync never overwrites an edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhili.deadlines.models import Stage, TimeUnit


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    stage: str
    amount: int
    unit: str
    legal_basis: str
    counted_from: str = ""
    kind: str | None = None
    category: str | None = None
    risk: str | None = None
    extendable_by: int = 0
    pausable: bool = False


PETITION_REGULATIONS = "《信访工作条例》（2022年）"
LOCAL = "本平台默认工作规范（非法定时限，可由管理员按本地制度修改）"

BUILTIN_RULES: tuple[RuleSpec, ...] = (
    # 信访 (petitions)
    RuleSpec(
        "petition-register",
        "信访事项登记并转送、交办或告知",
        Stage.REGISTER,
        15,
        TimeUnit.CALENDAR_DAYS,
        f"{PETITION_REGULATIONS}第二十二条、第二十三条：收到信访事项应当予以登记，在15日内转送、交办或者书面告知信访人",
        counted_from="收到信访事项之日",
        kind="petition",
    ),
    RuleSpec(
        "petition-decide",
        "信访事项办结",
        Stage.DECIDE,
        60,
        TimeUnit.CALENDAR_DAYS,
        f"{PETITION_REGULATIONS}第三十四条：自受理之日起60日内办结；情况复杂的，经本机关、单位负责人批准，"
        "可以适当延长，但延长期限不得超过30日，并告知信访人延期理由",
        counted_from="受理之日",
        kind="petition",
        extendable_by=30,
    ),
    RuleSpec(
        "petition-review-request",
        "请求复查期限",
        Stage.REVIEW_REQUEST,
        30,
        TimeUnit.CALENDAR_DAYS,
        f"{PETITION_REGULATIONS}第三十五条：信访人对处理意见不服的，可以自收到书面答复之日起30日内请求复查",
        counted_from="信访人收到书面答复之日",
        kind="petition",
    ),
    RuleSpec(
        "petition-review-decide",
        "复查意见",
        Stage.REVIEW_DECIDE,
        30,
        TimeUnit.CALENDAR_DAYS,
        f"{PETITION_REGULATIONS}第三十五条：自收到复查请求之日起30日内提出复查意见，并予以书面答复",
        counted_from="收到复查请求之日",
        kind="petition",
    ),
    RuleSpec(
        "petition-re-review-request",
        "请求复核期限",
        Stage.RE_REVIEW_REQUEST,
        30,
        TimeUnit.CALENDAR_DAYS,
        f"{PETITION_REGULATIONS}第三十六条：信访人对复查意见不服的，可以自收到书面答复之日起30日内请求复核",
        counted_from="信访人收到复查意见书面答复之日",
        kind="petition",
    ),
    RuleSpec(
        "petition-re-review-decide",
        "复核意见",
        Stage.RE_REVIEW_DECIDE,
        30,
        TimeUnit.CALENDAR_DAYS,
        f"{PETITION_REGULATIONS}第三十六条：自收到复核请求之日起30日内提出复核意见",
        counted_from="收到复核请求之日",
        kind="petition",
    ),
    # 法律援助 (legal aid)
    RuleSpec(
        "legal-aid-decide",
        "法律援助审查决定",
        Stage.DECIDE,
        7,
        TimeUnit.CALENDAR_DAYS,
        "《中华人民共和国法律援助法》第四十三条：自收到法律援助申请之日起七日内进行审查，作出是否给予法律援助的决定。"
        "申请人补充材料、作出说明所需的时间不计入审查期限（《办理法律援助案件程序规定》）",
        counted_from="收到法律援助申请之日",
        kind="legal_service",
        category="legal_aid",
        pausable=True,
    ),
    RuleSpec(
        "legal-aid-assign",
        "指派法律援助人员",
        Stage.LAWYER_ASSIGNED,
        3,
        TimeUnit.CALENDAR_DAYS,
        "《中华人民共和国法律援助法》第四十三条：决定给予法律援助的，自作出决定之日起三日内指派法律援助人员",
        counted_from="作出给予法律援助决定之日",
        kind="legal_service",
        category="legal_aid",
    ),
    # 调解 (mediation)
    RuleSpec(
        "labor-mediation-end",
        "劳动争议调解期满",
        Stage.MEDIATION_END,
        15,
        TimeUnit.CALENDAR_DAYS,
        "《中华人民共和国劳动争议调解仲裁法》第十四条：自劳动争议调解组织收到调解申请之日起十五日内未达成调解协议的，"
        "当事人可以依法申请仲裁",
        counted_from="调解组织收到调解申请之日",
        kind="dispute",
        category="labor_wage",
    ),
    RuleSpec(
        "judicial-confirmation",
        "申请司法确认期限",
        Stage.JUDICIAL_CONFIRMATION,
        30,
        TimeUnit.CALENDAR_DAYS,
        "《中华人民共和国人民调解法》第三十三条：双方当事人可以自调解协议生效之日起三十日内共同向人民法院申请司法确认",
        counted_from="调解协议生效之日",
        kind="dispute",
    ),
    # 诉求 (requests): local response and resolution deadlines by risk colour
    RuleSpec(
        "request-respond-red",
        "红色诉求响应",
        Stage.RESPOND,
        30,
        TimeUnit.MINUTES,
        LOCAL,
        counted_from="登记之时",
        kind="request",
        risk="red",
    ),
    RuleSpec(
        "request-respond-yellow",
        "黄色诉求响应",
        Stage.RESPOND,
        2,
        TimeUnit.HOURS,
        LOCAL,
        counted_from="登记之时",
        kind="request",
        risk="yellow",
    ),
    RuleSpec(
        "request-respond-green",
        "绿色诉求响应",
        Stage.RESPOND,
        1,
        TimeUnit.WORKING_DAYS,
        LOCAL,
        counted_from="登记之日",
        kind="request",
        risk="green",
    ),
    RuleSpec(
        "request-resolve-red",
        "红色诉求办结",
        Stage.RESOLVE,
        24,
        TimeUnit.HOURS,
        LOCAL,
        counted_from="登记之时",
        kind="request",
        risk="red",
    ),
    RuleSpec(
        "request-resolve-yellow",
        "黄色诉求办结",
        Stage.RESOLVE,
        3,
        TimeUnit.WORKING_DAYS,
        LOCAL,
        counted_from="登记之日",
        kind="request",
        risk="yellow",
    ),
    RuleSpec(
        "request-resolve-green",
        "绿色诉求办结",
        Stage.RESOLVE,
        7,
        TimeUnit.WORKING_DAYS,
        f"{LOCAL}；情况复杂的，经批准可延长至15个工作日",
        counted_from="登记之日",
        kind="request",
        risk="green",
        extendable_by=8,
    ),
)
