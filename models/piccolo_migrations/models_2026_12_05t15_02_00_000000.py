"""An index on ``scan.at``: the supervisor's back-filled and off-site scans of a period read that period's scans.

Without it every metrics period read every scan (a million at 100× the sample district). Plain
``CREATE INDEX IF NOT EXISTS`` on both engines, named as Piccolo names the index of an ``index=True`` column, so the
schema test finds the same index the tables create.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-05T15:02:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index scan.at for the metrics' back-filled and off-site scans of a period"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        if engine is None:
            raise RuntimeError("no Piccolo engine: set PICCOLO_CONF")
        await engine.run_ddl('CREATE INDEX IF NOT EXISTS scan_at ON "scan" ("at")')

    manager.add_raw(create)
    return manager
