"""The tamper-evident event log: events of a flow, tampering found at the right seq, checkpoints, concurrency."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from piccolo.engine.postgres import PostgresEngine

from api.audit import chain as audit
from api.audit.formula import checkpoint_message
from api.settings import Settings
from models.audit_tables import AuditCheckpoint, AuditEvent
from models.db import bind_engine, create_schema, write_transaction
from tests.support.api import Api
from tests.support.databases import create_pg_database, drop_pg_database, pg_dsn
from tests.support.scans import enterprise_code, live_visit, scan
from tests.support.visits import approved_visit, visit_body, window
from tests.support.world import USCC_A, USCC_B

T = TypeVar("T")
NEW_ITEM = {
    "code": "MKT-200",
    "name": "计量器具使用检查",
    "unit_code": "MKT",
    "legal_basis": "《中华人民共和国计量法》第九条",
    "object": "使用计量器具的经营者",
    "method": "onsite",
    "yearly_cap": 1,
    "category": "random_check",
    "status": "published",
}


# -- helpers -----------------------------------------------------------------------------------------------
def in_app(api: Api, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Run a coroutine function on the loop (and connection pool) of the app under test."""
    return api.client.blocking_portal.call(fn, *args)


def sql(api: Api, query: str, *values: Any) -> None:
    async def run() -> None:
        await AuditEvent.raw(query, *values)

    in_app(api, run)


def verify(api: Api, as_: str = "supervisor") -> dict[str, Any]:
    response = api.get("/api/v1/audit/verify", as_=as_)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def events(api: Api, subject: str | None = None, after: int = 0) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"limit": 500, **({"subject": subject} if subject else {})}
    response = api.get("/api/v1/audit/events", as_="supervisor", params=params)
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["seq"] > after]


def all_seqs(api: Api) -> list[int]:
    async def run() -> list[int]:
        return [r["seq"] for r in await AuditEvent.select(AuditEvent.seq).order_by(AuditEvent.seq)]

    return in_app(api, run)


# -- the flow ----------------------------------------------------------------------------------------------
def test_a_visit_flow_leaves_its_events_in_order_and_the_chain_verifies(api: Api) -> None:
    start = verify(api)
    assert start["ok"] and start["head_seq"] >= 10  # the world's catalogue changes
    base = start["head_seq"]
    assert api.post("/api/v1/items", as_="planner-mkt", json=NEW_ITEM).status_code == 201
    visit = approved_visit(api)
    later_start, later_end = window(days_ahead=2)
    moved = api.post(
        f"/api/v1/visits/{visit['id']}/reschedule",
        as_="planner-mkt",
        json={"window_start": later_start, "window_end": later_end, "reason": "企业申请改期"},
    )
    assert moved.status_code == 200, moved.text
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").status_code == 200
    cancelled = api.post(f"/api/v1/visits/{visit['id']}/cancel", as_="planner-mkt", json={"reason": "停业"})
    assert cancelled.status_code == 200

    new = events(api, after=base)
    visit_types = ["visit.filed", "visit.approved", "code.issued", "visit.rescheduled"]
    visit_types += ["visit.approved", "code.issued", "visit.cancelled"]
    assert [e["type"] for e in new] == ["catalogue.change", *visit_types]
    assert [e["seq"] for e in new] == list(range(base + 1, base + 9))
    change = new[0]
    assert (change["actor"], change["subject"]) == ("planner-mkt", "items:MKT-200")
    assert change["payload"]["record_code"] == "MKT-200" and change["payload"]["snapshot"]["status"] == "published"
    filed = new[1]
    assert filed["actor"] == "planner-mkt" and filed["payload"]["uscc"] == USCC_A
    assert filed["payload"]["inspector_certs"] == ["MKT-C1", "MKT-C2"] and filed["payload"]["items"] == ["MKT-001"]
    assert new[2]["actor"] == "approver-mkt" and new[7]["payload"]["reason"] == "停业"
    assert all(e["prev_hash"] == p["hash"] for p, e in itertools.pairwise(new))

    assert [e["type"] for e in events(api, f"visit:{visit['id']}")] == visit_types
    # The enterprise's own record (its registration in the world) precedes its visits.
    assert [e["type"] for e in events(api, f"enterprise:{USCC_A}") if e["seq"] > base] == visit_types
    assert [e["type"] for e in events(api, f"enterprise:{USCC_B}")] == ["enterprise.created"]
    end = verify(api)
    assert end["ok"] and end["head_seq"] == base + 8 and end["checked"] == base + 8


