"""Health sees a down Redis and a missing database (the migrated schema is checked in test_schema.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from api.actor import Actor
from api.app import create_app
from api.auth import token_extras
from api.settings import Settings
from models.enums import Role
from tests.support.world import World


def _admin(client: TestClient[Litestar], admin: Actor) -> dict[str, str]:
    token = client.app.state.jwt_auth.create_token(identifier=admin.username, token_extras=token_extras(admin))
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_health_reports_a_down_redis_without_failing_the_service(settings: Settings, world: World) -> None:
    # Port 1 on loopback: nothing listens there, so the client gets "connection refused".
    broken = Settings(
        database_url=settings.database_url,
        redis_url="redis://127.0.0.1:1/0",
        data_dir=settings.data_dir,
        jwt_secret=settings.jwt_secret,
    )
    with TestClient(create_app(broken)) as client:
        response = client.get("/health", headers=_admin(client, world.actors["admin"]))
        public = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["redis"] == "down" and body["database"] == "ok"
    assert "redis" in body["detail"]
    # Anyone else sees the status only: no internal error text (addresses, ports, exception names).
    assert public.status_code == 200 and public.json() == {"status": "degraded"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_health_reports_a_missing_database_as_503(settings: Settings, tmp_path: Path) -> None:
    empty = Settings(database_url=f"sqlite:///{tmp_path}/none.sqlite3", data_dir=settings.data_dir, jwt_secret="s" * 40)
    with TestClient(create_app(empty)) as client:
        admin = Actor(user_id=1, username="admin", role=Role.admin)
        response = client.get("/health", headers=_admin(client, admin))
        public = client.get("/health")
    assert response.status_code == 503 and response.json()["database"] == "down"
    assert public.status_code == 503 and public.json() == {"status": "down"}
