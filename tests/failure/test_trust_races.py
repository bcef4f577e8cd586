"""Issue 12, point 2 against a real deployment: one ``ruqi run --web-concurrency 2`` (two uvicorn workers) on
PostgreSQL + Redis. Racing transitions change state once, the losers get 409 ``state_changed``, and the audit
trail holds exactly one event per transition that happened."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.e2e.servers import Deployment, Server, launch_server, wait_ready
from tests.failure.helpers import (
    APPROVER,
    PLANNER,
    Staff,
    enterprise_code,
    enterprises,
    first_item,
    inspector_ids,
    visit_body,
)

pytestmark = pytest.mark.e2e

CHECKOUTS = 20
ROUNDS = 4
INSPECTORS = ("inspector-1", "inspector-2")


@pytest.fixture(scope="module")
def two_workers(shared_deployment: Deployment, failure_dir: Path) -> Iterator[Server]:
    server = launch_server(shared_deployment, failure_dir, workers=2)
    try:
        wait_ready(server)
        yield server
    finally:
        server.stop()


def query(deployment: Deployment, sql: str, *args: Any) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(deployment.database_url, timeout=10)
        try:
            return [dict(r) for r in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    return asyncio.run(run())


def trail(deployment: Deployment, visit_id: int) -> list[str]:
    rows = query(deployment, "SELECT type FROM audit_event WHERE subject = $1 ORDER BY seq", f"visit:{visit_id}")
    return [r["type"] for r in rows]


def _approved(staff: Staff, url: str, uscc: str, body: dict[str, Any]) -> int:
    filed = staff.call("POST", f"{url}/api/v1/visits", as_=PLANNER, json=body)
    assert filed.status_code == 201, filed.text
    visit_id = int(filed.json()["id"])
    assert staff.call("POST", f"{url}/api/v1/visits/{visit_id}/approve", as_=APPROVER).status_code == 200
    return visit_id


def test_concurrent_checkouts_on_two_workers_make_one(two_workers: Server, shared_deployment: Deployment) -> None:
    url = two_workers.url
    staff = Staff(url)
    uscc, ids = enterprises(staff)[5], inspector_ids(staff)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    body = visit_body(uscc, ids, first_item(staff))
    body.update(window_start=start.isoformat(), window_end=(start + dt.timedelta(hours=2)).isoformat())
    visit_id = _approved(staff, url, uscc, body)
    position = {"latitude": None, "longitude": None}
    scan = {"content": enterprise_code(staff, uscc), "client_event_id": f"in-{uuid.uuid4().hex}", **position}
    assert staff.call("POST", f"{url}/api/v1/scans", as_=INSPECTORS[0], json=scan).status_code == 201
    for name in INSPECTORS:
        staff.token(name)
    results = ["no_issue", "rectification", "case_opened", "other"]

    def checkout(i: int) -> Any:
        out = {"client_event_id": f"out-{uuid.uuid4().hex}", "result": results[i % 4], "findings": f"并发 {i}"}
        return staff.call("POST", f"{url}/api/v1/visits/{visit_id}/checkout", as_=INSPECTORS[i % 2], json=out)

    with ThreadPoolExecutor(max_workers=CHECKOUTS) as pool:
        answers = list(pool.map(checkout, range(CHECKOUTS)))
    won = [a for a in answers if a.status_code == 200]
    assert len(won) == 1, [(a.status_code, a.text[:80]) for a in answers]
    for lost in (a for a in answers if a.status_code != 200):
        problem = lost.json()
        assert (lost.status_code, problem["code"]) in ((409, "state_changed"), (422, "visit_not_checked_in"))
        if problem["code"] == "state_changed":
            assert problem["current_status"] == "checked_out"
    [row] = query(shared_deployment, "SELECT status, result FROM visit WHERE id = $1", visit_id)
    assert row == {"status": "checked_out", "result": won[0].json()["result"]}
    assert trail(shared_deployment, visit_id).count("checkout") == 1


def test_a_cancel_racing_reschedules_on_two_workers_ends_consistent(
    two_workers: Server, shared_deployment: Deployment
) -> None:
    url = two_workers.url
    staff = Staff(url)
    uscc, ids, item = enterprises(staff)[6], inspector_ids(staff), first_item(staff)
    staff.token(PLANNER)
    for round_ in range(ROUNDS):
        visit_id = _approved(staff, url, uscc, visit_body(uscc, ids, item))
        token = staff.call("GET", f"{url}/api/v1/visits/{visit_id}/code", as_=PLANNER).json()["token"]

        def act(i: int, visit_id: int = visit_id, round_: int = round_) -> Any:
            if i == 0:
                path, json = "cancel", {"reason": "停业"}
            else:
                later = visit_body(uscc, ids, item)
                moved = dt.datetime.fromisoformat(later["window_start"]) + dt.timedelta(days=1 + i + round_)
                json = {
                    "window_start": moved.isoformat(),
                    "window_end": (moved + dt.timedelta(hours=2)).isoformat(),
                    "reason": "改期",
                }
                path = "reschedule"
            return staff.call("POST", f"{url}/api/v1/visits/{visit_id}/{path}", as_=PLANNER, json=json)

        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(act, range(6)))
        assert all(a.status_code in (200, 409, 422) for a in answers), [a.text for a in answers]
        changed = [a for a in answers if a.status_code == 200]
        for lost in (a for a in answers if a.status_code == 409):
            assert lost.json()["code"] == "state_changed" and lost.json()["current_status"], lost.text
        types = trail(shared_deployment, visit_id)
        assert types.count("visit.cancelled") + types.count("visit.rescheduled") == len(changed), types
        [row] = query(shared_deployment, "SELECT status, code_token FROM visit WHERE id = $1", visit_id)
        if answers[0].status_code == 200:
            assert row["status"] == "cancelled" and types[-1] == "visit.cancelled"
        else:  # the cancel lost to a re-schedule: the visit waits for a new approval, with no code
            assert row["status"] == "filed" and row["code_token"] is None and types[-1] == "visit.rescheduled"
        verdict = staff.call("GET", f"{url}/api/v1/public/verify/{token}")
        assert verdict.json()["outcome"] == "cancelled", verdict.text  # the approved code is void either way
        if row["status"] == "filed":  # free the item's yearly cap for the next round: a filed visit counts
            cancel = staff.call("POST", f"{url}/api/v1/visits/{visit_id}/cancel", as_=PLANNER, json={"reason": "测试"})
            assert cancel.status_code == 200, cancel.text
