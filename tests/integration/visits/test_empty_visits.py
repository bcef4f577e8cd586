"""Empty-visit blocking (Chengdu): after N consecutive no_issue visits by a unit to an enterprise in a year, the
unit's next planned visit there is refused (its own code); a triggered visit passes with a warning."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.settings import Settings
from tests.support.api import Api
from tests.support.supervision import problem, set_checked_out
from tests.support.verification import make_api
from tests.support.visits import file_visit, visit_body, window
from tests.support.world import World

TRIGGERED = {"origin": "triggered", "trigger_type": "complaint", "trigger_reason": "群众投诉"}


def done(api: Api, days_ahead: int, result: str, **overrides: Any) -> int:
    start, end = window(days_ahead=days_ahead)
    visit = file_visit(api, window_start=start, window_end=end, **{**TRIGGERED, **overrides})
    set_checked_out(api, visit["id"], result=result)
    return int(visit["id"])


def planned(api: Api, days_ahead: int, **overrides: Any) -> Any:
    start, end = window(days_ahead=days_ahead)
    return api.post(
        "/api/v1/visits", as_="planner-mkt", json=visit_body(api, window_start=start, window_end=end, **overrides)
    )


@pytest.mark.at("2026-03-02T10:00:00+08:00")
def test_three_empty_visits_block_the_next_planned_one_and_warn_a_triggered_one(api: Api) -> None:
    for day in (1, 8, 15):
        done(api, day, "no_issue")
    body = problem(planned(api, 30), 422, "empty_visits_blocked")
    assert body["field"] == "unit_codes" and body["run"] == 3
    assert "无问题" in body["detail"] or "未发现问题" in body["detail"]
    triggered = planned(api, 30, **TRIGGERED)
    assert triggered.status_code == 201, triggered.text
    assert "empty_visits_run" in {w["code"] for w in triggered.json()["warnings"]}


@pytest.mark.at("2026-03-02T10:00:00+08:00")
def test_a_visit_that_found_something_breaks_the_run(api: Api) -> None:
    done(api, 1, "no_issue")
    done(api, 8, "rectification")
    done(api, 15, "no_issue")
    response = planned(api, 30)
    # Two empty visits since the last finding: the empty-visit rule lets it through (the yearly cap may not).
    assert response.json().get("code") != "empty_visits_blocked", response.text


@pytest.fixture
def strict_api(settings: Settings, world: World, backend: str) -> Iterator[Api]:
    with make_api(settings, world, backend, empty_visit_limit=1) as api:
        yield api


@pytest.mark.at("2026-03-02T10:00:00+08:00")
def test_the_limit_is_a_setting_and_counts_per_unit(strict_api: Api) -> None:
    api = strict_api
    done(api, 1, "no_issue")
    problem(planned(api, 30), 422, "empty_visits_blocked")
    start, end = window(days_ahead=30)
    other_unit = {
        "unit_codes": ["FIRE"],
        "lead_unit_code": "FIRE",
        "inspector_ids": [api.world.inspector_ids["FIRE-C1"], api.world.inspector_ids["FIRE-C2"]],
        "item_codes": ["FIRE-001"],
        "window_start": start,
        "window_end": end,
    }
    response = api.post("/api/v1/visits", as_="planner-fire", json=visit_body(api, **other_unit))
    assert response.status_code == 201, response.text


@pytest.mark.at("2026-12-20T10:00:00+08:00")
def test_the_run_is_counted_within_the_year(strict_api: Api) -> None:
    api = strict_api
    done(api, 1, "no_issue")  # 2026-12-21
    problem(planned(api, 5), 422, "empty_visits_blocked")  # still 2026
    assert planned(api, 15).status_code == 201  # 2027-01-04: a new year starts a new run
