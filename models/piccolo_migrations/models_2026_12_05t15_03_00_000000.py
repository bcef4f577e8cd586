"""Cached rows of the metrics' slow warning queries over closed months (``metrics_cache``), and the visit columns
they read (enterprise, result, year) added to those whose change marks a month out of date.

The visit update trigger is ``models.metrics_trigger``'s, written out here (a migration imports no application
code): dropped and created again with the wider condition, on PostgreSQL and on SQLite.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Serial, Text, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-05T15:03:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "metrics_cache for the warnings over closed months; visit enterprise, result and year changes mark months"

COLUMNS = ("status", "kind", "window_start", "enterprise", "result", "year")
NOT_BULK = "current_setting('ruqi.metrics_bulk', true) IS DISTINCT FROM 'on'"


def postgres_statements() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COLUMNS)
    return [
        "DROP TRIGGER IF EXISTS metrics_visit_update ON visit",
        "CREATE CONSTRAINT TRIGGER metrics_visit_update AFTER UPDATE ON visit DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW WHEN (({changed}) AND {NOT_BULK}) EXECUTE FUNCTION metrics_month_touched()",
    ]


def sqlite_bump(row: str) -> str:
    return (
        "INSERT INTO metrics_month_state (month, version, rolled) SELECT strftime('%Y-%m-01', at, '+480 minutes'), "
        f"1, -1 FROM (SELECT {row}.window_start AS at) WHERE at IS NOT NULL "
        "ON CONFLICT (month) DO UPDATE SET version = version + 1;"
    )


def sqlite_statements() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COLUMNS)
    return [
        "DROP TRIGGER IF EXISTS metrics_visit_update",
        f"CREATE TRIGGER IF NOT EXISTS metrics_visit_update AFTER UPDATE ON visit WHEN {changed} "
        f"BEGIN {sqlite_bump('OLD')} {sqlite_bump('NEW')} END",
    ]


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


COLUMNS_OF_CACHE = [
    ("id", Serial, _params(primary_key=True)),
    ("key", Varchar, _params(length=200, default="", unique=True)),
    ("versions", Text, _params(default="")),
    ("body", Text, _params(default="")),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)
    manager.add_table(class_name="MetricsCache", tablename="metrics_cache", schema=None, columns=None)
    for name, column_class, params in COLUMNS_OF_CACHE:
        manager.add_column(
            table_class_name="MetricsCache",
            tablename="metrics_cache",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    async def triggers() -> None:
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no Piccolo engine: set PICCOLO_CONF")
        for statement in postgres_statements() if isinstance(engine, PostgresEngine) else sqlite_statements():
            await engine.run_ddl(statement)

    manager.add_raw(triggers)
    return manager
