from __future__ import annotations

from tests.support.api import Api
from tests.support.world import PASSWORD


def test_health_reports_database_and_redis_to_an_admin(api: Api) -> None:
    response = api.get("/health", as_="admin")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == ("ok" if api.backend == "postgres" else "not_configured")


def test_public_health_shows_only_the_status(api: Api) -> None:
    for as_ in (None, "supervisor", "enterprise-a"):
        response = api.get("/health", as_=as_)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}, as_
        assert "server" not in response.headers


def test_login_returns_a_token_that_opens_protected_routes(api: Api) -> None:
    response = api.post("/api/v1/auth/login", json={"username": "planner-mkt", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["role"] == "planner" and body["unit_code"] == "MKT"
    me = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == "planner-mkt"


def test_wrong_password_and_unknown_user_get_the_same_problem(api: Api) -> None:
    wrong = api.post("/api/v1/auth/login", json={"username": "planner-mkt", "password": "nope"})
    unknown = api.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "bad_credentials"


def test_protected_route_without_token_is_a_problem_401(api: Api) -> None:
    response = api.get("/api/v1/items")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_forged_token_is_refused(api: Api) -> None:
    response = api.client.get("/api/v1/items", headers={"Authorization": "Bearer abc.def.ghi"})
    assert response.status_code == 401


def test_malformed_login_body_names_the_field(api: Api) -> None:
    response = api.post("/api/v1/auth/login", json={"username": "x"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "password" in body["detail"]
