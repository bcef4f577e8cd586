"""Signing keys kept in the database (RUQI_KEY_ENCRYPTION_KEY): sealed, imported from the data directory once,
and a rotation made elsewhere picked up by a running app (the two-process test is tests/e2e/test_two_machines.py)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.keystore import AUDIT, ENTERPRISE, VISIT, DatabaseKeys, KeyStoreError
from api.settings import Settings
from models.shared_tables import SigningKey
from qr import KeyRing
from tests.support.api import Api
from tests.support.world import World

KEK = bytes(range(1, 33))


@pytest.fixture
def shared(settings: Settings) -> Settings:
    return replace(settings, key_encryption_key=base64.urlsafe_b64encode(KEK).decode())


@pytest.fixture
def shared_api(shared: Settings, world: World, backend: str) -> Iterator[Api]:
    with TestClient(create_app(shared), raise_server_exceptions=False) as client:
        yield Api(client=client, world=world, backend=backend)


def rows(api: Api) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        return await SigningKey.select().order_by(SigningKey.id)

    return api.client.blocking_portal.call(read)


def test_every_ring_lives_sealed_in_the_database(shared_api: Api, shared: Settings) -> None:
    kept = rows(shared_api)
    assert sorted(r["ring"] for r in kept) == sorted([VISIT, ENTERPRISE, AUDIT])
    assert shared_api.app.state.keyring.signing_kid in {r["kid"] for r in kept if r["ring"] == VISIT}
    jwks = shared_api.get("/.well-known/jwks.json").json()["keys"]
    assert {k["kid"] for k in jwks} == {r["kid"] for r in kept if r["ring"] in (VISIT, ENTERPRISE)}
    for row in kept:
        assert b"PRIVATE KEY" not in base64.urlsafe_b64decode(row["sealed_private"])
    assert not (shared.data_dir / "keys").exists() and not (shared.data_dir / "enterprise_keys").exists()


def test_a_ring_already_in_the_data_directory_is_imported_so_its_codes_keep_verifying(
    shared: Settings, world: World, backend: str
) -> None:
    before = KeyRing.load_or_create(shared.data_dir / "keys", dt.datetime.now(dt.UTC)).signing_kid
    with TestClient(create_app(shared), raise_server_exceptions=False) as client:
        api = Api(client=client, world=world, backend=backend)
        assert api.app.state.keyring.signing_kid == before
        assert [r["kid"] for r in rows(api) if r["ring"] == VISIT] == [before]


def test_a_rotation_made_elsewhere_reaches_the_running_app(shared_api: Api, shared: Settings) -> None:
    app_keys: DatabaseKeys = shared_api.app.state.shared_keys
    old = shared_api.app.state.keyring.signing_kid
    now = dt.datetime.now(dt.UTC)

    async def rotate_elsewhere() -> tuple[str, str]:
        other = DatabaseKeys(KEK, shared.data_dir / "elsewhere")  # another machine: same database and KEK
        await other.start(now)
        return await other.rotate(VISIT, now, dt.timedelta(days=30))

    said_old, new = shared_api.client.blocking_portal.call(rotate_elsewhere)
    assert said_old == old and new != old
    assert shared_api.client.blocking_portal.call(app_keys.refresh) is True  # what the refresh loop does
    assert shared_api.app.state.keyring.signing_kid == new
    kids = [k["kid"] for k in shared_api.get("/.well-known/jwks.json").json()["keys"]]
    assert kids[0] == new and old in kids


def test_a_wrong_key_encryption_key_stops_the_start(shared_api: Api, shared: Settings) -> None:
    """What a machine started with another KEK does at startup: it refuses, naming the variable."""
    wrong = DatabaseKeys(bytes(32), shared.data_dir)
    with pytest.raises(KeyStoreError, match="RUQI_KEY_ENCRYPTION_KEY"):
        shared_api.client.blocking_portal.call(wrong.start, dt.datetime.now(dt.UTC))
