"""Input PostgreSQL cannot store gets 400 ``validation_error`` on every route, on both backends (issue 13)."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec.inspect as mi
from litestar import Litestar
from litestar.routes import HTTPRoute

from api.content_type import body_media_type
from api.input_boundary import MAX_PARAMETER_LENGTH, MAX_PATH_LENGTH
from tests.support.api import Api
from tests.support.world import USCC_A

VALUES = {"int": "1", "str": "x", "path": "favicon.png"}


def _url(path: str) -> str:
    """A concrete URL for a route template: ``{visit_id:int}`` → ``1``."""
    return re.sub(r"\{\w+:(\w+)\}", lambda m: VALUES.get(m.group(1), "x"), path)


def routes(app: Litestar) -> list[tuple[str, str, str | None]]:
    """(method, url, body media type) of every HTTP route."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, handler in route.route_handler_map.items():
            if method in {"OPTIONS", "HEAD"}:
                continue
            found.append((method, _url(route.path), body_media_type(handler[0])))
    return sorted(found, key=lambda r: (r[1], r[0]))


def _is_refused_as_invalid(response: Any) -> bool:
    return bool(
        response.status_code == 400
        and response.headers["content-type"].startswith("application/problem+json")
        and response.json()["code"] == "validation_error"
    )


def test_a_nul_in_the_query_is_400_on_every_route(api: Api) -> None:
    headers = api.headers("admin")
    wrong = []
    for method, url, _ in routes(api.app):
        response = api.client.request(method, f"{url}?q=a%00b&uscc=%00", headers=headers, follow_redirects=False)
        if not _is_refused_as_invalid(response):
            wrong.append(f"{method} {url}: {response.status_code} {response.text[:80]}")
    assert wrong == []


def test_a_nul_in_a_json_body_is_400_on_every_route_that_reads_one(api: Api) -> None:
    headers = {**api.headers("admin"), "Content-Type": "application/json"}
    checked, wrong = 0, []
    for method, url, media in routes(api.app):
        if media != "application/json":
            continue
        checked += 1
        body = json.dumps({"name": "a\u0000b", "reason": "\u0000", "username": "x\u0000"})
        response = api.client.request(method, url, content=body, headers=headers)
        if not _is_refused_as_invalid(response) and response.status_code != 404:  # 404: the route's record is not there
            wrong.append(f"{method} {url}: {response.status_code} {response.text[:80]}")
    assert checked > 30 and wrong == []


def test_the_attacks_of_the_report_are_refused_alike_on_both_backends(api: Api) -> None:
    login = api.client.post("/api/v1/auth/login", json={"username": "admin\u0000", "password": "x" * 12})
    complaint = api.client.post(
        "/api/v1/public/complaints",
        json={"kind": "other", "description": "投诉\u0000", "client_event_id": "nul-1"},
    )
    search = api.get("/api/v1/enterprises", as_="supervisor", params={"q": "济南\u0000"})
    renamed = api.patch(f"/api/v1/enterprises/{USCC_A}", as_="admin", json={"name": "泉城\u0000"})
    form = api.client.post("/dashboard/login", data={"username": "supervisor\u0000", "password": "x"})
    path = api.get("/api/v1/items/MKT%00", as_="admin")
    for response in (login, complaint, search, renamed, form, path):
        assert _is_refused_as_invalid(response), (response.request.url, response.status_code, response.text[:200])
    assert api.get(f"/api/v1/enterprises/{USCC_A}", as_="admin").json()["name"] != "泉城\u0000"


def _unbounded(t: mi.Type, where: str, seen: set[type]) -> list[str]:
    """Strings without a maximum length (or a pattern) reachable in a request body's type."""
    if isinstance(t, mi.StrType):
        return [where] if t.max_length is None and t.pattern is None else []
    if isinstance(t, mi.UnionType):
        return [w for option in t.types for w in _unbounded(option, where, seen)]
    if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return _unbounded(t.item_type, f"{where}[]", seen)
    if isinstance(t, mi.TupleType):
        return [w for item in t.item_types for w in _unbounded(item, f"{where}()", seen)]
    if isinstance(t, mi.DictType):
        return _unbounded(t.key_type, f"{where}{{key}}", seen) + _unbounded(t.value_type, f"{where}{{}}", seen)
    if isinstance(t, mi.StructType | mi.DataclassType) and t.cls not in seen:
        seen.add(t.cls)
        return [w for f in t.fields for w in _unbounded(f.type, f"{where}.{f.name}", seen)]
    return []


def test_every_string_of_a_json_body_has_a_maximum_length(api: Api) -> None:
    unbounded = []
    for route in api.app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None or body_media_type(handler) != "application/json":
                continue
            unbounded += _unbounded(mi.type_info(data.annotation), f"{method} {route.path}", set())
    assert unbounded == []


def test_an_overlong_query_value_or_path_is_400_before_any_route_reads_it(api: Api) -> None:
    for url in ("/api/v1/enterprises", "/api/v1/schedules/2026-10", "/api/v1/items", "/health"):
        response = api.get(url, as_="admin", params={"q": "企" * (MAX_PARAMETER_LENGTH + 1)})
        assert _is_refused_as_invalid(response), (url, response.status_code, response.text[:200])
    assert _is_refused_as_invalid(api.get("/api/v1/items/" + "x" * MAX_PATH_LENGTH, as_="admin"))
    assert api.get("/api/v1/enterprises", as_="admin", params={"q": "企" * 100}).status_code == 200
