"""PostgreSQL restarts mid-load: requests fail cleanly (503 problem+json, never 500), the pool recovers
without restarting the server, and no write is left half-done.

The shared cluster is never touched: a cluster of this test's own is initdb'ed, used and removed.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.servers import Server, free_port, launch_server, wait_for, wait_ready
from tests.failure.helpers import (
    PLANNER,
    SUPERVISOR,
    OwnPostgres,
    Staff,
    TunedDeployment,
    enterprise_code,
    enterprises,
    inspector_ids,
    own_postgres,
    prepare,
    scan_body,
    service_body,
)
from tests.support.databases import REDIS_URL, drop_redis_prefix, redis_prefix

pytestmark = pytest.mark.e2e
THREADS = 6
LOAD_SECONDS = 12.0  # the restart happens a third of the way in
MAX_REQUESTS = 3000


@pytest.fixture
def cluster() -> Iterator[OwnPostgres]:
    with own_postgres() as own:
        yield own


@pytest.fixture
def server(cluster: OwnPostgres, tmp_path: Path) -> Iterator[Server]:
    prefix = redis_prefix()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    deployment = TunedDeployment(cluster.dsn, REDIS_URL, prefix, data_dir, main_port=free_port(), extra={})
    try:
        prepare(deployment, enterprises=20)
        running = launch_server(deployment, tmp_path, port=deployment.main_port)
        try:
            wait_ready(running)
            yield running
        finally:
            running.stop()
    finally:
        drop_redis_prefix(prefix)


async def _fetch(dsn: str, sql: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return [dict(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


def fetch(dsn: str, sql: str) -> list[dict[str, Any]]:
    return asyncio.run(_fetch(dsn, sql))


def _tracebacks(server: Server) -> str:
    """The server's logged tracebacks, so a 500 names its cause in the failure report."""
    text = server.log_path.read_text(errors="replace")
    start = text.find("Traceback")
    return text[start : start + 6000] if start >= 0 else server.log_tail()


def test_postgres_restart_mid_load(server: Server, cluster: OwnPostgres) -> None:
    staff = Staff(server.url)
    ids, usccs = inspector_ids(staff), enterprises(staff)
    codes = [enterprise_code(staff, u) for u in usccs[:4]]
    staff.token("inspector-1")
    stop = threading.Event()
    counter = iter(range(MAX_REQUESTS))
    lock = threading.Lock()
    answers: list[tuple[str, int, str, str]] = []

    def worker(index: int) -> None:
        while not stop.is_set():
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                if n % 2:
                    body = service_body(usccs[n % len(usccs)], ids, 1 + n % 25)
                    r = staff.call("POST", f"{server.url}/api/v1/visits", as_=PLANNER, json=body, timeout=15)
                    kind = "file"
                else:
                    body = scan_body(codes[n % len(codes)], f"pg-{index}-{n}-{uuid.uuid4().hex[:6]}")
                    r = staff.call("POST", f"{server.url}/api/v1/scans", as_="inspector-1", json=body, timeout=15)
                    kind = "scan"
            except httpx.HTTPError as exc:
                answers.append(("transport", 0, "", repr(exc)))
                continue
            code = r.json().get("code", "") if r.headers.get("content-type", "").endswith("json") else ""
            answers.append((kind, r.status_code, r.headers.get("content-type", ""), str(code)))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(worker, i) for i in range(THREADS)]
        time.sleep(LOAD_SECONDS / 3)
        cluster.restart()
        time.sleep(max(0.0, LOAD_SECONDS - (time.monotonic() - started)))
        stop.set()
        for future in futures:
            future.result(timeout=60)

    statuses = [a[1] for a in answers]
    assert 500 not in statuses, ([a for a in answers if a[1] == 500][:5], _tracebacks(server))
    assert all(a[0] != "transport" for a in answers), [a for a in answers if a[0] == "transport"][:5]
    unavailable = [a for a in answers if a[1] == 503]
    assert all(a[2].startswith("application/problem+json") and a[3] == "database_unavailable" for a in unavailable)
    ok = {(a[0], a[1]) for a in answers}
    assert ("file", 201) in ok and ("scan", 403) in ok, sorted(ok)
    assert set(statuses) <= {201, 403, 422, 503}, sorted(set(statuses))
    print(f"{len(answers)} requests, {len(unavailable)} answered 503 database_unavailable during the restart")

    # the pool has recovered: the same process answers again
    wait_for("/health ok after the restart", server.healthy, 30, server.log_tail)
    again = staff.call("POST", f"{server.url}/api/v1/visits", as_=PLANNER, json=service_body(usccs[0], ids, 27))
    assert again.status_code == 201, again.text

    # no partial writes
    dsn = cluster.dsn
    assert not fetch(dsn, "SELECT v.id FROM visit v WHERE NOT EXISTS (SELECT 1 FROM visit_unit u WHERE u.visit = v.id)")
    assert not fetch(
        dsn, "SELECT v.id FROM visit v WHERE NOT EXISTS (SELECT 1 FROM visit_inspector i WHERE i.visit = v.id)"
    )
    assert not fetch(dsn, "SELECT key FROM idempotency_record WHERE status_code = 0")
    filed = fetch(dsn, "SELECT count(*) AS n FROM visit")[0]["n"]
    logged = fetch(dsn, "SELECT count(*) AS n FROM audit_event WHERE type = 'visit.filed'")[0]["n"]
    assert filed == logged
    report = staff.call("GET", f"{server.url}/api/v1/audit/verify", as_=SUPERVISOR, timeout=60)
    assert report.status_code == 200 and report.json()["ok"] is True, report.text
