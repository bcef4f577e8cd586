"""Retention of the verification log: old rows go, their digests stay, and the audit trail still verifies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine

from api.audit.digest import PRUNED_TYPE
from api.audit.retention import Pruned, prune_verifications
from models.visit_tables import VerificationLog
from tests.support.api import Api
from tests.support.visits import approved_visit

KEEP = dt.timedelta(days=30)


def log_ids(api: Api) -> list[int]:
    async def read() -> list[int]:
        return [r["id"] for r in await VerificationLog.select(VerificationLog.id).order_by(VerificationLog.id)]

    return api.client.blocking_portal.call(read)


def prune(api: Api) -> Pruned:
    return api.client.blocking_portal.call(prune_verifications, dt.datetime.now(dt.UTC), KEEP)


def verify_token(api: Api, token: str, times: int) -> None:
    for _ in range(times):
        assert api.get(f"/api/v1/public/verify/{token}").status_code == 200


def events_of(api: Api, event_type: str) -> list[dict[str, Any]]:
    page = api.get("/api/v1/audit/events?subject=verification-log&limit=100", as_="supervisor").json()
    return [e for e in page["items"] if e["type"] == event_type]


def test_old_rows_are_pruned_with_a_record_and_the_trail_still_verifies(
    api: Api, pinned_clock: time_machine.Traveller
) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    visit = approved_visit(api, window_start=start.isoformat(), window_end=(start + dt.timedelta(hours=2)).isoformat())
    token = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()["token"]
    verify_token(api, token, 3)
    assert api.post("/api/v1/audit/checkpoints", as_="supervisor").status_code == 201
    old = log_ids(api)
    assert len(old) == 3
    assert prune(api).count == 0  # nothing is 30 days old yet
    assert log_ids(api) == old

    pinned_clock.shift(dt.timedelta(days=40))
    verify_token(api, token, 2)  # recent rows (the code has expired: they are logged all the same)
    pruned = prune(api)
    assert (pruned.through_id, pruned.count) == (old[-1], 3)
    recent = log_ids(api)
    assert len(recent) == 2 and min(recent) > old[-1]
    (record,) = events_of(api, PRUNED_TYPE)
    assert record["payload"]["through_id"] == old[-1] and record["payload"]["count"] == 3
    assert len(events_of(api, "verification.digest")) == 2  # the pruned rows' digest stays, the recent ones folded
    assert api.get("/api/v1/audit/verify", as_="supervisor").json()["ok"] is True
    assert prune(api).count == 0  # the recent rows are kept

    async def delete_a_recent_row() -> None:
        await VerificationLog.delete().where(VerificationLog.id == recent[0])

    api.client.blocking_portal.call(delete_a_recent_row)  # deleted outside retention: still a broken digest
    report = api.get("/api/v1/audit/verify", as_="supervisor").json()
    assert not report["ok"] and report["reason"] == "verification_log_mismatch"
