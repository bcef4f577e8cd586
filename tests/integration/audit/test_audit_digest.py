"""Verifications reach the audit trail as signed digests of the verification log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.audit.digest import mismatched_digests
from models.visit_tables import VerificationLog
from tests.support.api import Api
from tests.support.visits import approved_visit


def _in_app(api: Api, fn: Any) -> Any:
    return api.client.blocking_portal.call(fn)


def test_checkpoint_folds_the_verification_log_and_edits_are_detected(api: Api) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    visit = approved_visit(api, window_start=start.isoformat(), window_end=(start + dt.timedelta(hours=2)).isoformat())
    token = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").json()["token"]
    for _ in range(3):
        assert api.get(f"/api/v1/public/verify/{token}").json()["outcome"] == "valid"
    api.get("/api/v1/public/verify/garbage")

    assert api.post("/api/v1/audit/checkpoints", as_="supervisor").status_code == 201
    events = api.get("/api/v1/audit/events?subject=verification-log", as_="supervisor").json()
    digests = [
        e for e in (events["items"] if isinstance(events, dict) else events) if e["type"] == "verification.digest"
    ]
    assert len(digests) == 1
    payload = digests[0]["payload"]
    assert payload["count"] == 4 and payload["outcomes"] == {"malformed": 1, "valid": 3}
    assert _in_app(api, mismatched_digests) == []

    async def tamper() -> None:
        await VerificationLog.update({VerificationLog.outcome: "cancelled"}).where(VerificationLog.outcome == "valid")

    _in_app(api, tamper)
    assert _in_app(api, mismatched_digests) == [digests[0]["seq"]]
    # A second checkpoint covers only what came after the first digest.
    api.get(f"/api/v1/public/verify/{token}")
    assert api.post("/api/v1/audit/checkpoints", as_="supervisor").status_code == 201
    assert api.get("/api/v1/audit/verify", as_="supervisor").json()["ok"] is True
