"""Bad inputs never 500: huge and deep bodies, broken encodings, wrong content types, injection strings
(stored as text, escaped on every page) and path traversal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from markupsafe import escape

from api.app import create_app
from api.settings import Settings
from tests.support.api import Api
from tests.support.scans import live_visit
from tests.support.visits import window
from tests.support.world import USCC_A, World, uscc

pytestmark = pytest.mark.parametrize("backend", ["postgres"])
PROBLEM = "application/problem+json"
LIMIT = 64 * 1024
INJECTIONS = ["'; DROP TABLE item; --", "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


@pytest.fixture
def small_api(settings: Settings, world: World, backend: str) -> Iterator[Api]:
    app = create_app(dataclasses.replace(settings, max_upload_bytes=LIMIT))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client=client, world=world, backend=backend)


def _problem(response: Any, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith(PROBLEM), response.headers


def test_huge_body_is_413(small_api: Api) -> None:
    body = b'{"reason": "' + b"x" * (LIMIT * 2) + b'"}'
    headers = {**small_api.headers("planner-mkt"), "Content-Type": "application/json"}
    _problem(small_api.client.post("/api/v1/visits", content=body, headers=headers), 413)


def test_deep_json_is_400(api: Api) -> None:
    body = b"[" * 10_000 + b"]" * 10_000
    headers = {**api.headers("planner-mkt"), "Content-Type": "application/json"}
    _problem(api.client.post("/api/v1/visits", content=body, headers=headers), 400)
    nested = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    _problem(api.client.post("/api/v1/items", content=nested, headers=headers), 400)


def test_invalid_utf8_is_400(api: Api) -> None:
    headers = {**api.headers("planner-mkt"), "Content-Type": "application/json"}
    body = b'{"code": "X-1", "name": "\xff\xfe\xc3", "unit_code": "MKT"}'
    _problem(api.client.post("/api/v1/items", content=body, headers=headers), 400)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"code": "X-2", "name": "n", "unit_code": "MKT"}'),
        (
            "multipart/form-data; boundary=zz",
            b'--zz\r\nContent-Disposition: form-data; name="code"\r\n\r\nX\r\n--zz--\r\n',
        ),
        ("application/x-www-form-urlencoded", b"code=X-3&name=n&unit_code=MKT"),
        ("application/xml", b"<item/>"),
        ("application/json; charset=gbk", b'{"code": "X-4", "name": "n", "unit_code": "MKT"}'),
    ],
)
def test_wrong_content_type_is_415(api: Api, content_type: str, body: bytes) -> None:
    """A JSON route refuses a body it would otherwise have decoded as JSON whatever it claimed to be."""
    headers = {**api.headers("planner-mkt"), "Content-Type": content_type}
    response = api.client.post("/api/v1/items", content=body, headers=headers)
    _problem(response, 415)
    assert response.json()["code"] == "unsupported_media_type"
    assert api.get("/api/v1/items/X-2", as_="planner-mkt").status_code == 404  # text/plain created nothing


@pytest.mark.parametrize(
    ("content_type", "code"),
    [
        ("application/json", "X-5"),
        ("application/json; charset=utf-8", "X-6"),
        ('Application/JSON; charset="UTF-8"', "X-7"),
        ("application/merge-patch+json", "X-8"),  # any structured +json type is JSON
        (None, "X-9"),  # no Content-Type (simple clients): read as JSON
    ],
)
def test_json_content_types_are_accepted(api: Api, content_type: str | None, code: str) -> None:
    headers = api.headers("planner-mkt")
    if content_type is not None:
        headers["Content-Type"] = content_type
    body = b'{"code": "%s", "name": "n", "unit_code": "MKT"}' % code.encode()
    response = api.client.post("/api/v1/items", content=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.request.headers.get("content-type") == content_type


def test_patch_accepts_merge_patch_json(api: Api) -> None:
    headers = {**api.headers("admin"), "Content-Type": "application/merge-patch+json"}
    response = api.client.patch("/api/v1/units/MKT", content='{"name": "市场监管局"}'.encode(), headers=headers)
    assert response.status_code == 200 and response.json()["name"] == "市场监管局", response.text
    refused = api.client.patch(
        "/api/v1/units/MKT", content=b'{"name": "x"}', headers={**headers, "Content-Type": "text/plain"}
    )
    _problem(refused, 415)


def test_form_routes_refuse_json(api: Api) -> None:
    """Multipart upload routes read multipart/form-data only: a JSON body is 415, not a confusing 400."""
    headers = {**api.headers("planner-mkt"), "Content-Type": "application/json"}
    response = api.client.post("/api/v1/catalogue/items/import", content=b'{"file": "x"}', headers=headers)
    _problem(response, 415)
    upload = api.client.post(
        "/api/v1/catalogue/items/import?dry_run=true",
        files={"file": ("items.csv", "\ufeffcode,name\n".encode(), "text/csv")},
        headers=api.headers("planner-mkt"),
    )
    # read as a form: the header row is judged (no such columns), the media type is not refused
    assert upload.status_code == 422 and upload.json()["code"] == "import_rejected", upload.text


def test_guards_come_before_the_media_type(api: Api) -> None:
    """As for any body error, a refused caller gets 401/403 whatever its Content-Type (the matrix holds)."""
    body = b'{"code": "X-10", "name": "n", "unit_code": "MKT"}'
    plain = {"Content-Type": "text/plain"}
    _problem(api.client.post("/api/v1/items", content=body, headers=plain), 401)
    _problem(api.client.post("/api/v1/items", content=body, headers={**api.headers("enterprise-a"), **plain}), 403)


def test_empty_body_with_any_content_type_is_not_refused(api: Api) -> None:
    """Nothing to decode: a POST with Content-Length 0 is judged by its route, not by its Content-Type."""
    headers = {**api.headers("planner-mkt"), "Content-Type": "text/plain"}
    response = api.client.post("/api/v1/items", content=b"", headers=headers)
    _problem(response, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/items/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/items/../../etc/passwd",
        "/api/v1/enterprises/..%2F..%2Fetc%2Fpasswd/code",
        "/api/v1/visits/..%2F1",
        "/V/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/public/verify/..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_path_traversal_in_path_parameters_is_not_a_500(api: Api, path: str) -> None:
    response = api.get(path, as_="supervisor")
    assert response.status_code < 500, (path, response.status_code, response.text[:300])
    assert "root:" not in response.text
    if path.startswith("/api/v1/items"):
        assert response.status_code == 404


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_stored_as_text(api: Api, text: str) -> None:
    item = {"code": "MKT-INJ", "name": text, "unit_code": "MKT", "legal_basis": text, "object": text, "reason": text}
    created = api.post("/api/v1/items", as_="admin", json=item)
    assert created.status_code == 201, created.text
    read = api.get("/api/v1/items/MKT-INJ", as_="admin").json()
    assert read["name"] == text and read["legal_basis"] == text and read["object"] == text
    firm = {"uscc": uscc("MA3C0099X"), "name": text, "address": text, "whitelist_reason": text}
    made = api.post("/api/v1/enterprises", as_="admin", json=firm)
    assert made.status_code == 201, made.text
    assert made.json()["name"] == text and made.json()["address"] == text
    visit = api.post(
        "/api/v1/visits",
        as_="planner-mkt",
        json={
            "uscc": USCC_A,
            "unit_codes": ["MKT"],
            "inspector_ids": [api.world.inspector_ids["MKT-C1"], api.world.inspector_ids["MKT-C2"]],
            "item_codes": ["MKT-001"],
            "window_start": window(days_ahead=3)[0],
            "window_end": window(days_ahead=3)[1],
            "origin": "triggered",
            "trigger_type": "complaint",
            "trigger_ref": text[:60],
            "trigger_reason": text,
        },
    )
    assert visit.status_code == 201, visit.text
    again = api.get(f"/api/v1/visits/{visit.json()['id']}", as_="planner-mkt").json()
    assert again["trigger_reason"] == text
    complaint = {"kind": "other", "description": text, "client_event_id": "inj-1", "contact": text[:30]}
    filed = api.post("/api/v1/complaints", as_="enterprise-a", json=complaint)
    assert filed.status_code in (200, 201), filed.text
    assert api.get("/api/v1/items", as_="admin").status_code == 200  # the table is still there


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_escaped_on_pages(api: Api, text: str) -> None:
    renamed = api.patch(f"/api/v1/enterprises/{USCC_A}", as_="admin", json={"name": text, "address": text})
    assert renamed.status_code == 200, renamed.text
    visit = live_visit(api)
    token = api.get(f"/api/v1/visits/{visit['id']}/code", as_="planner-mkt").json()["token"]
    code_url = api.get(f"/api/v1/enterprises/{USCC_A}/code", as_="enterprise-a").json()["url"]
    pages = {
        "verification page": api.get(f"/V/{token}"),
        "forged verification page": api.get(f"/V/{text}"),
        "enterprise code page": api.get("/E/" + code_url.rsplit("/E/", 1)[1]),
        "dashboard": api.get("/dashboard", as_="supervisor"),
    }
    for name, page in pages.items():
        assert page.status_code < 500, (name, page.status_code)
        if page.status_code != 200 or "html" not in page.headers.get("content-type", ""):
            continue
        assert text not in page.text, f"{name} shows the string unescaped"
        if name != "forged verification page" and name != "dashboard":
            assert str(escape(text)) in page.text, name  # shown, as text
