"""Hostile logins (issue 13): brute force is locked out, tokens end when access ends, weak passwords are refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from api.settings import Settings
from models.audit_tables import AuditEvent
from tests.support.api import Api
from tests.support.verification import in_app, make_api
from tests.support.world import PASSWORD, World

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def strict(settings: Settings, world: World, backend: str) -> Iterator[Api]:
    """Three wrong passwords lock an account; ten failures from one address lock the address."""
    with make_api(
        settings, world, backend, login_max_failures=3, login_max_failures_per_address=10, login_lockout_seconds=60
    ) as api:
        yield api


def _login(api: Api, username: str, password: str, **headers: str) -> Any:
    return api.client.post(LOGIN, json={"username": username, "password": password}, headers=headers)


def _audited(api: Api, kind: str) -> list[dict[str, Any]]:
    async def rows() -> list[dict[str, Any]]:
        return await AuditEvent.select(AuditEvent.subject, AuditEvent.payload).where(AuditEvent.type == kind)

    return in_app(api, rows)


def test_wrong_passwords_lock_the_account_and_the_right_one_waits(strict: Api) -> None:
    answers = [_login(strict, "admin", f"wrong-password-{n}") for n in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    locked = answers[3]
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert locked.json()["code"] == "login_locked"
    assert int(locked.headers["Retry-After"]) > 0 and locked.json()["retry_after"] == int(locked.headers["Retry-After"])
    # The right password is refused too while the lock lasts: brute force gains nothing by guessing right.
    right = _login(strict, "admin", PASSWORD)
    assert right.status_code == 429 and right.json()["code"] == "login_locked"
    # The lockout is in the audit trail; other accounts are not locked.
    assert [e["subject"] for e in _audited(strict, "auth.locked_out")] == ["user:admin"]
    assert _login(strict, "supervisor", PASSWORD).status_code == 200


def test_unknown_usernames_from_one_address_lock_the_address(strict: Api) -> None:
    statuses = [_login(strict, f"ghost-{n}", "wrong-password").status_code for n in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    # Rotating X-Forwarded-For does not help: no proxy is trusted (RUQI_TRUSTED_PROXIES unset).
    forged = _login(strict, "supervisor", PASSWORD, **{"X-Forwarded-For": "203.0.113.9"})
    assert forged.status_code == 429 and forged.json()["code"] == "login_locked"
    assert any(e["subject"].startswith("address:") for e in _audited(strict, "auth.locked_out"))


def test_the_dashboard_login_form_is_throttled_too(strict: Api) -> None:
    form = {"username": "supervisor", "password": "wrong-password", "next": "/dashboard"}
    statuses = [strict.client.post("/dashboard/login", data=form).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _login(strict, "supervisor", PASSWORD).json()["code"] == "login_locked"


def _token(api: Api, username: str) -> dict[str, str]:
    answer = _login(api, username, PASSWORD)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _me(api: Api, headers: dict[str, str]) -> int:
    return int(api.client.get("/api/v1/auth/me", headers=headers).status_code)


def test_logout_ends_every_token_of_the_account(api: Api) -> None:
    phone, browser = _token(api, "inspector-mkt1"), _token(api, "inspector-mkt1")
    assert _me(api, phone) == _me(api, browser) == 200
    assert api.client.post("/api/v1/auth/logout", headers=phone).status_code == 204
    assert _me(api, phone) == _me(api, browser) == 401
    assert _me(api, _token(api, "inspector-mkt1")) == 200  # logging in again works
    assert [e["subject"] for e in _audited(api, "user.logged_out")] == ["user:inspector-mkt1"]


@pytest.mark.parametrize(
    "change",
    [
        {"active": False},
        {"role": "supervisor"},
        {"role": "planner", "unit_code": "FIRE"},
        {"password": "a-new-long-secret-9"},
    ],
    ids=["deactivated", "role", "unit", "password"],
)
def test_an_account_change_ends_its_tokens(api: Api, change: dict[str, Any]) -> None:
    held = _token(api, "planner-mkt")
    other = _token(api, "planner-fire")
    answer = api.patch("/api/v1/users/planner-mkt", as_="admin", json=change)
    assert answer.status_code == 200, answer.text
    assert _me(api, held) == 401
    assert _me(api, other) == 200  # only that account's tokens end
    audited = _audited(api, "user.updated")
    assert [e["subject"] for e in audited] == ["user:planner-mkt"] and "a-new-long" not in audited[0]["payload"]
    relogin = _login(api, "planner-mkt", change.get("password", PASSWORD))
    assert relogin.status_code == (401 if change == {"active": False} else 200), relogin.text


def test_a_deactivated_account_cannot_use_the_dashboard_cookie(api: Api) -> None:
    form = {"username": "supervisor", "password": PASSWORD, "next": "/dashboard"}
    login = api.client.post("/dashboard/login", data=form, follow_redirects=False)
    assert login.status_code == 303
    assert api.client.get("/dashboard", follow_redirects=False).status_code == 200
    assert api.patch("/api/v1/users/supervisor", as_="admin", json={"active": False}).status_code == 200
    gone = api.client.get("/dashboard", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/dashboard/login")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("12345678", "password_too_short"),
        ("ruqi-demo", "password_too_short"),
        ("123456789012", "password_too_common"),
        ("Password123!", "password_too_common"),
        ("new-user-7-is-me", "password_contains_username"),
    ],
)
def test_weak_passwords_are_refused(api: Api, password: str, code: str) -> None:
    body = {"username": "new-user-7", "password": password, "role": "supervisor"}
    answer = api.post("/api/v1/users", as_="admin", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == code and answer.json()["field"] == "password"
    # A reset follows the same policy (the username it must not contain is the account's own).
    if code == "password_contains_username":
        reset = api.patch("/api/v1/users/planner-mkt", as_="admin", json={"password": "planner-mkt-2026!"})
    else:
        reset = api.patch("/api/v1/users/planner-mkt", as_="admin", json={"password": password})
    assert reset.status_code == 422 and reset.json()["code"] == code


def test_a_good_password_is_accepted(api: Api) -> None:
    body = {"username": "new-user-8", "password": "plum-orchard-lantern", "role": "supervisor"}
    assert api.post("/api/v1/users", as_="admin", json=body).status_code == 201
    assert _login(api, "new-user-8", "plum-orchard-lantern").status_code == 200


def test_unknown_account_changes_are_404(api: Api) -> None:
    answer = api.patch("/api/v1/users/nobody-here", as_="admin", json={"active": False})
    assert answer.status_code == 404 and answer.json()["code"] == "user_not_found"


def test_moving_an_inspector_to_another_unit_ends_its_accounts_tokens(api: Api) -> None:
    held = _token(api, "inspector-mkt1")
    inspector_id = api.world.inspector_ids["MKT-C1"]
    moved = api.patch(f"/api/v1/inspectors/{inspector_id}", as_="admin", json={"unit_code": "FIRE"})
    assert moved.status_code == 200, moved.text
    _wait_for_revocation(api, held)
    relogin = _login(api, "inspector-mkt1", PASSWORD)
    assert relogin.status_code == 200 and relogin.json()["unit_code"] == "FIRE"


def _wait_for_revocation(api: Api, headers: dict[str, str]) -> None:
    """The registry raises the version without this worker's cache knowing: it ends within the cache's time."""
    deadline = time.monotonic() + api.app.state.settings.token_check_seconds + 10
    while _me(api, headers) == 200:
        assert time.monotonic() < deadline, "the token still works after the cache time"
        time.sleep(0.2)
