"""Approved triggered / 专项 tasks added to a month: stored, validated, fed to the builder, explained."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api
from tests.support.plans import (
    FIRE_ENTRIES,
    add_plan_lists,
    advance,
    build,
    create_plan,
    publish,
    visits_of,
)
from tests.support.world import USCC_A, USCC_B

OCT = "2026-10"


def add_extra(api: Api, period: str, as_: str = "planner-mkt", **body: Any) -> Any:
    return api.post(f"/api/v1/schedules/{period}/extra-tasks", as_=as_, json=body)


def _task(view: dict[str, Any], uscc: str, unit: str, onsite: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    [(visit, task)] = [
        (v, t) for v in visits_of(view, uscc) if v["onsite"] == onsite for t in v["tasks"] if t["unit_code"] == unit
    ]
    return visit, task


def test_an_added_triggered_task_is_built_into_a_joint_visit(api: Api) -> None:
    add_plan_lists(api)
    plan = create_plan(api, "fire", FIRE_ENTRIES)
    advance(api, plan["id"], "fire", "submit", "approve")
    body: dict[str, Any] = {
        "uscc": USCC_A,
        "item_codes": ["P-MKT"],
        "kind": "triggered",
        "trigger_ref": "投诉 2026-031",
    }
    added = add_extra(api, OCT, **body, note="后厨卫生投诉")
    assert added.status_code == 201, added.text
    task_id = added.json()["task_id"]
    assert task_id == f"MKT-{OCT}-X{added.json()['id']}" and added.json()["created_by"] == "planner-mkt"
    special = add_extra(api, OCT, uscc=USCC_B, item_codes=["P-MKTN"], kind="special", onsite=False, note="专项整治")
    assert special.status_code == 201, special.text
    listed = api.get(f"/api/v1/schedules/{OCT}/extra-tasks", as_="approver-fire", params={"unit_code": "MKT"})
    assert [e["task_id"] for e in listed.json()] == [task_id, special.json()["task_id"]]
    view = build(api, OCT)
    visit, task = _task(view, USCC_A, "MKT")
    assert visit["joint"] and visit["scenario_code"] == "SC-PLAN" and visit["lead_unit_code"] == "MKT"
    [source] = task["sources"]
    assert source["kind"] == "triggered" and source["ref"] == task_id
    assert "投诉 2026-031" in source["detail"] and "后厨卫生投诉" in source["detail"]
    _, nonsite = _task(view, USCC_B, "MKT", onsite=False)
    assert nonsite["item_codes"] == ["P-MKTN"] and nonsite["sources"][0]["kind"] == "special"
    assert view["rates"]["joint_visits"] == 1


def test_extra_tasks_are_refused_outside_the_rules(api: Api) -> None:
    add_plan_lists(api)
    draft = {"code": "P-DRAFT", "name": "草稿事项", "unit_code": "MKT", "legal_basis": "《安全生产法》"}
    assert api.post("/api/v1/items", as_="admin", json={**draft, "yearly_cap": 2, "status": "draft"}).status_code == 201
    cases: list[tuple[str, dict[str, Any], int, str | None]] = [
        ("planner-fire", {"item_codes": ["P-MKT"], "kind": "special"}, 422, "plan_item_of_other_unit"),
        ("planner-mkt", {"item_codes": ["P-NONE"], "kind": "special"}, 422, "plan_item_not_found"),
        ("planner-mkt", {"item_codes": ["P-DRAFT"], "kind": "special"}, 422, "plan_item_not_published"),
        ("planner-mkt", {"item_codes": ["P-ND"], "kind": "special"}, 422, "plan_no_disturbance_onsite"),
        ("planner-mkt", {"item_codes": ["P-MKT"], "kind": "triggered"}, 422, "trigger_ref_required"),
        ("planner-mkt", {"item_codes": ["P-MKT"], "kind": "special", "onsite": False}, 422, None),
        ("planner-mkt", {"item_codes": ["P-MKT"], "kind": "special", "uscc": "9" * 18}, 422, None),
        ("approver-mkt", {"item_codes": ["P-MKT"], "kind": "special"}, 403, None),
    ]
    for as_, body, status, code in cases:
        response = add_extra(api, OCT, as_=as_, **{"uscc": USCC_A, **body})
        assert response.status_code == status, (body, response.text)
        assert code is None or response.json()["code"] == code
    ok = add_extra(api, OCT, uscc=USCC_A, item_codes=["P-ND"], kind="triggered", trigger_ref="转办 12345")
    assert ok.status_code == 201, ok.text  # 无事不扰 on-site only when triggered
    assert add_extra(api, OCT, uscc=USCC_A, item_codes=["P-ND"], kind="special", onsite=False).status_code == 201
    build(api, OCT)
    assert api.post(f"/api/v1/schedules/{OCT}/approve", as_="approver-mkt").status_code == 200
    late = add_extra(api, OCT, uscc=USCC_B, item_codes=["P-MKT"], kind="special")
    assert late.status_code == 409 and late.json()["code"] == "schedule_approved"
    publish(api, OCT, units=())
    late = add_extra(api, OCT, uscc=USCC_B, item_codes=["P-MKT"], kind="special")
    assert late.status_code == 409 and late.json()["code"] == "schedule_published"


def test_triggered_tasks_pass_the_caps_only_with_a_warning(api: Api) -> None:
    add_plan_lists(api)
    for period in ("2026-10", "2026-11", "2026-12"):  # MKT's yearly cap is 2 on-site visits per enterprise
        trig = add_extra(api, period, uscc=USCC_A, item_codes=["P-MKT"], kind="triggered", trigger_ref=f"投诉 {period}")
        assert trig.status_code == 201, trig.text
        assert add_extra(api, period, uscc=USCC_B, item_codes=["P-MKT"], kind="special").status_code == 201
        view = build(api, period)
        if period != "2026-12":
            assert len(visits_of(view, USCC_A)) == len(visits_of(view, USCC_B)) == 1
            publish(api, period, units=("mkt",))
    _, triggered = _task(view, USCC_A, "MKT")
    assert "触发式检查：超出" in triggered["explanation"] and "2/2" in triggered["explanation"]
    assert not visits_of(view, USCC_B)  # planned 专项 work over the cap is dropped
    [dropped] = [d for d in view["dropped"] if d["uscc"] == USCC_B]
    assert "年度检查次数已用完" in dropped["reason"] and "2/2" in dropped["reason"]
