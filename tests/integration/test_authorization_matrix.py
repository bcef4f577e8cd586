"""The authorization matrix: every route of the app × every role, expected outcome written down once.

The routes come from the app's route table (``app.routes``), not from this file: a route without an
entry in ``EXPECTED`` fails ``test_every_route_is_classified`` (and the matrix) with its name, and an
entry whose route is gone fails too. Only OPTIONS/HEAD and the OpenAPI documentation routes
(``SKIPPED``) are left out.

Outcomes of one concrete request (path parameters filled from the world built by ``refs``):

- ``Y``  allowed: the guard let it through; any status but 401/403 (a 400/404/409/422 from the
  service after the guard is still "allowed"),
- ``N``  denied by the guard: 401 for anonymous (303 to the login form for the cookie dashboard),
  403 ``forbidden`` with the guard's message for logged-in roles,
- ``F``  the guard admits the role but an object-level check refuses *this* object: 403, not the
  guard's message (e.g. ``not_on_visit``, ``not_your_unit``),
- ``H``  the guard admits the role but the object is invisible to it: 404 (the app's way of
  not confirming that another enterprise's or unit's record exists).

Guards run before the body is parsed in Litestar (``HTTPRoute.handle`` calls ``authorize_connection``
before resolving kwargs), so a 400 for a body can never hide a guard; the bodies below still parse, so
object-level checks in the services are reached too.

The object-level rules that matter most also have their own explicit tests at the end of the module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute, WebSocketRoute

from api.accounts.tokens import forget_token_version
from api.visits.rules import LOCAL_TZ
from models.tables import User
from models.visit_tables import Visit
from tests.support.api import Api
from tests.support.authorization import (
    EXPECTED,
    GUARD_DENIAL,
    ROLE_NAMES,
    ROLES,
    SKIPPED,
    SKIPPED_METHODS,
    F,
    H,
    N,
    Y,
)
from tests.support.nonsite import create_record, png_bytes, sha256, upload
from tests.support.verification import code_of, current_visit, in_app, now_window
from tests.support.visits import file_visit, plan_task_for, window
from tests.support.world import PASSWORD, USCC_A, USCC_B


def _template(path: str) -> str:
    """``/api/v1/visits/{visit_id:int}`` → ``/api/v1/visits/{visit_id}``."""
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path)


def route_table(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, path template) the app serves, WS for websockets; OPTIONS/HEAD and the docs left out."""
    pairs: set[tuple[str, str]] = set()
    for route in app.routes:
        path = _template(route.path)
        if isinstance(route, WebSocketRoute):
            pairs.add(("WS", path))
        elif isinstance(route, HTTPRoute):
            pairs.update((m, path) for m in route.methods if m not in SKIPPED_METHODS)
        else:  # an ASGI mount would need its own classification
            pairs.add(("ASGI", path))
    return sorted(pairs - SKIPPED)


# -- the world the requests point at -----------------------------------------------------------------
@dataclass
class Refs:
    visit_a: int  # MKT visit of enterprise A, approved, window holds now; inspectors MKT-C1, MKT-C2
    visit_c: int  # a second MKT visit of A, filed (not approved): the state-changing routes act on it
    visit_b: int  # FIRE visit of enterprise B, approved, checked out, rated by B
    token_a: str  # visit_a's code
    enterprise_token: str  # enterprise A's own code (企业码)
    complaint_a: int
    complaint_b: int
    record_id: int  # non-site record of MKT on A, by inspector-mkt1
    evidence: str  # SHA-256 of an image on that record
    asset_code: str
    plan_id: int
    period: str
    case_id: int = 0  # a 容错纠错 case about unit FIRE: MKT's planner and approver must not see it
    document_id: int = 0  # a 督办 to FIRE
    request_id: int = 0  # enterprise A's service request to MKT


def _run(api: Api, query: Any) -> Any:
    async def run() -> Any:
        return await query

    return in_app(api, run)


