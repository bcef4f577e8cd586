"""signing_key and evidence_blob: what every app machine of one deployment shares through the database."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Bytea, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "signing_key (sealed Ed25519 keys of every key ring) and evidence_blob (evidence bytes) for many app machines"


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


TABLES: list[tuple[str, str, list[tuple[str, type, dict[str, object]]]]] = [
    (
        "SigningKey",
        "signing_key",
        [
            ("id", Serial, _params(primary_key=True)),
            ("ring", Varchar, _params(length=16, default="", index=True)),
            ("kid", Varchar, _params(length=8, default="", unique=True)),
            ("created_at", Timestamptz, _params(default=None)),
            ("not_signing_after", Timestamptz, _params(default=None, null=True)),
            ("verify_until", Timestamptz, _params(default=None, null=True)),
            ("sealed_private", Text, _params(default="")),
        ],
    ),
    (
        "EvidenceBlob",
        "evidence_blob",
        [
            ("id", Serial, _params(primary_key=True)),
            ("relative", Varchar, _params(length=67, default="", unique=True)),
            ("size", BigInt, _params(default=0)),
            ("data", Bytea, _params(default=b"")),
        ],
    ),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)
    for class_name, tablename, columns in TABLES:
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
