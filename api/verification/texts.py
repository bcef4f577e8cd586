"""The Chinese words of the verification page: headlines, reasons, labels and the enterprise's rights."""

from __future__ import annotations

import datetime as dt

from api.clock import LOCAL_TZ
from api.verification.schemas import Tone, VerificationOutcome
from models.enums import ServiceType, VisitKind, VisitStatus, VisitTrigger

VALID_HEADLINE = "已备案 · 有效"
INVALID_HEADLINE = "未备案/无效"
# Filed and approved, but its time has not come (amber): "not filed" would contradict the explanation below it.
NOT_YET_HEADLINE = "时间未到 · 尚未生效"

RIGHTS = (
    "检查人员应当出示执法证件，说明检查事项和依据。"
    "您有权就检查中认定的事实进行陈述、申辩；"
    "检查人员与本企业有利害关系、可能影响公正的，您有权申请其回避；"
    "对未备案的检查、清单之外的检查或检查人员的不当行为，您可以一键投诉，"
    "由司法行政部门（行政执法监督机构）受理，30日内反馈。投诉不影响您的任何权利。"
)

CANCELLED_REASON = "该检查已取消"

_OUTCOME_TEXT: dict[VerificationOutcome, tuple[Tone, str, str]] = {
    VerificationOutcome.valid: (
        "green",
        "",
        "检查已备案并经单位负责人批准，检查码在有效时间内。请核对下列人员与事项。",
    ),
    VerificationOutcome.not_yet_valid: (
        "amber",
        "检查码尚未生效",
        "该检查已备案，但还没到备案的检查时间。时间未到，检查人员不应入企检查。",
    ),
    VerificationOutcome.expired: (
        "red",
        "检查码已过期",
        "备案的检查时间已过。超出时间的检查没有备案，您可以拒绝并投诉。",
    ),
    VerificationOutcome.cancelled: ("red", CANCELLED_REASON, "该检查已被取消，原检查码作废。您可以拒绝检查并投诉。"),
    VerificationOutcome.unknown_key: (
        "red",
        "未知签发密钥",
        "此码不是本系统现用密钥签发的检查码。请勿配合检查，可一键投诉。",
    ),
    VerificationOutcome.bad_signature: (
        "red",
        "签名无效/被篡改",
        "此码的内容被改动过，或不是本系统签发的。请勿配合检查，可一键投诉。",
    ),
    VerificationOutcome.malformed: (
        "red",
        "无法识别的检查码",
        "这不是本系统的检查码。请让检查人员出示其检查码（亮码）后再扫。",
    ),
    VerificationOutcome.enterprise_mismatch: (
        "red",
        "企业不符",
        "这张检查码备案的是另一家企业，不是对贵企业的检查。您可以拒绝检查并投诉。",
    ),
}

SUPERSEDED_REASON = "检查码已作废（检查已改期或重新签发）"
REVOKED_REASON = "检查码已被撤销"
NO_VISIT_REASON = "查无此检查（检查码已作废）"
ENTERPRISE_TOKEN_REASON = "这是企业码，不是检查码"
INSPECTOR_REVOKED_REASON = "检查码已作废：检查人员的执法证已失效"
LISTS_MISMATCH_REASON = "检查码与备案的检查人员或检查事项不一致"
# The longer explanation when the code is void for a reason other than a cancellation.
VOID_DETAIL = {
    INSPECTOR_REVOKED_REASON: "检查人员不具备执法资格时不得实施检查，本次检查码作废。您可以拒绝检查并投诉。",
    LISTS_MISMATCH_REASON: "检查码所列人员或事项与备案不符，可能被篡改。您可以拒绝检查并投诉。",
}
PROBLEM_TEXT = {
    "inspector_auxiliary": "辅助人员，无执法资格",
    "inspector_suspended": "执法证已暂停",
    "inspector_revoked": "执法证已吊销",
    "certificate_not_valid": "执法证不在有效期内",
}


def inspectors_invalid_reason(people: list[str]) -> str:
    """The page names whoever is no longer valid: the enterprise may refuse them."""
    return f"以下检查人员的执法证已失效，本次检查无效：{'、'.join(people)}"


STATUS_TEXT = {
    VisitStatus.filed: "已备案，待单位负责人批准",
    VisitStatus.approved: "已批准，检查人员尚未签到",
    VisitStatus.checked_in: "检查人员已扫码签到，检查进行中",
    VisitStatus.checked_out: "检查已结束，检查人员已签退",
    VisitStatus.cancelled: "检查已取消",
}

SERVICE_TEXT = {
    ServiceType.service: "服务",
    ServiceType.publicity: "宣传",
    ServiceType.research: "调研",
    ServiceType.observation: "观摩",
    ServiceType.supervision: "督导",
}

TRIGGER_TEXT = {
    VisitTrigger.complaint: "投诉举报",
    VisitTrigger.referral: "转办交办",
    VisitTrigger.monitoring: "数据监测/非现场监测发现",
    VisitTrigger.accident: "事故",
    VisitTrigger.enterprise_request: "企业申请",
    VisitTrigger.higher_assignment: "上级交办",
    VisitTrigger.emergency: "突发事件（先检查、后补批）",
}

WEEKDAYS = "一二三四五六日"


def outcome_text(outcome: VerificationOutcome) -> tuple[Tone, str, str, str]:
    """Tone, headline, short reason and the longer explanation for an outcome."""
    tone, reason, detail = _OUTCOME_TEXT[outcome]
    headline = {VerificationOutcome.valid: VALID_HEADLINE, VerificationOutcome.not_yet_valid: NOT_YET_HEADLINE}.get(
        outcome, INVALID_HEADLINE
    )
    return tone, headline, reason, detail


def kind_text(kind: VisitKind, service_type: ServiceType | None) -> tuple[str, str]:
    """The visit's kind, and for a service visit the plain notice that it is not an inspection."""
    if kind is VisitKind.enforcement:
        return "行政检查", ""
    name = SERVICE_TEXT.get(service_type, "服务") if service_type else "服务"
    notice = (
        f"这是一次{name}活动，不是行政检查：来访人员不得行使检查、调查取证、责令整改等执法权力。"
        "以服务名义实施检查是被禁止的，如遇此情况请投诉。"
    )
    return f"{name}（非检查）", notice


def origin_text(origin: str, trigger: VisitTrigger | None, has_plan_task: bool = False) -> str:
    """计划内检查 only for a visit filed from a task of a published monthly plan; a planned visit without one
    (filed before plans were in use) says so instead of claiming a plan."""
    if trigger is None:
        return "计划内检查（列入检查计划）" if has_plan_task else "行政检查（未关联已发布的检查计划）"
    return f"因{TRIGGER_TEXT.get(trigger, '其他事由')}发起"


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LOCAL_TZ)


def window_text(start: dt.datetime, end: dt.datetime) -> str:
    """``2026年11月27日（周五）09:00–11:00`` in Asia/Shanghai; both dates when the window spans midnight."""
    a, b = local(start), local(end)
    day = f"{a.year}年{a.month}月{a.day}日（周{WEEKDAYS[a.weekday()]}）"
    if a.date() == b.date():
        return f"{day}{a:%H:%M}–{b:%H:%M}"
    return f"{day}{a:%H:%M} – {b.month}月{b.day}日{b:%H:%M}"