def check_out(api: Api, visit_id: int) -> None:
    """The state the check-out endpoint leaves (checked in and out now), written directly."""
    now = dt.datetime.now(dt.UTC)
    values: dict[Any, Any] = {
        Visit.status: "checked_out",
        Visit.checked_in_at: now,
        Visit.checked_out_at: now,
        Visit.result: "no_issue",
    }
    _run(api, Visit.update(values).where(Visit.id == visit_id))


def _ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def build_refs(api: Api) -> Refs:
    visit_a = current_visit(api)
    token_a = code_of(api, visit_a["id"], as_="inspector-mkt1")
    visit_c = file_visit(api, **dict(zip(("window_start", "window_end"), window(days_ahead=2), strict=True)))
    start, end = now_window()
    fire: dict[str, Any] = {
        "uscc": USCC_B,
        "unit_codes": ["FIRE"],
        "inspector_ids": [api.world.inspector_ids["FIRE-C1"], api.world.inspector_ids["FIRE-C2"]],
        "item_codes": ["FIRE-001"],
        "window_start": start,
        "window_end": end,
        "origin": "planned",
    }
    fire["plan_task_id"] = plan_task_for(api, fire)  # a planned visit has a plan task
    visit_b = _ok(api.post("/api/v1/visits", as_="planner-fire", json=fire))
    _ok(api.post(f"/api/v1/visits/{visit_b['id']}/approve", as_="approver-fire"), 200)
    check_out(api, visit_b["id"])
    rating = {"score": 2, "comment": "B 的评价", "client_event_id": "matrix-rating-b"}
    _ok(api.post(f"/api/v1/visits/{visit_b['id']}/rating", as_="enterprise-b", json=rating))
    url = _ok(api.get(f"/api/v1/enterprises/{USCC_A}/code", as_="enterprise-a"), 200)["url"]
    complaints = {}
    for user in ("enterprise-a", "enterprise-b"):
        body = {"kind": "other", "description": f"{user} 的投诉", "client_event_id": f"matrix-{user}"}
        complaints[user] = _ok(api.post("/api/v1/complaints", as_=user, json=body))["id"]
    record = create_record(api)
    image = png_bytes()
    assert upload(api, record["id"], image, name="p.png").status_code == 201
    asset = {"code": "DRONE-MX", "kind": "drone", "name": "矩阵测试无人机", "unit_code": "MKT"}
    _ok(api.post("/api/v1/nonsite/assets", as_="admin", json=asset))
    case = {"source": "manual", "title": "矩阵案件", "unit_code": "FIRE"}
    case_id = _ok(api.post("/api/v1/supervision/cases", as_="supervisor", json=case))["id"]
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).isoformat()
    document = {"kind": "urging", "unit_code": "FIRE", "title": "矩阵督办", "response_due_at": due}
    document_id = _ok(api.post("/api/v1/supervision/documents", as_="supervisor", json=document))["id"]
    slot = {"start": _future(3, 9), "end": _future(3, 11)}
    ask = {"unit_code": "MKT", "service_type": "service", "topic": "矩阵预约", "slots": [slot]}
    request_id = _ok(api.post("/api/v1/service-requests", as_="enterprise-a", json=ask))["id"]
    year = dt.datetime.now(LOCAL_TZ).year + 1
    plan = _ok(api.post("/api/v1/annual-plans", as_="planner-mkt", json={"year": year, "entries": []}))
    return Refs(
        visit_a=visit_a["id"],
        visit_c=visit_c["id"],
        visit_b=visit_b["id"],
        token_a=token_a,
        enterprise_token=urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1],
        complaint_a=complaints["enterprise-a"],
        complaint_b=complaints["enterprise-b"],
        record_id=record["id"],
        evidence=sha256(image),
        asset_code=asset["code"],
        plan_id=plan["id"],
        period=f"{year}-01",
        case_id=case_id,
        document_id=document_id,
        request_id=request_id,
    )


