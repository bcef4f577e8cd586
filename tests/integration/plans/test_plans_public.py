"""Publication: the public month lists above-scale enterprises only and nothing about inspectors; feeds parse."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import parse_qs, urlparse

from icalendar import Calendar
from openpyxl import load_workbook

from tests.support.api import Api
from tests.support.plans import approved_plans, build, publish, visits_of
from tests.support.world import USCC_A, USCC_B, USCC_W

OCT = "2026-10"
INSPECTOR_NAMES = ["张明", "李华", "王芳", "赵强", "孙丽", "周勇", "吴静", "郑伟", "冯娟", "陈辅"]


def _published(api: Api) -> dict[str, Any]:
    approved_plans(api)
    build(api, OCT)
    return publish(api, OCT)


def _no_inspector_data(api: Api, text: str) -> None:
    certs = [cert for cert in api.world.inspector_ids if cert != "MKT-AUX"]
    leaked = [word for word in [*INSPECTOR_NAMES, *certs, "inspector", "执法证"] if word in text]
    assert leaked == []


def test_the_public_month_lists_above_scale_enterprises_and_no_inspectors(api: Api) -> None:
    approved_plans(api)
    build(api, OCT)
    assert api.get(f"/api/v1/public/schedules/{OCT}").json()["code"] == "schedule_not_published"
    assert api.get(f"/public/schedules/{OCT}").status_code == 404
    view = publish(api, OCT)
    response = api.get(f"/api/v1/public/schedules/{OCT}")
    assert response.status_code == 200 and response.headers["cache-control"] == "public, max-age=300"
    public = response.json()
    [visit] = public["visits"]  # A is the only above-scale enterprise; B and W are not listed
    [joint] = [v for v in visits_of(view, USCC_A) if v["onsite"]]
    assert visit["uscc"] == USCC_A and visit["enterprise_name"] == "济南泉城餐饮有限公司（测试）" and visit["joint"]
    assert visit["units"] == ["历城区市场监督管理局", "历城区消防救援大队"]  # lead unit first
    assert visit["items"] == ["P-MKT 计划检查事项", "P-FIRE 计划检查事项"]
    assert visit["window_start"] == joint["window_start"]
    assert visit["week"] == dt.date.fromisoformat(joint["window_start"]).isocalendar()[1]
    assert set(visit) == {"enterprise_name", "uscc", "units", "items", "week", "window_start", "window_end", "joint"}
    _no_inspector_data(api, response.text)
    page = api.get(f"/public/schedules/{OCT}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "济南泉城餐饮有限公司（测试）" in page.text and "联合检查" in page.text
    assert USCC_B not in page.text and USCC_W not in page.text and "华山化工" not in page.text
    assert "nonce-" in page.headers["content-security-policy"]
    _no_inspector_data(api, page.text)


def test_exports_hold_the_same_rows(api: Api) -> None:
    _published(api)
    as_csv = api.get(f"/api/v1/public/schedules/{OCT}/export", params={"format": "csv"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"] == f'attachment; filename="schedule-{OCT}.csv"'
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["企业名称", "统一社会信用代码", "检查单位"] and len(rows) == 2
    assert rows[1][1] == USCC_A and rows[1][7] == "是"
    _no_inspector_data(api, as_csv.content.decode("utf-8-sig"))
    as_xlsx = api.get(f"/api/v1/public/schedules/{OCT}/export")
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).worksheets[0]
    cells = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert [[str(c) for c in row] for row in cells] == rows
    assert api.get(f"/api/v1/public/schedules/{OCT}/export", params={"format": "pdf"}).status_code == 400


def test_the_enterprise_feed_needs_its_token_and_parses(api: Api) -> None:
    view = _published(api)
    mine = api.get("/api/v1/my/upcoming", as_="enterprise-a")
    assert mine.status_code == 200, mine.text
    url = urlparse(mine.json()["ics_url"])
    token = parse_qs(url.query)["token"][0]
    assert url.path == f"/api/v1/public/schedules/enterprise/{USCC_A}.ics"
    feed = api.get(url.path, params={"token": token})
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    expected = sorted((v["window_start"], v["onsite"]) for v in visits_of(view, USCC_A))
    assert sorted((e.decoded("dtstart").isoformat(), "非现场" not in str(e["summary"])) for e in events) == expected
    joint = next(e for e in events if "联合检查" in str(e["description"]))
    start = joint.decoded("dtstart")
    assert joint.decoded("dtend") == start + dt.timedelta(days=1) and str(joint["uid"]).startswith(f"plan-{OCT}-")
    assert "历城区消防救援大队" in str(joint["summary"])
    _no_inspector_data(api, feed.content.decode())
    for params in ({}, {"token": token[:-1] + "x"}):
        assert api.get(url.path, params=params).status_code == 404
    other = api.get(f"/api/v1/public/schedules/enterprise/{USCC_B}.ics", params={"token": token})
    assert other.status_code == 404  # a token opens one enterprise's feed only
    assert api.get("/api/v1/my/upcoming", as_="planner-mkt").status_code == 403


def test_the_unit_feed_is_for_the_units_staff(api: Api) -> None:
    view = _published(api)
    feed = api.get("/api/v1/schedules/unit/FIRE.ics", as_="planner-fire")
    assert feed.status_code == 200, feed.text
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    fire_visits = [v for v in view["visits"] if any(t["unit_code"] == "FIRE" for t in v["tasks"])]
    assert len(events) == len(fire_visits) >= 1
    assert {e.decoded("dtstart").isoformat() for e in events} == {v["window_start"] for v in fire_visits}
    assert api.get("/api/v1/schedules/unit/FIRE.ics", as_="supervisor").status_code == 200
    assert api.get("/api/v1/schedules/unit/FIRE.ics", as_="planner-mkt").json()["code"] == "not_your_unit"
    assert api.get("/api/v1/schedules/unit/FIRE.ics", as_="enterprise-a").status_code == 403
    assert api.get("/api/v1/schedules/unit/FIRE.ics").status_code == 401


def test_the_public_month_is_paged(api: Api) -> None:
    _published(api)
    whole = api.get(f"/api/v1/public/schedules/{OCT}").json()
    assert (whole["total"], whole["limit"], whole["offset"]) == (1, 200, 0) and len(whole["visits"]) == 1
    beyond = api.get(f"/api/v1/public/schedules/{OCT}", params={"limit": 1, "offset": 1}).json()
    assert (beyond["total"], beyond["limit"], beyond["offset"], beyond["visits"]) == (1, 1, 1, [])
    assert api.get(f"/api/v1/public/schedules/{OCT}", params={"limit": 501}).status_code == 400
    assert "济南泉城餐饮有限公司（测试）" in api.get(f"/public/schedules/{OCT}", params={"page": 1}).text
    second = api.get(f"/public/schedules/{OCT}", params={"page": 2})
    assert second.status_code == 200 and "济南泉城餐饮有限公司（测试）" not in second.text
    assert api.get(f"/public/schedules/{OCT}", params={"page": 0}).status_code == 400
