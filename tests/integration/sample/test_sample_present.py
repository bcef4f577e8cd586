"""``ruqi seed`` builds the SAMPLE district in the present: on 1 January, mid-year and 31 December.

Each day (``--as-of``; the app that reads the result is pinned to the same day) gives: this month published
(its public page answers), next month built and awaiting approval, this year's annual plans of all 47 units
published, two years of history up to yesterday and nothing after today but the planned visits still to come,
and the demo logins printed. The same day and seed give the same district; a fresh ``make run``
(``ruqi migrate`` + ``ruqi seed --if-empty``) shows the current month's published schedule, and lists the
demo logins again on the next start.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from api.audit.formula import GENESIS_HASH
from api.clock import LOCAL_TZ
from tests.support.sample import SMALL, Seeded, login, ruqi, ruqi_run, seed

DAYS = ("2026-01-01", "2026-06-10", "2026-12-31")

SeedOn = Callable[[str], Seeded]


@pytest.fixture(scope="module")
def seeded_on(tmp_path_factory: pytest.TempPathFactory) -> SeedOn:
    cache: dict[str, Seeded] = {}

    def get(day: str) -> Seeded:
        if day not in cache:
            cache[day] = seed(tmp_path_factory.mktemp(f"seed-{day}"), "--as-of", day, "--enterprises", SMALL)
        return cache[day]

    return get


def _month(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def _next_month(day: dt.date) -> str:
    return f"{day.year + 1}-01" if day.month == 12 else f"{day.year}-{day.month + 1:02d}"


def _utc_text(moment: dt.datetime) -> str:
    """How SQLite holds an instant (UTC text), for comparisons in SQL."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize("day", [pytest.param(d, marks=pytest.mark.at(f"{d}T10:00:00+08:00"), id=d) for d in DAYS])
def test_seed_as_of_a_day_gives_a_published_month_a_draft_plans_and_history(seeded_on: SeedOn, day: str) -> None:
    seeded = seeded_on(day)
    today = dt.date.fromisoformat(day)
    this, after = _month(today), _next_month(today)
    with seeded.client() as client:
        assert client.get(f"/public/schedules/{this}").status_code == 200
        public = client.get(f"/api/v1/public/schedules/{this}")
        assert public.status_code == 200, public.text
        assert client.get(f"/api/v1/public/schedules/{after}").status_code == 404  # a draft is not public

        planner = login(client, "planner-u-d21")
        current = client.get(f"/api/v1/schedules/{this}", headers=planner, params={"limit": 1}).json()
        assert current["status"] == "published" and current["total_visits"] > 0
        draft = client.get(f"/api/v1/schedules/{after}", headers=planner, params={"limit": 1}).json()
        assert draft["status"] == "draft" and draft["total_visits"] > 0
        assert draft["approvals"] == [] and len(draft["units_pending"]) >= 3  # awaiting every unit's approval

        supervisor = login(client, "supervisor")
        plans = client.get(
            "/api/v1/annual-plans", headers=supervisor, params={"year": today.year, "limit": 500}
        ).json()["items"]
        assert len({p["unit_code"] for p in plans}) == 47
        assert all(p["status"] == "published" and p["in_force"] and not p["late"] for p in plans)
        assert all(e["note"].endswith("（样例）") for p in plans for e in p["entries"])
        months = client.get(f"/api/v1/schedules/{today.year}-01", headers=planner, params={"limit": 1})
        assert months.json()["status"] == "published"

    published = seeded.rows("SELECT period FROM schedule_month WHERE status = 'published' ORDER BY period")
    assert [p for (p,) in published] == [f"{today.year}-{m:02d}" for m in range(1, today.month + 1)]

    start = _utc_text(dt.datetime.combine(today, dt.time(), tzinfo=LOCAL_TZ))
    first = dt.date(today.year - 2, today.month, 1)
    assert seeded.value("SELECT MIN(window_start) FROM visit") >= _utc_text(
        dt.datetime.combine(first, dt.time(), tzinfo=LOCAL_TZ)
    )
    # After today's start: only planned visits of published months, filed and approved, not yet begun.
    later = seeded.rows(
        "SELECT origin, status, plan_task_id, checked_in_at, code_token IS NOT NULL FROM visit WHERE window_start >= ?",
        start,
    )
    assert later and all(o == "planned" and s == "approved" and t and c is None and code for o, s, t, c, code in later)
    for table, column in (
        ("visit", "checked_out_at"),
        ("visit", "filed_at"),
        ("scan", "at"),
        ("rating", "at"),
        ("complaint", "received_at"),
        ("complaint_step", "at"),
        ("unfiled_attempt", "at"),
        ("nonsite_record", "ended_at"),
    ):
        assert seeded.value(f"SELECT COUNT(*) FROM {table} WHERE {column} >= ?", start) == 0, (table, column)
    # History up to yesterday: the last working days before today were worked.
    week_before = _utc_text(dt.datetime.combine(today - dt.timedelta(days=8), dt.time(), tzinfo=LOCAL_TZ))
    assert seeded.value("SELECT COUNT(*) FROM visit WHERE checked_out_at >= ?", week_before) > 0
    # This year's planned visits come from the plan: every past one carried out or cancelled, linked to a task.
    year_start = _utc_text(dt.datetime(today.year, 1, 1, tzinfo=LOCAL_TZ))
    unlinked = seeded.value(
        "SELECT COUNT(*) FROM visit WHERE origin = 'planned' AND plan_task_id IS NULL AND window_start >= ?",
        year_start,
    )
    assert unlinked == 0
    if today.month > 1 or today.day > 10:
        done = seeded.value(
            "SELECT COUNT(*) FROM visit WHERE plan_task_id IS NOT NULL AND status = 'checked_out' AND window_start < ?",
            start,
        )
        assert done > 0

    # 市场监管 and 消防 (two demo units) meet in joint visits of the published month and of the draft.
    for period in (this, after):
        shared = seeded.value(
            "SELECT COUNT(*) FROM plan_visit v JOIN schedule_month s ON s.id = v.schedule WHERE s.period = ? AND "
            "(SELECT COUNT(DISTINCT u.code) FROM plan_task t JOIN unit u ON u.id = t.unit WHERE t.schedule = "
            "v.schedule AND t.visit_seq = v.seq AND u.code IN ('U-D21', 'U-O03')) = 2",
            period,
        )
        assert shared > 0, period
    assert "planner-u-d21" in seeded.output and "approver-u-o03" in seeded.output and "inspector-1 " in seeded.output
    assert "ruqi-demo" in seeded.output and "样例" in seeded.output
    assert "CJ-001" in seeded.output  # the scenario two demo units share
    assert f"/public/schedules/{this}" in seeded.output and after in seeded.output
    head = seeded.rows("SELECT seq, prev_hash FROM audit_event ORDER BY seq LIMIT 1")
    assert head == [(1, GENESIS_HASH)]


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_the_dashboard_opens_on_the_last_full_month_with_numbers(seeded_on: SeedOn) -> None:
    seeded = seeded_on("2026-06-10")
    with seeded.client() as client:
        response = client.post(
            "/dashboard/login", data={"username": "supervisor", "password": "ruqi-demo"}, follow_redirects=True
        )
        assert response.status_code == 200
        page = client.get("/dashboard")
        assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page.text, flags=re.S)))
    assert "2026-05-01 至 2026-05-31" in text  # May: the last full month, not the June just begun
    found = re.search(r"检查总数 (\d+) 同比 ([−+-]?[\d.]+)%", text)
    assert found is not None, text[:2000]
    total, change = int(found.group(1)), float(found.group(2).replace("−", "-"))
    assert total > 20 and -50 < change < 50  # a real month, comparable with the same month last year


