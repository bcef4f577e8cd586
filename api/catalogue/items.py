"""涉企检查事项清单: create, update and retire items, each change a numbered version."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from api.access import ensure_can_edit_unit_list
from api.actor import Actor
from api.catalogue.schemas import ItemCreate, ItemRead, ItemUpdate
from api.catalogue.versioning import VersionedList, create_record, refuse_unchanged, update_fields, update_record
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import tr
from api.registry.lookups import item_by_code, unit_by_code
from models.db import write_transaction
from models.enums import CatalogueList, ChangeAction, ItemCategory, ListStatus
from models.tables import Item, LibraryEntry, Scenario, Unit
from models.values import json_list

ITEM_COLUMNS = (
    Item.code,
    Item.name,
    Item.unit.code.as_alias("unit_code"),
    Item.unit.name.as_alias("unit_name"),
    Item.legal_basis,
    Item.object,
    Item.method,
    Item.yearly_cap,
    Item.nonsite_capable,
    Item.category,
    Item.status,
    Item.version,
    Item.updated_at,
    Item.sample,
)


def item_snapshot(row: dict[str, Any], unit_code: str) -> dict[str, Any]:
    return {
        "code": row["code"],
        "name": row["name"],
        "unit_code": unit_code,
        "legal_basis": row["legal_basis"],
        "object": row["object"],
        "method": row["method"],
        "yearly_cap": row["yearly_cap"],
        "nonsite_capable": row["nonsite_capable"],
        "category": row["category"],
        "status": row["status"],
    }


async def _item_state(code: str) -> dict[str, Any]:
    row = await item_by_code(code)
    unit = await Unit.select(Unit.code).where(Unit.id == row["unit"]).first()
    return item_snapshot(row, unit["code"] if unit else "")


ITEMS = VersionedList(CatalogueList.items, Item, _item_state)


async def read_item(code: str, *, published_only: bool = False) -> ItemRead:
    row = await Item.select(*ITEM_COLUMNS).where(Item.code == code).first()
    if row is None or (published_only and row["status"] != ListStatus.published.value):
        raise NotFound(tr("Item {code} is not on the inspection item list.", code=repr(code)), code="item_not_found")
    return msgspec.convert(row, ItemRead)


async def list_items(
    *,
    unit_code: str | None = None,
    status: str | None = None,
    category: str | None = None,
    q: str | None = None,
    published_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ItemRead], int]:
    query = Item.select(*ITEM_COLUMNS)
    count = Item.count()
    conditions = []
    if unit_code:
        conditions.append(Item.unit.code == unit_code)
    if published_only:
        conditions.append(Item.status == ListStatus.published.value)
    elif status:
        conditions.append(Item.status == status)
    if category:
        conditions.append(Item.category == category)
    if q:
        conditions.append(Item.name.ilike(f"%{q}%") | Item.code.ilike(f"%{q}%"))
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    rows = await query.order_by(Item.code).limit(limit).offset(offset)
    return [msgspec.convert(r, ItemRead) for r in rows], await count


async def create_item(actor: Actor, data: ItemCreate, now: dt.datetime) -> ItemRead:
    async with write_transaction():
        unit = await unit_by_code(data.unit_code)
        ensure_can_edit_unit_list(actor, unit["id"], "inspection items")
        if await Item.exists().where(Item.code == data.code):
            raise Conflict(
                tr("Item code {code} is already taken.", code=repr(data.code)), code="item_code_taken", field="code"
            )
        values = msgspec.structs.asdict(data)
        reason = values.pop("reason")
        values.pop("unit_code")
        await create_record(ITEMS, actor, data.code, {**values, "unit": unit["id"]}, reason, now)
    return await read_item(data.code)


async def _ensure_not_in_use(code: str, new_status: str) -> None:
    """An item used by a published scenario or the 无事不扰 library stays published."""
    if new_status == ListStatus.published.value:
        return
    scenarios = await Scenario.select(Scenario.code, Scenario.item_codes).where(
        Scenario.status == ListStatus.published.value
    )
    using = sorted(s["code"] for s in scenarios if code in json_list(s["item_codes"]))
    if using:
        raise RuleViolation(
            tr("Item {code} is used by published scenarios {using}; change them first.", code=repr(code), using=using),
            code="item_in_use",
            scenarios=using,
        )
    in_library = await LibraryEntry.exists().where(
        (LibraryEntry.item.code == code) & (LibraryEntry.status == ListStatus.published.value)
    )
    if in_library:
        raise RuleViolation(
            tr("Item {code} is in the 无事不扰 library; retire the library entry first.", code=repr(code)),
            code="item_in_use",
        )


async def update_item(
    actor: Actor, code: str, data: ItemUpdate, now: dt.datetime, *, action: ChangeAction = ChangeAction.update
) -> ItemRead:
    changes, reason = update_fields(data)
    async with write_transaction():
        row = await item_by_code(code)
        ensure_can_edit_unit_list(actor, row["unit"], "inspection items")
        if row["status"] == ListStatus.retired.value and action == ChangeAction.update and "status" not in changes:
            raise RuleViolation(
                tr("Item {code} is retired; republish it to change it.", code=repr(code)), code="item_retired"
            )
        if "status" in changes:
            await _ensure_not_in_use(code, str(changes["status"]))
        if changes.get("category", row["category"]) != ItemCategory.no_disturbance.value:
            in_library = await LibraryEntry.exists().where(
                (LibraryEntry.item == row["id"]) & (LibraryEntry.status == ListStatus.published.value)
            )
            if in_library:
                raise RuleViolation(
                    tr(
                        "Item {code} is in the 无事不扰 library; "
                        "retire the library entry before changing its category.",
                        code=repr(code),
                    ),
                    code="item_in_library",
                    field="category",
                )
        refuse_unchanged(changes)
        await update_record(
            ITEMS,
            actor,
            code,
            where=Item.code == code,
            values={getattr(Item, k): v for k, v in changes.items()},
            version=row["version"],
            action=action,
            reason=reason,
            now=now,
        )
    return await read_item(code)


async def retire_item(actor: Actor, code: str, reason: str, now: dt.datetime) -> ItemRead:
    return await update_item(
        actor, code, ItemUpdate(reason=reason, status=ListStatus.retired), now, action=ChangeAction.retire
    )
