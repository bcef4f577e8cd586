"""Stored totals of closed months (``api.metrics.rollup``): read back exactly as counted, and never stale.

The hand-made history of ``tests/support/metrics_data.py`` (July 2025 and around it; the app's clock stands in June
2026, so those months are closed). Each change below goes through a plain table write, as any code path would:
the triggers of ``models.metrics_trigger`` are what keeps the stored totals honest, whoever writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from api.metrics import rollup, totals
from api.metrics.months import month_bounds
from api.metrics.sql import fetch
from api.sample.bulk import insert_rows
from api.settings import Settings
from models.db import write_transaction
from models.metrics_tables import MetricsMonth
from models.nonsite_tables import NonsiteRecord
from models.tables import Enterprise
from models.visit_tables import Scan, Visit, VisitUnit
from tests.support.api import Api
from tests.support.metrics_data import History, build_history, local, run_in_app
from tests.support.world import USCC_A

JULY = dt.date(2025, 7, 1)
OPEN_FROM = dt.date(2026, 6, 1)  # the app's clock: 10 June 2026


def metrics(api: Api, **query: str) -> dict[str, Any]:
    response = api.get("/api/v1/metrics", as_="supervisor", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    body.pop("generated_at")
    return body


def is_stored(api: Api, month: dt.date) -> bool:
    """Whether the month's stored totals are current (its state row says they were counted at its version)."""
    rows = run_in_app(api, fetch("SELECT version, rolled FROM metrics_month_state WHERE month = {}", month.isoformat()))
    return bool(rows) and rows[0]["version"] == rows[0]["rolled"]


async def stored_and_live(start: dt.datetime, end: dt.datetime, unit_id: int | None) -> tuple[Any, Any]:
    stored = (
        await totals.onsite_totals(start, end, unit_id, OPEN_FROM),
        await totals.onsite_per_unit(start, end, unit_id, OPEN_FROM),
        await totals.nonsite_per_unit(start, end, unit_id, OPEN_FROM),
        await totals.per_month(start, end, unit_id, OPEN_FROM),
    )
    live = (
        await totals.onsite_totals(start, end, unit_id, None),
        await totals.onsite_per_unit(start, end, unit_id, None),
        await totals.nonsite_per_unit(start, end, unit_id, None),
        await totals.per_month(start, end, unit_id, None),
    )
    return stored, live


def test_a_closed_month_is_stored_at_its_first_read_and_read_back_as_counted(api: Api) -> None:
    history = build_history(api)
    assert not is_stored(api, JULY)
    first = metrics(api, period="2025-07")
    assert is_stored(api, JULY)
    stored = run_in_app(api, MetricsMonth.select().where(MetricsMonth.month == JULY.isoformat()))
    assert {r["unit"] for r in stored} == {0, *(history.unit_ids[c] for c in ("MKT", "FIRE", "ENV", "STR"))}
    assert metrics(api, period="2025-07") == first
    assert (first["inspections"]["onsite"], first["inspections"]["joint"], first["inspections"]["nonsite"]) == (8, 1, 2)
    # The current month (June 2026) is never stored: it changes all day.
    metrics(api, period="2026-06")
    assert not is_stored(api, dt.date(2026, 6, 1))


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (dt.date(2025, 1, 1), dt.date(2026, 1, 1)),  # a year of closed months
        (dt.date(2025, 6, 15), dt.date(2025, 8, 2)),  # partial months at both ends, counted row by row
        (dt.date(2025, 7, 31), dt.date(2025, 8, 1)),  # one day: nothing stored applies
        (dt.date(2024, 7, 1), dt.date(2026, 7, 1)),  # into the open month
    ],
)
def test_stored_totals_answer_what_counting_every_row_answers(api: Api, first: dt.date, last: dt.date) -> None:
    history = build_history(api)
    start, end = month_bounds(first)[0], month_bounds(last)[0]
    for unit_id in (None, *history.unit_ids.values()):
        stored, live = run_in_app(api, stored_and_live(start, end, unit_id))
        assert stored == live, unit_id


def _cancel_h2(h: History) -> Awaitable[Any]:
    return Visit.update({Visit.status: "cancelled"}).where(Visit.id == h.visit_ids["h2"])


def _fire_joins_h2(h: History) -> Awaitable[Any]:
    return VisitUnit.insert(VisitUnit(visit=h.visit_ids["h2"], unit=h.unit_ids["FIRE"]))


