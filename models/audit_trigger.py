"""PostgreSQL links audit events at COMMIT: the sequence, function and constraint trigger that do it.

``api.audit.chain.append`` inserts an event with a placeholder seq (``-nextval('audit_placeholder_seq')``,
negative and unique) and the canonical link text split around the seq (``link_prefix``, ``link_suffix``). A
``DEFERRABLE INITIALLY DEFERRED`` constraint trigger fires at COMMIT, in insert order: it takes the chain's
advisory lock, reads the head (seq > 0) with a fresh READ COMMITTED snapshot and sets ``seq``, ``prev_hash``
and ``hash = sha256_hex(prev_hash || prefix || seq || suffix)`` — ``link_hash`` of
``api.audit.formula`` byte for byte — and clears the two halves. The lock is released with the
commit, so it is held for microseconds, never across a client round trip. Rows inserted already linked
(SQLite-style, the bulk sample loader) have ``link_prefix`` NULL and are left alone.

Installed by the audit-trigger migration (``models/piccolo_migrations/models_2026_11_26t00_00_01_000000.py``,
which writes the same SQL out: migrations import no application code) and by ``models.db.create_schema`` (test
databases); the schema test compares the two on PostgreSQL. Every statement is idempotent; a change to them
needs a new migration with the new SQL.
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

CHAIN_LOCK_KEY = 0x7275716961756474  # b"ruqiaudt": one advisory lock for the whole chain
PLACEHOLDER_SEQUENCE = "audit_placeholder_seq"

_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_chain_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head record;
  n integer;
  prev text;
BEGIN
  PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
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
"""

INSTALL_SQL: tuple[str, ...] = (
    # Placeholders live only until COMMIT, so wrapping around after 2^31 appends cannot collide.
    f"CREATE SEQUENCE IF NOT EXISTS {PLACEHOLDER_SEQUENCE} AS integer CYCLE",
    _FUNCTION,
    "DROP TRIGGER IF EXISTS audit_chain_link ON audit_event",
    # WHEN is evaluated at INSERT (not deferred): already-linked rows queue no COMMIT work at all.
    "CREATE CONSTRAINT TRIGGER audit_chain_link AFTER INSERT ON audit_event DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW WHEN (NEW.link_prefix IS NOT NULL) EXECUTE FUNCTION audit_chain_link()",
)

UNINSTALL_SQL: tuple[str, ...] = (
    "DROP TRIGGER IF EXISTS audit_chain_link ON audit_event",
    "DROP FUNCTION IF EXISTS audit_chain_link()",
    f"DROP SEQUENCE IF EXISTS {PLACEHOLDER_SEQUENCE}",
)


async def install_audit_trigger(engine: Engine[Any]) -> None:
    """Create (or replace) the COMMIT-time linking on PostgreSQL; SQLite links in Python and needs nothing."""
    if isinstance(engine, PostgresEngine):
        for statement in INSTALL_SQL:
            await engine.run_ddl(statement)  # one statement per call: asyncpg's fetch() takes one


async def uninstall_audit_trigger(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        for statement in UNINSTALL_SQL:
            await engine.run_ddl(statement)
