"""Small shared lookups by business key that raise ``NotFound`` with the key in the message."""

from __future__ import annotations

from typing import Any

from api.errors import NotFound
from api.i18n import tr
from models.tables import Item, Unit


async def unit_by_code(code: str, *, field: str = "unit_code") -> dict[str, Any]:
    row = await Unit.select().where(Unit.code == code).first()
    if row is None:
        raise NotFound(tr("Unit {code} does not exist.", code=repr(code)), code="unit_not_found", field=field)
    return row


async def unit_codes_by_id() -> dict[int, str]:
    return {r["id"]: r["code"] for r in await Unit.select(Unit.id, Unit.code)}


async def unit_names_by_id() -> dict[int, str]:
    return {r["id"]: r["name"] for r in await Unit.select(Unit.id, Unit.name)}


async def item_by_code(code: str, *, field: str = "item_code") -> dict[str, Any]:
    row = await Item.select().where(Item.code == code).first()
    if row is None:
        raise NotFound(
            tr("Item {code} is not on the inspection item list.", code=repr(code)), code="item_not_found", field=field
        )
    return row
