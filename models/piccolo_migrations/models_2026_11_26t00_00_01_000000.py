"""PostgreSQL links audit events at COMMIT: the placeholder sequence, the linking function and the deferred
constraint trigger (SQLite links events in Python and gets nothing here).

``api.audit.chain.append`` inserts an event with a negative placeholder seq and its canonical link text split
around the seq (``link_prefix``, ``link_suffix``). At COMMIT the trigger takes the chain's advisory lock, reads
the head and sets ``seq``, ``prev_hash`` and ``hash = sha256_hex(prev_hash || prefix || seq || suffix)``.

The SQL is written out here, as it was when this migration was made: a migration never imports application
code. ``models.audit_trigger`` installs the same statements on test databases made with ``create_schema``, and
the schema test (``tests/integration/health/test_schema.py``) compares the two on PostgreSQL; a change to the
trigger is a new migration. A migration of its own because Piccolo runs raw steps before it adds tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-11-26T00:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit events linked at COMMIT on PostgreSQL (sequence, function, deferred constraint trigger)"

INSTALL = (
    # Placeholders live only until COMMIT, so wrapping around after 2^31 appends cannot collide.
    "CREATE SEQUENCE IF NOT EXISTS audit_placeholder_seq AS integer CYCLE",
    """
CREATE OR REPLACE FUNCTION audit_chain_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head record;
  n integer;
  prev text;
BEGIN
  PERFORM pg_advisory_xact_lock(8247622990019519604);
  -- After the lock, so this statement's snapshot holds every link committed before ours.
  SELECT seq, hash INTO head FROM audit_event WHERE seq > 0 ORDER BY seq DESC LIMIT 1;
  IF FOUND THEN
    n := head.seq + 1;
    prev := head.hash;
  ELSE
    n := 1;
    prev := repeat('0', 64);
  END IF;
  -- The stored halves, not NEW's: a row already linked (a second trigger firing) is not linked twice.
  UPDATE audit_event
     SET seq = n, prev_hash = prev, link_prefix = NULL, link_suffix = NULL,
         hash = encode(sha256(convert_to(prev || link_prefix || n::text || link_suffix, 'UTF8')), 'hex')
   WHERE id = NEW.id AND seq < 0 AND link_prefix IS NOT NULL;
  RETURN NULL;
END $$
""",
    "DROP TRIGGER IF EXISTS audit_chain_link ON audit_event",
    # WHEN is evaluated at INSERT (not deferred): already-linked rows queue no COMMIT work at all.
    "CREATE CONSTRAINT TRIGGER audit_chain_link AFTER INSERT ON audit_event DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW WHEN (NEW.link_prefix IS NOT NULL) EXECUTE FUNCTION audit_chain_link()",
)

UNINSTALL = (
    "DROP TRIGGER IF EXISTS audit_chain_link ON audit_event",
    "DROP FUNCTION IF EXISTS audit_chain_link()",
    "DROP SEQUENCE IF EXISTS audit_placeholder_seq",
)


async def _run(statements: tuple[str, ...]) -> None:
    engine = engine_finder()  # the engine MigrationManager.run opened its transaction on
    if engine is None:
        raise RuntimeError("no Piccolo engine: set PICCOLO_CONF")
    if isinstance(engine, PostgresEngine):
        for statement in statements:
            await engine.run_ddl(statement)  # one statement per call: asyncpg's fetch() takes one


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def install() -> None:
        await _run(INSTALL)

    async def uninstall() -> None:
        await _run(UNINSTALL)

    manager.add_raw(install)
    manager.add_raw_backwards(uninstall)
    return manager
