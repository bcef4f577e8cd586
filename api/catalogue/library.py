"""无事不扰 library: published items with no routine on-site inspection, and their allowed triggers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import msgspec

from api.access import ensure_can_edit_unit_list
from api.actor import Actor
from api.catalogue.schemas import LibraryEntryCreate, LibraryEntryRead, LibraryEntryUpdate
from api.catalogue.versioning import VersionedList, create_record, refuse_unchanged, update_fields, update_record
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import tr
from api.registry.lookups import item_by_code
from models.db import write_transaction
from models.enums import CatalogueList, ChangeAction, ItemCategory, ListStatus, Trigger
from models.tables import LibraryEntry
from models.values import json_list

COLUMNS = (
    LibraryEntry.item.code.as_alias("item_code"),
    LibraryEntry.item.name.as_alias("item_name"),
    LibraryEntry.item._.unit._.code.as_alias("unit_code"),
    LibraryEntry.item.unit.as_alias("unit_id"),
    LibraryEntry.triggers,
    LibraryEntry.note,
    LibraryEntry.status,
    LibraryEntry.version,
    LibraryEntry.updated_at,
    LibraryEntry.sample,
)


def _to_read(row: dict[str, Any]) -> LibraryEntryRead:
    data = dict(row, triggers=json_list(row["triggers"]))
    data.pop("unit_id", None)
    return msgspec.convert(data, LibraryEntryRead)


async def _entry_row(item_code: str) -> dict[str, Any]:
    row = await LibraryEntry.select(*COLUMNS).where(LibraryEntry.item.code == item_code).first()
    if row is None:
        raise NotFound(
            tr("Item {item_code} is not in the 无事不扰 library.", item_code=repr(item_code)),
            code="library_entry_not_found",
        )
    return row


async def read_entry(item_code: str, *, published_only: bool = False) -> LibraryEntryRead:
    row = await _entry_row(item_code)
    if published_only and row["status"] != ListStatus.published.value:
        raise NotFound(
            tr("Item {item_code} is not in the 无事不扰 library.", item_code=repr(item_code)),
            code="library_entry_not_found",
        )
    return _to_read(row)


async def list_entries(
    *, published_only: bool = False, unit_code: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[LibraryEntryRead], int]:
    query = LibraryEntry.select(*COLUMNS).order_by(LibraryEntry.item.code)
    count = LibraryEntry.count()
    if published_only:
        query = query.where(LibraryEntry.status == ListStatus.published.value)
        count = count.where(LibraryEntry.status == ListStatus.published.value)
    if unit_code:
        query = query.where(LibraryEntry.item._.unit._.code == unit_code)
        count = count.where(LibraryEntry.item._.unit._.code == unit_code)
    rows = await query.limit(limit).offset(offset)
    return [_to_read(r) for r in rows], await count


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    entry = _to_read(row)
    return {
        "item_code": entry.item_code,
        "triggers": [t.value for t in entry.triggers],
        "note": entry.note,
        "status": entry.status.value,
    }


async def _entry_state(item_code: str) -> dict[str, Any]:
    return _snapshot(await _entry_row(item_code))


LIBRARY = VersionedList(CatalogueList.library, LibraryEntry, _entry_state)


async def create_entry(actor: Actor, data: LibraryEntryCreate, now: dt.datetime) -> LibraryEntryRead:
    async with write_transaction():
        item = await item_by_code(data.item_code)
        ensure_can_edit_unit_list(actor, item["unit"], "无事不扰 library entries")
        if item["status"] != ListStatus.published.value:
            raise RuleViolation(
                tr(
                    "Only published items join the 无事不扰 library; {item_code} is {item}.",
                    item_code=repr(data.item_code),
                    item=item["status"],
                ),
                code="library_item_unpublished",
                field="item_code",
            )
        if item["category"] != ItemCategory.no_disturbance.value:
            raise RuleViolation(
                tr(
                    "Item {item_code} is not in the 无事不扰 category; change its category first.",
                    item_code=repr(data.item_code),
                ),
                code="library_item_wrong_category",
                field="item_code",
            )
        if await LibraryEntry.exists().where(LibraryEntry.item == item["id"]):
            raise Conflict(
                tr("Item {item_code} is already in the library.", item_code=repr(data.item_code)),
                code="library_entry_exists",
                field="item_code",
            )
        entry = {
            "item": item["id"],
            "triggers": json.dumps(_unique(data.triggers)),
            "note": data.note,
            "status": ListStatus.published.value,
        }
        await create_record(LIBRARY, actor, data.item_code, entry, data.reason, now)
    return await read_entry(data.item_code)


def _unique(triggers: list[Trigger]) -> list[str]:
    return list(dict.fromkeys(t.value for t in triggers))


async def update_entry(
    actor: Actor,
    item_code: str,
    data: LibraryEntryUpdate,
    now: dt.datetime,
    *,
    action: ChangeAction = ChangeAction.update,
    status: ListStatus | None = None,
) -> LibraryEntryRead:
    changes, reason = update_fields(data)
    refuse_unchanged(changes or status is not None)
    async with write_transaction():
        row = await _entry_row(item_code)
        ensure_can_edit_unit_list(actor, row["unit_id"], "无事不扰 library entries")
        if status == ListStatus.published:
            item = await item_by_code(item_code)
            if item["status"] != ListStatus.published.value or item["category"] != ItemCategory.no_disturbance.value:
                raise RuleViolation(
                    tr(
                        "Item {item_code} must be a published 无事不扰 item to be in the library again.",
                        item_code=repr(item_code),
                    ),
                    code="library_item_unpublished",
                )
        values: dict[Any, Any] = {}
        if "triggers" in changes:
            values[LibraryEntry.triggers] = json.dumps(_unique(changes["triggers"]))
        if "note" in changes:
            values[LibraryEntry.note] = changes["note"]
        if status is not None:
            values[LibraryEntry.status] = status.value
        item = await item_by_code(item_code)
        await update_record(
            LIBRARY,
            actor,
            item_code,
            where=LibraryEntry.item == item["id"],
            values=values,
            version=row["version"],
            action=action,
            reason=reason,
            now=now,
        )
    return await read_entry(item_code)


async def retire_entry(actor: Actor, item_code: str, reason: str, now: dt.datetime) -> LibraryEntryRead:
    return await update_entry(
        actor, item_code, LibraryEntryUpdate(reason=reason), now, action=ChangeAction.retire, status=ListStatus.retired
    )
