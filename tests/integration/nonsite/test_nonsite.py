"""Non-site inspection records: items, operators, geometry, assets, who sees what, triggered visits."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.nonsite import RECORDS, create_record, record_body
from tests.support.visits import visit_body, window
from tests.support.world import USCC_A

ASSETS = "/api/v1/nonsite/assets"


def _refused(api: Api, as_: str, status: int, code: str, **overrides: object) -> dict[str, object]:
    response = api.post(RECORDS, as_=as_, json=record_body(**overrides))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["code"] == code, body
    return body


def test_an_inspector_records_non_site_capable_items_only(api: Api) -> None:
    record = create_record(api, item_codes=["MKT-ND", "MKT-002"])
    assert record["operator"]["id"] == api.world.inspector_ids["MKT-C1"]
    assert record["unit_code"] == "MKT" and record["uscc"] == USCC_A
    assert [i["code"] for i in record["items"]] == ["MKT-002", "MKT-ND"]
    assert record["geometry"]["type"] == "LineString" and record["evidence"] == []
    assert record["created_by"] == "inspector-mkt1" and record["triggered_visit_id"] is None

    _refused(api, "inspector-mkt1", 422, "item_not_nonsite_capable", item_codes=["MKT-001"])
    _refused(api, "inspector-mkt1", 422, "item_not_published", item_codes=["MKT-003"])
    _refused(api, "inspector-mkt1", 422, "item_not_of_record_unit", item_codes=["ENV-001"])
    _refused(api, "inspector-mkt1", 404, "item_not_found", item_codes=["NOPE-1"])
    _refused(api, "inspector-mkt1", 422, "findings_required", findings=" ")
    area = create_record(api, uscc=None, item_codes=[], result="no_issue", findings="")
    assert area["uscc"] is None and area["items"] == []


def test_the_operator_is_a_certified_valid_inspector_of_the_unit(api: Api) -> None:
    ids = api.world.inspector_ids
    for cert, code in [
        ("MKT-AUX", "operator_auxiliary"),
        ("MKT-SUS", "operator_suspended"),
        ("MKT-EXP", "certificate_not_valid"),
        ("ENV-C1", "operator_not_of_unit"),
    ]:
        body = _refused(api, "planner-mkt", 422, code, operator_id=ids[cert])
        assert body["field"] == "operator_id"
    _refused(api, "planner-mkt", 422, "operator_required")
    _refused(api, "planner-mkt", 404, "operator_not_found", operator_id=999_999)
    _refused(api, "inspector-mkt1", 403, "operator_must_be_self", operator_id=ids["MKT-C2"])
    named = create_record(api, as_="planner-mkt", operator_id=ids["MKT-C2"])
    assert named["operator"]["cert_no"] == "MKT-C2" and named["created_by"] == "planner-mkt"


def test_bad_geometry_is_refused_naming_the_field(api: Api) -> None:
    for geometry, field in [
        ({"type": "Polygon", "coordinates": [[[117.0, 36.0], [117.1, 36.0], [117.0, 36.1], [117.0, 36.0]]]}, "type"),
        ({"type": "Point", "coordinates": [117.06, 96.68]}, "coordinates"),
        ({"type": "Point", "coordinates": [200.0, 36.68]}, "coordinates"),
        ({"type": "Point", "coordinates": ["117", 36.68]}, "coordinates"),
        ({"type": "LineString", "coordinates": [[117.06, 36.68]]}, "coordinates"),
        ({"type": "Point"}, "coordinates"),
    ]:
        body = _refused(api, "inspector-mkt1", 400, "invalid_geometry", geometry=geometry)
        assert body["field"] == f"geometry.{field}", body
    body = _refused(api, "inspector-mkt1", 400, "validation_error", geometry="POINT(117 36)")
    assert "geometry" in str(body["field"]) + str(body["detail"])
    _refused(api, "inspector-mkt1", 422, "geometry_required", geometry=None)
    point = create_record(api, geometry={"type": "Point", "coordinates": [117.06, 36.68, 45.5]})
    assert point["geometry"] == {"type": "Point", "coordinates": [117.06, 36.68, 45.5]}
    _refused(
        api,
        "inspector-mkt1",
        422,
        "ended_before_started",
        started_at=record_body()["ended_at"],
        ended_at=record_body()["started_at"],
    )


def test_records_are_kept_by_the_unit_and_seen_by_unit_supervisors_and_the_enterprise(api: Api) -> None:
    record = create_record(api)
    path = f"{RECORDS}/{record['id']}"
    for who in [
        "inspector-mkt1",
        "inspector-mkt2",
        "planner-mkt",
        "approver-mkt",
        "supervisor",
        "admin",
        "enterprise-a",
    ]:
        assert api.get(path, as_=who).status_code == 200, who
        assert api.get(RECORDS, as_=who).json()["total"] == 1, who
    for who in ["enterprise-b", "planner-fire", "inspector-fire1"]:
        assert api.get(path, as_=who).status_code == 404, who
        assert api.get(RECORDS, as_=who).json()["total"] == 0, who
    assert api.get(path).status_code == 401
    assert api.get(RECORDS).status_code == 401

    assert api.post(RECORDS, json=record_body()).status_code == 401
    for who in ["enterprise-a", "supervisor", "approver-mkt"]:
        assert api.post(RECORDS, as_=who, json=record_body()).status_code == 403, who
    _refused(api, "planner-fire", 403, "not_your_unit", unit_code="MKT", operator_id=api.world.inspector_ids["MKT-C1"])
    _refused(api, "planner-fire", 422, "item_not_of_record_unit", operator_id=api.world.inspector_ids["FIRE-C1"])
    admin = create_record(
        api, as_="admin", unit_code="ENV", operator_id=api.world.inspector_ids["ENV-C1"], item_codes=["ENV-001"]
    )
    assert admin["unit_code"] == "ENV"
    assert api.get(RECORDS, as_="planner-mkt").json()["total"] == 1
    assert api.get(RECORDS, as_="supervisor", params={"unit_code": "ENV"}).json()["total"] == 1


def test_assets_are_managed_by_admin_and_the_owning_units_planner(api: Api) -> None:
    drone = {
        "code": "MKT-UAV-1",
        "kind": "drone",
        "name": "大疆 M30T 巡查无人机",
        "latitude": 36.68,
        "longitude": 117.06,
    }
    created = api.post(ASSETS, as_="planner-mkt", json=drone)
    assert created.status_code == 201, created.text
    assert created.json()["unit_code"] == "MKT" and created.json()["status"] == "active"
    assert api.post(ASSETS, as_="planner-mkt", json=drone).json()["code"] == "asset_exists"
    assert api.post(ASSETS, as_="planner-fire", json={**drone, "code": "X-1", "unit_code": "MKT"}).status_code == 403
    for who in ["inspector-mkt1", "enterprise-a", "supervisor"]:
        assert api.post(ASSETS, as_=who, json={**drone, "code": "X-2"}).status_code == 403, who
    point = {"code": "ENV-PT-1", "kind": "enforcement_point", "name": "超限检测点", "unit_code": "ENV"}
    assert api.post(ASSETS, as_="admin", json=point).status_code == 201
    assert api.get(ASSETS, as_="inspector-fire1").json()["total"] == 2
    assert api.get(ASSETS, as_="enterprise-a").status_code == 403

    _refused(api, "inspector-mkt1", 422, "asset_kind_mismatch", asset_code="MKT-UAV-1", mode="boat")
    _refused(api, "inspector-mkt1", 422, "asset_not_of_unit", asset_code="ENV-PT-1", mode="enforcement_point")
    located = create_record(api, asset_code="MKT-UAV-1", geometry=None)
    assert located["asset_code"] == "MKT-UAV-1"
    assert located["geometry"] == {"type": "Point", "coordinates": [117.06, 36.68]}
    assert api.patch(f"{ASSETS}/MKT-UAV-1", as_="planner-fire", json={"status": "inactive"}).status_code == 403
    assert (
        api.patch(f"{ASSETS}/MKT-UAV-1", as_="planner-mkt", json={"status": "inactive"}).json()["status"] == "inactive"
    )
    _refused(api, "inspector-mkt1", 422, "asset_inactive", asset_code="MKT-UAV-1")


def test_a_non_site_finding_triggers_the_on_site_visit_of_a_no_disturbance_item(api: Api) -> None:
    who = "planner-mkt"
    ids = api.world.inspector_ids
    planned = api.post("/api/v1/visits", as_=who, json=visit_body(api, item_codes=["MKT-ND"]))
    assert planned.status_code == 422 and planned.json()["code"] == "no_disturbance_without_trigger"

    record = create_record(api)
    start, end = window(days_ahead=2)
    request = {"window_start": start, "window_end": end, "inspector_ids": [ids["MKT-C1"], ids["MKT-C2"]]}
    trigger = f"{RECORDS}/{record['id']}/trigger-visit"
    assert api.post(trigger, as_="planner-fire", json=request).status_code == 404
    assert api.post(trigger, as_="inspector-mkt1", json=request).status_code == 403
    assert api.post(trigger, as_="approver-mkt", json=request).status_code == 403

    response = api.post(trigger, as_=who, json=request)
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["origin"] == "triggered" and visit["trigger_type"] == "monitoring"
    assert visit["trigger_ref"] == f"nonsite-record:{record['id']}"
    assert record["findings"] in visit["trigger_reason"]
    assert [i["code"] for i in visit["items"]] == ["MKT-ND"] and visit["uscc"] == USCC_A
    assert visit["status"] == "filed" and visit["filed_by"] == who
    assert api.get(f"{RECORDS}/{record['id']}", as_="planner-mkt").json()["triggered_visit_id"] == visit["id"]
    assert api.get(f"/api/v1/visits/{visit['id']}", as_="approver-mkt").status_code == 200

    again = api.post(trigger, as_=who, json=request)
    assert again.status_code == 409 and again.json()["code"] == "visit_already_triggered"
    cancel = api.post(f"/api/v1/visits/{visit['id']}/cancel", as_=who, json={"reason": "改期"})
    assert cancel.status_code == 200, cancel.text
    assert api.post(trigger, as_=who, json=request).status_code == 201

    quiet = create_record(api, result="no_issue", findings="")
    refused = api.post(f"{RECORDS}/{quiet['id']}/trigger-visit", as_=who, json=request)
    assert refused.status_code == 422 and refused.json()["code"] == "no_finding"
    area = create_record(api, uscc=None)
    refused = api.post(f"{RECORDS}/{area['id']}/trigger-visit", as_=who, json=request)
    assert refused.status_code == 422 and refused.json()["code"] == "enterprise_required"
