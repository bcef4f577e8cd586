"""Units, inspectors and enterprises through the API, with role scoping."""

from __future__ import annotations

import pytest

from api.registry.uscc import check_character
from tests.support.api import Api
from tests.support.world import USCC_A, USCC_B


def test_units_are_listed_and_only_admin_creates(api: Api) -> None:
    units = api.get("/api/v1/units", as_="enterprise-a").json()
    assert {u["code"] for u in units} == {"MKT", "FIRE", "ENV", "STR"}
    body = {"code": "NEW", "name": "历城区新设局", "kind": "department"}
    assert api.post("/api/v1/units", as_="supervisor", json=body).status_code == 403
    created = api.post("/api/v1/units", as_="admin", json=dict(body, parent_code="MKT"))
    assert created.status_code == 201 and created.json()["parent_code"] == "MKT"
    assert api.post("/api/v1/units", as_="admin", json=body).json()["code"] == "unit_code_taken"
    bad_kind = api.post("/api/v1/units", as_="admin", json=dict(body, code="N2", kind="club"))
    assert bad_kind.status_code == 400 and bad_kind.json()["field"] == "kind"


def test_inspectors_scoped_by_unit_and_hidden_from_enterprises(api: Api) -> None:
    all_rows = api.get("/api/v1/inspectors", as_="supervisor").json()
    assert all_rows["total"] == 10
    own = api.get("/api/v1/inspectors", as_="planner-fire").json()
    assert {r["unit_code"] for r in own["items"]} == {"FIRE"} and own["total"] == 2
    assert api.get("/api/v1/inspectors", as_="enterprise-a").status_code == 403
    mkt_id = api.world.inspector_ids["MKT-C1"]
    assert api.get(f"/api/v1/inspectors/{mkt_id}", as_="planner-fire").status_code == 404
    assert api.get(f"/api/v1/inspectors/{mkt_id}", as_="planner-mkt").json()["cert_no"] == "MKT-C1"


def test_inspector_certificate_rules(api: Api) -> None:
    body = {"name": "新人", "unit_code": "MKT", "cert_no": "MKT-C9", "valid_from": "2026-01-01"}
    assert api.post("/api/v1/inspectors", as_="admin", json=body).json()["code"] == "certificate_required"
    backwards = dict(body, valid_to="2025-01-01")
    assert api.post("/api/v1/inspectors", as_="admin", json=backwards).json()["code"] == "invalid_validity"
    aux = {"name": "辅助", "unit_code": "MKT", "is_auxiliary": True, "cert_no": "AUX-0001"}
    assert api.post("/api/v1/inspectors", as_="admin", json=aux).json()["code"] == "auxiliary_with_certificate"
    dup = dict(body, cert_no="MKT-C1", valid_to="2028-01-01")
    assert api.post("/api/v1/inspectors", as_="admin", json=dup).json()["code"] == "cert_no_taken"
    ok = api.post("/api/v1/inspectors", as_="admin", json=dict(body, valid_to="2028-01-01"))
    assert ok.status_code == 201
    suspended = api.patch(f"/api/v1/inspectors/{ok.json()['id']}", as_="admin", json={"status": "suspended"})
    assert suspended.json()["status"] == "suspended"
    assert api.post("/api/v1/inspectors", as_="planner-mkt", json=body).status_code == 403


def _uscc(body: str) -> str:
    first17 = ("91370112" + body).ljust(17, "0")[:17]
    return first17 + check_character(first17)


@pytest.mark.parametrize(
    ("uscc", "fragment"),
    [("91370112MA3C0001AX", "校验码"), ("1234", "应为 18 位"), ("91370112MA3C0001IO", "以外的字符")],
)
def test_enterprise_uscc_is_validated(api: Api, uscc: str, fragment: str) -> None:
    response = api.post("/api/v1/enterprises", as_="admin", json={"uscc": uscc, "name": "测试企业"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_uscc" and response.json()["field"] == "uscc"
    assert fragment in response.json()["detail"]


def test_enterprise_created_with_lowercase_uscc_is_stored_canonical(api: Api) -> None:
    code = _uscc("MA3C00099")
    response = api.post("/api/v1/enterprises", as_="admin", json={"uscc": code.lower(), "name": "小写企业"})
    assert response.status_code == 201 and response.json()["uscc"] == code
    again = api.post("/api/v1/enterprises", as_="admin", json={"uscc": code, "name": "重复"})
    assert again.status_code == 409 and again.json()["code"] == "uscc_taken"


def test_enterprise_sees_only_itself(api: Api) -> None:
    listing = api.get("/api/v1/enterprises", as_="enterprise-a").json()
    assert [e["uscc"] for e in listing["items"]] == [USCC_A]
    assert api.get(f"/api/v1/enterprises/{USCC_B}", as_="enterprise-a").status_code == 404
    assert api.get(f"/api/v1/enterprises/{USCC_A}", as_="enterprise-a").status_code == 200
    assert api.get("/api/v1/enterprises", as_="inspector-mkt1").json()["total"] == 3


def test_supervisor_sets_whitelist_but_planner_cannot(api: Api) -> None:
    body = {"whitelisted": True, "whitelist_reason": "信用A级", "whitelist_until": "2027-06-30"}
    assert api.patch(f"/api/v1/enterprises/{USCC_B}", as_="planner-mkt", json=body).status_code == 403
    response = api.patch(f"/api/v1/enterprises/{USCC_B}", as_="supervisor", json=body)
    assert response.status_code == 200 and response.json()["whitelisted"] is True


def test_admin_creates_accounts_with_bindings(api: Api) -> None:
    made = api.post(
        "/api/v1/users",
        as_="admin",
        json={"username": "insp-new", "password": "long-enough-pw", "role": "inspector", "inspector_cert_no": "ENV-C1"},
    )
    assert made.status_code == 201 and made.json()["unit_code"] == "ENV"
    missing = api.post(
        "/api/v1/users", as_="admin", json={"username": "p2", "password": "long-enough-pw", "role": "planner"}
    )
    assert missing.json()["code"] == "unit_required"
    assert (
        api.post(
            "/api/v1/users", as_="supervisor", json={"username": "x", "password": "long-enough-pw", "role": "admin"}
        ).status_code
        == 403
    )
