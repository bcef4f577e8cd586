"""PostgreSQL links audit events at COMMIT (models.audit_trigger); SQLite links them in Python, nothing to do.

A separate migration because Piccolo runs raw steps before added columns, and the trigger's WHEN clause reads
``link_prefix``, added by the previous migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder

from models.audit_trigger import install_audit_trigger, uninstall_audit_trigger

ID = "2026-11-26T14:44:46:141398"
VERSION = "1.38.0"
DESCRIPTION = "audit_link_trigger"


def _engine() -> Engine:
    engine = engine_finder()  # the engine MigrationManager.run opened its transaction on
    if engine is None:
        raise RuntimeError("no Piccolo engine: set PICCOLO_CONF")
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def install() -> None:
        await install_audit_trigger(_engine())  # a no-op on SQLite

    async def uninstall() -> None:
        await uninstall_audit_trigger(_engine())

    manager.add_raw(install)
    manager.add_raw_backwards(uninstall)
    return manager
