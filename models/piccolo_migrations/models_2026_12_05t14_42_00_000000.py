"""Indexes the province data set (``bench/bench_province.py``, up to 100× the sample district) showed missing.

* ``visit.plan_task_id``: building a month's schedule asks which plan tasks already have a visit; without the
  index PostgreSQL scanned every visit once per task (over a minute per month at 10×).
* ``visit.window_start``: the visit list (newest window first) sorted the whole table for each page, and every
  metrics period (``window_start`` in the period) read every visit.

Plain ``CREATE INDEX IF NOT EXISTS`` on both engines, named as Piccolo names the index of an ``index=True`` column,
so the schema test finds the same index the tables create.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-05T14:42:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes the province data set needs: visit.plan_task_id, visit.window_start"

INDEXES = (
    'CREATE INDEX IF NOT EXISTS visit_plan_task_id ON "visit" ("plan_task_id")',
    'CREATE INDEX IF NOT EXISTS visit_window_start ON "visit" ("window_start")',
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no Piccolo engine: set PICCOLO_CONF")
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create)
    return manager
