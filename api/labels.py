"""The Chinese words for the closed vocabularies (``models.enums``): what pages, exports and reads show.

One table per enumeration, so a status is called the same everywhere. Pure: no Litestar, no database.
"""

from __future__ import annotations

from enum import StrEnum

from models.enums import (
    CaseDetermination,
    CaseSource,
    CaseStep,
    ComplaintFinding,
    ComplaintStatus,
    InspectorStatus,
    ItemCategory,
    ItemMethod,
    ListStatus,
    RiskGrade,
    Role,
    ServiceType,
    Trigger,
    UnitKind,
    VisitKind,
    VisitOrigin,
    VisitResult,
    VisitStatus,
    VisitTrigger,
    accept_words,
)

# api.feedback.schemas.ComplaintKind (kept apart from models.enums): what the complainant chose on the verify page.
COMPLAINT_KINDS = {
    "unfiled_inspection": "未备案/无效的检查",
    "too_frequent": "频繁、重复检查",
    "disguised_inspection": "以服务等名义变相检查",
    "inspector_conduct": "执法人员行为问题",
    "other": "其他",
}

LABELS: dict[type[StrEnum], dict[str, str]] = {
    Role: {
        "admin": "系统管理员",
        "supervisor": "监督机构（司法局）",
        "planner": "计划员",
        "approver": "主体负责人",
        "inspector": "执法人员",
        "enterprise": "企业",
    },
    UnitKind: {"department": "区直部门", "street_office": "街道办事处", "other": "其他执法主体"},
    InspectorStatus: {"valid": "有效", "suspended": "暂扣", "revoked": "吊销"},
    ItemMethod: {"onsite": "现场", "nonsite": "非现场", "document": "书面"},
    ItemCategory: {"no_disturbance": "无事不扰", "key_supervision": "重点监管", "random_check": "随机抽查"},
    ListStatus: {"draft": "草稿", "published": "已发布", "retired": "已废止"},
    Trigger: {
        "complaint": "投诉举报",
        "referral": "转办交办",
        "monitoring": "数据监测",
        "accident": "事故",
        "enterprise_request": "企业申请",
        "higher_assignment": "上级交办",
    },
    RiskGrade: {"low": "低风险", "medium": "中风险", "high": "高风险"},
    VisitKind: {"enforcement": "行政检查", "service": "服务性活动"},
    ServiceType: {
        "service": "服务",
        "publicity": "宣传",
        "research": "调研",
        "observation": "观摩",
        "supervision": "督导",
    },
    VisitOrigin: {"planned": "计划内检查", "triggered": "依据启动的检查"},
    VisitTrigger: {
        "complaint": "投诉举报",
        "referral": "转办交办",
        "monitoring": "数据监测",
        "accident": "事故",
        "enterprise_request": "企业申请",
        "higher_assignment": "上级交办",
        "emergency": "突发事件",
    },
    VisitStatus: {
        "filed": "已备案待批准",
        "approved": "已批准",
        "checked_in": "检查中",
        "checked_out": "已结束",
        "cancelled": "已取消",
    },
    VisitResult: {"no_issue": "未发现问题", "rectification": "责令整改", "case_opened": "立案查处", "other": "其他"},
    ComplaintStatus: {
        "received": "立案",
        "verifying": "核实",
        "determined": "认定",
        "feedback": "反馈",
        "rectified": "纠错",
        "archived": "归档",
    },
    ComplaintFinding: {
        "substantiated": "属实",
        "untrue": "不属实",
        "no_evidence": "查无实据",
        "tolerated": "容错免责",
    },
    CaseStep: {
        "opened": "立案",
        "verifying": "核实",
        "determined": "认定",
        "notified": "反馈",
        "correcting": "纠错",
        "archived": "归档",
    },
    CaseSource: {
        "complaint": "投诉举报",
        "referral_12345": "12345 转办",
        "unfiled_attempt": "未备案扫码",
        "metric_warning": "监测预警",
        "manual": "自行立案",
        "no_scan": "未有效扫码（自动）",
        "emergency_overdue": "紧急检查逾期未补批（自动）",
    },
    CaseDetermination: {
        "fulfilled": "履职尽责",
        "exempted": "容错免责",
        "mitigated": "从轻、减轻",
        "not_tolerated": "不予容错",
    },
}


accept_words(LABELS)


def label(enum: type[StrEnum], value: str | None) -> str:
    """The Chinese word for ``value`` of ``enum`` (the value itself when it has none; "—" for no value)."""
    if value is None:
        return "—"
    return LABELS.get(enum, {}).get(str(value), str(value))


def words_of(**fields: tuple[type[StrEnum], str | None]) -> dict[str, str]:
    """The Chinese word of each coded field that has a value: ``{"status": "已批准", ...}`` (reads return both)."""
    return {name: label(enum, value) for name, (enum, value) in fields.items() if value is not None}
