"""The dashboard over HTTP: the login form, its cookie, who may see it, and what the page holds."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from api.auth import token_extras
from tests.support.api import Api
from tests.support.cases import open_case
from tests.support.metrics_data import build_history
from tests.support.supervision import complain
from tests.support.visits import approved_visit
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
    assert 'href="/dashboard/unfiled-attempts?since=2025-07-01' in page.text  # drill-downs stay in the browser
    export = api.client.get("/dashboard/export?format=csv&period=2025-07")
    assert export.status_code == 200 and export.text.splitlines()[0].startswith("\ufeff【概览】")
    custom = api.client.get("/dashboard?period=2025-07&from=2025-07-01&to=2025-07-02")
    assert figures(custom.text)["inspections.onsite"] == "2"  # dates typed into the form win over the period box
    bad = api.client.get("/dashboard?period=2025-13")
    assert bad.status_code == 400 and "月份必须在 01–12 之间" in bad.text
    out = api.client.post("/dashboard/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/dashboard/login"
    assert api.client.get("/dashboard", follow_redirects=False).status_code == 303


def _links(html: str, prefix: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="(' + re.escape(prefix) + r'[^"]*)"', html)]


def test_drill_downs_open_in_the_browser_under_the_same_login(api: Api) -> None:
    build_history(api)
    login(api, "supervisor")
    page = api.client.get("/dashboard?period=2025-07").text
    unfiled = api.client.get(_links(page, "/dashboard/unfiled-attempts?since=")[0])
    assert unfiled.status_code == 200 and unfiled.headers["content-type"].startswith("text/html")
    assert unfiled.text.count("<tr>") == 1 + 3  # header + u1, u2, u3 (since 1 July, all of them)
    record_links = _links(page, "/dashboard/visits?uscc=")
    assert record_links, "every warning row links to the enterprise's records"
    records = api.client.get(record_links[0])
    assert records.status_code == 200 and "检查记录" in records.text
    visit_links = _links(records.text, "/dashboard/visits/")
    visit = api.client.get(visit_links[0])
    assert visit.status_code == 200 and "全过程记录" in visit.text and "检查单位" in visit.text
    complaints = api.client.get("/dashboard/complaints?overdue=true")
    assert complaints.status_code == 200 and complaints.text.count("逾期</strong>") == 3  # c1, c3 and June's c4
    unit_page = api.client.get(_links(page, "/dashboard/visits?unit_code=FIRE")[0])
    assert unit_page.status_code == 200 and unit_page.text.count('href="/dashboard/visits/') == 3
    assert api.client.get("/dashboard/visits?page=0").status_code == 400
    assert api.client.get("/dashboard/visits/99999").status_code == 404


def test_drill_downs_need_the_dashboard_login(api: Api) -> None:
    for path in ("/dashboard/visits", "/dashboard/visits/1", "/dashboard/unfiled-attempts", "/dashboard/complaints"):
        assert api.client.get(path, follow_redirects=False).status_code == 303, path
    login(api, "planner-mkt")
    actor = api.world.actors["approver-mkt"]
    token = api.app.state.jwt_auth.create_token(identifier=actor.username, token_extras=token_extras(actor))
    api.client.cookies.set("ruqi_dashboard", token, path="/dashboard")
    assert api.client.get("/dashboard/complaints").status_code == 403


def test_other_roles_get_a_403_page_and_no_cookie(api: Api) -> None:
    response = login(api, "inspector-mkt1")
    assert response.status_code == 403 and "403" in response.text and "set-cookie" not in response.headers
    unit_staff = login(api, "planner-mkt")  # only to the documents sent to the unit (see test_dashboard_cases)
    assert unit_staff.status_code == 303 and unit_staff.headers["location"] == "/dashboard/documents"
    assert api.client.get("/dashboard").status_code == 403
    api.client.cookies.clear()
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


def _hrefs(html: str) -> set[str]:
    return {link.replace("&amp;", "&") for link in re.findall(r'href="(/[^"]*)"', html)}


def test_every_link_on_the_dashboard_opens_in_the_browser(api: Api) -> None:
    """No link a supervisor can click answers 401 JSON: nothing under /api/ (bearer only), every page HTML."""
    build_history(api)
    case = open_case(api)
    document = {"kind": "opinion", "unit_code": "MKT", "title": "检查频次过多", "case_id": case["id"]}
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=15)).isoformat()
    assert (
        api.post(
            "/api/v1/supervision/documents", as_="supervisor", json=document | {"response_due_at": due}
        ).status_code
        == 201
    )
    login(api, "supervisor")
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    seen: set[str] = set()
    queue = [
        "/dashboard?period=2025-07",
        "/dashboard?period=2025-07&unit_code=MKT",
        "/dashboard/cases",
        "/dashboard/documents",
    ]
    shapes: dict[str, int] = {}
    while queue:
        link = queue.pop(0)
        shape = re.sub(r"\d+", "N", link.split("?")[0])
        if link in seen or shapes.get(shape, 0) >= 3 or not link.startswith("/dashboard"):
            continue
        seen.add(link)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = api.client.get(link, headers=browser)
        assert response.status_code == 200, (link, response.status_code)
        if link.startswith("/dashboard/export"):
            assert response.headers["content-disposition"].startswith("attachment"), link
            continue
        assert response.headers["content-type"].startswith("text/html"), link
        found = _hrefs(response.text)
        assert not [h for h in found if h.startswith("/api/")], (link, [h for h in found if h.startswith("/api/")])
        queue += sorted(found - seen)
    opened = {re.sub(r"\d+", "N", link.split("?")[0]) for link in seen}
    pages = ("visits", "visits/N", "unfiled-attempts", "complaints", "complaints/N", "acceptances", "cases/N")
    for page in (*pages, "documents/N"):
        assert f"/dashboard/{page}" in opened, page


@pytest.mark.at("2025-07-10T18:00:00+08:00")
def test_the_dashboard_names_units_says_what_year_on_year_compares_and_colours_by_the_goal(api: Api) -> None:
    build_history(api)
    login(api, "supervisor")
    m = api.get("/api/v1/metrics?period=2025-07", as_="supervisor").json()
    names = {u["unit_code"]: u["unit_name"] for u in m["units"]}
    page = api.client.get("/dashboard?period=2025-07&unit_code=MKT").text
    assert f'<strong id="unit-name">{names["MKT"]}</strong>' in page
    # The pinned day is 10 July 2025: July is compared with 1–10 July 2024, and the page says so.
    assert "上年同期 2024-07-01 至 2024-07-10（本期尚未结束，只比较同样的 10 天）" in page
    whole = api.client.get("/dashboard?period=2025-06").text
    assert "上年同期 2024-06-01 至 2024-06-30" in whole and "只比较同样的" not in whole
    # Fewer inspections is the goal: a rise is amber, a fall green; non-site inspections and "—" stay neutral.
    found = re.findall(r'<span class="(\w+)" data-metric="inspections\.yoy_(\w+)\.change_percent"', page)
    classes = {key: css for css, key in found}
    assert set(classes) == {"total", "onsite", "nonsite"}
    figures_ = figures(page)
    for key, css in classes.items():
        change = figures_[f"inspections.yoy_{key}.change_percent"]
        expected = "flat" if key == "nonsite" or change in ("null", "0.0") else "up" if float(change) > 0 else "down"
        assert css == expected, (key, change, css)
    visits = api.client.get("/dashboard/visits?unit_code=MKT").text
    assert f'<span id="unit-name">{names["MKT"]}</span>' in visits


def test_a_visit_s_record_reads_in_words(api: Api) -> None:
    visit = approved_visit(api)
    login(api, "supervisor")
    page = api.client.get(f"/dashboard/visits/{visit['id']}").text
    events = re.search(r'<table id="events">.*?</table>', page, re.S)
    assert events
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", events.group(0))
    assert "备案" in cells and "批准（签发检查码）" in cells
    assert not [c for c in cells if re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", c)]  # no machine event names


def test_a_case_s_record_reads_in_words(api: Api) -> None:
    case = open_case(api)
    login(api, "supervisor")
    page = api.client.get(f"/dashboard/cases/{case['id']}").text
    assert '<td title="opened">立案</td>' in page and "/api/" not in page


def test_a_complaint_opens_with_what_was_written_and_its_steps(api: Api) -> None:
    receipt = complain(api, description="检查人员态度粗暴", contact="0531-12345678")
    assert receipt.status_code == 201, receipt.text
    login(api, "supervisor")
    listing = api.client.get("/dashboard/complaints").text
    link = f'href="/dashboard/complaints/{receipt.json()["id"]}"'
    assert link in listing
    page = api.client.get(f"/dashboard/complaints/{receipt.json()['id']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for words in (receipt.json()["reference"], "执法人员行为问题", "检查人员态度粗暴", "0531-12345678", "立案"):
        assert words in page.text, words
    assert "inspector_conduct" not in page.text and "(public)" not in page.text


def test_a_period_without_inspections_draws_its_charts_in_chinese(api: Api) -> None:
    assert login(api, "supervisor").status_code == 303
    page = api.client.get("/dashboard?period=2020-01")
    assert page.status_code == 200 and "暂无数据" in page.text and "No data" not in page.text
