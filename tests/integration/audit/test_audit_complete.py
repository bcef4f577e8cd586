"""The trail is complete (issue 12, point 4): one test per kind of change, each found in the chain under its
subject with its actor, and the chain still verifies."""

from __future__ import annotations

from typing import Any

from schedules import working_days
from tests.support.api import Api
from tests.support.nonsite import create_record, jpeg_with_gps, upload
from tests.support.plans import approved_plans, build, publish, visits_of
from tests.support.world import USCC_A, USCC_B


def trail(api: Api, subject: str) -> list[dict[str, Any]]:
    body = api.get("/api/v1/audit/events", as_="supervisor", params={"subject": subject, "limit": 500}).json()
    return body["items"] if isinstance(body, dict) else body  # type: ignore[no-any-return]


def types(api: Api, subject: str) -> list[str]:
    return [e["type"] for e in trail(api, subject)]


def chain_ok(api: Api) -> None:
    report = api.get("/api/v1/audit/verify", as_="supervisor").json()
    assert report["ok"], report


def test_units_are_audited(api: Api) -> None:
    assert (
        api.post("/api/v1/units", as_="admin", json={"code": "AUD", "name": "审计局", "kind": "department"}).status_code
        == 201
    )
    assert api.patch("/api/v1/units/AUD", as_="admin", json={"name": "历城区审计局"}).status_code == 200
    events = trail(api, "unit:AUD")
    assert [e["type"] for e in events] == ["unit.created", "unit.updated"]
    assert events[1]["actor"] == "admin" and events[1]["payload"]["changes"] == {"name": "历城区审计局"}
    chain_ok(api)


def test_inspectors_are_audited(api: Api) -> None:
    body = {"name": "新人", "unit_code": "MKT", "is_auxiliary": True}
    created = api.post("/api/v1/inspectors", as_="admin", json=body).json()
    assert api.patch(f"/api/v1/inspectors/{created['id']}", as_="admin", json={"name": "新人甲"}).status_code == 200
    assert types(api, f"inspector:{created['id']}") == ["inspector.created", "inspector.updated"]
    chain_ok(api)


def test_enterprise_whitelist_and_position_are_audited(api: Api) -> None:
    # The position is the admin's to change (the supervisor changes only the whitelist, issue 13).
    change = {"whitelisted": True, "whitelist_reason": "信用良好", "latitude": 36.7, "longitude": 117.1}
    assert api.patch(f"/api/v1/enterprises/{USCC_B}", as_="admin", json=change).status_code == 200
    [created, updated] = trail(api, f"enterprise:{USCC_B}")
    assert created["type"] == "enterprise.created" and updated["type"] == "enterprise.updated"
    assert updated["actor"] == "admin"
    assert updated["payload"]["changes"]["whitelisted"] is True and updated["payload"]["changes"]["latitude"] == "36.7"
    assert (
        updated["payload"]["previous"]["whitelisted"] is False and updated["payload"]["previous"]["latitude"] == "36.68"
    )
    chain_ok(api)


def test_users_are_audited_without_their_password(api: Api) -> None:
    body = {"username": "audit-user", "password": "a-long-secret-9", "role": "enterprise", "uscc": USCC_B}
    assert api.post("/api/v1/users", as_="admin", json=body).status_code == 201
    [event] = trail(api, "user:audit-user")
    assert event["type"] == "user.created" and event["actor"] == "admin" and event["payload"]["uscc"] == USCC_B
    assert "a-long-secret-9" not in str(event) and "argon2" not in str(event)
    chain_ok(api)


def test_nonsite_assets_records_and_evidence_are_audited(api: Api) -> None:
    asset = {"code": "UAV-AUD", "kind": "drone", "name": "审计无人机", "unit_code": "MKT"}
    assert api.post("/api/v1/nonsite/assets", as_="planner-mkt", json=asset).status_code == 201
    assert api.patch("/api/v1/nonsite/assets/UAV-AUD", as_="planner-mkt", json={"name": "一号机"}).status_code == 200
    assert types(api, "nonsite-asset:UAV-AUD") == ["nonsite.asset_created", "nonsite.asset_updated"]
    record = create_record(api)
    photo = upload(api, record["id"], jpeg_with_gps())
    assert photo.status_code == 201, photo.text
    sha = photo.json()["sha256"]
    [created, linked] = trail(api, f"nonsite-record:{record['id']}")
    assert (created["type"], linked["type"]) == ("nonsite.record_created", "nonsite.evidence_linked")
    assert linked["payload"]["sha256"] == sha
    [stored] = trail(api, f"evidence:{linked['payload']['evidence_id']}")
    assert stored["type"] == "nonsite.evidence_stored" and stored["payload"]["sha256"] == sha
    chain_ok(api)


def test_plans_and_schedule_edits_are_audited(api: Api) -> None:
    approved_plans(api)
    plans = [e for e in trail(api, "annual-plan:1")]
    assert [e["type"] for e in plans][:3] == ["plan.created", "plan.submit", "plan.approve"]
    view = build(api, "2026-10")
    [joint] = [v for v in visits_of(view, USCC_A) if v["onsite"] and v["joint"]]
    make_up = next(d for d in working_days(2026, 10) if d.weekday() >= 5)
    moved = api.post(
        f"/api/v1/plan-visits/{joint['id']}/move", as_="planner-mkt", json={"window_start": make_up.isoformat()}
    )
    assert moved.status_code == 200, moved.text
    extra = {"uscc": USCC_B, "item_codes": ["P-MKT"], "kind": "special", "note": "专项"}
    assert api.post("/api/v1/schedules/2026-11/extra-tasks", as_="planner-mkt", json=extra).status_code == 201
    publish(api, "2026-10")
    october = types(api, "schedule:2026-10")
    assert october[0] == "schedule.built" and "schedule.move" in october
    assert october.count("schedule.approved") == 2 and october[-1] == "schedule.published"
    assert types(api, "schedule:2026-11") == ["schedule.extra_task_added"]
    chain_ok(api)