# -- requests ------------------------------------------------------------------------------------------
STATE_CHANGING_VISIT_ROUTES = {"approve", "cancel", "reschedule", "checkout"}


def fill(path: str, refs: Refs, inspector_id: int) -> str:
    """The concrete URL of a path template, from the world."""
    values: dict[str, Any] = {
        "visit_id": refs.visit_a,
        "inspector_id": inspector_id,
        "uscc": USCC_A,
        "item_code": "MKT-ND",
        "list_name": "items",
        "token": refs.token_a,
        "complaint_id": refs.complaint_a,
        "record_id": refs.record_id,
        "sha256": refs.evidence,
        "plan_id": refs.plan_id,
        "task_id": 2_000_000,  # no task: the guard is what is checked here
        "period": refs.period,
        "year": 2027,
        "file_path": "favicon.png",
        "username": "inspector-mkt2",  # an account no role of the matrix logs in as
        "path": "sw.js",
        "tracking_code": "AAAA-AAAA-AAAA-AAAA",
        "case_id": refs.case_id,
        "document_id": refs.document_id,
        "request_id": refs.request_id,
    }
    if path.rsplit("/", 1)[-1] in STATE_CHANGING_VISIT_ROUTES:
        values["visit_id"] = refs.visit_c
    if path.startswith("/api/v1/plan-visits/"):
        values["visit_id"] = 2_000_000
    if path.startswith("/E/"):
        values["token"] = refs.enterprise_token
    codes = {
        "/api/v1/units/": "MKT",
        "/api/v1/items/": "MKT-001",
        "/api/v1/scenarios/": "SC-REST",
        "/api/v1/nonsite/assets/": refs.asset_code,
    }
    values["code"] = next((v for prefix, v in codes.items() if path.startswith(prefix)), "")
    values["feed"] = "MKT.ics" if path.startswith("/api/v1/schedules/unit/") else f"{USCC_A}.ics"
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _future(days: int, hour: int) -> str:
    return window(days_ahead=days, hour=hour)[0]


