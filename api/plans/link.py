"""The plan execution rate: published tasks due in a period whose planned visit was filed and checked out.

The check a filing makes against its plan task lives with the visits (``api.visits.plan_link``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.plans.policy import local_date
from api.registry.lookups import unit_by_code
from models.enums import VisitStatus
from models.plan_tables import PlanTask


async def plan_execution_rate(
    start: dt.date | dt.datetime, end: dt.date | dt.datetime, unit_code: str | None = None
) -> float | None:
    """Filed-and-checked-out tasks / published tasks, over published on-site tasks whose window starts in
    [start, end) (local dates; datetimes are converted to Asia/Shanghai). A task counts as executed when a
    visit filed from its planned visit (any task of it) is checked out. ``None`` when no task is due."""
    sql = (
        "WITH done AS (SELECT DISTINCT t2.schedule AS schedule, t2.visit_seq AS seq FROM visit v "
        "JOIN plan_task t2 ON t2.id = v.plan_task_id WHERE v.status = {}) "
        "SELECT COUNT(*) AS total, SUM(CASE WHEN d.seq IS NOT NULL THEN 1 ELSE 0 END) AS executed "
        "FROM plan_task t JOIN schedule_month s ON s.id = t.schedule "
        "JOIN plan_visit pv ON pv.schedule = t.schedule AND pv.seq = t.visit_seq "
        "LEFT JOIN done d ON d.schedule = t.schedule AND d.seq = t.visit_seq "
        "WHERE s.status = 'published' AND t.status = 'planned' AND t.onsite = {} "
        "AND pv.window_start >= {} AND pv.window_start < {}"
    )
    args: list[Any] = [VisitStatus.checked_out.value, True, local_date(start), local_date(end)]
    if unit_code is not None:
        sql += " AND t.unit = {}"
        args.append((await unit_by_code(unit_code))["id"])
    [row] = await PlanTask.raw(sql, *args)
    total = int(row["total"] or 0)
    return round(int(row["executed"] or 0) / total, 4) if total else None
