"""Annual plans (年度检查计划): draft → submitted → approved → filed (with the supervisor) → published.

Who does what: the unit's planner creates the plan, edits its entries while it is a draft, submits it,
files it with the supervisor once approved and publishes it once filed; the unit's approver (主体负责人)
approves or sends it back to draft with a reason. Admins may do any of it.

Filing after the deadline (``PlanPolicy.filing_deadline``, default 31 March of the plan's year) is allowed and
flagged ``late``. After filing, a change is an **amendment**: a new version (draft, with a reason, the
entries copied unless new ones are given) that goes through the same steps; every version stays readable.
The builder uses, per unit and year, the latest version that is approved, filed or published (``in_force``).

Who reads: admins and the supervisor read every version in every status (and ``filings`` lists what was
filed); a unit's own staff read all of their unit's versions; staff of other units read only published
versions (a draft, submitted, approved or merely filed plan of another unit is not theirs to see);
enterprises read none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, Forbidden, NotFound
from api.i18n import tr
from api.plans.entries import copied_rows, entry_in, entry_read, entry_rows, validate_entries
from api.plans.inputs import IN_FORCE
from api.plans.policy import PlanPolicy, local_today
from api.plans.schemas import AnnualPlanCreate, AnnualPlanRead, PlanEntryIn
from api.registry.lookups import unit_by_code
from models.db import write_transaction
from models.enums import Role
from models.plan_tables import AnnualPlan, AnnualPlanEntry
from models.tables import Unit

# action -> (status before, status after, role that acts, columns stamped with actor and time)
STEPS: dict[str, tuple[str, str, Role, str]] = {
    "submit": ("draft", "submitted", Role.planner, "submitted"),
    "approve": ("submitted", "approved", Role.approver, "approved"),
    "file": ("approved", "filed", Role.planner, "filed"),
    "publish": ("filed", "published", Role.planner, "published"),
}


async def _row(plan_id: int) -> dict[str, Any]:
    row = await AnnualPlan.select().where(AnnualPlan.id == plan_id).first()
    if row is None:
        raise NotFound(tr("Annual plan {plan_id} does not exist.", plan_id=plan_id), code="annual_plan_not_found")
    return row


def can_read(actor: Actor, row: dict[str, Any]) -> bool:
    if actor.sees_everything:
        return True
    if not actor.is_unit_role:
        return False
    return bool(actor.unit_id == row["unit"] or row["status"] == "published")


def _ensure(actor: Actor, row: dict[str, Any], role: Role, action: str) -> None:
    if actor.is_admin or (actor.role == role and actor.unit_id == row["unit"]):
        return
    raise Forbidden(
        tr("Only the unit's {value} may {action} its annual plan.", value=role.value, action=action),
        code="not_your_unit",
    )


async def _visible_row(actor: Actor, plan_id: int) -> dict[str, Any]:
    row = await _row(plan_id)
    if not can_read(actor, row):
        raise NotFound(tr("Annual plan {plan_id} does not exist.", plan_id=plan_id), code="annual_plan_not_found")
    return row


async def create_plan(actor: Actor, data: AnnualPlanCreate, policy: PlanPolicy, now: dt.datetime) -> AnnualPlanRead:
    if actor.is_admin and data.unit_code:
        unit_id = (await unit_by_code(data.unit_code))["id"]
    elif actor.role == Role.planner and actor.unit_id is not None:
        unit_id = actor.unit_id
    else:
        raise Forbidden(tr("A unit's planner creates its annual plan (admins name the unit)."), code="not_your_unit")
    await validate_entries(unit_id, data.entries)
    async with write_transaction():
        exists = await AnnualPlan.exists().where((AnnualPlan.unit == unit_id) & (AnnualPlan.year == data.year))
        if exists:
            raise Conflict(
                tr("The unit already has an annual plan for {year}; amend it instead.", year=data.year),
                code="annual_plan_exists",
            )
        inserted = await AnnualPlan.insert(
            AnnualPlan(
                unit=unit_id,
                year=data.year,
                version=1,
                status="draft",
                filing_deadline=policy.filing_deadline(data.year),
                created_by=actor.username,
                created_at=now,
            )
        ).returning(AnnualPlan.id)
        plan_id = inserted[0]["id"]
        if data.entries:
            await AnnualPlanEntry.insert(*entry_rows(plan_id, data.entries, 0))
        await audit.append(
            "plan.created",
            actor.username,
            f"annual-plan:{plan_id}",
            {"plan_id": plan_id, "unit_id": unit_id, "year": data.year, "entries": msgspec.to_builtins(data.entries)},
            at=now,
        )
    return await read_plan(actor, plan_id)


async def _lineage_max_entry_no(row: dict[str, Any]) -> int:
    plans = await AnnualPlan.select(AnnualPlan.id).where(
        (AnnualPlan.unit == row["unit"]) & (AnnualPlan.year == row["year"]) & (AnnualPlan.id != row["id"])
    )
    ids = [p["id"] for p in plans]
    if not ids:
        return 0
    numbers = await AnnualPlanEntry.select(AnnualPlanEntry.entry_no).where(AnnualPlanEntry.plan.is_in(ids))
    return max((n["entry_no"] for n in numbers), default=0)


async def replace_entries(actor: Actor, plan_id: int, entries: list[PlanEntryIn], now: dt.datetime) -> AnnualPlanRead:
    row = await _visible_row(actor, plan_id)
    _ensure(actor, row, Role.planner, "change")
    await validate_entries(row["unit"], entries)
    used = await _lineage_max_entry_no(row)
    async with write_transaction():
        current = await _row(plan_id)
        if current["status"] != "draft":
            raise Conflict(
                tr("Only a draft can change; this version is {current}.", current=current["status"]),
                code="plan_not_draft",
            )
        await AnnualPlanEntry.delete().where(AnnualPlanEntry.plan == plan_id)
        if entries:
            await AnnualPlanEntry.insert(*entry_rows(plan_id, entries, used))
        await audit.append(
            "plan.entries_replaced",
            actor.username,
            f"annual-plan:{plan_id}",
            {"plan_id": plan_id, "entries": msgspec.to_builtins(entries)},
            at=now,
        )
    return await read_plan(actor, plan_id)


async def step(actor: Actor, plan_id: int, action: str, policy: PlanPolicy, now: dt.datetime) -> AnnualPlanRead:
    before, after, role, stamp = STEPS[action]
    row = await _visible_row(actor, plan_id)
    _ensure(actor, row, role, action)
    if action == "submit":
        entries = await AnnualPlanEntry.select().where(AnnualPlanEntry.plan == plan_id)
        if not entries:
            raise Conflict(tr("An annual plan without entries cannot be submitted."), code="plan_without_entries")
        await validate_entries(row["unit"], [entry_in(e) for e in entries])  # the lists may have changed
    values: dict[Any, Any] = {
        AnnualPlan.status: after,
        getattr(AnnualPlan, f"{stamp}_by"): actor.username,
        getattr(AnnualPlan, f"{stamp}_at"): now,
    }
    if action == "file":
        values[AnnualPlan.late] = row["version"] == 1 and local_today(now) > row["filing_deadline"]
    if action == "submit":
        values[AnnualPlan.return_reason] = ""
    await _transition(plan_id, before, values, actor, action, now)
    return await read_plan(actor, plan_id)


async def send_back(actor: Actor, plan_id: int, reason: str, now: dt.datetime) -> AnnualPlanRead:
    row = await _visible_row(actor, plan_id)
    _ensure(actor, row, Role.approver, "send back")
    values = {AnnualPlan.status: "draft", AnnualPlan.return_reason: reason}
    await _transition(plan_id, "submitted", values, actor, "return", now, reason)
    return await read_plan(actor, plan_id)


async def _transition(
    plan_id: int,
    before: str,
    values: dict[Any, Any],
    actor: Actor,
    action: str,
    now: dt.datetime,
    reason: str = "",
) -> None:
    async with write_transaction():
        done = (
            await AnnualPlan.update(values)
            .where((AnnualPlan.id == plan_id) & (AnnualPlan.status == before))
            .returning(AnnualPlan.id)
        )
        if not done:
            current = await _row(plan_id)
            raise Conflict(
                tr(
                    "The annual plan is {current}; this step needs it {before}.",
                    current=current["status"],
                    before=before,
                ),
                code="plan_wrong_status",
            )
        await audit.append(
            f"plan.{action}",
            actor.username,
            f"annual-plan:{plan_id}",
            {"plan_id": plan_id, "from": before, "status": values[AnnualPlan.status], "reason": reason},
            at=now,
        )


async def amend(
    actor: Actor, plan_id: int, reason: str, entries: list[PlanEntryIn] | None, now: dt.datetime
) -> AnnualPlanRead:
    row = await _visible_row(actor, plan_id)
    _ensure(actor, row, Role.planner, "amend")
    if entries is not None:
        await validate_entries(row["unit"], entries)
    async with write_transaction():
        latest = (
            await AnnualPlan.select()
            .where((AnnualPlan.unit == row["unit"]) & (AnnualPlan.year == row["year"]))
            .order_by(AnnualPlan.version, ascending=False)
            .first()
        )
        assert latest is not None
        if latest["id"] != plan_id:
            raise Conflict(
                tr("Version {latest} is newer; amend that one.", latest=latest["version"]), code="plan_superseded"
            )
        if row["status"] not in ("filed", "published"):
            raise Conflict(
                tr("Only a filed or published plan is amended; change the draft instead."), code="plan_not_filed"
            )
        inserted = await AnnualPlan.insert(
            AnnualPlan(
                unit=row["unit"],
                year=row["year"],
                version=row["version"] + 1,
                status="draft",
                amends=plan_id,
                amendment_reason=reason,
                filing_deadline=row["filing_deadline"],
                created_by=actor.username,
                created_at=now,
            )
        ).returning(AnnualPlan.id)
        new_id = inserted[0]["id"]
        if entries is not None:
            used = max((e["entry_no"] for e in await _entries_of([plan_id])), default=0)
            rows = entry_rows(new_id, entries, used)
        else:
            rows = copied_rows(new_id, await _entries_of([plan_id]))
        if rows:
            await AnnualPlanEntry.insert(*rows)
        await audit.append(
            "plan.amended",
            actor.username,
            f"annual-plan:{new_id}",
            {
                "plan_id": new_id,
                "amends": plan_id,
                "version": row["version"] + 1,
                "reason": reason,
                "entries": msgspec.to_builtins(entries) if entries is not None else "copied",
            },
            at=now,
        )
    return await read_plan(actor, new_id)


async def _entries_of(plan_ids: list[int]) -> list[dict[str, Any]]:
    if not plan_ids:
        return []
    query = AnnualPlanEntry.select().where(AnnualPlanEntry.plan.is_in(plan_ids))
    return list(await query.order_by(AnnualPlanEntry.entry_no))


async def read_plan(actor: Actor, plan_id: int) -> AnnualPlanRead:
    return (await _reads([await _visible_row(actor, plan_id)]))[0]


async def list_plans(
    actor: Actor,
    year: int | None,
    unit_code: str | None,
    status: str | None,
    filed_only: bool = False,
    *,
    limit: int,
    offset: int = 0,
) -> tuple[list[AnnualPlanRead], int]:
    """One page of the plans the actor may read (by year, unit, version) and how many there are in all."""
    if actor.role == Role.enterprise:
        raise Forbidden(tr("Annual plans are for the inspecting units and the supervisor."))
    query = AnnualPlan.select()
    if year is not None:
        query = query.where(AnnualPlan.year == year)
    if unit_code is not None:
        query = query.where(AnnualPlan.unit == (await unit_by_code(unit_code))["id"])
    if status is not None:
        query = query.where(AnnualPlan.status == status)
    if filed_only:
        query = query.where(AnnualPlan.filed_at.is_not_null())
    rows = [r for r in await query.order_by(AnnualPlan.year).order_by(AnnualPlan.unit) if can_read(actor, r)]
    rows.sort(key=lambda r: (r["year"], r["unit"], r["version"]))
    return await _reads(rows[offset : offset + limit]), len(rows)  # entries are read for the page only


async def _in_force_ids(keys: set[tuple[int, int]]) -> set[int]:
    if not keys:
        return set()
    rows = await AnnualPlan.select(AnnualPlan.id, AnnualPlan.unit, AnnualPlan.year, AnnualPlan.version).where(
        AnnualPlan.status.is_in(list(IN_FORCE)) & AnnualPlan.year.is_in(sorted({year for _, year in keys}))
    )
    best: dict[tuple[int, int], tuple[int, int]] = {}
    for r in rows:
        key = (r["unit"], r["year"])
        if key in keys and (key not in best or r["version"] > best[key][0]):
            best[key] = (r["version"], r["id"])
    return {plan_id for _, plan_id in best.values()}


async def _reads(rows: list[dict[str, Any]]) -> list[AnnualPlanRead]:
    units = {r["id"]: r for r in await Unit.select(Unit.id, Unit.code, Unit.name)}
    in_force = await _in_force_ids({(r["unit"], r["year"]) for r in rows})
    entries: dict[int, list[dict[str, Any]]] = {}
    for entry in await _entries_of([r["id"] for r in rows]):
        entries.setdefault(entry["plan"], []).append(entry)
    return [
        AnnualPlanRead(
            id=r["id"],
            unit_code=units[r["unit"]]["code"],
            unit_name=units[r["unit"]]["name"],
            year=r["year"],
            version=r["version"],
            status=r["status"],
            in_force=r["id"] in in_force,
            amends=r["amends"],
            amendment_reason=r["amendment_reason"],
            return_reason=r["return_reason"],
            filing_deadline=r["filing_deadline"],
            late=bool(r["late"]),
            created_by=r["created_by"],
            created_at=r["created_at"],
            submitted_at=r["submitted_at"],
            approved_by=r["approved_by"],
            approved_at=r["approved_at"],
            filed_by=r["filed_by"],
            filed_at=r["filed_at"],
            published_at=r["published_at"],
            entries=[entry_read(e, units[r["unit"]]["code"], r["year"]) for e in entries.get(r["id"], [])],
        )
        for r in rows
    ]