def bodies(api: Api, refs: Refs) -> dict[tuple[str, str], dict[str, Any]]:
    """Keyword arguments for the client: bodies that parse, so that services are reached."""
    ids = api.world.inspector_ids
    start, end = window(days_ahead=3)
    return {
        ("POST", "/api/v1/auth/login"): {"json": {"username": "supervisor", "password": PASSWORD}},
        ("POST", "/api/v1/users"): {"json": {"username": "matrix-user", "password": PASSWORD, "role": "supervisor"}},
        ("PATCH", "/api/v1/users/{username}"): {"json": {"active": True}},
        ("POST", "/api/v1/units"): {"json": {"code": "MXU", "name": "矩阵单位", "kind": "other"}},
        ("PATCH", "/api/v1/units/{code}"): {"json": {"name": "历城区市场监督管理局"}},
        ("POST", "/api/v1/inspectors"): {"json": {"name": "矩阵辅", "unit_code": "MKT", "is_auxiliary": True}},
        ("PATCH", "/api/v1/inspectors/{inspector_id}"): {"json": {"name": "张明"}},
        ("POST", "/api/v1/enterprises"): {"json": {"uscc": "bad", "name": "x"}},
        ("PATCH", "/api/v1/enterprises/{uscc}"): {"json": {"whitelist_reason": "矩阵"}},  # the supervisor's field
        ("POST", "/api/v1/enterprises/{uscc}/code/reissue"): {"json": {"reason": "矩阵", "grace_days": 7}},
        ("POST", "/api/v1/items"): {
            "json": {"code": "MKT-MX", "name": "矩阵事项", "unit_code": "MKT", "legal_basis": "《法》", "yearly_cap": 1}
        },
        ("PATCH", "/api/v1/items/{code}"): {"json": {"reason": "矩阵", "name": "MKT-001 检查事项"}},
        ("POST", "/api/v1/items/{code}/retire"): {"json": {"reason": "矩阵"}},
        ("POST", "/api/v1/scenarios"): {
            "json": {"code": "SC-MX", "name": "矩阵场景", "lead_unit_code": "MKT", "item_codes": ["MKT-001"]}
        },
        ("PATCH", "/api/v1/scenarios/{code}"): {"json": {"reason": "矩阵", "name": "餐饮服务单位联合检查"}},
        ("POST", "/api/v1/scenarios/{code}/retire"): {"json": {"reason": "矩阵"}},
        ("POST", "/api/v1/library"): {"json": {"item_code": "MKT-ND", "triggers": ["complaint"]}},
        ("PATCH", "/api/v1/library/{item_code}"): {"json": {"reason": "矩阵", "note": "矩阵"}},
        ("POST", "/api/v1/library/{item_code}/retire"): {"json": {"reason": "矩阵"}},
        ("POST", "/api/v1/catalogue/{list_name}/import"): {
            "files": {"file": ("items.csv", b"code,name\n", "text/csv")},
            "params": {"dry_run": "true"},
        },
        ("POST", "/api/v1/visits"): {
            "json": {
                "uscc": USCC_A,
                "unit_codes": ["MKT"],
                "inspector_ids": [ids["MKT-C1"], ids["MKT-C3"]],
                "item_codes": ["MKT-002"],
                "window_start": start,
                "window_end": end,
                "origin": "planned",
            }
        },
        ("POST", "/api/v1/visits/{visit_id}/cancel"): {"json": {"reason": "矩阵"}},
        ("POST", "/api/v1/visits/{visit_id}/reschedule"): {
            "json": {"window_start": _future(4, 9), "window_end": _future(4, 11), "reason": "矩阵"}
        },
        ("POST", "/api/v1/visits/{visit_id}/checkout"): {
            "json": {"client_event_id": "matrix-checkout", "result": "no_issue"}
        },
        ("POST", "/api/v1/scans"): {
            "json": {
                "content": f"{api.app.state.settings.public_base_url}/E/{refs.enterprise_token}",
                "client_event_id": "mx",
            }
        },
        ("POST", "/api/v1/public/complaints"): {
            "json": {"kind": "other", "description": "矩阵", "client_event_id": "matrix-public"}
        },
        ("POST", "/api/v1/public/visits/{token}/rating"): {"json": {"score": 5, "client_event_id": "matrix-public"}},
        ("POST", "/api/v1/visits/{visit_id}/rating"): {"json": {"score": 5, "client_event_id": "matrix-rating"}},
        ("POST", "/api/v1/complaints"): {"json": {"kind": "other", "description": "矩阵", "client_event_id": "mx"}},
        ("POST", "/api/v1/complaints/{complaint_id}/advance"): {"json": {"to": "verifying", "note": "矩阵"}},
        ("POST", "/dashboard/login"): {"data": {"username": "supervisor", "password": PASSWORD}},
        ("POST", "/api/v1/supervision/cases"): {"json": {"source": "manual", "title": "矩阵", "unit_code": "MKT"}},
        ("POST", "/api/v1/supervision/cases/{case_id}/unit-report"): {"json": {"result": "矩阵"}},
        ("POST", "/api/v1/supervision/cases/{case_id}/review"): {"json": {"reason": "矩阵"}},
        ("POST", "/api/v1/supervision/cases/{case_id}/correction-extension"): {"json": {"days": 5, "reason": "矩阵"}},
        ("POST", "/api/v1/supervision/cases/{case_id}/correction-report"): {"json": {"report": "矩阵"}},
        ("POST", "/api/v1/supervision/cases/{case_id}/attachments"): {
            "files": {"file": ("p.png", png_bytes(), "image/png")},
            "data": {"sha256": refs.evidence},
        },
        ("GET", "/api/v1/recognition/results"): {"params": {"uscc": USCC_A, "item_codes": "FIRE-001"}},
        ("POST", "/api/v1/recognition/acceptances"): {"json": {"visit_id": refs.visit_a, "item_code": "MKT-001"}},
        ("POST", "/api/v1/service-requests"): {
            "json": {
                "unit_code": "MKT",
                "service_type": "service",
                "topic": "矩阵",
                "slots": [{"start": _future(4, 9), "end": _future(4, 10)}],
            }
        },
        ("POST", "/api/v1/service-requests/{request_id}/accept"): {
            "json": {"slot": 1, "inspector_ids": [ids["MKT-C1"], ids["MKT-C2"]]}
        },
        ("POST", "/api/v1/service-requests/{request_id}/decline"): {"json": {"reason": "矩阵"}},
        ("POST", "/api/v1/supervision/documents"): {"json": {"kind": "circular", "unit_code": "MKT", "title": "矩阵"}},
        ("POST", "/api/v1/supervision/documents/{document_id}/response"): {"json": {"response": "矩阵"}},
        ("POST", "/api/v1/nonsite/assets"): {
            "json": {"code": "BOAT-MX", "kind": "boat", "name": "矩阵无人船", "unit_code": "MKT"}
        },
        ("PATCH", "/api/v1/nonsite/assets/{code}"): {"json": {"name": "矩阵测试无人机"}},
        ("POST", "/api/v1/nonsite/records"): {
            "json": {
                "mode": "drone",
                "started_at": _future(-1, 9),
                "ended_at": _future(-1, 10),
                "result": "no_issue",
                "unit_code": "MKT",
                "operator_id": ids["MKT-C1"],
            }
        },
        ("POST", "/api/v1/nonsite/records/{record_id}/trigger-visit"): {
            "json": {"window_start": start, "window_end": end, "inspector_ids": [ids["MKT-C1"], ids["MKT-C2"]]}
        },
        ("POST", "/api/v1/nonsite/records/{record_id}/evidence"): {
            "files": {"file": ("p.png", png_bytes(), "image/png")},
            "data": {"sha256": refs.evidence},
        },
        ("POST", "/api/v1/visits/{visit_id}/evidence"): {
            "files": {"file": ("p.png", png_bytes(), "image/png")},
            "data": {"sha256": refs.evidence},
        },
        ("POST", "/api/v1/annual-plans"): {
            "json": {"year": int(refs.period[:4]) + 1, "entries": [], "unit_code": "MKT"}
        },
        ("PUT", "/api/v1/annual-plans/{plan_id}/entries"): {"json": {"entries": []}},
        ("POST", "/api/v1/annual-plans/{plan_id}/return"): {"json": {"reason": "矩阵"}},
        ("POST", "/api/v1/annual-plans/{plan_id}/amend"): {"json": {"reason": "矩阵"}},
        ("POST", "/api/v1/schedules/{period}/approve"): {"json": {"unit_code": "MKT"}},
        ("POST", "/api/v1/plan-visits/{visit_id}/move"): {"json": {"window_start": start}},
        ("PUT", "/api/v1/calendar/{year}"): {"json": {"days_off": [{"date": "2027-01-01", "name": "元旦"}]}},
        ("POST", "/api/v1/plan-visits/{visit_id}/split"): {"json": {"parts": [["MKT"], ["FIRE"]]}},
        ("POST", "/api/v1/plan-visits/merge"): {"json": {"visit_ids": [2_000_000, 2_000_001]}},
        ("POST", "/api/v1/plan-tasks/{task_id}/file"): {"json": {"inspector_ids": [ids["MKT-C1"], ids["MKT-C2"]]}},
    }


