"""Redis down: filing, approving, verifying and scanning go on; rate limiting and live updates degrade with
a logged warning and /health says so; nothing is lost. Redis back: everything recovers without a restart.

The machine's shared Redis is never touched: the server uses a ``redis-server`` of this test's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.servers import Server, free_port, launch_server, wait_for, wait_ready
from tests.failure.helpers import (
    APPROVER,
    PLANNER,
    OwnRedis,
    Staff,
    TunedDeployment,
    enterprise_code,
    enterprises,
    first_item,
    inspector_ids,
    prepare,
    scan_body,
    visit_body,
)
from tests.support.databases import create_pg_database, drop_pg_database, pg_dsn

pytestmark = pytest.mark.e2e
RATE = 5  # verifications per minute per client, low enough to trip in a test


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[OwnRedis]:
    own = OwnRedis(tmp_path)
    own.start()
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture
def server(redis_server: OwnRedis, tmp_path: Path) -> Iterator[Server]:
    database = create_pg_database()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    deployment = TunedDeployment(
        pg_dsn(database),
        redis_server.url,
        f"ruqi-fail-{uuid.uuid4().hex[:8]}",
        data_dir,
        main_port=free_port(),
        extra={"RUQI_VERIFY_RATE_PER_MINUTE": str(RATE)},
    )
    try:
        prepare(deployment, enterprises=20)
        running = launch_server(deployment, tmp_path, port=deployment.main_port)
        try:
            wait_ready(running)
            yield running
        finally:
            running.stop()
    finally:
        drop_pg_database(database)


def health(staff: Staff) -> dict[str, str]:
    answer = staff.call("GET", f"{staff.server}/health", as_="admin")  # the details are the admin's
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def verify_statuses(staff: Staff, token: str, count: int) -> list[int]:
    return [staff.call("GET", f"{staff.server}/api/v1/public/verify/{token}").status_code for _ in range(count)]


def test_the_service_outlives_a_redis_outage(server: Server, redis_server: OwnRedis) -> None:
    staff = Staff(server.url)
    ids, item, usccs = inspector_ids(staff), first_item(staff), enterprises(staff)
    for name in (PLANNER, APPROVER, "inspector-1"):
        staff.token(name)  # log in while everything is up
    code = enterprise_code(staff, usccs[0])
    assert health(staff)["redis"] == "ok"

    redis_server.kill()
    down = health(staff)
    assert down["status"] == "degraded" and down["redis"] == "down", down
    filed = staff.call("POST", f"{server.url}/api/v1/visits", as_=PLANNER, json=visit_body(usccs[0], ids, item))
    assert filed.status_code == 201, filed.text
    visit_id = filed.json()["id"]
    approved = staff.call("POST", f"{server.url}/api/v1/visits/{visit_id}/approve", as_=APPROVER)
    assert approved.status_code == 200, approved.text
    token = staff.call("GET", f"{server.url}/api/v1/visits/{visit_id}/code", as_=PLANNER).json()["token"]
    statuses = verify_statuses(staff, token, RATE + 3)
    assert statuses == [200] * (RATE + 3)  # rate limiting fails open while Redis is down
    page = staff.call("GET", f"{server.url}/V/{token}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    scanned = staff.call("POST", f"{server.url}/api/v1/scans", as_="inspector-1", json=scan_body(code, "rd-1"))
    assert scanned.status_code == 201, scanned.text
    assert scanned.json()["kind"] == "arrival"
    log = server.log_path.read_text(errors="replace")
    assert "Redis unavailable" in log and " 500 " not in log, server.log_tail(80)

    # nothing is lost: the rows are there, read back through the API
    visit = staff.call("GET", f"{server.url}/api/v1/visits/{visit_id}", as_=PLANNER).json()
    assert visit["status"] == "checked_in" and visit["approved_at"] is not None
    scans = staff.call("GET", f"{server.url}/api/v1/visits/{visit_id}/scans", as_=PLANNER).json()
    assert [s["kind"] for s in scans] == ["arrival"]

    redis_server.start()  # same port: the server's client reconnects by itself
    wait_for("/health to say redis ok", lambda: health(staff)["status"] == "ok", 20, server.log_tail)
    statuses = verify_statuses(staff, token, RATE + 2)
    assert statuses[:RATE] == [200] * RATE and 429 in statuses[RATE:], statuses  # rate limiting is back
    scanned = staff.call("POST", f"{server.url}/api/v1/scans", as_="inspector-1", json=scan_body(code, "rd-2"))
    assert scanned.status_code == 201 and scanned.json()["kind"] == "presence", scanned.text
    assert " 500 " not in server.log_path.read_text(errors="replace"), server.log_tail(80)
