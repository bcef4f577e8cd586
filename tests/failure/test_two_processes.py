"""Two ``ruqi run`` processes on one PostgreSQL + Redis: the outcomes of racing requests are exactly-once."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import pytest

from tests.e2e.servers import Deployment, Server
from tests.failure.helpers import (
    APPROVER,
    PLANNER,
    SUPERVISOR,
    Staff,
    enterprise_code,
    enterprises,
    first_item,
    inspector_ids,
    scan_body,
    service_body,
    visit_body,
)

pytestmark = pytest.mark.e2e

DUPLICATES = 12  # identical scan requests, split across both servers
RACE_ROUNDS = 25  # fresh visits, each approved on A while cancelled on B
APPENDS = 40  # audit-appending requests per server


async def _query(dsn: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return [dict(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


def query(deployment: Deployment, sql: str, *args: Any) -> list[dict[str, Any]]:
    import asyncio

    return asyncio.run(_query(deployment.database_url, sql, *args))


def test_duplicate_scans_across_servers_make_one_record(
    two_servers: tuple[Server, Server], shared_deployment: Deployment
) -> None:
    a, b = two_servers
    staff = Staff(a.url)
    uscc = enterprises(staff)[0]
    filed = staff.call(
        "POST", f"{a.url}/api/v1/visits", as_=PLANNER, json=visit_body(uscc, inspector_ids(staff), first_item(staff))
    )
    assert filed.status_code == 201, filed.text
    visit_id = filed.json()["id"]
    assert staff.call("POST", f"{a.url}/api/v1/visits/{visit_id}/approve", as_=APPROVER).status_code == 200
    body = scan_body(enterprise_code(staff, uscc), f"dup-{uuid.uuid4().hex}")
    staff.token("inspector-1")

    def send(index: int) -> Any:
        server = a if index % 2 == 0 else b
        return staff.call("POST", f"{server.url}/api/v1/scans", as_="inspector-1", json=body)

    with ThreadPoolExecutor(max_workers=DUPLICATES) as pool:
        answers = list(pool.map(send, range(DUPLICATES)))
    assert {r.status_code for r in answers} == {201}, [r.text for r in answers]
    assert len({r.text for r in answers}) == 1  # identical answers, byte for byte
    scans = query(shared_deployment, "SELECT id, kind FROM scan WHERE visit = $1", visit_id)
    assert len(scans) == 1 and scans[0]["kind"] == "arrival"
    records = query(
        shared_deployment,
        "SELECT status_code FROM idempotency_record WHERE key = $1",
        f"inspector-1:{body['client_event_id']}",
    )
    assert records == [{"status_code": 201}]
    events = query(
        shared_deployment,
        "SELECT count(*) AS n FROM audit_event WHERE type = 'scan' AND subject = $1",
        f"visit:{visit_id}",
    )
    assert events[0]["n"] == 1


def test_approvals_racing_cancellations_stay_consistent(
    two_servers: tuple[Server, Server], shared_deployment: Deployment
) -> None:
    a, b = two_servers
    staff = Staff(a.url)
    uscc, ids = enterprises(staff)[1], inspector_ids(staff)
    staff.token(APPROVER)
    outcomes: dict[int, tuple[int, int]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for round_ in range(RACE_ROUNDS):
            filed = staff.call(
                "POST", f"{a.url}/api/v1/visits", as_=PLANNER, json=service_body(uscc, ids, 1 + round_ % 20)
            )
            assert filed.status_code == 201, filed.text
            visit_id = filed.json()["id"]
            approve = pool.submit(staff.call, "POST", f"{a.url}/api/v1/visits/{visit_id}/approve", APPROVER)
            cancel = pool.submit(
                staff.call, "POST", f"{b.url}/api/v1/visits/{visit_id}/cancel", APPROVER, json={"reason": "race"}
            )
            approved, cancelled = approve.result(timeout=60), cancel.result(timeout=60)
            # One of them may lose the race: 409 state_changed with the current state (issue 12), never both.
            assert approved.status_code in (200, 409, 422), approved.text
            assert cancelled.status_code in (200, 409), cancelled.text
            assert 200 in (approved.status_code, cancelled.status_code)
            if approved.status_code != 200:
                assert approved.json()["code"] in ("visit_cancelled", "state_changed"), approved.text
            if cancelled.status_code == 409:
                assert cancelled.json()["code"] == "state_changed" and cancelled.json()["current_status"] == "approved"
            outcomes[visit_id] = (approved.status_code, cancelled.status_code)
    rows = query(
        shared_deployment,
        "SELECT id, status, approved_at, code_issued_at, code_token, cancelled_at FROM visit WHERE id = ANY($1)",
        list(outcomes),
    )
    assert len(rows) == RACE_ROUNDS
    for row in rows:
        approve_status, cancel_status = outcomes[row["id"]]
        revocations = query(shared_deployment, "SELECT revoked_before FROM code_revocation WHERE visit = $1", row["id"])
        types = [
            r["type"]
            for r in query(
                shared_deployment, "SELECT type FROM audit_event WHERE subject = $1 ORDER BY seq", f"visit:{row['id']}"
            )
        ]
        if cancel_status == 409:  # approved first, the cancel lost and changed nothing
            assert row["status"] == "approved" and row["cancelled_at"] is None
            assert types == ["visit.filed", "visit.approved", "code.issued"], types
            continue
        assert row["status"] == "cancelled" and row["cancelled_at"] is not None
        if approve_status == 200:  # approved, then cancelled: the code it was issued is revoked
            assert row["approved_at"] is not None and row["code_issued_at"] is not None
            assert types == ["visit.filed", "visit.approved", "code.issued", "visit.cancelled"], types
            assert any(r["revoked_before"] >= row["code_issued_at"] for r in revocations), (row, revocations)
            verdict = staff.call("GET", f"{b.url}/api/v1/public/verify/{row['code_token']}")
            assert verdict.status_code == 200 and verdict.json()["outcome"] == "cancelled", verdict.text
        else:  # cancelled first: never approved, never a code
            assert row["approved_at"] is None and row["code_issued_at"] is None and row["code_token"] is None
            assert types == ["visit.filed", "visit.cancelled"], types
    revoked = staff.call("GET", f"{a.url}/api/v1/public/revocations")
    assert revoked.status_code == 200, revoked.text
    listed = {r["visit_id"] for r in revoked.json()["items"]}
    assert {v for v, (s, c) in outcomes.items() if s == 200 and c == 200} <= listed  # offline verifiers learn each


def test_concurrent_audit_appends_keep_the_chain(
    two_servers: tuple[Server, Server], shared_deployment: Deployment
) -> None:
    a, b = two_servers
    staff = Staff(a.url)
    usccs = enterprises(staff)[2:6]
    codes = [enterprise_code(staff, u) for u in usccs]
    staff.token("inspector-2")
    before = query(shared_deployment, "SELECT coalesce(max(seq), 0) AS head FROM audit_event")[0]["head"]

    def unfiled(index: int) -> int:
        server = a if index % 2 == 0 else b
        body = scan_body(codes[index % len(codes)], f"audit-{index}-{uuid.uuid4().hex[:8]}")
        return staff.call("POST", f"{server.url}/api/v1/scans", as_="inspector-2", json=body).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(unfiled, range(2 * APPENDS)))
    assert statuses == [403] * (2 * APPENDS)  # every one an unfiled attempt, each appending one link
    seqs = [r["seq"] for r in query(shared_deployment, "SELECT seq FROM audit_event ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free from 1
    assert seqs[-1] - before >= 2 * APPENDS
    for server in (a, b):
        report = staff.call("GET", f"{server.url}/api/v1/audit/verify", as_=SUPERVISOR, timeout=60)
        assert report.status_code == 200 and report.json()["ok"] is True, report.text