@dataclass
class Outcome:
    status: int
    detail: str
    location: str

    def classify(self, path: str) -> str:
        if self.status == 401:
            return N
        if self.status == 303 and self.location.startswith("/dashboard/login") and path != "/dashboard/logout":
            return N  # the cookie dashboard sends anonymous readers to its login form
        if self.status == 403:
            guard = self.detail.startswith(GUARD_DENIAL) or path.startswith("/dashboard")
            return N if guard else F
        if self.status == 404:
            return H
        return Y


def restore_tokens(api: Api, username: str) -> None:
    """Put the account's token version back to the one the test client's tokens carry (0)."""
    _run(api, User.update({User.token_version: 0}).where(User.username == username))
    forget_token_version(api.world.actors[username].user_id)


def send(api: Api, method: str, path: str, role: str, refs: Refs, kwargs: dict[str, Any]) -> Outcome:
    username = ROLES[role]
    url = fill(path, refs, api.world.inspector_ids["MKT-C1"])
    headers: dict[str, str] = {}
    if username is not None:
        auth = api.headers(username)
        if path.startswith("/dashboard"):  # the dashboard reads the same JWT from its cookie
            headers["Cookie"] = "ruqi_dashboard=" + auth["Authorization"].removeprefix("Bearer ")
        else:
            headers.update(auth)
    if method == "WS":
        try:
            with api.client.websocket_connect(url, headers=headers):
                return Outcome(101, "", "")
        except Exception as exc:  # refused before accepting
            return Outcome(int(getattr(exc, "code", 0) or 0), repr(exc), "")
    response = api.client.request(method, url, headers=headers, follow_redirects=False, **kwargs)
    if path == "/api/v1/auth/logout" and response.status_code == 204 and username is not None:
        restore_tokens(api, username)  # logging out ended the role's tokens; the matrix goes on with them
    detail = ""
    if response.headers.get("content-type", "").startswith(("application/problem+json", "application/json")):
        body = response.json()
        detail = str(body.get("detail", "")) if isinstance(body, dict) else ""
    return Outcome(response.status_code, detail, response.headers.get("location", ""))


