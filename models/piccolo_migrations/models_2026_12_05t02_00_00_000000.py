"""Trust: visit revisions and code serials, revocations by serial, on-site scan problems, re-issued enterprise codes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "visit revisions and code serials, revocations by serial, on-site scan problems, re-issued enterprise codes"


def _params(default: object, null: bool = False, **extra: object) -> dict[str, object]:
    return {
        "default": default,
        "null": null,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


COLUMNS = [
    ("Visit", "visit", "revision", Integer, _params(0)),
    ("Visit", "visit", "code_no", Integer, _params(0)),
    ("CodeRevocation", "code_revocation", "revoked_through_code", Integer, _params(0)),
    ("Scan", "scan", "onsite_problem", Varchar, _params("", length=24)),
    ("Enterprise", "enterprise", "code_issued_at", Timestamptz, _params(None, null=True)),
    ("Enterprise", "enterprise", "code_previous_issued_at", Timestamptz, _params(None, null=True)),
    ("Enterprise", "enterprise", "code_previous_until", Timestamptz, _params(None, null=True)),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)
    for class_name, table, column, column_class, params in COLUMNS:
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
    return manager
