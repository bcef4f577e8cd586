"""The three lists through the API: CRUD per role, refusals, and a version for every change."""

from __future__ import annotations

import pytest

from tests.support.api import Api

NEW_ITEM = {
    "code": "MKT-100",
    "name": "特种设备使用单位安全管理检查",
    "unit_code": "MKT",
    "legal_basis": "《中华人民共和国特种设备安全法》第五十七条",
    "object": "特种设备使用单位",
    "method": "onsite",
    "yearly_cap": 2,
    "category": "key_supervision",
    "status": "published",
}


def versions(api: Api) -> dict[str, int]:
    return api.get("/api/v1/catalogue/versions", as_="supervisor").json()  # type: ignore[no-any-return]


def test_planner_creates_updates_and_retires_an_item_with_versions(api: Api) -> None:
    before = versions(api)
    created = api.post("/api/v1/items", as_="planner-mkt", json=NEW_ITEM)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1 and created.json()["unit_name"] == "历城区市场监督管理局"

    updated = api.patch("/api/v1/items/MKT-100", as_="planner-mkt", json={"yearly_cap": 1, "reason": "按新规调整"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["yearly_cap"] == 1 and updated.json()["version"] == 2

    retired = api.post("/api/v1/items/MKT-100/retire", as_="planner-mkt", json={"reason": "事项取消"})
    assert retired.status_code == 200 and retired.json()["status"] == "retired"

    history = api.get("/api/v1/items/MKT-100/history", as_="supervisor").json()
    assert [(h["record_version"], h["action"], h["actor"]) for h in history] == [
        (1, "create", "planner-mkt"),
        (2, "update", "planner-mkt"),
        (3, "retire", "planner-mkt"),
    ]
    assert history[1]["reason"] == "按新规调整" and history[1]["snapshot"]["yearly_cap"] == 1
    after = versions(api)
    assert after["items"] == before["items"] + 3
    assert after["catalogue"] == before["catalogue"] + 3
    list_history = api.get(f"/api/v1/catalogue/items/history?since={before['items']}", as_="planner-fire").json()
    assert [h["list_version"] for h in list_history] == [before["items"] + 1, before["items"] + 2, before["items"] + 3]


def test_update_without_reason_is_refused_and_names_the_field(api: Api) -> None:
    response = api.patch("/api/v1/items/MKT-001", as_="planner-mkt", json={"yearly_cap": 3})
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "reason" in response.json()["detail"]


def test_planner_cannot_touch_another_units_items(api: Api) -> None:
    response = api.post("/api/v1/items", as_="planner-fire", json=NEW_ITEM)
    assert response.status_code == 403 and response.json()["code"] == "not_your_unit"
    response = api.patch("/api/v1/items/MKT-001", as_="planner-fire", json={"name": "x", "reason": "r"})
    assert response.status_code == 403 and response.json()["code"] == "not_your_unit"
    assert api.get("/api/v1/items/MKT-001", as_="supervisor").json()["version"] == 1


@pytest.mark.parametrize("username", ["supervisor", "approver-mkt", "inspector-mkt1", "enterprise-a"])
def test_non_planners_cannot_edit_lists(api: Api, username: str) -> None:
    assert api.post("/api/v1/items", as_=username, json=NEW_ITEM).status_code == 403
    assert api.patch("/api/v1/items/MKT-001", as_=username, json={"name": "x", "reason": "r"}).status_code == 403
    scenario = {"code": "SC-X", "name": "x", "lead_unit_code": "MKT", "item_codes": ["MKT-002", "FIRE-002"]}
    assert api.post("/api/v1/scenarios", as_=username, json=scenario).status_code == 403
    assert api.post("/api/v1/library/MKT-ND/retire", as_=username, json={"reason": "r"}).status_code == 403


def test_admin_edits_any_unit(api: Api) -> None:
    response = api.post("/api/v1/items", as_="admin", json=dict(NEW_ITEM, unit_code="FIRE", code="FIRE-100"))
    assert response.status_code == 201


def test_duplicate_code_and_unknown_unit(api: Api) -> None:
    dup = api.post("/api/v1/items", as_="planner-mkt", json=dict(NEW_ITEM, code="MKT-001"))
    assert dup.status_code == 409 and dup.json()["code"] == "item_code_taken"
    unknown = api.post("/api/v1/items", as_="admin", json=dict(NEW_ITEM, unit_code="NOPE"))
    assert unknown.status_code == 404 and unknown.json()["code"] == "unit_not_found"


@pytest.mark.parametrize(
    ("patch", "field"),
    [({"method": "teleport"}, "method"), ({"yearly_cap": -1}, "yearly_cap"), ({"category": "x"}, "category")],
)
def test_bad_enum_and_range_values_name_the_field(api: Api, patch: dict[str, object], field: str) -> None:
    response = api.post("/api/v1/items", as_="planner-mkt", json=dict(NEW_ITEM, **patch))
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_enterprise_sees_only_published_items(api: Api) -> None:
    codes = {i["code"] for i in api.get("/api/v1/items?limit=500", as_="enterprise-a").json()["items"]}
    assert "MKT-001" in codes and "MKT-003" not in codes
    assert api.get("/api/v1/items/MKT-003", as_="enterprise-a").status_code == 404
    assert api.get("/api/v1/items/MKT-003", as_="planner-fire").status_code == 200
    assert api.get("/api/v1/items/MKT-001/history", as_="enterprise-a").status_code == 403


def test_item_in_published_scenario_cannot_be_retired(api: Api) -> None:
    response = api.post("/api/v1/items/MKT-001/retire", as_="planner-mkt", json={"reason": "r"})
    assert response.status_code == 422
    assert response.json()["code"] == "item_in_use" and response.json()["scenarios"] == ["SC-REST"]


def test_scenario_rules(api: Api) -> None:
    base = {"code": "SC-NEW", "name": "危险化学品仓储联合检查", "lead_unit_code": "MKT", "industry_codes": ["C26"]}
    single = api.post("/api/v1/scenarios", as_="planner-mkt", json=dict(base, item_codes=["MKT-001", "MKT-002"]))
    assert single.status_code == 422 and single.json()["code"] == "scenario_single_unit"
    draft = api.post("/api/v1/scenarios", as_="planner-mkt", json=dict(base, item_codes=["MKT-003", "FIRE-001"]))
    assert draft.status_code == 422 and draft.json()["code"] == "scenario_item_unpublished"
    missing = api.post("/api/v1/scenarios", as_="planner-mkt", json=dict(base, item_codes=["MKT-001", "NOPE"]))
    assert missing.status_code == 404 and missing.json()["code"] == "item_not_found"
    not_lead = api.post("/api/v1/scenarios", as_="planner-mkt", json=dict(base, item_codes=["FIRE-002", "ENV-001"]))
    assert not_lead.status_code == 422 and not_lead.json()["code"] == "lead_unit_not_in_scenario"
    ok = api.post("/api/v1/scenarios", as_="planner-mkt", json=dict(base, item_codes=["MKT-002", "FIRE-002"]))
    assert ok.status_code == 201, ok.text
    assert ok.json()["unit_codes"] == ["FIRE", "MKT"]
    other = api.patch("/api/v1/scenarios/SC-NEW", as_="planner-fire", json={"name": "x", "reason": "r"})
    assert other.status_code == 403
    renamed = api.patch("/api/v1/scenarios/SC-NEW", as_="planner-mkt", json={"name": "改名", "reason": "更名"})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    history = api.get("/api/v1/scenarios/SC-NEW/history", as_="approver-fire").json()
    assert [h["action"] for h in history] == ["create", "update"]


def test_library_rules_and_versions(api: Api) -> None:
    wrong_category = api.post(
        "/api/v1/library", as_="planner-mkt", json={"item_code": "MKT-001", "triggers": ["complaint"]}
    )
    assert wrong_category.status_code == 422 and wrong_category.json()["code"] == "library_item_wrong_category"
    exists = api.post("/api/v1/library", as_="planner-mkt", json={"item_code": "MKT-ND", "triggers": ["complaint"]})
    assert exists.status_code == 409
    bad_trigger = api.post("/api/v1/library", as_="planner-mkt", json={"item_code": "MKT-ND", "triggers": ["whim"]})
    assert bad_trigger.status_code == 400 and bad_trigger.json()["field"].startswith("triggers")
    updated = api.patch(
        "/api/v1/library/MKT-ND",
        as_="planner-mkt",
        json={"triggers": ["complaint", "monitoring", "accident"], "reason": "增加事故触发"},
    )
    assert updated.status_code == 200 and updated.json()["triggers"] == ["complaint", "monitoring", "accident"]
    retire_item = api.post("/api/v1/items/MKT-ND/retire", as_="planner-mkt", json={"reason": "r"})
    assert retire_item.status_code == 422 and retire_item.json()["code"] == "item_in_use"
    retired = api.post("/api/v1/library/MKT-ND/retire", as_="planner-mkt", json={"reason": "移出"})
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    history = api.get("/api/v1/library/MKT-ND/history", as_="supervisor").json()
    assert [h["action"] for h in history] == ["create", "update", "retire"]


def test_library_item_keeps_its_category_and_enterprises_see_published_entries_only(api: Api) -> None:
    moved = api.patch("/api/v1/items/MKT-ND", as_="planner-mkt", json={"category": "random_check", "reason": "r"})
    assert moved.status_code == 422 and moved.json()["code"] == "item_in_library"
    api.post("/api/v1/library/MKT-ND/retire", as_="planner-mkt", json={"reason": "移出"})
    assert api.get("/api/v1/library/MKT-ND", as_="enterprise-a").status_code == 404
    assert api.get("/api/v1/library/MKT-ND", as_="planner-fire").json()["status"] == "retired"
