"""联合检查场景清单: scenarios join items of two or more units into one visit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from api.access import ensure_can_edit_unit_list
from api.actor import Actor
from api.catalogue.schemas import ScenarioCreate, ScenarioRead, ScenarioUpdate
from api.catalogue.versioning import VersionedList, create_record, refuse_unchanged, update_fields, update_record
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import tr
from api.registry.lookups import unit_by_code, unit_codes_by_id
from models.db import write_transaction
from models.enums import CatalogueList, ChangeAction, ListStatus
from models.tables import Item, Scenario
from models.values import json_list


async def validate_scenario_items(item_codes: list[str], lead_unit_id: int) -> list[str]:
    """Return the unit codes the items come from; refuse unknown/unpublished items or a single unit."""
    if len(set(item_codes)) != len(item_codes):
        raise RuleViolation(tr("A scenario lists each item once."), code="duplicate_items", field="item_codes")
    rows = await Item.select(Item.code, Item.status, Item.unit, Item.unit.code.as_alias("unit_code")).where(
        Item.code.is_in(item_codes)
    )
    found = {r["code"]: r for r in rows}
    missing = [c for c in item_codes if c not in found]
    if missing:
        raise NotFound(
            tr("Items not on the list: {missing}.", missing=missing), code="item_not_found", field="item_codes"
        )
    unpublished = [c for c in item_codes if found[c]["status"] != ListStatus.published.value]
    if unpublished:
        raise RuleViolation(
            tr("A scenario may only join published items; not published: {unpublished}.", unpublished=unpublished),
            code="scenario_item_unpublished",
            field="item_codes",
        )
    unit_ids = {found[c]["unit"] for c in item_codes}
    if len(unit_ids) < 2:
        raise RuleViolation(
            tr("A joint-inspection scenario needs items of at least two different units."),
            code="scenario_single_unit",
            field="item_codes",
        )
    if lead_unit_id not in unit_ids:
        raise RuleViolation(
            tr("The lead unit must be one of the units whose items the scenario joins."),
            code="lead_unit_not_in_scenario",
            field="lead_unit_code",
        )
    return sorted({found[c]["unit_code"] for c in item_codes})


async def _read_rows(rows: list[dict[str, Any]]) -> list[ScenarioRead]:
    codes = await unit_codes_by_id()
    item_units = {r["code"]: r["unit_code"] for r in await Item.select(Item.code, Item.unit.code.as_alias("unit_code"))}
    result = []
    for row in rows:
        items = json_list(row["item_codes"])
        result.append(
            ScenarioRead(
                code=row["code"],
                name=row["name"],
                lead_unit_code=codes[row["lead_unit"]],
                item_codes=items,
                unit_codes=sorted({item_units[c] for c in items if c in item_units}),
                industry_codes=json_list(row["industry_codes"]),
                status=ListStatus(row["status"]),
                version=row["version"],
                updated_at=row["updated_at"],
                sample=row["sample"],
            )
        )
    return result


async def _scenario_row(code: str) -> dict[str, Any]:
    row = await Scenario.select().where(Scenario.code == code).first()
    if row is None:
        raise NotFound(tr("Scenario {code} does not exist.", code=repr(code)), code="scenario_not_found")
    return row


async def read_scenario(code: str, *, published_only: bool = False) -> ScenarioRead:
    row = await _scenario_row(code)
    if published_only and row["status"] != ListStatus.published.value:
        raise NotFound(tr("Scenario {code} does not exist.", code=repr(code)), code="scenario_not_found")
    return (await _read_rows([row]))[0]


async def list_scenarios(
    *,
    status: str | None = None,
    industry_code: str | None = None,
    published_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ScenarioRead], int]:
    query = Scenario.select().order_by(Scenario.code)
    if published_only:
        query = query.where(Scenario.status == ListStatus.published.value)
    elif status:
        query = query.where(Scenario.status == status)
    rows = await query
    if industry_code:
        rows = [r for r in rows if any(industry_code.startswith(c) for c in json_list(r["industry_codes"]))]
    return await _read_rows(rows[offset : offset + limit]), len(rows)


def _snapshot(row: dict[str, Any], lead_unit_code: str) -> dict[str, Any]:
    return {
        "code": row["code"],
        "name": row["name"],
        "lead_unit_code": lead_unit_code,
        "item_codes": json_list(row["item_codes"]),
        "industry_codes": json_list(row["industry_codes"]),
        "status": row["status"],
    }


async def _scenario_state(code: str) -> dict[str, Any]:
    row = await _scenario_row(code)
    return _snapshot(row, (await unit_codes_by_id())[row["lead_unit"]])


SCENARIOS = VersionedList(CatalogueList.scenarios, Scenario, _scenario_state)


async def create_scenario(actor: Actor, data: ScenarioCreate, now: dt.datetime) -> ScenarioRead:
    async with write_transaction():
        lead = await unit_by_code(data.lead_unit_code, field="lead_unit_code")
        ensure_can_edit_unit_list(actor, lead["id"], "scenarios it leads")
        if await Scenario.exists().where(Scenario.code == data.code):
            raise Conflict(
                tr("Scenario code {code} is already taken.", code=repr(data.code)),
                code="scenario_code_taken",
                field="code",
            )
        await validate_scenario_items(data.item_codes, lead["id"])
        scenario = {
            "code": data.code,
            "name": data.name,
            "lead_unit": lead["id"],
            "item_codes": json.dumps(data.item_codes),
            "industry_codes": json.dumps(data.industry_codes),
            "status": data.status.value,
        }
        await create_record(SCENARIOS, actor, data.code, scenario, data.reason, now)
    return await read_scenario(data.code)


async def update_scenario(
    actor: Actor, code: str, data: ScenarioUpdate, now: dt.datetime, *, action: ChangeAction = ChangeAction.update
) -> ScenarioRead:
    changes, reason = update_fields(data)
    refuse_unchanged(changes)
    async with write_transaction():
        row = await _scenario_row(code)
        ensure_can_edit_unit_list(actor, row["lead_unit"], "scenarios it leads")
        values: dict[Any, Any] = {}
        lead_id = row["lead_unit"]
        if "lead_unit_code" in changes:
            lead = await unit_by_code(changes.pop("lead_unit_code"), field="lead_unit_code")
            ensure_can_edit_unit_list(actor, lead["id"], "scenarios it leads")
            lead_id = lead["id"]
            values[Scenario.lead_unit] = lead_id
        item_codes = changes.pop("item_codes", json_list(row["item_codes"]))
        if "industry_codes" in changes:
            values[Scenario.industry_codes] = json.dumps(changes.pop("industry_codes"))
        for key, value in changes.items():
            values[getattr(Scenario, key)] = value
        if values.get(Scenario.status, row["status"]) != ListStatus.retired.value:
            await validate_scenario_items(item_codes, lead_id)
        values[Scenario.item_codes] = json.dumps(item_codes)
        await update_record(
            SCENARIOS,
            actor,
            code,
            where=Scenario.code == code,
            values=values,
            version=row["version"],
            action=action,
            reason=reason,
            now=now,
        )
    return await read_scenario(code)


async def retire_scenario(actor: Actor, code: str, reason: str, now: dt.datetime) -> ScenarioRead:
    return await update_scenario(
        actor, code, ScenarioUpdate(reason=reason, status=ListStatus.retired), now, action=ChangeAction.retire
    )
