"""The phone's local state: one SQLite file per profile (session, outbox, caches).

Every change is its own transaction (``with db:``); WAL with ``synchronous=FULL`` keeps what was committed
when the process is killed (or the phone loses power) at any moment.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DB_FILE = "phone.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body BLOB NOT NULL,
    needs_login INTEGER NOT NULL,
    label TEXT NOT NULL,
    owner TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    answered_at TEXT,
    http_status INTEGER,
    response BLOB,
    error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS http_cache (
    url TEXT PRIMARY KEY,
    etag TEXT,
    body BLOB NOT NULL,
    validated_at TEXT NOT NULL,
    max_age INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS revocation (
    visit_id INTEGER NOT NULL,
    revoked_before REAL NOT NULL,  -- POSIX seconds: compared as numbers, never as text
    expires_at REAL NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (visit_id, revoked_before)
);
"""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def open_db(state_dir: Path) -> sqlite3.Connection:
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = sqlite3.connect(state_dir / DB_FILE, timeout=30)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    with db:
        db.executescript(SCHEMA)
    return db


def get(db: sqlite3.Connection, key: str) -> Any:
    row = db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    return json.loads(row["value"]) if row else None


def put(db: sqlite3.Connection, values: dict[str, Any]) -> None:
    with db:
        db.executemany(
            "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(k, json.dumps(v)) for k, v in values.items()],
        )


@dataclass(frozen=True)
class Session:
    server: str
    username: str
    role: str
    token: str
    expires_at: dt.datetime
    inspector_id: int | None = None
    uscc: str | None = None
    unit_code: str | None = None

    def expired(self, now: dt.datetime | None = None) -> bool:
        return (now or utcnow()) >= self.expires_at


def save_session(db: sqlite3.Connection, session: Session) -> None:
    data = {**session.__dict__, "expires_at": iso(session.expires_at)}
    put(db, {"session": data})


def load_session(db: sqlite3.Connection) -> Session | None:
    data = get(db, "session")
    if not isinstance(data, dict):
        return None
    known = {k: v for k, v in data.items() if k in Session.__dataclass_fields__}
    return Session(**{**known, "expires_at": parse_iso(data["expires_at"])})


def clear_session(db: sqlite3.Connection) -> None:
    with db:
        db.execute("DELETE FROM kv WHERE key = 'session'")