def _h3_scanned_on_site(h: History) -> Awaitable[Any]:
    return Scan.update({Scan.backfill: False}).where(Scan.visit == h.visit_ids["h3"])


def _n1_deleted(h: History) -> Awaitable[Any]:
    return NonsiteRecord.delete().where(NonsiteRecord.started_at == local("2025-07-05 12:00"))


def _h13_moved_into_july(h: History) -> Awaitable[Any]:
    return Visit.update({Visit.window_start: local("2025-07-30 10:00")}).where(Visit.id == h.visit_ids["h13"])


CHANGES: dict[str, tuple[Callable[[History], Awaitable[Any]], tuple[int, int, int, int]]] = {
    # change: (the write, July's (on-site, joint, with a scan on site, non-site) after it); before: (8, 1, 6, 2)
    "a visit cancelled": (_cancel_h2, (7, 1, 5, 2)),
    "a unit joins a visit": (_fire_joins_h2, (8, 2, 6, 2)),
    "a back-filled scan corrected": (_h3_scanned_on_site, (8, 1, 7, 2)),
    "a non-site record deleted": (_n1_deleted, (8, 1, 6, 1)),
    "a visit moved from August": (_h13_moved_into_july, (9, 1, 7, 2)),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_to_a_stored_month_is_counted_at_the_next_read(api: Api, change: str) -> None:
    history = build_history(api)
    august = metrics(api, period="2025-08")["inspections"]["onsite"]
    before = metrics(api, period="2025-07")
    assert is_stored(api, JULY)
    i, r = before["inspections"], before["rates"]
    assert (i["onsite"], i["joint"], r["checked_out_with_scan"], i["nonsite"]) == (8, 1, 6, 2)
    write, expected = CHANGES[change]
    run_in_app(api, write(history))
    assert not is_stored(api, JULY)
    after = metrics(api, period="2025-07")
    i, r = after["inspections"], after["rates"]
    assert (i["onsite"], i["joint"], r["checked_out_with_scan"], i["nonsite"]) == expected
    if change == "a visit moved from August":  # its old month is out of date too
        assert metrics(api, period="2025-08")["inspections"]["onsite"] == august - 1
    start, end = month_bounds(dt.date(2025, 1, 1))[0], month_bounds(dt.date(2026, 1, 1))[0]
    stored, live = run_in_app(api, stored_and_live(start, end, None))
    assert stored == live


@pytest.mark.parametrize("backend", ["postgres"])  # SQLite has one writer at a time: no count runs beside a write
def test_a_change_committed_while_its_month_is_counted_is_not_lost(api: Api, settings: Settings) -> None:
    """A writer's transaction open while the month is counted: its COMMIT marks the stored totals out of date."""
    history = build_history(api)

    async def race() -> None:
        writer = await asyncpg.connect(settings.database_url)
        try:
            transaction = writer.transaction()
            await transaction.start()
            await writer.execute("UPDATE visit SET status = 'cancelled' WHERE id = $1", history.visit_ids["h2"])
            await rollup.roll_up(JULY)  # counts h2, whose cancellation is not committed yet
            await transaction.commit()
        finally:
            await writer.close()

    run_in_app(api, race())
    assert not is_stored(api, JULY)
    assert metrics(api, period="2025-07")["inspections"]["onsite"] == 7


@pytest.mark.parametrize("backend", ["postgres"])  # the bulk loader skips the triggers on PostgreSQL only
def test_the_bulk_loader_marks_stored_months_out_of_date(api: Api) -> None:
    history = build_history(api)
    assert metrics(api, period="2025-07")["inspections"]["nonsite"] == 2
    at = local("2025-07-20 12:00")
    env = history.unit_ids["ENV"]
    columns = ["mode", "unit", "started_at", "ended_at", "geometry", "result", "created_by", "created_at"]
    row = ["camera", env, at, at + dt.timedelta(minutes=30), '{"type":"Point","coordinates":[117.06,36.68]}']
    row += ["no_issue", "bulk", at]

    async def load() -> None:
        async with write_transaction():
            await insert_rows(NonsiteRecord, columns, [row])

    run_in_app(api, load())
    assert metrics(api, period="2025-07")["inspections"]["nonsite"] == 3


def test_the_nightly_rollup_stores_every_closed_month_once(api: Api) -> None:
    build_history(api)
    counted = run_in_app(api, rollup.roll_up_closed(OPEN_FROM))
    assert counted == 23  # July 2024 (the oldest visit) to May 2026
    assert run_in_app(api, rollup.roll_up_closed(OPEN_FROM)) == 0
    rows = run_in_app(api, fetch("SELECT COUNT(*) AS n FROM metrics_month_state WHERE rolled = version"))
    assert int(rows[0]["n"]) == 23


def test_a_change_at_0030_on_the_1st_marks_that_local_month_not_the_utc_one(api: Api) -> None:
    """n3 starts at 00:30 on 1 August Beijing time, still 31 July in UTC: deleting it must reach August's totals."""
    build_history(api)
    assert metrics(api, period="2025-08")["inspections"]["nonsite"] == 1
    assert metrics(api, period="2025-07")["inspections"]["nonsite"] == 2
    run_in_app(api, NonsiteRecord.delete().where(NonsiteRecord.started_at == local("2025-08-01 00:30")))
    assert is_stored(api, JULY)
    assert not is_stored(api, dt.date(2025, 8, 1))
    assert metrics(api, period="2025-08")["inspections"]["nonsite"] == 0


def warnings_of(body: dict[str, Any]) -> tuple[Any, Any, Any]:
    w = body["warnings"]
    caps = {(c["unit_code"], c["enterprise_name"]): c["visits"] for c in w["caps_reached"]}
    streaks = {(s["unit_code"], s["enterprise_name"]): s["streak"] for s in w["low_yield"]}
    days = {(f["kind"], f["bucket_start"]) for f in w["frequency_rows"]}
    return caps, streaks, days


def cache_keys(api: Api) -> set[str]:
    return {str(r["key"]).split(":")[0] for r in run_in_app(api, fetch("SELECT key FROM metrics_cache"))}


def test_warnings_over_closed_months_are_kept_and_follow_every_change(api: Api) -> None:
    """Caps, low yield and frequency of July 2025 are kept; a later change to a visit they read is seen at once."""
    history = build_history(api)
    first = metrics(api, period="2025-07")
    assert cache_keys(api) == {"caps", "low_yield", "frequency"}
    caps, streaks, days = warnings_of(first)
    name_a = next(name for (unit, name) in caps if unit == "MKT")
    assert caps[("MKT", name_a)] == 3 and streaks[("MKT", name_a)] == 3  # h1 h2 h3, all no_issue
    assert ("day", "2025-07-01") in days  # h1 and h2 on 1 July
    assert metrics(api, period="2025-07") == first  # read back from the kept rows

    run_in_app(api, Visit.update({Visit.result: "rectification"}).where(Visit.id == history.visit_ids["h2"]))
    caps, streaks, days = warnings_of(metrics(api, period="2025-07"))
    assert ("MKT", name_a) not in streaks  # h2's new result breaks the run

    run_in_app(api, Visit.update({Visit.status: "cancelled"}).where(Visit.id == history.visit_ids["h2"]))
    caps, streaks, days = warnings_of(metrics(api, period="2025-07"))
    assert caps[("MKT", name_a)] == 2 and ("day", "2025-07-01") not in days


def test_kept_warnings_show_an_enterprise_by_its_present_name(api: Api) -> None:
    build_history(api)
    metrics(api, period="2025-07")
    run_in_app(api, Enterprise.update({Enterprise.name: "改名后的企业（样例）"}).where(Enterprise.uscc == USCC_A))
    caps, _, _ = warnings_of(metrics(api, period="2025-07"))
    assert caps[("MKT", "改名后的企业（样例）")] == 3


def test_the_nightly_job_drops_kept_warnings_whose_months_changed(api: Api) -> None:
    history = build_history(api)
    metrics(api, period="2025-07")
    metrics(api, period="2025-09")
    assert run_in_app(api, rollup.drop_stale_rows()) == 0
    run_in_app(api, Visit.update({Visit.status: "cancelled"}).where(Visit.id == history.visit_ids["h2"]))
    # July's caps, low yield and three frequency queries read July; so do September's caps and low yield (the
    # year so far); September's frequency (1 September – 3 October) does not.
    assert run_in_app(api, rollup.drop_stale_rows()) == 7
    left = [str(r["key"]) for r in run_in_app(api, fetch("SELECT key FROM metrics_cache"))]
    assert len(left) == 3 and all(k.startswith("frequency:") and ":2025-09-01T00:00:00+08:00:" in k for k in left)
