"""Public keys, revocations, enterprise-code pages, live updates, rate limits and forger input (both backends)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from litestar.exceptions import WebSocketDisconnect

from api.settings import Settings
from api.visits.codes import enterprise_code_url
from qr.codec import decode_token, encode_token
from tests.support.api import Api
from tests.support.verification import altered, code_of, current_visit, env_of, in_app, make_api
from tests.support.world import USCC_A, World


def test_jwks_publishes_the_signing_key_with_an_etag(api: Api) -> None:
    response = api.get("/.well-known/jwks.json")
    assert response.status_code == 200
    kids = [k["kid"] for k in response.json()["keys"]]
    assert kids[0] == api.app.state.keyring.signing_kid
    assert all(set(k) == {"kty", "crv", "x", "kid", "alg", "use"} for k in response.json()["keys"])
    assert response.headers["cache-control"] == "public, max-age=300"
    etag = response.headers["etag"]
    again = api.client.get("/.well-known/jwks.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert api.client.get("/.well-known/jwks.json", headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert api.client.get("/.well-known/jwks.json", headers={"If-None-Match": '"stale"'}).status_code == 200


def test_revocations_list_cancelled_visits_and_the_cursor_advances(api: Api) -> None:
    first = api.get("/api/v1/public/revocations")
    assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=60"
    cursor = first.json()["cursor"]
    visit = current_visit(api)
    api.post(f"/api/v1/visits/{visit['id']}/cancel", as_="planner-mkt", json={"reason": "企业停业"})
    listed = api.get("/api/v1/public/revocations", params={"since": cursor}).json()
    assert [(r["visit_id"], r["reason"]) for r in listed["items"]] == [(visit["id"], "cancelled")]
    assert listed["cursor"] > cursor and set(listed["items"][0]) == {
        "visit_id",
        "revoked_before",
        "expires_at",
        "reason",
        "revoked_through_code",
        "seq",
    }
    after = api.get("/api/v1/public/revocations", params={"since": listed["cursor"]})
    assert after.json() == {"cursor": listed["cursor"], "items": []}
    unchanged = {"If-None-Match": after.headers["etag"]}
    since = {"since": listed["cursor"]}
    assert api.client.get("/api/v1/public/revocations", params=since, headers=unchanged).status_code == 304
    assert api.get("/api/v1/public/revocations", params={"since": "-1"}).status_code == 400


def test_enterprise_code_page(api: Api) -> None:
    token = enterprise_code_url(USCC_A, env_of(api)).rsplit("/", 1)[1]
    page = api.get(f"/E/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "这是企业码：供执法人员扫码签到，不是检查码" in page.text and "济南泉城餐饮有限公司（测试）" in page.text
    assert USCC_A in page.text and 'class="verdict tone-blue"' in page.text
    bad = api.get(f"/E/{altered(token)}")
    assert bad.status_code == 200 and "无效的企业码" in bad.text and 'class="verdict tone-red"' in bad.text
    visit_token = code_of(api, current_visit(api)["id"])
    opened_as_enterprise = api.get(f"/E/{visit_token}").text
    assert "这是检查码，不是企业码" in opened_as_enterprise and f'href="/V/{visit_token}"' in opened_as_enterprise
    assert "无效的企业码" in api.get("/E/garbage").text


def test_live_updates_reach_an_open_page(api: Api) -> None:
    visit = current_visit(api)
    token = code_of(api, visit["id"])
    with api.client.websocket_connect(f"/V/{token}/live") as socket:
        event = {"event": "checkin", "visit_id": visit["id"], "status": "checked_in"}
        in_app(api, env_of(api).publish, f"visit-{visit['id']}", event)
        assert json.loads(socket.receive_text(timeout=10)) == event


@pytest.mark.parametrize("token", ["GARBAGE", "not-a-token"])
def test_live_updates_need_a_signed_visit_code(api: Api, token: str) -> None:
    with pytest.raises(WebSocketDisconnect), api.client.websocket_connect(f"/V/{token}/live") as socket:
        socket.receive_text(timeout=5)


def test_live_updates_refuse_an_altered_code(api: Api) -> None:
    token = altered(code_of(api, current_visit(api)["id"]))
    with pytest.raises(WebSocketDisconnect), api.client.websocket_connect(f"/V/{token}/live") as socket:
        socket.receive_text(timeout=5)


def test_rate_limit_gives_429_problem_json_with_headers(settings: Settings, world: World, backend: str) -> None:
    with make_api(settings, world, backend, verify_rate_per_minute=3) as api:
        token = code_of(api, current_visit(api)["id"])
        ok = api.get(f"/api/v1/public/verify/{token}")
        assert ok.status_code == 200 and ok.headers["ratelimit-limit"] == "3"
        assert ok.headers["ratelimit-remaining"] == "2"
        assert api.get(f"/V/{token}").status_code == 200
        assert api.get("/E/garbage").status_code == 200  # one budget across the verification routes
        limited = api.get(f"/api/v1/public/verify/{token}")
        assert limited.status_code == 429
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert limited.json()["code"] == "rate_limited" and limited.json()["status"] == 429
        assert limited.headers["ratelimit-remaining"] == "0" and "ratelimit-reset" in limited.headers
        assert api.get(f"/V/{token}").status_code == 429
        with pytest.raises(WebSocketDisconnect), api.client.websocket_connect(f"/V/{token}/live") as socket:
            socket.receive_text(timeout=5)
        # Keys, revocations and the logged-in API are not limited by it.
        assert api.get("/.well-known/jwks.json").status_code == 200
        assert api.get("/api/v1/public/revocations").status_code == 200
        assert api.get("/api/v1/visits", as_="supervisor").status_code == 200


def test_openapi_documents_the_json_twin_and_not_the_pages(api: Api) -> None:
    schema = api.get("/schema/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/public/verify/{token}" in paths and "/V/{token}" not in paths and "/E/{token}" not in paths
    ok = paths["/api/v1/public/verify/{token}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("VerificationRead")
    assert "429" in paths["/api/v1/public/verify/{token}"]["get"]["responses"]
    assert "VisitOnCode" in schema["components"]["schemas"]
    assert {"/.well-known/jwks.json", "/api/v1/public/revocations", "/api/v1/verifications"} <= set(paths)


def _forger_texts() -> st.SearchStrategy[str]:
    sign1 = bytes([0xD2, 0x84])  # CBOR tag 18 (COSE_Sign1) and an array of four: parsing goes deeper
    return st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300).map(encode_token),
        st.binary(max_size=240).map(lambda b: encode_token(sign1 + b)),
        st.from_regex(r"[A-Z2-7]{0,400}", fullmatch=True),
    )


@pytest.fixture
def fast_api(settings: Settings, world: World, backend: str) -> Iterator[Api]:
    with make_api(settings, world, backend, verify_rate_per_minute=100_000) as api:
        yield api


@pytest.fixture
def real_token(fast_api: Api) -> str:
    return code_of(fast_api, current_visit(fast_api)["id"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_forger_texts(), uscc=st.one_of(st.none(), st.text(max_size=40)))
def test_nothing_a_forger_sends_gives_a_5xx(fast_api: Api, text: str, uscc: str | None) -> None:
    params = {"uscc": uscc} if uscc is not None else {}
    path = quote(text, safe="") or "%20"
    for prefix in ("/api/v1/public/verify/", "/V/"):
        response = fast_api.get(prefix + path, params=params)
        assert response.status_code < 500, (text, response.text)
        if response.status_code == 200 and prefix.startswith("/api"):
            assert response.json()["outcome"] in ("malformed", "unknown_key", "bad_signature")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_real_codes_never_verify_and_never_fail(fast_api: Api, real_token: str, data: st.DataObject) -> None:
    raw = bytearray(decode_token(real_token))
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(raw) - 1))
        raw[index] ^= data.draw(st.integers(1, 255))  # a different byte
    # Two flips of the same byte can cancel out: an unchanged token is not a mutation.
    assume(bytes(raw) != decode_token(real_token))
    response = fast_api.get(f"/api/v1/public/verify/{encode_token(bytes(raw))}")
    assert response.status_code == 200
    assert response.json()["outcome"] in ("malformed", "unknown_key", "bad_signature")
