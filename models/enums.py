"""Closed vocabularies stored as short strings.

Input may name a value by its code (``research``) or by the Chinese word users type (``调研``): the words are
registered by ``api.labels`` (``accept_words``), and ``Vocabulary._missing_`` maps them to the code, which
msgspec honours when it decodes a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

_WORDS: dict[type[StrEnum], dict[str, StrEnum]] = {}


class Vocabulary(StrEnum):
    """A closed vocabulary that also accepts its registered Chinese words (and codes in any case)."""

    @classmethod
    def _missing_(cls, value: Any) -> Vocabulary | None:
        if not isinstance(value, str):
            return None
        text = value.strip()
        found = _WORDS.get(cls, {}).get(text)
        if found is None:
            found = next((member for member in cls if member.value == text.lower()), None)
        return found if isinstance(found, cls) else None


def accept_words(words: Mapping[type[StrEnum], Mapping[str, str]]) -> None:
    """Let each vocabulary accept its words (value -> word) as input for that value."""
    for enum, labels in words.items():
        _WORDS[enum] = {word: enum(value) for value, word in labels.items()}


class Role(Vocabulary):
    admin = "admin"
    supervisor = "supervisor"
    planner = "planner"
    approver = "approver"
    inspector = "inspector"
    enterprise = "enterprise"


class UnitKind(Vocabulary):
    department = "department"
    street_office = "street_office"
    other = "other"


class InspectorStatus(Vocabulary):
    valid = "valid"
    suspended = "suspended"
    revoked = "revoked"


class ItemMethod(Vocabulary):
    onsite = "onsite"
    nonsite = "nonsite"
    document = "document"


class ItemCategory(Vocabulary):
    no_disturbance = "no_disturbance"  # 无事不扰
    key_supervision = "key_supervision"  # 重点监管
    random_check = "random_check"  # 随机抽查


class ListStatus(Vocabulary):
    draft = "draft"
    published = "published"
    retired = "retired"


class Trigger(Vocabulary):
    complaint = "complaint"  # 投诉举报
    referral = "referral"  # 转办交办
    monitoring = "monitoring"  # 数据监测 / 非现场监测
    accident = "accident"  # 事故
    enterprise_request = "enterprise_request"  # 企业申请
    higher_assignment = "higher_assignment"  # 上级交办


class RiskGrade(Vocabulary):
    low = "low"
    medium = "medium"
    high = "high"


class CatalogueList(Vocabulary):
    items = "items"
    scenarios = "scenarios"
    library = "library"


class ChangeAction(Vocabulary):
    create = "create"
    update = "update"
    retire = "retire"


class VisitKind(Vocabulary):
    enforcement = "enforcement"  # 行政检查
    service = "service"  # 服务、宣传、调研、观摩、督导: logged, never with enforcement powers


class ServiceType(Vocabulary):
    service = "service"  # 服务
    publicity = "publicity"  # 宣传
    research = "research"  # 调研
    observation = "observation"  # 观摩
    supervision = "supervision"  # 督导


class VisitOrigin(Vocabulary):
    planned = "planned"
    triggered = "triggered"


class VisitTrigger(Vocabulary):
    """Why an unplanned visit happens: the library's triggers plus an emergency (突发事件)."""

    complaint = "complaint"
    referral = "referral"
    monitoring = "monitoring"
    accident = "accident"
    enterprise_request = "enterprise_request"
    higher_assignment = "higher_assignment"
    emergency = "emergency"


class VisitStatus(Vocabulary):
    filed = "filed"  # 备案, awaiting the unit head's approval
    approved = "approved"  # code issued
    checked_in = "checked_in"
    checked_out = "checked_out"
    cancelled = "cancelled"


class VisitResult(Vocabulary):
    no_issue = "no_issue"  # 无问题
    rectification = "rectification"  # 责令整改
    case_opened = "case_opened"  # 立案
    other = "other"


class ComplaintStatus(Vocabulary):
    received = "received"  # 立案 / 受理
    verifying = "verifying"  # 核实
    determined = "determined"  # 认定
    feedback = "feedback"  # 反馈
    rectified = "rectified"  # 纠错
    archived = "archived"  # 归档


class NonsiteKind(Vocabulary):
    """The kind of an asset, which is also the mode of a record made with it."""

    drone = "drone"  # 无人机巡飞
    boat = "boat"  # 无人船巡航
    camera = "camera"  # 监控点位 / 监控执法
    remote_video = "remote_video"  # 云勘察 (remote video survey)
    enforcement_point = "enforcement_point"  # 非现场执法点位 (e.g. truck overload detection)


class AssetStatus(Vocabulary):
    active = "active"
    inactive = "inactive"


class NonsiteResult(Vocabulary):
    no_issue = "no_issue"  # 未发现问题
    issue_found = "issue_found"  # 发现问题
    referred = "referred"  # 移送 / 转办
