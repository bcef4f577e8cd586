"""PostgreSQL keeps the verification log in one partition per month (Beijing time); SQLite keeps one table.

Every phone scan of a code adds a row, so the table grows without end; retention (``api.audit.retention``) drops
whole months instead of deleting rows one by one. ``verification_log`` becomes a table partitioned by range of
``at`` with primary key ``(id, at)`` (a partitioned table's keys must include the partition key; ids still come
from ``verification_log_id_seq`` and stay unique):

* ``verification_log_default`` takes a row whose month has no partition yet, so an insert never fails;
* ``verification_log_month_partition(day)`` creates the partition ``verification_log_yYYYYmMM`` of the Beijing
  month holding ``day`` (``[1st 00:00 +08:00, next 1st 00:00 +08:00)``), moving any rows of that month out of the
  default partition first; it does nothing when the partition exists and takes an advisory lock, so app
  machines starting together do not race. The app creates the coming months ahead (at startup and with
  ``ruqi prune-verification-log``), so rows land in their month and the default stays empty.

Installed by the partitioning migration (``models/piccolo_migrations/models_2026_12_05t14_41_00_000000.py``,
which writes the same SQL out and also moves the rows already there) and by ``models.db.create_schema`` (test
databases); the schema test compares the two on PostgreSQL. Every statement is idempotent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from models.visit_tables import VerificationLog

PARTITION_LOCK_KEY = 0x7275716970617274  # b"ruqipart"
DEFAULT_PARTITION = "verification_log_default"
PARTITION_PREFIX = "verification_log_y"

_MONTH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION verification_log_month_partition(day date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  first date := date_trunc('month', day)::date;
  name text := format('{PARTITION_PREFIX}%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
  lo timestamptz := first::timestamp AT TIME ZONE 'Asia/Shanghai';
  hi timestamptz := (first + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai';
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN name;
  END IF;
  PERFORM pg_advisory_xact_lock({PARTITION_LOCK_KEY});
  IF to_regclass(name) IS NOT NULL THEN
    RETURN name;
  END IF;
  -- The advisory lock does not refresh this backend's view of the catalog, so to_regclass may have missed
  -- a partition another machine made while we waited: its CREATE then says so, and that is the answer.
  BEGIN
    EXECUTE format('CREATE TABLE %I (LIKE verification_log INCLUDING DEFAULTS)', name);
  EXCEPTION WHEN duplicate_table THEN
    RETURN name;
  END;
  -- Rows that reached the default partition before their month existed move into it, or ATTACH would refuse.
  EXECUTE format(
    'WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE at >= %L AND at < %L RETURNING *) '
    'INSERT INTO %I SELECT * FROM moved', lo, hi, name);
  EXECUTE format('ALTER TABLE verification_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
  RETURN name;
END $$
"""

# An unpartitioned verification_log (made by Piccolo from the table class, or by the first migration) becomes
# the partitioned one, its rows moved into their months.
_CONVERT = f"""
DO $$
DECLARE
  month date;
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('verification_log')) IS DISTINCT FROM 'r' THEN
    RETURN;
  END IF;
  ALTER TABLE verification_log RENAME TO verification_log_unpartitioned;
  ALTER INDEX verification_log_pkey RENAME TO verification_log_unpartitioned_pkey;
  ALTER INDEX verification_log_at RENAME TO verification_log_unpartitioned_at;
  ALTER INDEX verification_log_visit_id RENAME TO verification_log_unpartitioned_visit_id;
  CREATE TABLE verification_log (LIKE verification_log_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (at);
  ALTER SEQUENCE verification_log_id_seq OWNED BY verification_log.id;
  ALTER TABLE verification_log ADD CONSTRAINT verification_log_pkey PRIMARY KEY (id, at);
  CREATE INDEX verification_log_at ON verification_log (at);
  CREATE INDEX verification_log_visit_id ON verification_log (visit_id);
  CREATE TABLE {DEFAULT_PARTITION} PARTITION OF verification_log DEFAULT;
  FOR month IN
    SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'Asia/Shanghai')::date FROM verification_log_unpartitioned
  LOOP
    PERFORM verification_log_month_partition(month);
  END LOOP;
  INSERT INTO verification_log SELECT * FROM verification_log_unpartitioned;
  DROP TABLE verification_log_unpartitioned;
END $$
"""

INSTALL_SQL: tuple[str, ...] = (_MONTH_FUNCTION, _CONVERT)


async def partition_verification_log(engine: Engine[Any]) -> None:
    """Make ``verification_log`` partitioned by month on PostgreSQL; SQLite keeps its single table."""
    if isinstance(engine, PostgresEngine):
        for statement in INSTALL_SQL:
            await engine.run_ddl(statement)


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The 1st of every month from ``first``'s to ``last``'s, both included."""
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def partition_month(name: str) -> dt.date | None:
    """The month a partition's name stands for (``verification_log_y2026m12`` → 2026-12-01); None otherwise."""
    if not name.startswith(PARTITION_PREFIX):
        return None
    year, _, month = name.removeprefix(PARTITION_PREFIX).partition("m")
    return dt.date(int(year), int(month), 1) if year.isdigit() and month.isdigit() else None


async def ensure_month_partitions(first: dt.date, last: dt.date) -> list[str]:
    """Create the month partitions from ``first``'s month through ``last``'s (PostgreSQL; nothing on SQLite)."""
    if not isinstance(VerificationLog._meta.db, PostgresEngine):
        return []
    names = []
    for month in month_starts(first, last):
        rows = await VerificationLog.raw("SELECT verification_log_month_partition({}) AS name", month)
        names.append(str(rows[0]["name"]))
    return names


async def month_partitions() -> list[tuple[dt.date, str]]:
    """The month partitions of ``verification_log``, oldest first (PostgreSQL; empty on SQLite)."""
    if not isinstance(VerificationLog._meta.db, PostgresEngine):
        return []
    rows = await VerificationLog.raw(
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass('verification_log')"
    )
    found = [(partition_month(str(r["name"])), str(r["name"])) for r in rows]
    return sorted((month, name) for month, name in found if month is not None)
