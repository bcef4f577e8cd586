"""The whole visit, phone by phone, against ``ruqi run --web-concurrency 2`` on PostgreSQL + Redis.

file → approve → code PNG → decode → verify online and offline → enterprise-code scan check-in → replay
(one record) → a scan with no filed visit (rejected, attempt recorded) → check-out → rating → the
rating hidden from the unit, shown to the supervisor; and a complaint from an invalid code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from clients.sample_mobile import outbox, qrimage
from clients.sample_mobile.api_client import LOCAL_TZ, ApiError
from clients.sample_mobile.store import open_db
from tests.e2e.servers import Server
from tests.e2e.world import APPROVER, ENTERPRISE_PASSWORD, PLANNER, SUPERVISOR, Phone, World

pytestmark = pytest.mark.e2e


def test_a_visit_from_filing_to_rating(
    server: Server, world: World, phone: Callable[[str], Phone], tmp_path: Path
) -> None:
    firm, stranger = world.enterprise(), world.enterprise()
    visit = world.approved_visit(firm.uscc)
    inspector, enterprise = phone("inspector"), phone("enterprise")

    # Inspector's phone: log in, today's list, the code as PNG (and in the terminal).
    inspector.run("login", "inspector-1")
    day = visit.window_start.astimezone(LOCAL_TZ).date().isoformat()  # "today" for the visit, even at midnight
    assert visit.id in [v["id"] for v in inspector.run("today", "--date", day)]
    png = tmp_path / "visit.png"
    shown = inspector.run("show-code", str(visit.id), "--png", str(png))[-1]
    url = qrimage.decode(png)
    assert url == shown["url"] and "/V/" in url

    # Enterprise's phone: online, then (after refresh) offline.
    online = enterprise.run("verify", str(png), "--uscc", firm.uscc)[-1]
    assert (online["mode"], online["outcome"], online["valid"]) == ("online", "valid", True)
    assert online["visit"]["visit_id"] == visit.id and online["visit"]["uscc"] == firm.uscc
    assert enterprise.run("verify", str(png), "--offline", expect=4)[-1]["outcome"] == "unknown_key"  # empty cache
    assert enterprise.run("refresh")[-1]["jwks"] == "fetched"
    offline = enterprise.run("verify", str(png), "--offline", "--uscc", firm.uscc)[-1]
    assert (offline["outcome"], offline["valid"], offline["visit_id"]) == ("valid", True, visit.id)
    assert offline["message"].startswith("verified offline, status as of ")
    mismatch = enterprise.run("verify", str(png), "--offline", "--uscc", stranger.uscc, expect=1)[-1]
    assert mismatch["outcome"] == "enterprise_mismatch"

    # The enterprise codes, printed by the supervisor's office for the premises.
    firm_code, stranger_code = tmp_path / "firm.png", tmp_path / "stranger.png"
    with world.client(SUPERVISOR) as supervisor:
        firm_code.write_bytes(supervisor.enterprise_code_png(firm.uscc))
        stranger_code.write_bytes(supervisor.enterprise_code_png(stranger.uscc))

    # Check-in: queued first, then sent.
    where = ["--lat", str(firm.latitude or 36.68), "--lon", str(firm.longitude or 117.02), "--accuracy", "8"]
    queued = inspector.run("scan", str(firm_code), *where)[-1]
    assert inspector.run("outbox")[0]["state"] == "pending"
    sent = inspector.run("sync")
    assert sent[0]["event_id"] == queued["queued"] and sent[0]["state"] == "done" and sent[0]["http_status"] == 201
    assert sent[-1]["done"] == 1 and sent[-1]["remaining"] == 0

    # A replay of the same event (same id, same body) answers the same and adds no record.
    db = open_db(inspector.state_dir)
    (first,) = outbox.events(db, "done")
    with world.client("inspector-1") as api:
        replay = api.send(first.method, first.path, body=first.body)
        assert (replay.status, replay.json()) == (201, json.loads(first.response or b""))
        scans = api.visit_scans(visit.id)
    assert [s["kind"] for s in scans] == ["arrival"]

    # The same event id with another body is a conflict, reported and kept apart.
    other = phone("inspector-other")
    other.run("login", "inspector-1")
    other_db = open_db(other.state_dir)
    outbox.enqueue(
        other_db,
        "scan",
        first.path,
        first.body.replace(b'"accuracy_m":8.0', b'"accuracy_m":9.0'),
        needs_login=True,
        label="tampered",
        event_id=first.event_id,
        owner="inspector-1",
    )
    report = other.run("sync", expect=1)
    assert report[0]["state"] == "conflict" and "idempotency_conflict" in report[0]["error"]
    assert report[-1]["conflicts"] == 1
    assert other.run("outbox")[0]["state"] == "conflict"

    # No filed visit for the stranger: rejected as unfiled, and the attempt recorded for the supervisor.
    inspector.run("scan", str(stranger_code), "--lat", "36.6", "--lon", "117.1", "--accuracy", "30", "--mock")
    rejected = inspector.run("sync", expect=1)
    assert rejected[0]["state"] == "rejected" and rejected[0]["http_status"] == 403
    assert "unfiled_visit" in rejected[0]["error"]
    with world.client(SUPERVISOR) as supervisor:
        attempts = supervisor.unfiled_attempts(uscc=stranger.uscc).items
    assert [(a.username, a.uscc) for a in attempts] == [("inspector-1", stranger.uscc)]

    # Check-out, then the enterprise rates; the rating is anonymous and for the supervisor's eyes only.
    inspector.run("checkout", str(visit.id), "--result", "rectification", "--findings", "维保记录不全")
    assert inspector.run("sync")[0]["state"] == "done"
    assert enterprise.run("verify", url)[-1]["can_rate"] is True
    # Only the inspected enterprise rates, logged in with its own account.
    enterprise.run("login", world.enterprise_account(firm.uscc), "--password", ENTERPRISE_PASSWORD)
    enterprise.run("rate", url, "--score", "4", "--comment", "检查规范，用时短")
    assert enterprise.run("sync")[0]["state"] == "done"
    # Rating stays "open" on the code: its holders (the inspectors too) cannot tell whether the enterprise rated.
    assert enterprise.run("verify", url)[-1]["can_rate"] is True
    for unit_role in (PLANNER, APPROVER, "inspector-1"):
        with world.client(unit_role) as api, pytest.raises(ApiError) as refused:
            api.ratings()
        assert refused.value.status == 403, unit_role
    with world.client(SUPERVISOR) as supervisor:
        mine = [r for r in supervisor.ratings().items if r.visit_id == visit.id]
    assert [(r.score, r.comment) for r in mine] == [(4, "检查规范，用时短")]
    with world.client(PLANNER) as planner:
        assert planner.visit(visit.id).status == "checked_out"


def test_a_complaint_from_an_invalid_code(server: Server, world: World, phone: Callable[[str], Phone]) -> None:
    firm = world.enterprise()
    enterprise = phone("enterprise")
    forged = f"{server.url}/V/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    verdict = enterprise.run("verify", forged, expect=1)[-1]
    assert verdict["valid"] is False and verdict["can_complain"] is True
    enterprise.run(
        "complain", forged, "--uscc", firm.uscc, "--kind", "unfiled_inspection", "--description", "自称检查，码无效"
    )
    receipt = enterprise.run("sync")[0]
    assert receipt["state"] == "done" and receipt["http_status"] == 201
    with world.client(SUPERVISOR) as supervisor:
        filed = [c for c in supervisor.complaints().items if c.uscc == firm.uscc]
    assert [(c.kind, c.description) for c in filed] == [("unfiled_inspection", "自称检查，码无效")]
