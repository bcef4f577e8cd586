"""Building visit requests for tests.

A planned visit has a plan: ``visit_body`` gives a planned body (without ``plan_task_id``) the task of a
published monthly plan it is filed from (``plan_task_for``), as the plan routes would have made it. Pass
``plan_task_id=None`` to file without one (the refusal ``plan_task_required``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.visits.rules import LOCAL_TZ
from models.plan_tables import PlanTask, PlanVisit, ScheduleMonth
from models.tables import Unit
from tests.support.api import Api
from tests.support.world import USCC_A


def window(days_ahead: int = 1, hour: int = 9, hours: int = 2) -> tuple[str, str]:
    day = dt.datetime.now(LOCAL_TZ).date() + dt.timedelta(days=days_ahead)
    start = dt.datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)
    return start.isoformat(), (start + dt.timedelta(hours=hours)).isoformat()


def plan_task_for(api: Api, body: dict[str, Any]) -> int:
    """A task of a published month for the planned visit ``body`` describes: the month's schedule (published,
    created if the month has none) gets a planned visit of its enterprise, units, items and window days, one
    task per unit (the lead's carrying the items). Returns the lead unit's task id."""
    start = dt.datetime.fromisoformat(body["window_start"]).astimezone(LOCAL_TZ)
    end = dt.datetime.fromisoformat(body["window_end"]).astimezone(LOCAL_TZ) - dt.timedelta(microseconds=1)
    codes = list(body["unit_codes"])
    lead_code = body.get("lead_unit_code") or codes[0]

    async def make() -> int:
        period = f"{start.year}-{start.month:02d}"
        month = await ScheduleMonth.select().where(ScheduleMonth.period == period).first()
        if month is None:
            inserted = await ScheduleMonth.insert(
                ScheduleMonth(period=period, year=start.year, month=start.month, status="published")
            ).returning(ScheduleMonth.id)
            schedule_id = inserted[0]["id"]
        else:
            assert month["status"] == "published", f"{period} is a draft: file from its tasks instead"
            schedule_id = month["id"]
        units = {r["code"]: r["id"] for r in await Unit.select(Unit.id, Unit.code).where(Unit.code.is_in(codes))}
        seq = await PlanVisit.count().where(PlanVisit.schedule == schedule_id) + 1000
        await PlanVisit.insert(
            PlanVisit(
                schedule=schedule_id,
                seq=seq,
                uscc=body["uscc"],
                lead_unit=units[lead_code],
                window_start=start.date(),
                window_end=max(end.date(), start.date()),
                onsite=True,
            )
        )
        lead_task = 0
        for code in codes:
            items = list(body.get("item_codes", [])) if code == lead_code else []
            row = await PlanTask.insert(
                PlanTask(schedule=schedule_id, visit_seq=seq, uscc=body["uscc"], unit=units[code], item_codes=items)
            ).returning(PlanTask.id)
            if code == lead_code:
                lead_task = int(row[0]["id"])
        return lead_task

    return int(api.client.blocking_portal.call(make))


def visit_body(api: Api, **overrides: Any) -> dict[str, Any]:
    start, end = window()
    body: dict[str, Any] = {
        "uscc": USCC_A,
        "unit_codes": ["MKT"],
        "inspector_ids": [api.world.inspector_ids["MKT-C1"], api.world.inspector_ids["MKT-C2"]],
        "item_codes": ["MKT-001"],
        "window_start": start,
        "window_end": end,
        "origin": "planned",
    }
    body.update(overrides)
    planned = body.get("origin") == "planned" and body.get("kind", "enforcement") == "enforcement"
    if planned and "plan_task_id" not in body:
        body["plan_task_id"] = plan_task_for(api, body)
    return body


def file_visit(api: Api, as_: str = "planner-mkt", **overrides: Any) -> dict[str, Any]:
    response = api.post("/api/v1/visits", as_=as_, json=visit_body(api, **overrides))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def approved_visit(api: Api, **overrides: Any) -> dict[str, Any]:
    visit = file_visit(api, **overrides)
    approver = "approver-fire" if visit["lead_unit_code"] == "FIRE" else "approver-mkt"
    response = api.post(f"/api/v1/visits/{visit['id']}/approve", as_=approver)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]
