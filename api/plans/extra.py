"""Approved triggered and 专项 tasks a unit's planner adds to a month; the builder takes them as ``ExtraTask``s.

Refusals: ``not_your_unit`` (403); ``schedule_published`` / ``schedule_approved`` (409) once the month is
published or a unit has approved it (the task would need a rebuild); 422 with every problem in ``problems``:
``plan_item_not_found``, ``plan_item_not_published``, ``plan_item_of_other_unit``,
``plan_no_disturbance_onsite`` (a 无事不扰 item on-site is allowed only as a triggered task),
``plan_item_not_nonsite_capable``, ``plan_enterprise_not_found``, ``trigger_ref_required``.
Task ids are ``<unit code>-<YYYY-MM>-X<id>``; the rebuilt month explains each task by it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, Forbidden, RuleViolation
from api.i18n import tr
from api.plans.bulk import to_json
from api.plans.policy import period_text
from api.plans.schemas import ExtraTaskCreate, ExtraTaskRead
from api.registry.lookups import unit_by_code, unit_codes_by_id
from models.db import write_transaction
from models.enums import ItemCategory, ListStatus, Role
from models.plan_tables import PlanExtraTask, ScheduleApproval, ScheduleMonth
from models.tables import Enterprise, Item, LibraryEntry
from models.values import json_list
from schedules import ExtraTask, SourceKind


def extra_task_id(unit_code: str, year: int, month: int, row_id: int) -> str:
    return f"{unit_code}-{period_text(year, month)}-X{row_id}"


async def _validate(unit_id: int, data: ExtraTaskCreate) -> None:
    codes = list(dict.fromkeys(data.item_codes))
    rows = {r["code"]: r for r in await Item.select().where(Item.code.is_in(codes))}
    library = {
        r["code"]
        for r in await LibraryEntry.select(LibraryEntry.item._.code.as_alias("code")).where(
            (LibraryEntry.status == ListStatus.published.value) & LibraryEntry.item._.code.is_in(codes)
        )
    }
    problems: list[dict[str, str]] = []

    def refuse(code: str, field: str, message: str) -> None:
        problems.append({"code": code, "field": field, "message": message})

    for code in codes:
        item = rows.get(code)
        if item is None:
            refuse("plan_item_not_found", "item_codes", f"Item {code} is not on the inspection item list.")
            continue
        if item["status"] != ListStatus.published.value:
            refuse("plan_item_not_published", "item_codes", f"Item {code} is not published ({item['status']}).")
        if item["unit"] != unit_id:
            refuse("plan_item_of_other_unit", "item_codes", f"Item {code} belongs to another unit.")
        no_disturbance = item["category"] == ItemCategory.no_disturbance.value or code in library
        if no_disturbance and data.onsite and data.kind != "triggered":
            message = f"Item {code} is 无事不扰: on-site only as a triggered task (plan it non-site)."
            refuse("plan_no_disturbance_onsite", "item_codes", message)
        if not data.onsite and not item["nonsite_capable"]:
            refuse("plan_item_not_nonsite_capable", "item_codes", f"Item {code} cannot be inspected non-site.")
    if not await Enterprise.exists().where(Enterprise.uscc == data.uscc):
        refuse("plan_enterprise_not_found", "uscc", f"No enterprise with 统一社会信用代码 {data.uscc}.")
    if data.kind == "triggered" and not data.trigger_ref.strip():
        refuse("trigger_ref_required", "trigger_ref", "A triggered task names its trigger (投诉举报, 转办交办 …).")
    if problems:
        detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise RuleViolation(detail, code=problems[0]["code"], field=problems[0]["field"], problems=problems)


async def _check_month_open(year: int, month: int) -> None:
    period = period_text(year, month)
    row = await ScheduleMonth.select(ScheduleMonth.id, ScheduleMonth.status).where(ScheduleMonth.period == period)
    if not row:
        return
    if row[0]["status"] == "published":
        raise Conflict(tr("{period} is published; it takes no more tasks.", period=period), code="schedule_published")
    if await ScheduleApproval.exists().where(ScheduleApproval.schedule == row[0]["id"]):
        raise Conflict(tr("{period} is approved; it takes no more tasks.", period=period), code="schedule_approved")


async def add_extra_task(actor: Actor, year: int, month: int, data: ExtraTaskCreate, now: dt.datetime) -> ExtraTaskRead:
    if actor.is_admin and data.unit_code:
        unit_id = int((await unit_by_code(data.unit_code))["id"])
    elif actor.role == Role.planner and actor.unit_id is not None and data.unit_code is None:
        unit_id = actor.unit_id
    else:
        raise Forbidden(tr("A unit's planner adds its own extra tasks (admins name the unit)."), code="not_your_unit")
    await _validate(unit_id, data)
    async with write_transaction():
        await _check_month_open(year, month)
        inserted = await PlanExtraTask.insert(
            PlanExtraTask(
                year=year,
                month=month,
                unit=unit_id,
                uscc=data.uscc,
                item_codes=to_json(list(dict.fromkeys(data.item_codes))),
                kind=data.kind,
                onsite=data.onsite,
                trigger_ref=data.trigger_ref.strip(),
                note=data.note,
                created_by=actor.username,
                created_at=now,
            )
        ).returning(PlanExtraTask.id)
        # The trigger reference stays in the trail (supervisor only), never on a public schedule.
        await audit.append(
            "schedule.extra_task_added",
            actor.username,
            f"schedule:{period_text(year, month)}",
            {"extra_task_id": inserted[0]["id"], "unit_id": unit_id, **msgspec.to_builtins(data)},
            at=now,
        )
    [read] = await list_extra_tasks(year, month, row_id=inserted[0]["id"])
    return read


async def _rows(year: int, month: int, unit_id: int | None = None, row_id: int | None = None) -> list[dict[str, Any]]:
    query = PlanExtraTask.select().where((PlanExtraTask.year == year) & (PlanExtraTask.month == month))
    if unit_id is not None:
        query = query.where(PlanExtraTask.unit == unit_id)
    if row_id is not None:
        query = query.where(PlanExtraTask.id == row_id)
    return list(await query.order_by(PlanExtraTask.id))


async def list_extra_tasks(
    year: int, month: int, unit_code: str | None = None, row_id: int | None = None
) -> list[ExtraTaskRead]:
    unit_id = int((await unit_by_code(unit_code))["id"]) if unit_code else None
    units = await unit_codes_by_id()
    return [
        ExtraTaskRead(
            id=r["id"],
            task_id=extra_task_id(units[r["unit"]], year, month, r["id"]),
            period=period_text(year, month),
            unit_code=units[r["unit"]],
            uscc=r["uscc"],
            item_codes=json_list(r["item_codes"]),
            kind=r["kind"],
            onsite=bool(r["onsite"]),
            trigger_ref=r["trigger_ref"],
            note=r["note"],
            created_by=r["created_by"],
            created_at=r["created_at"],
        )
        for r in await _rows(year, month, unit_id, row_id)
    ]


async def approved_extra_tasks(year: int, month: int) -> list[ExtraTask]:
    """The month's added tasks as the builder takes them; the explanation carries the trigger and the note."""
    units = await unit_codes_by_id()
    return [
        ExtraTask(
            task_id=extra_task_id(units[r["unit"]], year, month, r["id"]),
            uscc=r["uscc"],
            unit_id=r["unit"],
            item_codes=tuple(json_list(r["item_codes"])),
            kind=SourceKind(r["kind"]),
            onsite=bool(r["onsite"]),
            note="; ".join(part for part in (r["trigger_ref"], r["note"]) if part),
        )
        for r in await _rows(year, month)
    ]
