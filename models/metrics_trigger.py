"""Triggers that mark a month's stored totals (``models.metrics_tables``) out of date when its inputs change.

Every insert, delete or relevant update of a visit, a visit's unit, a scan or a non-site record adds 1 to
``metrics_month_state.version`` of the local (Asia/Shanghai) month it belongs to — a visit's by ``window_start``,
a non-site record's by ``started_at``, a unit or a scan by its visit's — and of its old month when it moved.

* PostgreSQL: ``DEFERRABLE INITIALLY DEFERRED`` constraint triggers add the 1 at COMMIT, so the month's row is
  locked for the commit only, not from the first write of a transaction to its end. They take the audit chain's
  advisory lock first, as the audit trigger does at COMMIT: the two COMMIT-time locks are then always taken in
  the same order and two commits cannot wait on each other. ``SET LOCAL ruqi.metrics_bulk = 'on'`` (the sample's
  bulk loader, which then marks every month out of date itself) skips them.
* SQLite: plain row triggers; one writer at a time makes them exact.

Installed by the rollup migrations (``models/piccolo_migrations/models_2026_12_05t15_01_00_000000.py``, and
``…15_03…`` which widened the visit columns watched for the cached warnings; they write the same SQL out) and by
``models.db.create_schema``; the schema test compares the two.
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from models.audit_trigger import CHAIN_LOCK_KEY

# (table, the column giving the month, the columns whose change moves a count)
WATCHED: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("visit", "window_start", ("status", "kind", "window_start", "enterprise", "result", "year")),
    ("visit_unit", "visit", ("visit", "unit")),
    ("scan", "visit", ("visit", "backfill", "onsite_problem")),
    ("nonsite_record", "started_at", ("unit", "started_at")),
)

_BUMP = """
CREATE OR REPLACE FUNCTION metrics_month_bump(at timestamptz) RETURNS void LANGUAGE sql AS $$
  INSERT INTO metrics_month_state (month, version, rolled)
  SELECT to_char(date_trunc('month', at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD'), 1, -1 WHERE at IS NOT NULL
  ON CONFLICT (month) DO UPDATE SET version = metrics_month_state.version + 1
$$
"""

_TOUCHED = f"""
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

_NOT_BULK = "current_setting('ruqi.metrics_bulk', true) IS DISTINCT FROM 'on'"


def _postgres_triggers() -> list[str]:
    statements = []
    for table, _, columns in WATCHED:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        for op, when in (("INSERT", _NOT_BULK), ("UPDATE", f"({changed}) AND {_NOT_BULK}"), ("DELETE", _NOT_BULK)):
            name = f"metrics_{table}_{op.lower()}"
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE CONSTRAINT TRIGGER {name} AFTER {op} ON {table} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION metrics_month_touched()"
            )
    return statements


def _sqlite_bump(row: str, table: str, column: str) -> str:
    month = "strftime('%Y-%m-01', at, '+480 minutes')"  # Asia/Shanghai: UTC+8 since 1991, no daylight saving
    source = (
        f"(SELECT window_start AS at FROM visit WHERE id = {row}.visit)"
        if column == "visit"
        else f"(SELECT {row}.{column} AS at)"
    )
    return (
        f"INSERT INTO metrics_month_state (month, version, rolled) SELECT {month}, 1, -1 FROM {source} "
        "WHERE at IS NOT NULL ON CONFLICT (month) DO UPDATE SET version = version + 1;"
    )


def _sqlite_triggers() -> list[str]:
    statements = []
    for table, column, columns in WATCHED:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        for op, when, rows in (
            ("INSERT", "", ("NEW",)),
            ("UPDATE", f" WHEN {changed}", ("OLD", "NEW")),
            ("DELETE", "", ("OLD",)),
        ):
            body = " ".join(_sqlite_bump(row, table, column) for row in rows)
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS metrics_{table}_{op.lower()} AFTER {op} ON {table}{when} "
                f"BEGIN {body} END"
            )
    return statements


POSTGRES_SQL: tuple[str, ...] = (_BUMP, _TOUCHED, *_postgres_triggers())
SQLITE_SQL: tuple[str, ...] = tuple(_sqlite_triggers())


async def install_metrics_triggers(engine: Engine[Any]) -> None:
    for statement in POSTGRES_SQL if isinstance(engine, PostgresEngine) else SQLITE_SQL:
        await engine.run_ddl(statement)
