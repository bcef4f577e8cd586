"""Monthly totals of closed months for the metrics: ``metrics_month`` (one row per local month and unit, unit 0
the whole district) and ``metrics_month_state`` (per month: ``version`` of its inputs, ``rolled`` the version its
totals were counted at). The triggers that keep ``version`` are the next migration's (Piccolo runs a migration's
raw SQL before its new tables exist).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Serial, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "monthly totals of closed months for the metrics: tables metrics_month and metrics_month_state"


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


NEW_TABLES = [
    (
        "MetricsMonth",
        "metrics_month",
        [
            ("id", Serial, _params(primary_key=True)),
            ("month", Varchar, _params(length=10, default="", index=True)),
            ("unit", Integer, _params(default=0)),
            ("onsite", Integer, _params(default=0)),
            ("joint", Integer, _params(default=0)),
            ("checked_out", Integer, _params(default=0)),
            ("scanned", Integer, _params(default=0)),
            ("nonsite", Integer, _params(default=0)),
        ],
    ),
    (
        "MetricsMonthState",
        "metrics_month_state",
        [
            ("id", Serial, _params(primary_key=True)),
            ("month", Varchar, _params(length=10, default="", unique=True)),
            ("version", Integer, _params(default=0)),
            ("rolled", Integer, _params(default=-1)),
        ],
    ),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)
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
