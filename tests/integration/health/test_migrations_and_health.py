"""Health sees a down Redis and a missing database (the migrated schema is checked in test_schema.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.settings import Settings


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
