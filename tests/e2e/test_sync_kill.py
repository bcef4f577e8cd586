"""Nothing is lost and nothing is doubled when the phone dies in the middle of a sync, or the network does.

The kill is deterministic: with RUQI_MOBILE_TEST_PAUSE_AFTER_SENDS=N the client announces on stderr that
the N-th answer has arrived — before it records it — and waits; the test SIGKILLs it right then.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from clients.sample_mobile import outbox
from clients.sample_mobile.api_client import ApiClient
from clients.sample_mobile.schemas import ScanRequest
from clients.sample_mobile.store import open_db
from tests.e2e.servers import Server
from tests.e2e.world import SUPERVISOR, Phone, World

pytestmark = pytest.mark.e2e
PAUSE_TIMEOUT = 60.0


def _wait_for_line(process: subprocess.Popen[str], wanted: str, timeout: float) -> None:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    stream = process.stderr

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            process.kill()
            pytest.fail(f"sync did not print {wanted!r} within {timeout:.0f}s; stderr so far: {seen}", pytrace=False)
        seen.append(line)
        if line.strip() == wanted:
            return


@pytest.mark.parametrize("killed_after", [1, 2])
def test_sync_killed_mid_way_finishes_on_restart_without_duplicates(
    server: Server, world: World, phone: Callable[[str], Phone], tmp_path: Path, killed_after: int
) -> None:
    firm = world.enterprise()
    visit = world.approved_visit(firm.uscc)
    code = tmp_path / "firm.png"
    with world.client(SUPERVISOR) as supervisor:
        code.write_bytes(supervisor.enterprise_code_png(firm.uscc))
    inspector = phone("inspector")
    inspector.run("login", "inspector-2")
    inspector.run("scan", str(code), "--lat", "36.68", "--lon", "117.02", "--accuracy", "5")  # arrival
    inspector.run("scan", str(code), "--lat", "36.68", "--lon", "117.02", "--accuracy", "6")  # presence
    inspector.run("checkout", str(visit.id), "--result", "no_issue")

    sync = inspector.popen("sync", **{outbox.PAUSE_ENV: str(killed_after)})
    _wait_for_line(sync, outbox.PAUSED_LINE.format(n=killed_after), PAUSE_TIMEOUT)
    sync.send_signal(signal.SIGKILL)
    assert sync.wait(timeout=30) == -signal.SIGKILL

    # The server has the killed event; the phone does not know it yet.
    db = open_db(inspector.state_dir)
    states = [e.state for e in outbox.events(db)]
    assert states == ["done"] * (killed_after - 1) + ["pending"] * (3 - killed_after + 1)
    with world.client("inspector-2") as api:
        assert len(api.visit_scans(visit.id)) == min(killed_after, 2)

    # Restarted, the sync re-sends the unrecorded event (replayed by the server) and the rest.
    report = inspector.run("sync")
    assert report[-1] == {"done": 3 - killed_after + 1, "conflicts": 0, "rejected": 0, "remaining": 0, "stopped": ""}
    events = outbox.events(db)
    assert [e.state for e in events] == ["done"] * 3
    with world.client("inspector-2") as api:
        scans = api.visit_scans(visit.id)
        assert [s["kind"] for s in scans] == ["arrival", "presence"]
        assert api.visit(visit.id).status == "checked_out"
    assert [json.loads(e.response or b"")["kind"] for e in events[:2]] == ["arrival", "presence"]


class FlakyNetwork(httpx.BaseTransport):
    """The first ``failures`` requests never reach the server (connection refused), then the real network."""

    def __init__(self, failures: int) -> None:
        self.failures, self.real = failures, httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.failures > 0:
            self.failures -= 1
            raise httpx.ConnectError("network unreachable (simulated)", request=request)
        return self.real.handle_request(request)


def test_sync_retries_network_errors_with_bounded_backoff(
    server: Server, world: World, phone: Callable[[str], Phone]
) -> None:
    firm = world.enterprise()
    world.approved_visit(firm.uscc)
    with world.client(SUPERVISOR) as supervisor:
        content = supervisor.enterprise_code(firm.uscc).url
    inspector = phone("inspector")
    db = open_db(inspector.state_dir)
    with world.client("inspector-1") as logged_in:
        token = logged_in.token
    request = ScanRequest(
        content=content, client_event_id=outbox.new_event_id("scan"), latitude=36.68, longitude=117.02
    )
    outbox.queue_scan(db, request, owner="inspector-1", label="flaky")

    # Down for longer than one sync is willing to try: stops after 4 tries, the event still queued.
    delays: list[float] = []
    backoff = outbox.Backoff(base=0.5, factor=2, cap=1.5, attempts=4, sleep=delays.append)
    with ApiClient(server.url, token, transport=FlakyNetwork(failures=10)) as api:
        report = outbox.sync(db, api, username="inspector-1", backoff=backoff)
    assert delays == [0.5, 1.0, 1.5] and report.remaining == 1 and "unreachable" in report.stopped
    assert outbox.events(db)[0].state == "pending" and outbox.events(db)[0].attempts == 4

    # Back after two failures: the next sync gets through.
    delays.clear()
    with ApiClient(server.url, token, transport=FlakyNetwork(failures=2)) as api:
        report = outbox.sync(db, api, username="inspector-1", backoff=backoff)
    assert delays == [0.5, 1.0] and len(report.done) == 1 and report.remaining == 0
    assert json.loads(report.done[0].response or b"")["kind"] == "arrival"
