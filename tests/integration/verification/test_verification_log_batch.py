"""RUQI_VERIFY_LOG_FLUSH_MS: verification-log rows written in batches, and all of them on shutdown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.settings import Settings
from api.verification.log_batch import VerificationLogBatch
from models.visit_tables import VerificationLog
from tests.support.api import Api
from tests.support.visits import approved_visit
from tests.support.world import World

FLUSH_MS = 10_000  # longer than the test: only an explicit flush or the shutdown writes


@pytest.fixture
def batched(settings: Settings) -> Settings:
    return replace(settings, verify_log_flush_ms=FLUSH_MS)


def open_api(settings: Settings, world: World, backend: str) -> Iterator[Api]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Api(client=client, world=world, backend=backend)


def logged(api: Api) -> int:
    return int(api.client.blocking_portal.call(VerificationLog.count().run))


def test_rows_wait_for_the_batch_and_the_shutdown_writes_the_rest(
    batched: Settings, world: World, backend: str
) -> None:
    apps = open_api(batched, world, backend)
    api = next(apps)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    visit = approved_visit(api, window_start=start.isoformat(), window_end=(start + dt.timedelta(hours=2)).isoformat())
    token = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()["token"]
    before = logged(api)
    for _ in range(3):
        assert api.get(f"/api/v1/public/verify/{token}").json()["outcome"] == "valid"
    assert logged(api) == before  # answered, not yet written
    batch: VerificationLogBatch = api.app.state.verification_log_batch
    assert api.client.blocking_portal.call(batch.flush) == 3
    assert logged(api) == before + 3
    api.get(f"/V/{token}")
    api.get("/api/v1/public/verify/garbage")
    with pytest.raises(StopIteration):
        next(apps)  # the app shuts down: its lifespan writes what is left

    again = open_api(replace(batched, verify_log_flush_ms=0), world, backend)
    api = next(again)
    rows = api.client.blocking_portal.call(VerificationLog.select().order_by(VerificationLog.id).run)
    assert len(rows) == before + 5
    assert [(r["outcome"], r["channel"]) for r in rows[-2:]] == [("valid", "page"), ("malformed", "json")]
    with pytest.raises(StopIteration):
        next(again)
