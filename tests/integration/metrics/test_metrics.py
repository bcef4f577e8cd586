"""Every metric on the hand-made history of ``tests/support/metrics_data.py`` (July 2025, YoY against July 2024),
plus a live day driven through the API (file → approve → scan → check out → rate → complain)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest

from api.visits.rules import LOCAL_TZ
from models.nonsite_tables import NonsiteRecord
from models.tables import Unit
from tests.support.api import Api
from tests.support.metrics_data import build_history, run_in_app
from tests.support.visits import file_visit
from tests.support.world import USCC_A, USCC_B


def metrics(api: Api, as_: str = "supervisor", **query: str) -> dict[str, Any]:
    response = api.get("/api/v1/metrics", as_=as_, params=query)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def units(m: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["unit_code"]: u for u in m["units"]}


def test_july_2025_all_units(api: Api) -> None:
    build_history(api)
    m = metrics(api, period="2025-07")
    assert m["period"] == {
        "kind": "month",
        "label": "2025-07",
        "start": "2025-07-01",
        "end": "2025-08-01",
        "last_day": "2025-07-31",
        "last_year_start": "2024-07-01",
        "last_year_end": "2024-08-01",
        "compared_last_day": "2025-07-31",
    }
    i = m["inspections"]
    # On-site: h1 h2 h3 h4 h5 h6 h7 h11 (h8 cancelled, h9 never checked in, h10 a service visit).
    # h1 starts 00:30 on 1 July local — still 30 June in UTC — and counts in July.
    assert (i["onsite"], i["joint"]) == (8, 1)
    # Non-site: n1 and n2 (23:30 on 31 July); n3 (00:30 on 1 August local) is August's.
    assert (i["nonsite"], i["total"]) == (2, 10)
    # Last year: l1, l2 on-site (l3 cancelled), l4 non-site.
    assert i["yoy_onsite"] == {"current": 8, "last_year": 2, "change_ratio": 3.0, "change_percent": 300.0}
    assert i["yoy_nonsite"] == {"current": 2, "last_year": 1, "change_ratio": 1.0, "change_percent": 100.0}
    assert i["yoy_total"] == {"current": 10, "last_year": 3, "change_ratio": 2.3333, "change_percent": 233.3}
    r = m["rates"]
    assert r["joint_rate"] == round(1 / 8, 4)
    # Checked out: h1 h2 h3 h5 h6 h7 h11 (h4 is still checked in); h3's arrival was back-filled.
    assert (r["checked_out"], r["checked_out_with_scan"], r["scan_rate"]) == (7, 6, round(6 / 7, 4))
    assert r["nonsite_share"] == 0.2
    assert r["plan_execution_rate"] is None and r["plan_execution_note"] == "本期没有到期的已公示计划任务。"
    in_english = {**api.headers("supervisor"), "Accept-Language": "en"}
    english = api.client.get("/api/v1/metrics?period=2025-07", headers=in_english)
    assert english.json()["rates"]["plan_execution_note"] == "No published plan task is due in the period."

    u = units(m)
    assert [code for code in u] == ["ENV", "FIRE", "MKT", "STR"]
    # A joint visit counts for each unit: MKT h1 h2 h3, FIRE h1 h4 h11, ENV h5 h6, STR h7 → 9 = 8 + 1.
    assert {c: (x["onsite"], x["joint"], x["nonsite"], x["total"]) for c, x in u.items()} == {
        "ENV": (2, 0, 2, 4),
        "FIRE": (3, 1, 0, 3),
        "MKT": (3, 1, 0, 3),
        "STR": (1, 0, 0, 1),
    }
    assert (u["MKT"]["checked_out"], u["MKT"]["checked_out_with_scan"], u["MKT"]["scan_rate"]) == (3, 2, 0.6667)
    assert (u["FIRE"]["checked_out"], u["FIRE"]["scan_rate"], u["FIRE"]["joint_rate"]) == (2, 1.0, 0.3333)
    assert (u["ENV"]["nonsite_share"], u["ENV"]["last_year_total"], u["ENV"]["yoy_percent"]) == (0.5, 1, 300.0)
    assert (u["MKT"]["last_year_total"], u["MKT"]["yoy_percent"]) == (1, 200.0)
    assert (u["STR"]["last_year_total"], u["STR"]["yoy_percent"]) == (0, None)

    months = {p["month"]: p for p in m["monthly"]["months"]}
    assert (m["monthly"]["year"], m["monthly"]["last_year"], len(months)) == (2025, 2024, 12)
    assert months[7] == {"month": 7, "onsite": 8, "nonsite": 2, "last_year_onsite": 2, "last_year_nonsite": 1}
    assert (months[8]["onsite"], months[8]["nonsite"], months[9]["onsite"], months[6]["onsite"]) == (1, 1, 1, 0)


def test_july_2025_warnings(api: Api) -> None:
    history = build_history(api)
    w = metrics(api, period="2025-07")["warnings"]
    # Day: A twice on 1 July (h1, h2). Week: B three times in the week of Monday 7 July (h5 h6 h7); A's
    # week of Monday 30 June (h1 h2 h3) belongs to June. Month: A four times in July (h1 h2 h3 h4).
    assert w["frequency"] == {"day": 1, "week": 1, "month": 1}
    rows = [(f["kind"], f["bucket_start"], f["uscc"], f["visits"], f["limit"]) for f in w["frequency_rows"]]
    assert rows == [
        ("day", "2025-07-01", USCC_A, 2, 1),
        ("month", "2025-07-01", USCC_A, 4, 3),
        ("week", "2025-07-07", USCC_B, 3, 2),
    ]
    assert w["frequency_rows"][0]["link"].startswith(f"/api/v1/visits?uscc={USCC_A}&start_from=2025-07-01")
    # Caps (2 a year) as of 31 July: MKT→A h1 h2 h3 (exceeded), FIRE→A h1 h4, ENV→B h5 h6. MKT→W: h9 only
    # (h8 cancelled, h10 a service visit). MKT→B reaches it in August and September (h13, h14).
    caps = [(c["unit_code"], c["uscc"], c["visits"], c["exceeded"]) for c in w["caps_reached"]]
    assert caps == [("ENV", USCC_B, 2, False), ("FIRE", USCC_A, 2, False), ("MKT", USCC_A, 3, True)]
    # Low yield: MKT→A h1 h2 h3 all no_issue; ENV→B is broken by h5's rectification.
    streaks = [(s["unit_code"], s["uscc"], s["year"], s["streak"]) for s in w["low_yield"]]
    assert streaks == [("MKT", USCC_A, 2025, 3)]
    assert [e["visit_id"] for e in w["emergency_overdue"]] == [history.visit_ids["h11"]]
    assert w["emergency_overdue"][0]["link"] == f"/api/v1/visits/{history.visit_ids['h11']}"
    assert w["unfiled_attempts"]["count"] == 2
    assert [a["username"] for a in w["unfiled_attempts"]["latest"]] == ["MKT-C1", "FIRE-C1"]
    assert w["unfiled_attempts"]["list_link"].startswith("/api/v1/unfiled-attempts?since=2025-07-01")
    assert w["backfilled_scans"]["count"] == 1
    assert w["backfilled_scans"]["latest"][0]["visit_id"] == history.visit_ids["h3"]


def test_other_periods_move_the_edges(api: Api) -> None:
    build_history(api)
    june = metrics(api, period="2025-06")["warnings"]
    assert june["frequency"] == {"day": 0, "week": 1, "month": 0}  # the week of Monday 30 June, counted whole
    assert june["low_yield"] == [] and june["caps_reached"] == []
    q3 = metrics(api, period="2025-Q3")
    assert (q3["period"]["kind"], q3["inspections"]["onsite"], q3["inspections"]["nonsite"]) == ("quarter", 10, 3)
    assert [(c["unit_code"], c["uscc"]) for c in q3["warnings"]["caps_reached"]][-1] == ("MKT", USCC_B)
    year = metrics(api, period="2025")
    assert year["warnings"]["frequency"] == {"day": 1, "week": 2, "month": 1}
    assert year["inspections"]["yoy_onsite"] == {
        "current": 10,
        "last_year": 2,
        "change_ratio": 4.0,
        "change_percent": 400.0,
    }
    custom = metrics(api, **{"from": "2025-07-01", "to": "2025-07-02"})
    assert (custom["period"]["kind"], custom["period"]["label"]) == ("custom", "2025-07-01..2025-07-02")
    assert custom["inspections"]["onsite"] == 2 and custom["warnings"]["frequency"]["day"] == 1
    assert custom["inspections"]["yoy_onsite"]["change_ratio"] is None  # nothing on 1–2 July 2024
    empty = metrics(api, period="2023-02")
    assert empty["rates"]["joint_rate"] is None and empty["ratings"]["average"] is None


def test_feedback_figures_for_the_supervisor(api: Api) -> None:
    build_history(api)
    m = metrics(api, period="2025-07")
    # Received in July: c1 (received), c2 (archived), c3 (verifying); c4 is June's. Overdue now: c1, c3.
    assert m["complaints"] == {
        "total": 3,
        "by_status": {"received": 1, "verifying": 1, "determined": 0, "feedback": 0, "rectified": 0, "archived": 1},
        "overdue": 2,
    }
    # Given in July: 5★ (h1), 3★ (h2), 1★ (h5); h6's 4★ came on 2 August.
    assert m["ratings"] == {"count": 3, "average": 3.0, "distribution": {"1": 1, "2": 0, "3": 1, "4": 0, "5": 1}}
    assert m["hidden"] == []
    mkt = metrics(api, period="2025-07", unit_code="MKT")
    assert mkt["complaints"]["total"] == 1 and mkt["complaints"]["overdue"] == 1  # c1 (h2); c3 names no visit
    assert mkt["ratings"] == {"count": 2, "average": 4.0, "distribution": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}}


@pytest.mark.parametrize("user", ["planner-mkt", "approver-mkt"])
def test_a_unit_reads_its_own_view_without_feedback(api: Api, user: str) -> None:
    build_history(api)
    mine = metrics(api, as_=user, period="2025-07")
    assert mine["unit_code"] == "MKT" and mine["hidden"] == ["complaints", "ratings"]
    assert mine["complaints"] is None and mine["ratings"] is None
    # MKT took part in h1 h2 h3; last year l1.
    assert (mine["inspections"]["onsite"], mine["inspections"]["joint"], mine["inspections"]["total"]) == (3, 1, 3)
    assert mine["inspections"]["yoy_total"]["change_percent"] == 200.0
    assert (mine["rates"]["joint_rate"], mine["rates"]["scan_rate"]) == (0.3333, 0.6667)
    assert [u["unit_code"] for u in mine["units"]] == ["MKT"]
    w = mine["warnings"]
    assert w["frequency"] == {"day": 1, "week": 0, "month": 1}  # B's week was ENV's and STR's
    assert [(c["unit_code"], c["uscc"]) for c in w["caps_reached"]] == [("MKT", USCC_A)]
    assert len(w["low_yield"]) == 1 and w["emergency_overdue"] == []  # h11 was FIRE's
    assert (w["unfiled_attempts"]["count"], w["backfilled_scans"]["count"]) == (1, 1)
    supervisor_view = metrics(api, period="2025-07", unit_code="MKT")
    assert {
        k: v for k, v in supervisor_view.items() if k not in ("complaints", "ratings", "hidden", "generated_at")
    } == {k: v for k, v in mine.items() if k not in ("complaints", "ratings", "hidden", "generated_at")}
    unit_export = api.get("/api/v1/metrics/export?format=csv&period=2025-07", as_=user).text
    assert "【评价】" not in unit_export and "【投诉】" not in unit_export
    other = api.get("/api/v1/metrics?period=2025-07&unit_code=FIRE", as_=user)
    assert other.status_code == 403 and other.json()["code"] == "not_your_unit"


@pytest.mark.at("2025-07-10T18:00:00+08:00")
def test_a_running_month_is_compared_with_the_same_days_last_year(api: Api) -> None:
    build_history(api)
    m = metrics(api, period="2025-07")
    assert (m["period"]["compared_last_day"], m["period"]["last_year_end"]) == ("2025-07-10", "2024-07-11")
    assert m["inspections"]["yoy_onsite"]["last_year"] == 1  # l1 (10 July 2024), not l2 (11 July)
    assert units(m)["FIRE"]["last_year_total"] == 0 and units(m)["MKT"]["last_year_total"] == 1
    whole = metrics(api, period="2025-06")  # a month that has ended is compared whole
    assert whole["period"]["compared_last_day"] == "2025-06-30"


@pytest.mark.parametrize("user", ["inspector-mkt1", "enterprise-a"])
def test_inspectors_and_enterprises_are_refused(api: Api, user: str) -> None:
    assert api.get("/api/v1/metrics?period=2025-07", as_=user).status_code == 403
    assert api.get("/api/v1/metrics/export?period=2025-07", as_=user).status_code == 403
    assert api.get("/api/v1/metrics?period=2025-07").status_code == 401


@pytest.mark.parametrize(
    "query",
    ["period=2025-13", "period=2025-Q5", "period=July", "from=2025-07-01", "period=2025&from=2025-01-01&to=2025-02-01"],
)
def test_bad_periods_are_400(api: Api, query: str) -> None:
    response = api.get(f"/api/v1/metrics?{query}", as_="supervisor")
    assert response.status_code == 400 and response.json()["code"] in ("invalid_period", "validation_error")


def test_unknown_unit_is_404(api: Api) -> None:
    assert api.get("/api/v1/metrics?unit_code=NOPE", as_="supervisor").json()["code"] == "unit_not_found"


def _xlsx_sheets(content: bytes) -> dict[str, list[list[Any]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets}


def _csv_sections(content: bytes) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        if len(row) == 1 and row[0].startswith("【"):
            current = sections.setdefault(row[0].strip("【】"), [])
        elif row:
            current.append(row)
    return sections


def _by_label(rows: list[list[Any]]) -> dict[str, Any]:
    return {str(r[0]): r[1] for r in rows[1:]}


def test_exports_are_chinese_sheets_that_match_the_json(api: Api) -> None:
    build_history(api)
    m = metrics(api, period="2025-07")
    xlsx = api.get("/api/v1/metrics/export?format=xlsx&period=2025-07", as_="supervisor")
    assert xlsx.status_code == 200 and 'filename="metrics-2025-07.xlsx"' in xlsx.headers["content-disposition"]
    sheets = _xlsx_sheets(xlsx.content)
    assert list(sheets)[:4] == ["概览", "各单位", "月度", "预警"] and {"投诉", "评价"} <= set(sheets)
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert all(ws.freeze_panes == "A2" for ws in workbook.worksheets)
    assert workbook["各单位"].column_dimensions["A"].width >= 12  # unit names are wide
    csv_response = api.get("/api/v1/metrics/export?format=csv&period=2025-07", as_="supervisor")
    assert csv_response.headers["content-type"].startswith("text/csv")
    sections = _csv_sections(csv_response.content)
    assert list(sections) == list(sheets)
    for title, rows in sheets.items():  # the CSV holds the same tables, as text
        assert [[_same(v) for v in row] for row in sections[title]] == [
            [_same("" if v is None else _text(v)) for v in row] for row in rows
        ], title

    overview = _by_label(sheets["概览"])
    assert overview["现场检查（次）"] == m["inspections"]["onsite"]
    assert overview["检查总数（次）"] == m["inspections"]["total"]
    assert overview["检查总数：同比变化（%）"] == m["inspections"]["yoy_total"]["change_percent"]
    assert overview["扫码入企率"] == m["rates"]["scan_rate"] and overview["联合检查率"] == m["rates"]["joint_rate"]
    assert overview["计划执行率"] is None
    unit_rows = {r[1]: r for r in sheets["各单位"][1:]}
    assert sheets["各单位"][0][:3] == ["单位", "单位编码", "现场检查"]
    assert set(unit_rows) == {"ENV", "FIRE", "MKT", "STR"} and unit_rows["FIRE"][2] == units(m)["FIRE"]["onsite"]
    july = next(r for r in sheets["月度"][1:] if r[0] == "7月")
    assert july[2] == 2  # 2025 non-site in July
    assert _by_label(sheets["预警"])["检查过频：同一周"] == 1
    assert _by_label(sheets["预警"])["达到年度检查上限"] == 3
    assert _by_label(sheets["投诉"])["逾期未办结"] == 2 and _by_label(sheets["评价"])["平均分"] == 3.0
    caps = sheets["达到年度上限"]
    assert [r[5] for r in caps[1:] if r[1] == USCC_A and r[3] == "MKT"] == [3]
    assert caps[0][2:4] == ["单位", "单位编码"] and all(r[2] for r in caps[1:])  # the unit's name beside its code
    assert sorted((r[2], str(r[3])[:10], r[1]) for r in sheets["检查过频"][1:]) == [
        ("同一周", "2025-07-07", USCC_B),
        ("同一天", "2025-07-01", USCC_A),
        ("同一月", "2025-07-01", USCC_A),
    ]
    # Reasons and notes are words, never machine codes or English (only codes, accounts and USCCs are Latin).
    unfiled = [r[4] for r in sheets["未备案扫码"][1:]]
    assert len(unfiled) == m["warnings"]["unfiled_attempts"]["count"] and set(unfiled) == {"无匹配的已备案、已批准检查"}
    backfilled = sheets["补录扫码"]
    assert len(backfilled) == 1 + m["warnings"]["backfilled_scans"]["count"] and backfilled[1][3] == "到场"
    notes = [row[2] for title in ("概览", "预警") for row in sheets[title][1:] if row[2]]
    assert notes and not [n for n in notes if re.search(r"[A-Za-z]", str(n))]


def test_a_unit_s_export_names_the_unit(api: Api) -> None:
    build_history(api)
    xlsx = api.get("/api/v1/metrics/export?format=xlsx&period=2025-07&unit_code=MKT", as_="supervisor")
    overview = _by_label(_xlsx_sheets(xlsx.content)["概览"])
    names = {u["unit_code"]: u["unit_name"] for u in metrics(api, period="2025-07")["units"]}
    assert overview["统计范围"] == names["MKT"] != "MKT"


def _same(text: str) -> Any:
    """Numbers compare as numbers (a workbook gives 300 back for 300.0)."""
    try:
        return float(text)
    except ValueError:
        return text


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return str(value.date())  # a workbook gives dates back as midnight datetimes
    return str(value)


# -- a live day, driven through the API --------------------------------------------------------------------------
def _now_window(api: Api, **overrides: Any) -> dict[str, Any]:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    visit = file_visit(
        api, window_start=start.isoformat(), window_end=(start + dt.timedelta(hours=3)).isoformat(), **overrides
    )
    assert api.post(f"/api/v1/visits/{visit['id']}/approve", as_="approver-mkt").status_code == 200
    return visit


def _scan(api: Api, uscc: str, owner: str, who: str, event: str, **extra: Any) -> Any:
    code = api.get(f"/api/v1/enterprises/{uscc}/code", as_=owner).json()["url"]
    body = {"content": code, "client_event_id": event, "latitude": 36.6801, "longitude": 117.0601, "accuracy_m": 15.0}
    body.update(extra)
    return api.post("/api/v1/scans", as_=who, json=body)


def _checkout(api: Api, visit_id: int, who: str, result: str) -> None:
    body = {"client_event_id": f"out-{visit_id}", "result": result}
    assert api.post(f"/api/v1/visits/{visit_id}/checkout", as_=who, json=body).status_code == 200


def test_a_live_day_through_the_api(api: Api) -> None:
    ids = api.world.inspector_ids
    v1 = _now_window(api, inspector_ids=[ids["MKT-C1"], ids["MKT-C2"]])
    v2 = _now_window(
        api,
        unit_codes=["MKT", "FIRE"],
        lead_unit_code="MKT",
        inspector_ids=[ids["MKT-C3"], ids["FIRE-C1"]],
        item_codes=["MKT-001", "FIRE-001"],
    )
    _now_window(api, uscc=USCC_B, inspector_ids=[ids["MKT-C1"], ids["MKT-C3"]])  # approved, never scanned
    assert _scan(api, USCC_A, "enterprise-a", "inspector-mkt1", "s1").json()["kind"] == "arrival"
    now = dt.datetime.now(dt.UTC).isoformat()
    late = _scan(api, USCC_A, "enterprise-a", "inspector-fire1", "s2", backfill_reason="断网补录", device_time=now)
    assert late.json()["backfill"] is True and late.json()["visit_id"] == v2["id"]
    assert _scan(api, USCC_B, "enterprise-b", "inspector-mkt2", "s3").json()["code"] == "unfiled_visit"
    _checkout(api, v1["id"], "inspector-mkt1", "no_issue")
    _checkout(api, v2["id"], "inspector-fire1", "rectification")
    token = api.get(f"/api/v1/visits/{v1['id']}/code", as_="inspector-mkt1").json()["token"]
    rating = {"score": 4, "client_event_id": "rate-1"}
    assert api.post(f"/api/v1/public/visits/{token}/rating", as_="enterprise-a", json=rating).status_code == 201
    complaint = {"kind": "too_frequent", "description": "一天两次", "client_event_id": "c-1", "token": token}
    assert api.post("/api/v1/public/complaints", json=complaint).status_code == 201
    other = {"kind": "other", "description": "其他", "client_event_id": "c-2"}
    assert api.post("/api/v1/complaints", as_="enterprise-b", json=other).status_code == 201
    start = dt.datetime.now(dt.UTC)
    run_in_app(
        api,
        NonsiteRecord.insert(
            NonsiteRecord(
                mode="drone",
                unit=run_in_app(api, Unit.select(Unit.id).where(Unit.code == "ENV").first())["id"],
                operator=ids["ENV-C1"],
                started_at=start,
                ended_at=start,
                geometry='{"type":"Point","coordinates":[117.06,36.68]}',
                result="no_issue",
                created_by="x",
                created_at=start,
            )
        ),
    )

    days = sorted({dt.datetime.fromisoformat(v["window_start"]).astimezone(LOCAL_TZ).date() for v in (v1, v2)})
    today = dt.datetime.now(LOCAL_TZ).date()
    m = metrics(api, **{"from": min(days[0], today).isoformat(), "to": max(days[-1], today).isoformat()})
    assert (m["inspections"]["onsite"], m["inspections"]["joint"], m["inspections"]["nonsite"]) == (2, 1, 1)
    assert (m["rates"]["joint_rate"], m["rates"]["scan_rate"], m["rates"]["nonsite_share"]) == (0.5, 0.5, 0.3333)
    assert m["rates"]["checked_out"] == 2 and m["rates"]["checked_out_with_scan"] == 1  # v2's arrival back-filled
    same_day = len(days) == 1  # two visits to A on one local day (unless filed across midnight)
    assert m["warnings"]["frequency"]["day"] == (1 if same_day else 0)
    caps = [(c["unit_code"], c["uscc"], c["visits"]) for c in m["warnings"]["caps_reached"]]
    assert caps == ([("MKT", USCC_A, 2)] if days[-1].year == today.year else [])
    assert m["warnings"]["unfiled_attempts"]["count"] == 1
    assert m["warnings"]["unfiled_attempts"]["latest"][0]["username"] == "inspector-mkt2"
    assert m["warnings"]["backfilled_scans"]["count"] == 1
    assert m["complaints"]["total"] == 2 and m["complaints"]["by_status"]["received"] == 2
    assert m["complaints"]["overdue"] == 0
    assert m["ratings"] == {"count": 1, "average": 4.0, "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}
    fire = metrics(api, **{"from": days[0].isoformat(), "to": days[-1].isoformat(), "unit_code": "FIRE"})
    assert fire["inspections"]["onsite"] == 1 and fire["rates"]["scan_rate"] == 0.0
    assert fire["ratings"]["count"] == 0 and fire["complaints"]["total"] == 0  # the rated, complained visit is v1
