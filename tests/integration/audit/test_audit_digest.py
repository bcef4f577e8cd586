"""Verifications reach the audit trail as signed digests of the verification log."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from api.audit.digest import mismatched_digests
from api.audit.folding import fold_verifications
from api.settings import Settings
from models.visit_tables import VerificationLog
from tests.support.api import Api
from tests.support.visits import approved_visit


def _in_app(api: Api, fn: Any) -> Any:
    return api.client.blocking_portal.call(fn)


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    # The test app keeps its keys in the data directory (no key-encryption key): a development deployment.
    env = dict(
        os.environ, DATABASE_URL=settings.database_url, RUQI_DATA_DIR=str(settings.data_dir), RUQI_ENV="development"
    )
    env.pop("REDIS_URL", None)
    ruqi = str(Path(sys.executable).with_name("ruqi"))
    return subprocess.run([ruqi, *args], env=env, capture_output=True, text=True, timeout=120)


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

    first_rows = [row_id for row_id, _ in payload["rows"]]

    async def tamper() -> None:
        await VerificationLog.update({VerificationLog.outcome: "cancelled"}).where(
            (VerificationLog.outcome == "valid") & VerificationLog.id.is_in(first_rows)
        )

    # A second checkpoint covers only what came after the first digest.
    api.get(f"/api/v1/public/verify/{token}")
    assert api.post("/api/v1/audit/checkpoints", as_="supervisor").status_code == 201
    assert api.get("/api/v1/audit/verify", as_="supervisor").json()["ok"] is True
    assert len(digest_events(api)) == 2

    _in_app(api, tamper)
    assert _in_app(api, mismatched_digests) == [digests[0]["seq"]]
    # GET /audit/verify names the edited rows; no checkpoint is signed over a broken trail.
    report = api.get("/api/v1/audit/verify", as_="supervisor").json()
    assert not report["ok"] and report["reason"] == "verification_log_mismatch"
    assert report["broken_seq"] == digests[0]["seq"]
    edited = [r for r, _ in payload["rows"]][:3]
    assert f"edited verification_log row(s) {', '.join(map(str, edited))}" in report["detail"]
    # A checkpoint re-reads only the digests since the last one (its cost follows the new rows, not the whole
    # log): the edit of rows an earlier checkpoint covered is the full verify's to name, as above.
    assert api.post("/api/v1/audit/checkpoints", as_="supervisor").status_code == 201

    # Rows digested since the last checkpoint and then edited: no checkpoint is signed over them.
    api.get(f"/api/v1/public/verify/{token}")
    _in_app(api, lambda: fold_verifications(dt.datetime.now(dt.UTC)))
    latest = max(_in_app(api, lambda: VerificationLog.select(VerificationLog.id)), key=lambda r: r["id"])["id"]

    async def tamper_latest() -> None:
        await VerificationLog.update({VerificationLog.channel: "page"}).where(VerificationLog.id == latest)
        await VerificationLog.update({VerificationLog.client: "edited"}).where(VerificationLog.id == latest)

    _in_app(api, tamper_latest)
    refused = api.post("/api/v1/audit/checkpoints", as_="supervisor")
    assert refused.status_code == 422 and refused.json()["code"] == "audit_chain_broken", refused.json()


def digest_events(api: Api) -> list[dict[str, Any]]:
    events = api.get("/api/v1/audit/events?subject=verification-log", as_="supervisor").json()
    items = events["items"] if isinstance(events, dict) else events
    return [e for e in items if e["type"] == "verification.digest"]


def test_a_deleted_verification_log_row_is_named_by_audit_verify_and_the_cli(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    token = "garbage"
    for _ in range(3):
        api.get(f"/api/v1/public/verify/{token}")
    assert api.post("/api/v1/audit/checkpoints", as_="supervisor").status_code == 201
    rows = digest_events(api)[0]["payload"]["rows"]
    victim = rows[1][0]

    async def delete() -> None:
        await VerificationLog.delete().where(VerificationLog.id == victim)

    _in_app(api, delete)
    report = api.get("/api/v1/audit/verify", as_="supervisor").json()
    assert not report["ok"] and f"deleted verification_log row(s) {victim}" in report["detail"]
    result = run_cli(settings, "audit-verify")
    assert result.returncode == 1 and f"deleted verification_log row(s) {victim}" in result.stderr