# -- the tests -------------------------------------------------------------------------------------------
def test_every_route_is_classified(api: Api) -> None:
    routes = route_table(api.app)
    missing = [f"{m} {p}" for m, p in routes if (m, p) not in EXPECTED]
    assert not missing, "routes without an entry in EXPECTED (classify them): " + ", ".join(missing)
    stale = [f"{m} {p}" for m, p in EXPECTED if (m, p) not in routes]
    assert not stale, "EXPECTED names routes the app no longer has: " + ", ".join(stale)


@pytest.fixture
def refs(api: Api) -> Refs:
    return build_refs(api)


def test_authorization_matrix(api: Api, refs: Refs) -> None:
    """Every route × every role; all differences are reported together."""
    table = bodies(api, refs)
    unknown_bodies = set(table) - set(EXPECTED)
    assert not unknown_bodies, f"bodies for routes not in EXPECTED: {unknown_bodies}"
    wrong: list[str] = []
    for method, path in route_table(api.app):
        row = EXPECTED.get((method, path))
        if row is None:
            wrong.append(f"{method} {path}: not in EXPECTED (classify the new route)")
            continue
        for role in ROLE_NAMES:
            outcome = send(api, method, path, role, refs, table.get((method, path), {}))
            got = outcome.classify(path)
            if got != row[role] and not (row[role] == Y and got == H):  # a 404 after the guard is allowed
                wrong.append(
                    f"{method} {path} as {role}: expected {row[role]}, got {got} "
                    f"({outcome.status} {outcome.detail[:80]})"
                )
    assert not wrong, f"{len(wrong)} cells differ:\n" + "\n".join(wrong)


