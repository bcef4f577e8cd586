"""Closed vocabularies stored as short strings."""

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    planner = "planner"
    approver = "approver"
    inspector = "inspector"
    enterprise = "enterprise"


class UnitKind(StrEnum):
    department = "department"
    street_office = "street_office"
    other = "other"


class InspectorStatus(StrEnum):
    valid = "valid"
    suspended = "suspended"
    revoked = "revoked"


class ItemMethod(StrEnum):
    onsite = "onsite"
    nonsite = "nonsite"
    document = "document"


class ItemCategory(StrEnum):
    no_disturbance = "no_disturbance"  # 无事不扰
    key_supervision = "key_supervision"  # 重点监管
    random_check = "random_check"  # 随机抽查


class ListStatus(StrEnum):
    draft = "draft"
    published = "published"
    retired = "retired"


class Trigger(StrEnum):
    complaint = "complaint"  # 投诉举报
    referral = "referral"  # 转办交办
    monitoring = "monitoring"  # 数据监测 / 非现场监测
    accident = "accident"  # 事故
    enterprise_request = "enterprise_request"  # 企业申请
    higher_assignment = "higher_assignment"  # 上级交办


class RiskGrade(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class CatalogueList(StrEnum):
    items = "items"
    scenarios = "scenarios"
    library = "library"


class ChangeAction(StrEnum):
    create = "create"
    update = "update"
    retire = "retire"
