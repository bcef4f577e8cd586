"""The verification log partitioned by month on PostgreSQL (SQLite keeps its single table): the rows already there
move into their months.

``verification_log`` becomes a table partitioned by range of ``at`` (Beijing months) with primary key ``(id, at)``
(a partitioned table's keys include the partition key), a default partition for a row whose month has no partition
yet, and ``verification_log_month_partition(day)``, which creates a month's partition ahead of time (the app calls
it at startup and from ``ruqi prune-verification-log``). Retention then drops whole months.

The SQL is written out here, as it was when this migration was made: a migration never imports application code.
``models.partitions`` installs the same statements on test databases made with ``create_schema``; the schema test
compares the two on PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-05T14:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "verification_log partitioned by Beijing month on PostgreSQL, primary key (id, at), rows kept"

INSTALL = (
    """
CREATE OR REPLACE FUNCTION verification_log_month_partition(day date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  first date := date_trunc('month', day)::date;
  name text := format('verification_log_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
  lo timestamptz := first::timestamp AT TIME ZONE 'Asia/Shanghai';
  hi timestamptz := (first + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai';
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN name;
  END IF;
  PERFORM pg_advisory_xact_lock(8247622990269870708);
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
    'WITH moved AS (DELETE FROM verification_log_default WHERE at >= %L AND at < %L RETURNING *) '
    'INSERT INTO %I SELECT * FROM moved', lo, hi, name);
  EXECUTE format('ALTER TABLE verification_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
  RETURN name;
END $$
""",
    """
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
  CREATE TABLE verification_log_default PARTITION OF verification_log DEFAULT;
  FOR month IN
    SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'Asia/Shanghai')::date FROM verification_log_unpartitioned
  LOOP
    PERFORM verification_log_month_partition(month);
  END LOOP;
  INSERT INTO verification_log SELECT * FROM verification_log_unpartitioned;
  DROP TABLE verification_log_unpartitioned;
END $$
""",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def install() -> None:
        engine = engine_finder()  # the engine MigrationManager.run opened its transaction on
        if engine is None:
            raise RuntimeError("no Piccolo engine: set PICCOLO_CONF")
        if isinstance(engine, PostgresEngine):
            for statement in INSTALL:
                await engine.run_ddl(statement)  # one statement per call: asyncpg's fetch() takes one

    manager.add_raw(install)
    return manager
