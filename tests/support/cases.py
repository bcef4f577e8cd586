"""Helpers for the 容错纠错 case tests: opening a case and moving it through its steps through the API."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api

CASES = "/api/v1/supervision/cases"


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def open_case(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"source": "manual", "title": "未按规定扫码入企", "unit_code": "MKT", **fields}
    return ok(api.post(CASES, as_="supervisor", json=body), 201)


def act(api: Api, case_id: int, action: str, as_: str = "supervisor", **body: Any) -> Any:
    return api.post(f"{CASES}/{case_id}/{action}", as_=as_, json=body)


def verified(api: Api, case_id: int) -> dict[str, Any]:
    """Two investigators, the case at 核实 and every person heard."""
    ok(act(api, case_id, "investigators", usernames=["supervisor", "admin"]))
    case = ok(act(api, case_id, "advance", to="verifying", note="调取执法记录"))
    for person in case["persons"]:
        case = ok(
            act(api, case_id, "statements", inspector_id=person["inspector_id"], statement="当时系统故障，无法扫码")
        )
    return case


def determined(api: Api, case_id: int, determination: str, grounds: list[str]) -> dict[str, Any]:
    verified(api, case_id)
    return ok(act(api, case_id, "advance", to="determined", determination=determination, grounds=grounds))