def test_scans_unfiled_attempts_and_checkout_are_logged_once_despite_replays(api: Api) -> None:
    base = verify(api)["head_seq"]
    visit = live_visit(api)
    code = enterprise_code(api)
    assert scan(api, code, "in-1").status_code == 201
    assert scan(api, code, "in-1").status_code == 201  # replay
    assert scan(api, code, "odd-1", as_="inspector-fire1").status_code == 403
    assert scan(api, code, "odd-1", as_="inspector-fire1").status_code == 403  # replay
    body = {"client_event_id": "out-1", "result": "no_issue", "findings": ""}
    for _ in range(2):
        assert api.post(f"/api/v1/visits/{visit['id']}/checkout", as_="inspector-mkt1", json=body).status_code == 200

    new = events(api, after=base)
    flow = ["visit.filed", "visit.approved", "code.issued", "scan", "unfiled_attempt", "checkout"]
    assert [e["type"] for e in new] == flow
    unfiled = new[4]
    assert unfiled["subject"] == f"enterprise:{USCC_A}" and unfiled["actor"] == "inspector-fire1"
    assert new[3]["payload"]["kind"] == "arrival" and new[5]["payload"]["result"] == "no_issue"
    enterprise_view = [e["type"] for e in events(api, f"enterprise:{USCC_A}") if e["seq"] > base]
    assert enterprise_view == flow
    assert verify(api)["ok"]


def test_an_event_rolls_back_with_its_transaction_and_needs_one(api: Api) -> None:
    before = verify(api)["head_seq"]

    async def failing_change() -> None:
        async with write_transaction():
            await audit.append("test", "tester", "visit:0", {"n": 1}, at=dt.datetime.now(dt.UTC))
            raise LookupError("the change failed")

    with pytest.raises(LookupError):
        in_app(api, failing_change)

    async def outside() -> None:
        await audit.append("test", "tester", "visit:0", {"n": 2}, at=dt.datetime.now(dt.UTC))

    with pytest.raises(RuntimeError):
        in_app(api, outside)
    assert verify(api)["head_seq"] == before and verify(api)["ok"]


def test_only_the_supervisor_and_admins_read_the_trail(api: Api) -> None:
    for user in ["planner-mkt", "approver-mkt", "inspector-mkt1", "enterprise-a"]:
        assert api.get("/api/v1/audit/verify", as_=user).status_code == 403
        assert api.get("/api/v1/audit/events", as_=user).status_code == 403
        assert api.post("/api/v1/audit/checkpoints", as_=user).status_code == 403
    assert api.get("/api/v1/audit/verify").status_code == 401
    assert verify(api, as_="admin")["ok"]


