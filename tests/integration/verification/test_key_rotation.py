"""Rotating the signing key: old codes keep verifying, new codes use the new key, both keys are published."""

from __future__ import annotations

import datetime as dt

from litestar.testing import TestClient

from api.app import create_app
from api.settings import Settings
from qr import KeyRing
from tests.support.api import Api
from tests.support.visits import approved_visit, file_visit
from tests.support.world import USCC_B, World


def visit_kids(api: Api) -> list[str]:
    """The published visit-code keys (the enterprise-code keys are listed after them)."""
    enterprise = {k.kid for k in api.app.state.context.enterprise_keyring.key_infos()}
    return [k["kid"] for k in api.get("/.well-known/jwks.json").json()["keys"] if k["kid"] not in enterprise]


def test_rotation_keeps_old_codes_valid_after_restart(api: Api, settings: Settings, world: World) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)  # within the 5-minute filing tolerance
    window = {"window_start": start.isoformat(), "window_end": (start + dt.timedelta(hours=2)).isoformat()}
    old_visit = approved_visit(api, **window)
    old = api.get(f"/api/v1/visits/{old_visit['id']}/code", as_="inspector-mkt1").json()
    pending = file_visit(api, uscc=USCC_B, **window)

    # What `ruqi rotate-keys` does, then a restart of the service on the same data directory.
    KeyRing.load_or_create(settings.data_dir / "keys", dt.datetime.now(dt.UTC)).rotate(
        dt.datetime.now(dt.UTC), dt.timedelta(days=400)
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        restarted = Api(client=client, world=world, backend=api.backend)
        kids = visit_kids(restarted)
        assert len(kids) == 2 and old["kid"] in kids and kids[0] != old["kid"]
        assert restarted.get(f"/api/v1/public/verify/{old['token']}").json()["outcome"] == "valid"
        assert restarted.post(f"/api/v1/visits/{pending['id']}/approve", as_="approver-mkt").status_code == 200
        new = restarted.get(f"/api/v1/visits/{pending['id']}/code", as_="inspector-mkt1").json()
        assert new["kid"] == kids[0] != old["kid"]
        assert restarted.get(f"/api/v1/public/verify/{new['token']}").json()["outcome"] == "valid"


def test_a_running_service_picks_up_a_rotation_without_restart(api: Api, settings: Settings) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    window = {"window_start": start.isoformat(), "window_end": (start + dt.timedelta(hours=2)).isoformat()}
    old_visit = approved_visit(api, **window)
    old = api.get(f"/api/v1/visits/{old_visit['id']}/code", as_="inspector-mkt1").json()
    pending = file_visit(api, uscc=USCC_B, **window)

    KeyRing.load_or_create(settings.data_dir / "keys", dt.datetime.now(dt.UTC)).rotate(
        dt.datetime.now(dt.UTC), dt.timedelta(days=400)
    )
    api.app.state.keyring.reload_every_s = 0.0  # its next look at the key directory is due now

    kids = visit_kids(api)
    assert len(kids) == 2 and kids[1] == old["kid"]
    assert api.post(f"/api/v1/visits/{pending['id']}/approve", as_="approver-mkt").status_code == 200
    new = api.get(f"/api/v1/visits/{pending['id']}/code", as_="inspector-mkt1").json()
    assert new["kid"] == kids[0] != old["kid"]
    for token in (old["token"], new["token"]):
        assert api.get(f"/api/v1/public/verify/{token}").json()["outcome"] == "valid"
