"""The triggers that mark a month's stored metrics totals out of date (``metrics_month_state.version``).

``models.metrics_trigger``'s SQL, written out here (a migration imports no application code): on PostgreSQL
deferred constraint triggers on visit, visit_unit, scan and nonsite_record that add 1 to the month's version at
COMMIT, on SQLite plain row triggers. Months with data already in them get their state row the first time their
totals are counted (when first read, or by ``ruqi metrics-rollup``).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-05T15:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "triggers that mark a month's stored metrics totals out of date when its visits, scans or records change"

CHAIN_LOCK_KEY = 8247622990019519604  # models.audit_trigger.CHAIN_LOCK_KEY (b"ruqiaudt")
WATCHED = (
    ("visit", "window_start", ("status", "kind", "window_start")),
    ("visit_unit", "visit", ("visit", "unit")),
    ("scan", "visit", ("visit", "backfill", "onsite_problem")),
    ("nonsite_record", "started_at", ("unit", "started_at")),
)

BUMP = """
CREATE OR REPLACE FUNCTION metrics_month_bump(at timestamptz) RETURNS void LANGUAGE sql AS $$
  INSERT INTO metrics_month_state (month, version, rolled)
  SELECT to_char(date_trunc('month', at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD'), 1, -1 WHERE at IS NOT NULL
  ON CONFLICT (month) DO UPDATE SET version = metrics_month_state.version + 1
$$
"""

TOUCHED = f"""
CREATE OR REPLACE FUNCTION metrics_month_touched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
  IF TG_TABLE_NAME = 'visit' THEN
    IF TG_OP <> 'INSERT' THEN PERFORM metrics_month_bump(OLD.window_start); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM metrics_month_bump(NEW.window_start); END IF;
  ELSIF TG_TABLE_NAME = 'nonsite_record' THEN
    IF TG_OP <> 'INSERT' THEN PERFORM metrics_month_bump(OLD.started_at); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM metrics_month_bump(NEW.started_at); END IF;
  ELSE
    IF TG_OP <> 'INSERT' THEN PERFORM metrics_month_bump((SELECT window_start FROM visit WHERE id = OLD.visit)); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM metrics_month_bump((SELECT window_start FROM visit WHERE id = NEW.visit)); END IF;
  END IF;
  RETURN NULL;
END $$
"""

NOT_BULK = "current_setting('ruqi.metrics_bulk', true) IS DISTINCT FROM 'on'"


def postgres_statements() -> list[str]:
    statements = [BUMP, TOUCHED]
    for table, _, columns in WATCHED:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        for op, when in (("INSERT", NOT_BULK), ("UPDATE", f"({changed}) AND {NOT_BULK}"), ("DELETE", NOT_BULK)):
            name = f"metrics_{table}_{op.lower()}"
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE CONSTRAINT TRIGGER {name} AFTER {op} ON {table} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION metrics_month_touched()"
            )
    return statements


def sqlite_bump(row: str, column: str) -> str:
    month = "strftime('%Y-%m-01', at, '+480 minutes')"
    source = (
        f"(SELECT window_start AS at FROM visit WHERE id = {row}.visit)"
        if column == "visit"
        else f"(SELECT {row}.{column} AS at)"
    )
    return (
        f"INSERT INTO metrics_month_state (month, version, rolled) SELECT {month}, 1, -1 FROM {source} "
        "WHERE at IS NOT NULL ON CONFLICT (month) DO UPDATE SET version = version + 1;"
    )


def sqlite_statements() -> list[str]:
    statements = []
    for table, column, columns in WATCHED:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        for op, when, rows in (
            ("INSERT", "", ("NEW",)),
            ("UPDATE", f" WHEN {changed}", ("OLD", "NEW")),
            ("DELETE", "", ("OLD",)),
        ):
            body = " ".join(sqlite_bump(row, column) for row in rows)
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS metrics_{table}_{op.lower()} AFTER {op} ON {table}{when} "
                f"BEGIN {body} END"
            )
    return statements



async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def triggers() -> None:
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no Piccolo engine: set PICCOLO_CONF")
        for statement in postgres_statements() if isinstance(engine, PostgresEngine) else sqlite_statements():
            await engine.run_ddl(statement)

    manager.add_raw(triggers)
    return manager