@pytest.mark.at("2026-06-10T10:00:00+08:00")
def test_same_day_and_seed_same_district(seeded_on: SeedOn, tmp_path: Path) -> None:
    first = seeded_on("2026-06-10")
    again = seed(tmp_path / "again", "--as-of", "2026-06-10", "--enterprises", SMALL)
    queries = (
        "SELECT e.uscc, v.window_start, v.status, v.origin, v.plan_task_id, v.checked_out_at, v.result "
        "FROM visit v JOIN enterprise e ON e.id = v.enterprise ORDER BY v.id",
        "SELECT schedule, visit_seq, uscc, unit, item_codes, status FROM plan_task ORDER BY id",
        "SELECT plan, entry_no, item_codes, usccs FROM annual_plan_entry ORDER BY id",
        "SELECT period, status, built_at, published_at FROM schedule_month ORDER BY id",
        "SELECT started_at, unit, result FROM nonsite_record ORDER BY id",
    )
    for sql in queries:
        assert first.rows(sql) == again.rows(sql), sql
    other = seed(tmp_path / "other", "--as-of", "2026-06-10", "--enterprises", SMALL, "--seed", "7")
    assert other.rows(queries[0]) != first.rows(queries[0])


def test_a_fresh_make_run_shows_this_months_published_schedule(tmp_path: Path) -> None:
    """``make run``: ``ruqi migrate`` + ``ruqi seed --if-empty`` on the real clock, then again on the next start."""
    seeded = seed(tmp_path / "run", "--if-empty")
    day = dt.date.fromisoformat(seeded.value("SELECT value FROM dataset_info WHERE key = 'sample_as_of'"))
    with seeded.client() as client:
        assert client.get(f"/public/schedules/{_month(day)}").status_code == 200
    for output in (seeded.output, ruqi(seeded.data_dir, "seed", "--if-empty")):
        assert "planner-u-d21" in output and "planner-u-o03" in output and "planner-u-o01" in output
        assert "ruqi-demo" in output and "样例" in output
    again = ruqi(seeded.data_dir, "seed", "--if-empty")
    assert "已" in again.splitlines()[0]  # nothing loaded the second time, said in Chinese
    assert "审计链完好" in ruqi(seeded.data_dir, "audit-verify")
    refused = ruqi_run(seeded.data_dir, "seed")  # without --if-empty: never loads over data
    assert refused.returncode != 0 and "数据库中已有数据" in refused.stderr  # the services' links and the bulk links
