"""Triggered tasks never reach the public month, the enterprise's 检查预告 or its feed (issue 12, point 9)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.support.api import Api
from tests.support.plans import FIRE_ENTRIES, add_plan_lists, advance, build, create_plan, publish, visits_of
from tests.support.world import USCC_A

OCT = "2026-10"
TICKET = "12345-2026-0815"


def test_a_triggered_task_is_not_announced_anywhere_the_enterprise_or_the_public_looks(api: Api) -> None:
    add_plan_lists(api)
    plan = create_plan(api, "fire", FIRE_ENTRIES)
    advance(api, plan["id"], "fire", "submit", "approve")
    body: dict[str, Any] = {"uscc": USCC_A, "item_codes": ["P-MKT"], "kind": "triggered", "trigger_ref": TICKET}
    added = api.post(f"/api/v1/schedules/{OCT}/extra-tasks", as_="planner-mkt", json={**body, "note": "后厨投诉"})
    assert added.status_code == 201, added.text
    view = build(api, OCT)
    # The units see the task (it was merged into A's joint visit with FIRE's planned task).
    units_view = [t for v in visits_of(view, USCC_A) for t in v["tasks"]]
    assert {t["unit_code"] for t in units_view} == {"MKT", "FIRE"}
    publish(api, OCT)

    public = api.get(f"/api/v1/public/schedules/{OCT}").json()
    mine = [v for v in public["visits"] if v["uscc"] == USCC_A]
    assert mine and all(v["units"] == ["历城区消防救援大队"] for v in mine)
    assert all("P-MKT 计划检查事项" not in v["items"] for v in mine) and not any(v["joint"] for v in mine)
    page = api.get(f"/public/schedules/{OCT}").text
    csv = api.get(f"/api/v1/public/schedules/{OCT}/export", params={"format": "csv"}).content.decode("utf-8-sig")

    upcoming = api.get("/api/v1/my/upcoming", as_="enterprise-a").json()
    assert all(v["units"] == ["历城区消防救援大队"] for v in upcoming["visits"])
    url = urlparse(upcoming["ics_url"])
    feed = api.get(url.path, params={"token": parse_qs(url.query)["token"][0]}).content.decode()
    for text in (str(public), page, csv, str(upcoming), feed):
        assert TICKET not in text and "后厨投诉" not in text and "P-MKT 计划检查事项" not in text

    # The unit's own calendar (login) still lists it.
    unit_feed = api.get("/api/v1/schedules/unit/MKT.ics", as_="planner-mkt")
    assert unit_feed.status_code == 200 and "BEGIN:VEVENT" in unit_feed.text
