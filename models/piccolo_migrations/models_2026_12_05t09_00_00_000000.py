"""visit_evidence: photos and files attached to an on-site visit (the phone app's check-out)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "visit_evidence: photos and files attached to an on-site visit"


class Visit(Table, tablename="visit", schema=None):
    id = Serial(primary_key=True)


class Evidence(Table, tablename="evidence", schema=None):
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


def _reference(table: type[Table]) -> dict[str, object]:
    return _params(
        references=table, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None, null=True, index=True
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)
    manager.add_table(class_name="VisitEvidence", tablename="visit_evidence", schema=None, columns=None)
    columns = [
        ("id", Serial, _params(primary_key=True)),
        ("visit", ForeignKey, _reference(Visit)),
        ("evidence", ForeignKey, _reference(Evidence)),
        ("link_key", Varchar, _params(length=64, default="", unique=True)),
        ("added_by", Varchar, _params(length=64, default="")),
        ("added_at", Timestamptz, _params(default=None)),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="VisitEvidence",
            tablename="visit_evidence",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