# -- tampering ---------------------------------------------------------------------------------------------
TAMPERING = {
    "payload": ("UPDATE audit_event SET payload = {} WHERE seq = {}", '{"visit_id":999}', "hash_mismatch"),
    "payload-spacing": ("UPDATE audit_event SET payload = payload || {} WHERE seq = {}", " ", "hash_mismatch"),
    "actor": ("UPDATE audit_event SET actor = {} WHERE seq = {}", "someone-else", "hash_mismatch"),
    "hash": ("UPDATE audit_event SET hash = {} WHERE seq = {}", "f" * 64, "hash_mismatch"),
    "prev_hash": ("UPDATE audit_event SET prev_hash = {} WHERE seq = {}", "e" * 64, "prev_link_mismatch"),
    "delete": ("DELETE FROM audit_event WHERE seq = {}", None, "gap"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_editing_or_deleting_a_row_is_found_at_its_seq(api: Api, kind: str) -> None:
    base = verify(api)["head_seq"]
    approved_visit(api)  # three more links: filed, approved, code issued
    target = base + 2
    query, value, reason = TAMPERING[kind]
    sql(api, query, *([] if value is None else [value]), target)
    report = verify(api)
    assert not report["ok"]
    assert (report["broken_seq"], report["reason"]) == (target, reason), report
    assert report["head_seq"] == target - 1  # the walk stopped just before the broken link


def test_cli_verify_exits_1_and_names_the_broken_seq(api: Api, settings: Settings, tmp_path: Path) -> None:
    # The test app keeps its keys in the data directory (no key-encryption key): a development deployment.
    env = dict(
        os.environ, DATABASE_URL=settings.database_url, RUQI_DATA_DIR=str(settings.data_dir), RUQI_ENV="development"
    )
    env.pop("REDIS_URL", None)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    env["LANG"] = "C.UTF-8"  # not English: the command speaks Chinese
    ruqi = str(Path(sys.executable).with_name("ruqi"))
    ok = subprocess.run([ruqi, "audit-verify"], env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout.splitlines()[0])["ok"] is True
    export = tmp_path / "checkpoints.json"
    made = subprocess.run(
        [ruqi, "audit-checkpoint", "--export", str(export)], env=env, capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert len(json.loads(export.read_text())["checkpoints"]) == 1
    sql(api, "UPDATE audit_event SET subject = {} WHERE seq = {}", "visit:404", 3)
    broken = subprocess.run([ruqi, "audit-verify"], env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    assert json.loads(broken.stdout)["broken_seq"] == 3 and "审计链在序号 3 处断裂" in broken.stderr


# -- checkpoints -------------------------------------------------------------------------------------------
def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_checkpoints_are_signed_with_a_dedicated_key_and_verify_from_the_export(api: Api, settings: Settings) -> None:
    approved_visit(api)
    made = api.post("/api/v1/audit/checkpoints", as_="supervisor")
    assert made.status_code == 201, made.text
    checkpoint = made.json()
    report = verify(api)
    assert (checkpoint["seq"], checkpoint["head_hash"]) == (report["head_seq"], report["head_hash"])
    assert report["checkpoints_checked"] == 1

    exported = api.get("/api/v1/audit/checkpoints/export", as_="supervisor").json()
    assert [c["seq"] for c in exported["checkpoints"]] == [checkpoint["seq"]]
    (jwk,) = exported["keys"]["keys"]
    assert jwk["kid"] == checkpoint["kid"] != api.app.state.keyring.signing_kid  # not the QR key
    assert (settings.data_dir / "audit_keys" / f"{jwk['kid']}.pem").exists()
    entry = exported["checkpoints"][0]
    at = dt.datetime.fromisoformat(entry["at"])
    public = Ed25519PublicKey.from_public_bytes(_b64url(jwk["x"]))
    public.verify(_b64url(entry["signature"]), checkpoint_message(entry["seq"], entry["head_hash"], at))


def test_truncating_the_tail_or_rewriting_a_checkpoint_is_found(api: Api) -> None:
    approved_visit(api)
    checkpoint = api.post("/api/v1/audit/checkpoints", as_="admin").json()
    head = checkpoint["seq"]
    sql(api, "DELETE FROM audit_event WHERE seq >= {} AND seq <= {}", head - 1, head)
    report = verify(api)
    assert (report["ok"], report["broken_seq"], report["reason"]) == (False, head - 1, "missing"), report
    refused = api.post("/api/v1/audit/checkpoints", as_="supervisor")
    assert refused.status_code == 422 and refused.json()["code"] == "audit_chain_broken"


def test_a_checkpoint_edited_in_the_database_is_found(api: Api) -> None:
    checkpoint = api.post("/api/v1/audit/checkpoints", as_="supervisor").json()

    async def forge(column: str, value: str) -> None:
        await AuditCheckpoint.raw(f"UPDATE audit_checkpoint SET {column} = {{}}", value)

    in_app(api, forge, "head_hash", "a" * 64)
    report = verify(api)
    assert (report["broken_seq"], report["reason"]) == (checkpoint["seq"], "checkpoint_mismatch")
    in_app(api, forge, "head_hash", checkpoint["head_hash"])
    assert verify(api)["ok"]
    in_app(api, forge, "signature", checkpoint["signature"][:-4] + "AAAA")
    assert verify(api)["reason"] == "checkpoint_signature"


# -- concurrency on PostgreSQL -----------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["postgres"])
def test_concurrent_requests_keep_one_gap_free_chain(api: Api) -> None:
    base = verify(api)["head_seq"]

    def write(i: int) -> int:
        if i % 2:
            item = dict(NEW_ITEM, code=f"MKT-C{i:03d}", name=f"并发事项 {i}")
            return int(api.post("/api/v1/items", as_="planner-mkt", json=item).status_code)
        body = visit_body(
            api,
            uscc=USCC_A if i % 4 else USCC_B,
            origin="triggered",
            trigger_type="complaint",
            trigger_reason=f"投诉举报 {i}",
        )
        return int(api.post("/api/v1/visits", as_="planner-mkt", json=body).status_code)

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(write, range(50)))
    assert statuses == [201] * 50
    seqs = all_seqs(api)
    assert seqs == list(range(1, base + 51))
    new = events(api, after=base)
    assert sorted(e["type"] for e in new) == ["catalogue.change"] * 25 + ["visit.filed"] * 25
    report = verify(api)
    assert report["ok"] and report["head_seq"] == base + 50, report


def test_two_hundred_concurrent_appends_make_one_chain_on_postgres() -> None:
    name = create_pg_database()
    try:
        asyncio.run(_append_concurrently(pg_dsn(name), 200))
    finally:
        drop_pg_database(name)


async def _append_concurrently(dsn: str, n: int) -> None:
    engine = PostgresEngine(config={"dsn": dsn})
    bind_engine(engine)
    await create_schema()
    await engine.start_connection_pool(min_size=10, max_size=10)
    try:

        async def one(i: int) -> None:
            async with write_transaction():
                await audit.append("test", f"worker-{i % 10}", f"visit:{i % 7}", {"i": i}, at=dt.datetime.now(dt.UTC))

        await asyncio.gather(*(one(i) for i in range(n)))
        rows = await AuditEvent.select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash).order_by(AuditEvent.seq)
        assert [r["seq"] for r in rows] == list(range(1, n + 1))
        assert len({r["prev_hash"] for r in rows}) == n  # no two links share a parent: no fork
        assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
        report = await audit.verify_chain(dt.datetime.now(dt.UTC), batch=37)
        assert report.ok and report.checked == n, report
    finally:
        await engine.close_connection_pool()
