"""Migrations build the same schema as the tables on SQLite and PostgreSQL; health sees a down Redis."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.settings import Settings
from models.schema import ALL_TABLES
from tests.support.databases import create_pg_database, drop_pg_database, pg_dsn

EXPECTED = {t._meta.tablename: {c._meta.db_column_name for c in t._meta.columns} for t in ALL_TABLES}


def _migrate(database_url: str, data_dir: Path) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, RUQI_DATA_DIR=str(data_dir))
    ruqi = Path(sys.executable).with_name("ruqi")
    result = subprocess.run([str(ruqi), "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_create_every_table_and_column_on_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    _migrate(f"sqlite:///{db}", tmp_path)
    conn = sqlite3.connect(db)
    for table, columns in EXPECTED.items():
        found = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        assert columns <= found, (table, columns - found)


def test_migrations_create_every_table_and_column_on_postgres(tmp_path: Path) -> None:
    name = create_pg_database()
    try:
        _migrate(pg_dsn(name), tmp_path)

        async def columns() -> dict[str, set[str]]:
            conn = await asyncpg.connect(pg_dsn(name))
            rows = await conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            )
            await conn.close()
            found: dict[str, set[str]] = {}
            for row in rows:
                found.setdefault(row["table_name"], set()).add(row["column_name"])
            return found

        found = asyncio.run(columns())
        for table, expected in EXPECTED.items():
            assert expected <= found.get(table, set()), (table, expected - found.get(table, set()))
    finally:
        drop_pg_database(name)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_health_reports_a_down_redis_without_failing_the_service(settings: Settings) -> None:
    # Port 1 on loopback: nothing listens there, so the client gets "connection refused".
    broken = Settings(
        database_url=settings.database_url,
        redis_url="redis://127.0.0.1:1/0",
        data_dir=settings.data_dir,
        jwt_secret=settings.jwt_secret,
    )
    with TestClient(create_app(broken)) as client:
        response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["redis"] == "down" and body["database"] == "ok"
    assert "redis" in body["detail"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_health_reports_a_missing_database_as_503(settings: Settings, tmp_path: Path) -> None:
    empty = Settings(database_url=f"sqlite:///{tmp_path}/none.sqlite3", data_dir=settings.data_dir, jwt_secret="s" * 40)
    with TestClient(create_app(empty)) as client:
        response = client.get("/health")
    assert response.status_code == 503 and response.json()["database"] == "down"
