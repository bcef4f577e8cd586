"""The dashboard over HTTP: the login form, its cookie, who may see it, and what the page holds."""

from __future__ import annotations

import re
from typing import Any

from api.auth import token_extras
from tests.support.api import Api
from tests.support.metrics_data import build_history
from tests.support.world import PASSWORD


def login(api: Api, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    form = {"username": username, "password": password, **extra}
    return api.client.post("/dashboard/login", data=form, follow_redirects=False)


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-metric="([^"]+)" data-value="([^"]*)"', html))


def test_without_a_cookie_the_dashboard_sends_to_the_login_form(api: Api) -> None:
    response = api.client.get("/dashboard?period=2025-07", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login?next=%2Fdashboard%3Fperiod%3D2025-07"
    # A bearer header is not what the dashboard reads: still the login form.
    assert api.get("/dashboard", as_="supervisor", follow_redirects=False).status_code == 303
    form = api.client.get("/dashboard/login?next=/dashboard%3Fperiod%3D2025-07")
    assert form.status_code == 200 and 'name="password"' in form.text
    assert 'value="/dashboard?period=2025-07"' in form.text
    assert "script-src" not in form.headers["content-security-policy"]  # no script is allowed at all


def test_supervisor_logs_in_and_sees_the_api_numbers(api: Api) -> None:
    build_history(api)
    assert login(api, "supervisor", "wrong").status_code == 401
    response = login(api, "supervisor", next="/dashboard?period=2025-07")
    assert response.status_code == 303 and response.headers["location"] == "/dashboard?period=2025-07"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/dashboard" in cookie
    page = api.client.get("/dashboard?period=2025-07")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    m = api.get("/api/v1/metrics?period=2025-07", as_="supervisor").json()
    shown = figures(page.text)
    assert shown["inspections.onsite"] == str(m["inspections"]["onsite"]) == "8"
    assert shown["rates.scan_rate"] == str(m["rates"]["scan_rate"])
    assert shown["inspections.yoy_total.change_percent"] == "233.3"
    assert shown["units.FIRE.onsite"] == "3" and shown["ratings.average"] == "3.0"
    assert shown["rates.plan_execution_rate"] == "null"
    assert page.text.count("<svg") == 2 and "<script" not in page.text
    assert 'href="/api/v1/unfiled-attempts?since=2025-07-01' in page.text
    export = api.client.get("/dashboard/export?format=csv&period=2025-07")
    assert export.status_code == 200 and export.text.splitlines()[0].startswith("\ufeff【概览】")
    custom = api.client.get("/dashboard?period=2025-07&from=2025-07-01&to=2025-07-02")
    assert figures(custom.text)["inspections.onsite"] == "2"  # dates typed into the form win over the period box
    bad = api.client.get("/dashboard?period=2025-13")
    assert bad.status_code == 400 and "the month must be 01–12" in bad.text
    out = api.client.post("/dashboard/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
    assert api.client.get("/dashboard", follow_redirects=False).status_code == 303


def test_other_roles_get_a_403_page_and_no_cookie(api: Api) -> None:
    response = login(api, "planner-mkt")
    assert response.status_code == 403 and "403" in response.text and "set-cookie" not in response.headers
    actor = api.world.actors["inspector-mkt1"]
    token = api.app.state.jwt_auth.create_token(identifier=actor.username, token_extras=token_extras(actor))
    api.client.cookies.set("ruqi_dashboard", token, path="/dashboard")
    assert api.client.get("/dashboard").status_code == 403
    api.client.cookies.set("ruqi_dashboard", token[:-4] + "AAAA", path="/dashboard")
    assert api.client.get("/dashboard", follow_redirects=False).status_code == 303


def test_login_refuses_open_redirects_and_cross_site_posts(api: Api) -> None:
    for target in ["https://evil.example/", "//evil.example/dashboard", "/api/v1/metrics", "/dashboard/login"]:
        assert login(api, "admin", next=target).headers["location"] == "/dashboard"
    cross = api.client.post(
        "/dashboard/login",
        data={"username": "admin", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross.status_code == 403 and "set-cookie" not in cross.headers
