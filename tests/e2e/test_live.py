"""Live updates cross server processes through Redis channels.

1. Deterministic: two ``ruqi run`` processes of one deployment on ports A and B; the enterprise's phone
   subscribes on A, the inspector checks in and out through B.
2. The real ``--web-concurrency 2`` server: which worker holds each connection is read from ``/proc``; the
   inspector's connection is re-opened until it lands on the worker that does *not* hold the websocket.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clients.sample_mobile import outbox
from clients.sample_mobile.api_client import ApiClient
from clients.sample_mobile.live import LiveFeed
from clients.sample_mobile.schemas import CheckoutRequest, ScanRequest
from clients.sample_mobile.store import open_db
from tests.e2e.procnet import own_client_ports, serving_pid
from tests.e2e.servers import Server
from tests.e2e.world import SUPERVISOR, Phone, World

pytestmark = pytest.mark.e2e
MESSAGE_TIMEOUT = 20.0
MAX_RECONNECTS = 200
# Requests from other processes while the test reconnects: on an idle server the worker that is first in the
# listening socket's wait queue wins every accept(), so without them every new connection can land on one worker.
_KEEP_BUSY = "import sys, urllib.request\nwhile True:\n    urllib.request.urlopen(sys.argv[1]).read()\n"


@contextlib.contextmanager
def _other_clients(url: str, count: int = 2) -> Iterator[None]:
    """``count`` processes sending ``GET /health`` in a loop, so that a new connection goes to whichever worker is
    waiting in ``accept()`` at that moment."""
    clients = [
        subprocess.Popen(
            [sys.executable, "-c", _KEEP_BUSY, f"{url}/health"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for client in clients:
            client.kill()
            client.wait()


def _next(feed: LiveFeed, what: str) -> dict[str, object]:
    message = feed.next(timeout=MESSAGE_TIMEOUT)
    assert message is not None, f"no live message for {what} within {MESSAGE_TIMEOUT:.0f}s"
    return message


def test_live_update_reaches_a_subscriber_on_another_process(
    pair: tuple[Server, Server], world: World, phone: Callable[[str], Phone], tmp_path: Path
) -> None:
    port_a, port_b = pair
    firm = world.enterprise()
    visit = world.approved_visit(firm.uscc)
    with world.client("inspector-1") as api:
        url = api.visit_code(visit.id).url
    code = tmp_path / "firm.png"
    with world.client(SUPERVISOR) as supervisor:
        code.write_bytes(supervisor.enterprise_code_png(firm.uscc))
    inspector = phone("inspector")
    inspector.run("login", "inspector-1", server=port_b.url)

    with LiveFeed(port_a.url, url) as feed:  # subscribed (the server subscribes before it accepts)
        inspector.run("scan", str(code), "--lat", "36.68", "--lon", "117.02", server=port_b.url)
        assert inspector.run("sync", server=port_b.url)[0]["state"] == "done"
        assert _next(feed, "the check-in") == {"event": "scan", "visit_id": visit.id, "status": "checked_in"}
        inspector.run("checkout", str(visit.id), "--result", "no_issue", "--sync", server=port_b.url)
        # Channels delivery is at-least-once: a repeated check-in message may arrive before the check-out one.
        assert _next_event(feed, "checkout") == {"event": "checkout", "visit_id": visit.id, "status": "checked_out"}


def _next_event(feed: LiveFeed, event: str, limit: int = 5) -> dict[str, object]:
    for _ in range(limit):
        message = _next(feed, f"the {event}")
        if message.get("event") == event:
            return message
    raise AssertionError(f"no {event} message among the next {limit} live messages")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find which worker serves whom")
def test_live_update_crosses_the_workers_of_one_server(server: Server, world: World, tmp_path: Path) -> None:
    firm = world.enterprise()
    visit = world.approved_visit(firm.uscc)
    with world.client("inspector-1") as api:
        url = api.visit_code(visit.id).url
        token = api.token
    with world.client(SUPERVISOR) as supervisor:
        content = supervisor.enterprise_code(firm.uscc).url
    workers = server.descendants()
    db = open_db(tmp_path / "inspector")

    with LiveFeed(server.url, url) as feed:
        subscriber = serving_pid(feed.local_port, server.port, workers)
        assert subscriber is not None, f"no worker among {workers} holds the websocket"
        # Open fresh connections until one is served by the other worker; the sync then goes over it.
        with _other_clients(server.url):
            for _ in range(MAX_RECONNECTS):
                before = own_client_ports(server.port)
                api = ApiClient(server.url, token)
                api.health()
                (port,) = own_client_ports(server.port) - before
                publisher = serving_pid(port, server.port, workers)
                if publisher not in (None, subscriber):
                    break
                api.close()
            else:
                pytest.fail(f"{MAX_RECONNECTS} new connections all went to worker {subscriber}")
        with api:
            request = ScanRequest(content=content, client_event_id=outbox.new_event_id("scan"), latitude=36.68)
            outbox.queue_scan(db, request, owner="inspector-1", label="check-in")
            report = outbox.sync(db, api, username="inspector-1")
            assert len(report.done) == 1 and port in own_client_ports(server.port), "the connection was not reused"
            assert _next(feed, "the check-in") == {"event": "scan", "visit_id": visit.id, "status": "checked_in"}
            checkout = CheckoutRequest(client_event_id=outbox.new_event_id("checkout"), result="no_issue")
            outbox.queue_checkout(db, visit.id, checkout, owner="inspector-1")
            assert len(outbox.sync(db, api, username="inspector-1").done) == 1
            assert _next_event(feed, "checkout")["status"] == "checked_out"
    assert publisher != subscriber
