"""Numbered versions of the three lists: every change is kept with who, when, why and the new state.

The three lists (items, scenarios, the 无事不扰 library) share one write path: ``create_record`` inserts a
record as version 1, ``update_record`` writes its next version; both bump the list's version, keep the change
with the record's new state (``record_change``) and append it to the audit chain, inside the caller's write
transaction. ``update_fields`` and ``refuse_unchanged`` read an update request the same way for all three.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.custom_types import Combinable
from piccolo.table import Table

from api.actor import Actor
from api.audit import chain as audit
from api.errors import RuleViolation
from api.i18n import tr
from models.enums import CatalogueList, ChangeAction
from models.tables import CatalogueChange, ListHead
from models.values import json_value


async def bump_list_version(list_name: CatalogueList) -> int:
    """Increment and return the list's version; must run inside the caller's write transaction.

    The UPDATE takes the row lock on PostgreSQL (and SQLite holds the write lock), so concurrent
    changes to one list get distinct, gap-free version numbers.
    """
    rows = await ListHead.raw(
        "UPDATE list_head SET version = version + 1 WHERE name = {} RETURNING version", list_name.value
    )
    if rows:
        return int(rows[0]["version"])
    await ListHead.insert(ListHead(name=list_name.value, version=1))
    return 1


async def record_change(
    *,
    list_name: CatalogueList,
    record_code: str,
    record_version: int,
    action: ChangeAction,
    actor: Actor,
    reason: str,
    snapshot: dict[str, Any],
    now: dt.datetime,
) -> int:
    list_version = await bump_list_version(list_name)
    await CatalogueChange.insert(
        CatalogueChange(
            list_name=list_name.value,
            list_version=list_version,
            record_code=record_code,
            record_version=record_version,
            action=action.value,
            actor=actor.username,
            at=now,
            reason=reason,
            snapshot=json.dumps(snapshot, ensure_ascii=False, default=str),
        )
    )
    await audit.append(
        "catalogue.change",
        actor.username,
        f"{list_name.value}:{record_code}",
        {
            "list": list_name.value,
            "list_version": list_version,
            "record_code": record_code,
            "record_version": record_version,
            "action": action.value,
            "reason": reason,
            "snapshot": json.loads(json.dumps(snapshot, ensure_ascii=False, default=str)),
        },
        at=now,
    )
    return list_version


@dataclass(frozen=True)
class VersionedList:
    """One of the three lists as the shared write path sees it."""

    name: CatalogueList
    table: type[Table]
    # The record's state as its version keeps it, read back after the write (by record code).
    snapshot: Callable[[str], Awaitable[dict[str, Any]]]


def update_fields(data: msgspec.Struct) -> tuple[dict[str, Any], str]:
    """The fields an update request sets (unset ones left out) and its reason."""
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    return changes, str(changes.pop("reason"))


def refuse_unchanged(changes: object) -> None:
    if not changes:
        raise RuleViolation(tr("The update changes nothing."), code="no_change")


async def create_record(
    versioned: VersionedList, actor: Actor, code: str, values: dict[str, Any], reason: str | None, now: dt.datetime
) -> None:
    """Insert ``values`` as version 1 of ``code`` and keep the version (inside the caller's write transaction)."""
    await versioned.table.insert(versioned.table(**values, version=1, updated_at=now))
    await record_change(
        list_name=versioned.name,
        record_code=code,
        record_version=1,
        action=ChangeAction.create,
        actor=actor,
        reason=reason or "created",
        snapshot=await versioned.snapshot(code),
        now=now,
    )


async def update_record(
    versioned: VersionedList,
    actor: Actor,
    code: str,
    *,
    where: Combinable,
    values: dict[Column | str, Any],
    version: int,
    action: ChangeAction,
    reason: str,
    now: dt.datetime,
) -> None:
    """Write ``values`` as the version after ``version`` of the record ``where`` selects, and keep it."""
    table = versioned.table
    written = {**values}
    written[table._meta.get_column_by_name("version")] = version + 1
    written[table._meta.get_column_by_name("updated_at")] = now
    await table.update(written).where(where)
    await record_change(
        list_name=versioned.name,
        record_code=code,
        record_version=version + 1,
        action=action,
        actor=actor,
        reason=reason,
        snapshot=await versioned.snapshot(code),
        now=now,
    )


async def list_versions() -> dict[str, int]:
    heads = {r["name"]: int(r["version"]) for r in await ListHead.select(ListHead.name, ListHead.version)}
    latest = await CatalogueChange.select(CatalogueChange.id).order_by(CatalogueChange.id, ascending=False).first()
    return {
        "items": heads.get("items", 0),
        "scenarios": heads.get("scenarios", 0),
        "library": heads.get("library", 0),
        "catalogue": int(latest["id"]) if latest else 0,
    }


def _change_row(row: dict[str, Any]) -> dict[str, Any]:
    snapshot = row["snapshot"]
    return {
        "seq": row["id"],
        "list_name": row["list_name"],
        "list_version": row["list_version"],
        "record_code": row["record_code"],
        "record_version": row["record_version"],
        "action": row["action"],
        "actor": row["actor"],
        "at": row["at"],
        "reason": row["reason"],
        "snapshot": json_value(snapshot),
    }


async def history(
    list_name: CatalogueList, *, record_code: str | None = None, since: int = 0, limit: int = 200
) -> list[dict[str, Any]]:
    query = CatalogueChange.select().where(
        (CatalogueChange.list_name == list_name.value) & (CatalogueChange.list_version > since)
    )
    if record_code is not None:
        query = query.where(CatalogueChange.record_code == record_code)
    rows = await query.order_by(CatalogueChange.list_version).limit(limit)
    return [_change_row(r) for r in rows]
