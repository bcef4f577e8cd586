"""Annual plans: every entry refusal, the status workflow, late filing, amendments and who sees what."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api
from tests.support.clock import WORLD_INSTANT
from tests.support.plans import advance, create_plan, entry, put
from tests.support.world import USCC_A, USCC_B

THIS_YEAR = WORLD_INSTANT.year  # the pinned clock's year, not the import-time wall clock
UNKNOWN_USCC = "91370112MA3C9999X0"

REFUSALS: list[tuple[str, dict[str, Any]]] = [
    ("plan_item_not_found", entry(["NOPE-1"], [USCC_A], 1)),
    ("plan_item_not_published", entry(["MKT-003"], [USCC_A], 1)),
    ("plan_item_of_other_unit", entry(["FIRE-001"], [USCC_A], 1)),
    ("plan_frequency_above_cap", entry(["MKT-001"], [USCC_A], 3)),  # cap 2
    ("plan_no_disturbance_onsite", entry(["MKT-ND"], [USCC_A], 1)),  # 无事不扰, routine on-site
    ("plan_item_not_nonsite_capable", entry(["MKT-001"], [USCC_A], 1, onsite=False)),
    ("plan_enterprise_not_found", entry(["MKT-001"], [UNKNOWN_USCC], 1)),
]


@pytest.mark.parametrize(("code", "bad"), REFUSALS, ids=[c for c, _ in REFUSALS])
def test_each_entry_refusal_has_its_own_code(api: Api, code: str, bad: dict[str, Any]) -> None:
    good = entry(["MKT-001"], [USCC_A], 2)
    response = api.post("/api/v1/annual-plans", as_="planner-mkt", json={"year": 2026, "entries": [good, bad]})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == code and body["field"] == "entries[1]" and body["detail"]
    assert [p["code"] for p in body["problems"]] == [code]
    # the same refusal when a draft's entries are replaced
    plan = create_plan(api, "mkt", [good])
    replaced = put(api, f"/api/v1/annual-plans/{plan['id']}/entries", "planner-mkt", {"entries": [bad]})
    assert replaced.status_code == 422 and replaced.json()["code"] == code


def test_no_disturbance_items_may_be_planned_non_site_or_as_special_work(api: Api) -> None:
    entries = [
        entry(["MKT-ND"], [USCC_A], 1, onsite=False),
        entry(["MKT-ND"], [USCC_B], 1, kind="special"),
    ]
    plan = create_plan(api, "mkt", entries)
    assert [(e["onsite"], e["kind"]) for e in plan["entries"]] == [(False, "routine"), (True, "special")]


def test_several_problems_are_all_listed(api: Api) -> None:
    entries = [entry(["FIRE-001"], [USCC_A], 1), entry(["MKT-001"], [USCC_A], 9)]
    body = api.post("/api/v1/annual-plans", as_="planner-mkt", json={"year": 2026, "entries": entries}).json()
    assert [(p["code"], p["field"]) for p in body["problems"]] == [
        ("plan_item_of_other_unit", "entries[0]"),
        ("plan_frequency_above_cap", "entries[1]"),
    ]


def test_workflow_with_late_filing_and_who_sees_what(api: Api) -> None:
    year = THIS_YEAR - 1  # its filing deadline (31 March) has passed
    plan = create_plan(api, "mkt", [entry(["MKT-001"], [USCC_A], 2)], year)
    assert plan["status"] == "draft" and plan["version"] == 1 and not plan["in_force"]
    assert plan["filing_deadline"] == f"{year}-03-31" and plan["entries"][0]["entry_id"] == f"MKT-{year}-E1"
    again = api.post("/api/v1/annual-plans", as_="planner-mkt", json={"year": year})
    assert again.status_code == 409 and again.json()["code"] == "annual_plan_exists"
    path = f"/api/v1/annual-plans/{plan['id']}"
    assert api.get(path, as_="planner-fire").status_code == 404  # another unit's draft is not theirs to see
    assert api.get(path, as_="supervisor").status_code == 200
    assert api.get(path, as_="enterprise-a").status_code == 404
    assert plan["id"] not in [p["id"] for p in api.get("/api/v1/annual-plans", as_="planner-fire").json()["items"]]
    assert api.post(f"{path}/submit", as_="approver-mkt").status_code == 403
    assert api.post(f"{path}/approve", as_="approver-mkt").json()["code"] == "plan_wrong_status"
    advance(api, plan["id"], "mkt", "submit")
    edit = put(api, f"{path}/entries", "planner-mkt", {"entries": []})
    assert edit.status_code == 409 and edit.json()["code"] == "plan_not_draft"
    assert api.post(f"{path}/approve", as_="approver-fire").json()["code"] == "annual_plan_not_found"  # unseen
    back = api.post(f"{path}/return", as_="approver-mkt", json={"reason": "频次过高，请调整"})
    assert back.json()["status"] == "draft" and back.json()["return_reason"] == "频次过高，请调整"
    approved = advance(api, plan["id"], "mkt", "submit", "approve")
    assert approved["status"] == "approved" and approved["in_force"] and approved["approved_by"] == "approver-mkt"
    filed = advance(api, plan["id"], "mkt", "file")
    assert filed["status"] == "filed" and filed["late"] is True and filed["filed_by"] == "planner-mkt"
    filings = api.get("/api/v1/annual-plans/filings", as_="supervisor", params={"year": year}).json()["items"]
    assert [(f["unit_code"], f["late"]) for f in filings] == [("MKT", True)]
    assert api.get("/api/v1/annual-plans/filings", as_="planner-mkt").status_code == 403
    assert api.get(path, as_="planner-fire").status_code == 404  # filed, not yet published
    published = advance(api, plan["id"], "mkt", "publish")
    assert published["status"] == "published" and published["published_at"]
    assert api.get(path, as_="planner-fire").status_code == 200
    assert api.post(f"{path}/amend", as_="planner-fire", json={"reason": "x"}).json()["code"] == "not_your_unit"


def test_filing_before_the_deadline_is_not_late(api: Api) -> None:
    plan = create_plan(api, "mkt", [entry(["MKT-001"], [USCC_A], 2)], THIS_YEAR + 1)
    filed = advance(api, plan["id"], "mkt", "submit", "approve", "file")
    assert filed["late"] is False and filed["filing_deadline"] == f"{THIS_YEAR + 1}-03-31"


def test_amendments_make_new_versions_and_keep_the_old_readable(api: Api) -> None:
    plan = create_plan(api, "mkt", [entry(["MKT-001"], [USCC_A], 2), entry(["MKT-002"], [USCC_B], 1)])
    path = f"/api/v1/annual-plans/{plan['id']}"
    early = api.post(f"{path}/amend", as_="planner-mkt", json={"reason": "调整"})
    assert early.status_code == 409 and early.json()["code"] == "plan_not_filed"
    advance(api, plan["id"], "mkt", "submit", "approve", "file", "publish")
    assert api.post(f"{path}/amend", as_="planner-mkt", json={}).status_code == 400  # a reason is required
    changed = [entry(["MKT-001"], [USCC_A, USCC_B], 1, entry_no=1), entry(["MKT-002"], [USCC_A], 1)]
    amended = api.post(f"{path}/amend", as_="planner-mkt", json={"reason": "新增检查对象", "entries": changed})
    assert amended.status_code == 201, amended.text
    v2 = amended.json()
    assert (v2["version"], v2["status"], v2["amends"], v2["amendment_reason"]) == (
        2,
        "draft",
        plan["id"],
        "新增检查对象",
    )
    assert [e["entry_no"] for e in v2["entries"]] == [1, 3]  # kept, and the next number after the old ones
    again = api.post(f"{path}/amend", as_="planner-mkt", json={"reason": "再次调整"})
    assert again.status_code == 409 and again.json()["code"] == "plan_superseded"
    assert api.get(path, as_="planner-mkt").json()["in_force"] is True  # the draft amendment is not in force yet
    advance(api, v2["id"], "mkt", "submit", "approve")
    old = api.get(path, as_="planner-mkt").json()
    assert old["status"] == "published" and old["in_force"] is False and len(old["entries"]) == 2
    versions = api.get("/api/v1/annual-plans", as_="supervisor", params={"unit_code": "MKT", "year": 2026}).json()[
        "items"
    ]
    assert [(v["version"], v["in_force"]) for v in versions] == [(1, False), (2, True)]
    copied = api.post(f"/api/v1/annual-plans/{v2['id']}/file", as_="planner-mkt").json()
    assert copied["late"] is False  # lateness is the original filing's; an amendment states its reason


def test_the_plan_lists_are_paged(api: Api) -> None:
    for unit in ("mkt", "fire"):
        assert api.post("/api/v1/annual-plans", as_=f"planner-{unit}", json={"year": 2026}).status_code == 201
    whole = api.get("/api/v1/annual-plans", as_="supervisor", params={"year": 2026}).json()
    assert (whole["total"], whole["limit"], whole["offset"], len(whole["items"])) == (2, 100, 0, 2)
    second = api.get("/api/v1/annual-plans", as_="supervisor", params={"year": 2026, "limit": 1, "offset": 1}).json()
    assert second["total"] == 2 and [p["id"] for p in second["items"]] == [whole["items"][1]["id"]]
    assert api.get("/api/v1/annual-plans", as_="supervisor", params={"limit": 0}).status_code == 400
    filings = api.get("/api/v1/annual-plans/filings", as_="supervisor", params={"limit": 1}).json()
    assert (filings["total"], filings["limit"], filings["items"]) == (0, 1, [])
