"""Supervision (执法监督): complaint tracking and 澄清保护; 容错纠错 cases, their steps, people and deadlines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "complaint tracking codes, findings and feedback; inspectors cleared by untrue complaints (澄清保护); "
    "容错纠错 cases with the people concerned, investigators and events; 执法监督 documents and the units' responses; "
    "预约式 service requests; accepted results of other units (检查结果互认)"
)


class Complaint(Table, tablename="complaint", schema=None):
    id = Serial(primary_key=True)


class Inspector(Table, tablename="inspector", schema=None):
    id = Serial(primary_key=True)


class Unit(Table, tablename="unit", schema=None):
    id = Serial(primary_key=True)


class Visit(Table, tablename="visit", schema=None):
    id = Serial(primary_key=True)


class SupervisionCase(Table, tablename="supervision_case", schema=None):
    id = Serial(primary_key=True)


class Enterprise(Table, tablename="enterprise", schema=None):
    id = Serial(primary_key=True)


class Item(Table, tablename="item", schema=None):
    id = Serial(primary_key=True)


def _params(**overrides: object) -> dict[str, object]:
    params: dict[str, object] = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(overrides)
    return params


def _reference(table: type[Table], null: bool = True) -> dict[str, object]:
    return _params(
        references=table, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None, null=null, index=True
    )


NEW_COLUMNS = [
    ("Complaint", "complaint", "tracking_hash", Varchar, _params(length=64, default="", index=True)),
    ("Complaint", "complaint", "finding", Varchar, _params(length=16, default="")),
    ("Complaint", "complaint", "result_summary", Text, _params(default="")),
    ("Complaint", "complaint", "feedback_mode", Varchar, _params(length=16, default="")),
    ("Complaint", "complaint", "fed_back_at", Timestamptz, _params(default=None, null=True)),
]

NEW_TABLES = [
    (
        "InspectorClearance",
        "inspector_clearance",
        [
            ("id", Serial, _params(primary_key=True)),
            ("complaint", ForeignKey, _reference(Complaint)),
            ("inspector", ForeignKey, _reference(Inspector)),
            ("note", Text, _params(default="")),
            ("cleared_by", Varchar, _params(length=64, default="")),
            ("cleared_at", Timestamptz, _params(default=None)),
        ],
    ),
    (
        "SupervisionCase",
        "supervision_case",
        [
            ("id", Serial, _params(primary_key=True)),
            ("source", Varchar, _params(length=24, default="")),
            ("source_ref", Varchar, _params(length=64, default="")),
            ("auto_key", Varchar, _params(length=64, default=None, null=True, unique=True)),
            ("unit", ForeignKey, _reference(Unit)),
            ("complaint", ForeignKey, _reference(Complaint)),
            ("visit", ForeignKey, _reference(Visit)),
            ("title", Varchar, _params(length=200, default="")),
            ("summary", Text, _params(default="")),
            ("error_kind", Varchar, _params(length=32, default="")),
            ("step", Varchar, _params(length=16, default="", index=True)),
            ("opened_by", Varchar, _params(length=64, default="")),
            ("opened_at", Timestamptz, _params(default=None)),
            ("decision_due_at", Timestamptz, _params(default=None)),
            ("extension_days", Integer, _params(default=0)),
            ("extension_reason", Text, _params(default="")),
            ("extension_approved_by", Varchar, _params(length=64, default="")),
            ("determination", Varchar, _params(length=16, default="")),
            ("grounds", JSON, _params(default="[]")),
            ("determined_at", Timestamptz, _params(default=None, null=True)),
            ("notified_at", Timestamptz, _params(default=None, null=True)),
            ("handed_to_unit_at", Timestamptz, _params(default=None, null=True)),
            ("unit_handled_at", Timestamptz, _params(default=None, null=True)),
            ("unit_reported_at", Timestamptz, _params(default=None, null=True)),
            ("unit_result", Text, _params(default="")),
            ("review_requested_at", Timestamptz, _params(default=None, null=True)),
            ("review_reason", Text, _params(default="")),
            ("review_decided_at", Timestamptz, _params(default=None, null=True)),
            ("review_outcome", Varchar, _params(length=16, default="")),
            ("correction_requirements", Text, _params(default="")),
            ("correction_due_at", Timestamptz, _params(default=None, null=True)),
            ("correction_extension_days", Integer, _params(default=0)),
            ("correction_extension_requested_days", Integer, _params(default=0)),
            ("correction_extension_reason", Text, _params(default="")),
            ("correction_completed_at", Timestamptz, _params(default=None, null=True)),
            ("correction_report", Text, _params(default="")),
            ("archived_at", Timestamptz, _params(default=None, null=True)),
        ],
    ),
    (
        "CasePerson",
        "case_person",
        [
            ("id", Serial, _params(primary_key=True)),
            ("case", ForeignKey, _reference(SupervisionCase)),
            ("inspector", ForeignKey, _reference(Inspector)),
            ("statement", Text, _params(default="")),
            ("statement_waived", Varchar, _params(length=8, default="")),
            ("statement_at", Timestamptz, _params(default=None, null=True)),
        ],
    ),
    (
        "CaseInvestigator",
        "case_investigator",
        [
            ("id", Serial, _params(primary_key=True)),
            ("case", ForeignKey, _reference(SupervisionCase)),
            ("username", Varchar, _params(length=64, default="")),
            ("assigned_by", Varchar, _params(length=64, default="")),
            ("assigned_at", Timestamptz, _params(default=None)),
        ],
    ),
    (
        "CaseEvent",
        "case_event",
        [
            ("id", Serial, _params(primary_key=True)),
            ("case", ForeignKey, _reference(SupervisionCase)),
            ("action", Varchar, _params(length=32, default="")),
            ("step", Varchar, _params(length=16, default="")),
            ("note", Text, _params(default="")),
            ("attachments", JSON, _params(default="[]")),
            ("actor", Varchar, _params(length=64, default="")),
            ("at", Timestamptz, _params(default=None)),
        ],
    ),
    (
        "SupervisionDocument",
        "supervision_document",
        [
            ("id", Serial, _params(primary_key=True)),
            ("kind", Varchar, _params(length=24, default="", index=True)),
            ("unit", ForeignKey, _reference(Unit)),
            ("case", ForeignKey, _reference(SupervisionCase)),
            ("title", Varchar, _params(length=200, default="")),
            ("findings", Text, _params(default="")),
            ("requirements", Text, _params(default="")),
            ("recipient", Varchar, _params(length=100, default="")),
            ("held_at", Timestamptz, _params(default=None, null=True)),
            ("response_due_at", Timestamptz, _params(default=None, null=True)),
            ("issued_by", Varchar, _params(length=64, default="")),
            ("issued_at", Timestamptz, _params(default=None)),
            ("response", Text, _params(default="")),
            ("response_attachments", JSON, _params(default="[]")),
            ("responded_by", Varchar, _params(length=64, default="")),
            ("responded_at", Timestamptz, _params(default=None, null=True)),
        ],
    ),
    (
        "ServiceRequest",
        "service_request",
        [
            ("id", Serial, _params(primary_key=True)),
            ("enterprise", ForeignKey, _reference(Enterprise)),
            ("unit", ForeignKey, _reference(Unit)),
            ("service_type", Varchar, _params(length=16, default="")),
            ("topic", Text, _params(default="")),
            ("slots", JSON, _params(default="[]")),
            ("status", Varchar, _params(length=16, default="", index=True)),
            ("requested_by", Varchar, _params(length=64, default="")),
            ("requested_at", Timestamptz, _params(default=None)),
            ("decided_by", Varchar, _params(length=64, default="")),
            ("decided_at", Timestamptz, _params(default=None, null=True)),
            ("decline_reason", Text, _params(default="")),
            ("chosen_slot", Integer, _params(default=0)),
            ("visit", ForeignKey, _reference(Visit)),
        ],
    ),
    (
        "ResultAcceptance",
        "result_acceptance",
        [
            ("id", Serial, _params(primary_key=True)),
            ("link_key", Varchar, _params(length=64, default="", unique=True)),
            ("unit", ForeignKey, _reference(Unit)),
            ("enterprise", ForeignKey, _reference(Enterprise)),
            ("item", ForeignKey, _reference(Item)),
            ("visit", ForeignKey, _reference(Visit)),
            ("note", Text, _params(default="")),
            ("accepted_by", Varchar, _params(length=64, default="")),
            ("accepted_at", Timestamptz, _params(default=None, index=True)),
        ],
    ),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)
    for class_name, table, column, column_class, params in NEW_COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=table,
            column_name=column,
            db_column_name=column,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    for class_name, tablename, columns in NEW_TABLES:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
