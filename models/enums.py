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


class ComplaintFinding(StrEnum):
    """What the 认定 step found (实施办法第二十二条 names the last three)."""

    substantiated = "substantiated"  # 属实
    untrue = "untrue"  # 经查不属实
    no_evidence = "no_evidence"  # 查无实据
    tolerated = "tolerated"  # 经认定予以容错免责


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


class CaseStep(StrEnum):
    """履职尽责容错纠错 (实施办法第十四条): 立案、核实、认定、反馈、纠错、归档."""

    opened = "opened"  # 立案
    verifying = "verifying"  # 核实
    determined = "determined"  # 认定
    notified = "notified"  # 反馈 (告知相关单位及当事人)
    correcting = "correcting"  # 纠错
    archived = "archived"  # 归档


class CaseSource(StrEnum):
    complaint = "complaint"  # 投诉举报
    referral_12345 = "referral_12345"  # 12345 热线转办
    unfiled_attempt = "unfiled_attempt"  # 无码入企 (a scan that matched no filed visit)
    metric_warning = "metric_warning"  # 监测预警 (a dashboard warning)
    manual = "manual"  # 监督机构自行立案
    no_scan = "no_scan"  # a checked-out visit without a valid on-site scan (opened automatically)
    emergency_overdue = "emergency_overdue"  # an emergency visit not approved in time (opened automatically)


class CaseDetermination(StrEnum):
    fulfilled = "fulfilled"  # 履职尽责 (第九条)
    exempted = "exempted"  # 容错免责 (第十条)
    mitigated = "mitigated"  # 从轻、减轻 (第十条、第十一条)
    not_tolerated = "not_tolerated"  # 不予容错 (第十二条)


class DocumentKind(StrEnum):
    """执法监督 documents and actions (Jinan opinions: 意见书和决定书, 核查督办, 暗访约谈, 通报, 移送纪检监察)."""

    opinion = "opinion"  # 行政执法监督意见书
    decision = "decision"  # 行政执法监督决定书
    interview = "interview"  # 约谈
    circular = "circular"  # 通报
    urging = "urging"  # 督办
    discipline_referral = "discipline_referral"  # 移送纪检监察


class AppointmentStatus(StrEnum):
    """预约式服务: an enterprise's request for a service visit."""

    requested = "requested"  # 已申请
    accepted = "accepted"  # 已受理 (a service visit is filed in the chosen slot)
    declined = "declined"  # 未受理
    withdrawn = "withdrawn"  # 企业撤回
