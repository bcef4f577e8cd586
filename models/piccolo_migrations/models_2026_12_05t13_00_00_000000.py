"""Supervision (执法监督): complaint tracking and 澄清保护; 容错纠错 cases, their steps, people and deadlines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "complaint tracking codes, findings and feedback; inspectors cleared by untrue complaints (澄清保护)"


class Complaint(Table, tablename="complaint", schema=None):
    id = Serial(primary_key=True)


class Inspector(Table, tablename="inspector", schema=None):
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