# -- object-level checks -----------------------------------------------------------------------------------
def _items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def test_enterprise_a_never_reads_b_visits(api: Api, refs: Refs) -> None:
    listed = _items(api.get("/api/v1/visits", as_="enterprise-a", params={"limit": "500"}))
    assert listed and {v["uscc"] for v in listed} == {USCC_A}
    asked = _items(api.get("/api/v1/visits", as_="enterprise-a", params={"uscc": USCC_B}))
    assert asked == []
    for path in (f"/api/v1/visits/{refs.visit_b}", f"/api/v1/visits/{refs.visit_b}/scans"):
        assert api.get(path, as_="enterprise-a").status_code in (403, 404), path
    assert api.get(f"/api/v1/visits/{refs.visit_a}", as_="enterprise-b").status_code == 404
    assert {v["uscc"] for v in _items(api.get("/api/v1/visits", as_="enterprise-b"))} == {USCC_B}


def test_enterprise_a_never_reads_b_complaints(api: Api, refs: Refs) -> None:
    mine = _items(api.get("/api/v1/complaints", as_="enterprise-a", params={"limit": "500"}))
    assert [c["id"] for c in mine] == [refs.complaint_a] and {c["uscc"] for c in mine} == {USCC_A}
    assert api.get(f"/api/v1/complaints/{refs.complaint_b}", as_="enterprise-a").status_code == 404
    assert api.get(f"/api/v1/complaints/{refs.complaint_a}", as_="enterprise-b").status_code == 404
    assert api.get(f"/api/v1/complaints/{refs.complaint_a}", as_="enterprise-a").status_code == 200


def test_enterprise_a_never_reads_or_writes_b_ratings(api: Api, refs: Refs) -> None:
    for path in ("/api/v1/ratings", "/api/v1/ratings/summary"):
        assert api.get(path, as_="enterprise-a").status_code == 403
    # nor rate B's visit (which B has rated) in its place
    rating = {"score": 5, "client_event_id": "a-rates-b"}
    assert api.post(f"/api/v1/visits/{refs.visit_b}/rating", as_="enterprise-a", json=rating).status_code == 404
    # the supervisor sees B's rating, without who rated
    rated = _items(api.get("/api/v1/ratings", as_="supervisor"))
    assert [r["visit_id"] for r in rated] == [refs.visit_b]
    assert not {"uscc", "rater", "enterprise", "user", "username"} & set(rated[0])


@pytest.mark.parametrize("user", ["planner-mkt", "approver-mkt", "inspector-mkt1", "planner-fire", "approver-fire"])
def test_unit_roles_never_read_ratings(api: Api, refs: Refs, user: str) -> None:
    for path in ("/api/v1/ratings", "/api/v1/ratings/summary"):
        assert api.get(path, as_=user).status_code == 403, path
    metrics = api.get("/api/v1/metrics", as_=user)
    if metrics.status_code == 403:  # inspectors have no metrics at all
        assert user.startswith("inspector")
        return
    body = metrics.json()
    assert body["ratings"] is None and "ratings" in body["hidden"]
    assert body["complaints"] is None
    export = api.get("/api/v1/metrics/export", as_=user, params={"format": "csv"})
    assert export.status_code == 200 and "【评价】" not in export.text and "【投诉】" not in export.text
    # the rated visit itself says nothing about its rating to the unit
    fire_visit = api.get(f"/api/v1/visits/{refs.visit_b}", as_=user)
    if fire_visit.status_code == 200:
        assert "rating" not in fire_visit.text and "评价" not in fire_visit.text


