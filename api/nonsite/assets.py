"""Non-site assets: drones, unmanned boats, cameras, remote video survey and fixed enforcement points."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from api.access import ensure_can_edit_unit_list
from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, NotFound, RuleViolation
from api.i18n import tr
from api.nonsite.schemas import AssetCreate, AssetRead, AssetUpdate
from api.registry.lookups import unit_by_code, unit_codes_by_id
from models.db import write_transaction
from models.enums import Role
from models.nonsite_tables import NonsiteAsset


def _read(row: dict[str, Any], unit_codes: dict[int, str]) -> AssetRead:
    return AssetRead(
        id=row["id"],
        code=row["code"],
        kind=row["kind"],
        unit_code=unit_codes.get(row["unit"], ""),
        name=row["name"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        status=row["status"],
        sample=row["sample"],
    )


def _check_location(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise RuleViolation(
            tr("A location has both a latitude and a longitude, or neither."),
            code="location_incomplete",
            field="latitude",
        )


async def asset_row(code: str, *, field: str = "code") -> dict[str, Any]:
    row = await NonsiteAsset.select().where(NonsiteAsset.code == code).first()
    if row is None:
        raise NotFound(
            tr("Non-site asset {code} does not exist.", code=repr(code)), code="asset_not_found", field=field
        )
    return row


async def create_asset(actor: Actor, data: AssetCreate, now: dt.datetime) -> AssetRead:
    unit_code = data.unit_code
    if unit_code is None:
        if actor.role != Role.planner or actor.unit_id is None:
            raise RuleViolation(tr("Name the asset's unit."), code="unit_required", field="unit_code")
        unit_code = (await unit_codes_by_id()).get(actor.unit_id, "")
    unit = await unit_by_code(unit_code)
    ensure_can_edit_unit_list(actor, unit["id"], "non-site assets")
    _check_location(data.latitude, data.longitude)
    async with write_transaction():
        if await NonsiteAsset.exists().where(NonsiteAsset.code == data.code):
            raise Conflict(
                tr("Non-site asset {code} already exists.", code=repr(data.code)), code="asset_exists", field="code"
            )
        await NonsiteAsset.insert(
            NonsiteAsset(
                code=data.code,
                kind=data.kind.value,
                unit=unit["id"],
                name=data.name,
                latitude=data.latitude,
                longitude=data.longitude,
                status=data.status.value,
                created_at=now,
            )
        )
        await audit.append(
            "nonsite.asset_created",
            actor.username,
            f"nonsite-asset:{data.code}",
            {**msgspec.to_builtins(data), "unit_code": unit_code},
            at=now,
        )
    return await read_asset(data.code)


async def update_asset(actor: Actor, code: str, data: AssetUpdate, now: dt.datetime) -> AssetRead:
    async with write_transaction():
        row = await asset_row(code)
        ensure_can_edit_unit_list(actor, row["unit"], "non-site assets")
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        latitude = changes.get("latitude", row["latitude"])
        longitude = changes.get("longitude", row["longitude"])
        _check_location(latitude, longitude)
        if changes:
            await NonsiteAsset.update(
                {getattr(NonsiteAsset, k): (v.value if hasattr(v, "value") else v) for k, v in changes.items()}
            ).where(NonsiteAsset.id == row["id"])
            await audit.append(
                "nonsite.asset_updated",
                actor.username,
                f"nonsite-asset:{code}",
                {"code": code, "changes": msgspec.to_builtins(data)},
                at=now,
            )
    return await read_asset(code)


async def read_asset(code: str) -> AssetRead:
    return _read(await asset_row(code), await unit_codes_by_id())


async def list_assets(
    *, unit_code: str | None, kind: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[AssetRead], int]:
    query = NonsiteAsset.select().order_by(NonsiteAsset.code)
    count = NonsiteAsset.count()
    conditions: list[Any] = []
    if unit_code:
        conditions.append(NonsiteAsset.unit._.code == unit_code)
    if kind:
        conditions.append(NonsiteAsset.kind == kind)
    if status:
        conditions.append(NonsiteAsset.status == status)
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    codes = await unit_codes_by_id()
    return [_read(r, codes) for r in await query.limit(limit).offset(offset)], await count