# What docs/domain.md lets the scanning enterprise see: filed and valid or not, the units, the inspectors
# with certificate numbers, the items with their legal basis, the window, and its rights.
FORBIDDEN_KEYS = {
    "id",
    "inspector_id",
    "inspector_ids",
    "phone",
    "warnings",
    "trigger_ref",
    "trigger_reason",
    "filed_by",
    "approved_by",
    "cancel_reason",
    "findings",
    "result",
    "catalogue_version",
}


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def test_public_verification_leaks_nothing_beyond_the_domain(api: Api) -> None:
    start, end = now_window()
    ids = api.world.inspector_ids
    visit = current_visit(
        api,
        origin="triggered",
        trigger_type="complaint",
        trigger_ref="举报-SECRET-REF-0042",
        trigger_reason="SECRET-REASON 群众举报后厨",
        window_start=start,
        window_end=end,
    )
    token = code_of(api, visit["id"])
    staff_view = api.get(f"/api/v1/visits/{visit['id']}", as_="supervisor").json()
    secrets = ["SECRET-REF-0042", "SECRET-REASON", "planner-mkt", "approver-mkt"]
    secrets += [w["detail"] for w in staff_view["warnings"]] + [w["code"] for w in staff_view["warnings"]]

    body = api.get(f"/api/v1/public/verify/{token}").json()
    assert body["outcome"] == "valid" and body["visit"] is not None
    leaked = set(_keys(body)) & FORBIDDEN_KEYS
    assert not leaked, leaked
    on_code = body["visit"]["inspectors"]
    assert {tuple(sorted(i)) for i in on_code} == {("cert_no", "name", "problem", "valid")}
    assert {i["cert_no"] for i in on_code} == {"MKT-C1", "MKT-C2"}
    assert {i["legal_basis"] for i in body["visit"]["items"]} and body["rights"]
    page = api.get(f"/V/{token}")
    assert page.status_code == 200
    for text in (api.get(f"/api/v1/public/verify/{token}").text, page.text):
        for secret in secrets:
            assert secret not in text, secret
        for inspector in ("MKT-C1", "MKT-C2"):
            # the internal inspector id never appears next to the certificate it belongs to
            assert f'"id":{ids[inspector]}' not in text.replace(" ", "")


def test_planner_of_another_unit_cannot_approve_cancel_or_show_codes(api: Api, refs: Refs) -> None:
    fire = {"planner": "planner-fire", "approver": "approver-fire"}
    approve = api.post(f"/api/v1/visits/{refs.visit_c}/approve", as_=fire["approver"])
    assert approve.status_code in (403, 404), approve.text
    for user in fire.values():
        cancel = api.post(f"/api/v1/visits/{refs.visit_a}/cancel", as_=user, json={"reason": "不是我的"})
        assert cancel.status_code in (403, 404), cancel.text
        for suffix in ("code", "code.png", "code.svg"):
            assert api.get(f"/api/v1/visits/{refs.visit_a}/{suffix}", as_=user).status_code in (403, 404)
    reschedule = {"window_start": _future(5, 9), "window_end": _future(5, 10), "reason": "不是我的"}
    moved = api.post(f"/api/v1/visits/{refs.visit_c}/reschedule", as_="planner-fire", json=reschedule)
    assert moved.status_code in (403, 404), moved.text
    # nothing changed
    assert api.get(f"/api/v1/visits/{refs.visit_a}", as_="supervisor").json()["status"] == "approved"
    assert api.get(f"/api/v1/visits/{refs.visit_c}", as_="supervisor").json()["status"] == "filed"


def test_an_inspector_of_another_unit_cannot_fetch_the_code(api: Api, refs: Refs) -> None:
    for suffix in ("code", "code.png", "code.svg"):
        response = api.get(f"/api/v1/visits/{refs.visit_a}/{suffix}", as_="inspector-fire1")
        assert response.status_code in (403, 404), (suffix, response.text)


def test_an_inspector_of_the_unit_not_named_on_the_visit_cannot_fetch_its_code(api: Api) -> None:
    # inspector-mkt2 (MKT-C2) on a visit naming MKT-C1 and MKT-C3 only
    ids = api.world.inspector_ids
    visit = file_visit(api, inspector_ids=[ids["MKT-C1"], ids["MKT-C3"]])
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").status_code == 200
    response = api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt2")
    assert response.status_code == 403 and response.json()["code"] == "not_on_visit", response.text
    assert api.get(f"/api/v1/visits/{visit['id']}/code", as_="inspector-mkt1").status_code == 200
