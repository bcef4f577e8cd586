"""Registry of units (执法主体), inspectors (执法人员) and enterprises."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from api.access import ensure_admin
from api.actor import Actor
from api.audit import chain as audit
from api.context import InspectorChanged
from api.errors import Conflict, Forbidden, NotFound, RuleViolation
from api.i18n import tr
from api.registry.lookups import unit_by_code, unit_codes_by_id
from api.registry.schemas import (
    EnterpriseCreate,
    EnterpriseRead,
    EnterpriseUpdate,
    InspectorCreate,
    InspectorRead,
    InspectorUpdate,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)
from api.registry.uscc import normalize_uscc
from models.db import write_transaction
from models.enums import Role
from models.tables import Enterprise, Inspector, Unit, User


def _set_fields(data: msgspec.Struct) -> dict[str, Any]:
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}


# Units ----------------------------------------------------------------------------------------


async def list_units() -> list[UnitRead]:
    codes = await unit_codes_by_id()
    rows = await Unit.select().order_by(Unit.code)
    return [
        UnitRead(
            id=r["id"],
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            parent_code=codes.get(r["parent"]) if r["parent"] else None,
            sample=r["sample"],
        )
        for r in rows
    ]


async def read_unit(code: str) -> UnitRead:
    row = await unit_by_code(code, field="code")
    parent = (await unit_codes_by_id()).get(row["parent"]) if row["parent"] else None
    return UnitRead(
        id=row["id"], code=row["code"], name=row["name"], kind=row["kind"], parent_code=parent, sample=row["sample"]
    )


async def create_unit(actor: Actor, data: UnitCreate, now: dt.datetime) -> UnitRead:
    ensure_admin(actor, "units")
    async with write_transaction():
        if await Unit.exists().where(Unit.code == data.code):
            raise Conflict(
                tr("Unit code {code} is already taken.", code=repr(data.code)), code="unit_code_taken", field="code"
            )
        parent = (await unit_by_code(data.parent_code, field="parent_code"))["id"] if data.parent_code else None
        await Unit.insert(Unit(code=data.code, name=data.name, kind=data.kind.value, parent=parent))
        await audit.append("unit.created", actor.username, f"unit:{data.code}", msgspec.to_builtins(data), at=now)
    return await read_unit(data.code)


async def update_unit(actor: Actor, code: str, data: UnitUpdate, now: dt.datetime) -> UnitRead:
    ensure_admin(actor, "units")
    changes = _set_fields(data)
    async with write_transaction():
        row = await unit_by_code(code, field="code")
        values: dict[Any, Any] = {}
        if "parent_code" in changes:
            parent_code = changes.pop("parent_code")
            parent = (await unit_by_code(parent_code, field="parent_code"))["id"] if parent_code else None
            if parent == row["id"]:
                raise RuleViolation(
                    tr("A unit cannot be its own parent."), code="unit_parent_cycle", field="parent_code"
                )
            values[Unit.parent] = parent
        values.update({getattr(Unit, k): v for k, v in changes.items()})
        if values:
            await Unit.update(values).where(Unit.id == row["id"])
            await audit.append(
                "unit.updated", actor.username, f"unit:{code}", {"changes": msgspec.to_builtins(data)}, at=now
            )
    return await read_unit(code)


# Inspectors -----------------------------------------------------------------------------------

INSPECTOR_COLUMNS = (
    Inspector.id,
    Inspector.name,
    Inspector.unit.code.as_alias("unit_code"),
    Inspector.cert_no,
    Inspector.valid_from,
    Inspector.valid_to,
    Inspector.status,
    Inspector.is_auxiliary,
    Inspector.sample,
)


def _inspector_scope(actor: Actor) -> int | None:
    """Unit roles see only their own unit's inspectors; admins and supervisors see all."""
    if actor.sees_everything:
        return None
    if actor.is_unit_role and actor.unit_id is not None:
        return actor.unit_id
    raise Forbidden(tr("Enterprises see inspectors only on their visits."))


async def list_inspectors(
    actor: Actor, *, unit_code: str | None = None, cert_no: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[InspectorRead], int]:
    query = Inspector.select(*INSPECTOR_COLUMNS).order_by(Inspector.id)
    count = Inspector.count()
    conditions = []
    scope = _inspector_scope(actor)
    if scope is not None:
        conditions.append(Inspector.unit == scope)
    if unit_code:
        conditions.append(Inspector.unit.code == unit_code)
    if cert_no:
        conditions.append(Inspector.cert_no == cert_no)
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    rows = await query.limit(limit).offset(offset)
    return [msgspec.convert(r, InspectorRead) for r in rows], await count


async def read_inspector(actor: Actor, inspector_id: int) -> InspectorRead:
    row = await Inspector.select(*INSPECTOR_COLUMNS, Inspector.unit).where(Inspector.id == inspector_id).first()
    scope = _inspector_scope(actor)
    if row is None or (scope is not None and row["unit"] != scope):
        raise NotFound(
            tr("Inspector {inspector_id} does not exist.", inspector_id=inspector_id), code="inspector_not_found"
        )
    row.pop("unit")
    return msgspec.convert(row, InspectorRead)


def _check_certificate(is_auxiliary: bool, cert_no: str | None, valid_from: Any, valid_to: Any) -> None:
    if is_auxiliary and cert_no:
        raise RuleViolation(tr("Auxiliary staff hold no 执法证."), code="auxiliary_with_certificate", field="cert_no")
    if not is_auxiliary and not (cert_no and valid_from and valid_to):
        raise RuleViolation(
            tr("A certified inspector needs a 执法证 number with valid_from and valid_to."),
            code="certificate_required",
            field="cert_no",
        )
    if valid_from and valid_to and valid_to < valid_from:
        raise RuleViolation(tr("valid_to is before valid_from."), code="invalid_validity", field="valid_to")


async def create_inspector(actor: Actor, data: InspectorCreate, now: dt.datetime) -> InspectorRead:
    ensure_admin(actor, "inspectors")
    _check_certificate(data.is_auxiliary, data.cert_no, data.valid_from, data.valid_to)
    async with write_transaction():
        unit = await unit_by_code(data.unit_code)
        if data.cert_no and await Inspector.exists().where(Inspector.cert_no == data.cert_no):
            raise Conflict(
                tr("执法证 {cert_no} is already registered.", cert_no=data.cert_no),
                code="cert_no_taken",
                field="cert_no",
            )
        rows = await Inspector.insert(
            Inspector(
                name=data.name,
                unit=unit["id"],
                cert_no=data.cert_no,
                valid_from=data.valid_from,
                valid_to=data.valid_to,
                status=data.status.value,
                is_auxiliary=data.is_auxiliary,
            )
        ).returning(Inspector.id)
        await audit.append(
            "inspector.created",
            actor.username,
            f"inspector:{rows[0]['id']}",
            {"inspector_id": rows[0]["id"], **msgspec.to_builtins(data)},
            at=now,
        )
    return await read_inspector(actor, rows[0]["id"])


async def update_inspector(
    actor: Actor, inspector_id: int, data: InspectorUpdate, now: dt.datetime, *, inspector_changed: InspectorChanged
) -> InspectorRead:
    """Change an inspector; ``inspector_changed`` (the visits domain) voids the codes the 执法证 no longer covers."""
    ensure_admin(actor, "inspectors")
    changes = _set_fields(data)
    async with write_transaction():
        row = await Inspector.select().where(Inspector.id == inspector_id).first()
        if row is None:
            raise NotFound(
                tr("Inspector {inspector_id} does not exist.", inspector_id=inspector_id), code="inspector_not_found"
            )
        merged = {**row, **changes}
        _check_certificate(row["is_auxiliary"], row["cert_no"], merged["valid_from"], merged["valid_to"])
        values: dict[Any, Any] = {}
        if "unit_code" in changes:
            values[Inspector.unit] = (await unit_by_code(changes.pop("unit_code")))["id"]
        values.update({getattr(Inspector, k): v for k, v in changes.items()})
        if values:
            await Inspector.update(values).where(Inspector.id == inspector_id)
            if Inspector.unit in values and values[Inspector.unit] != row["unit"]:
                # The inspector's account follows its unit; its tokens, which name the old unit, end within
                # RUQI_TOKEN_CHECK_SECONDS (the account logs in again).
                await User.update(
                    {User.unit: values[Inspector.unit], User.token_version: User.token_version + 1}
                ).where(User.inspector == inspector_id)
            voided = await inspector_changed(inspector_id, now)
            await audit.append(
                "inspector.updated",
                actor.username,
                f"inspector:{inspector_id}",
                {
                    "inspector_id": inspector_id,
                    "cert_no": row["cert_no"],
                    "changes": msgspec.to_builtins(data),
                    "previous": {k: row[k] for k in ("status", "valid_from", "valid_to", "name")},
                    "voided_visits": voided,
                },
                at=now,
            )
    return await read_inspector(actor, inspector_id)


# Enterprises ----------------------------------------------------------------------------------


def _enterprise_scope(actor: Actor) -> str | None:
    return actor.uscc if actor.role == Role.enterprise else None


async def list_enterprises(
    actor: Actor,
    *,
    q: str | None = None,
    industry_code: str | None = None,
    above_scale: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[EnterpriseRead], int]:
    query = Enterprise.select().order_by(Enterprise.id)
    count = Enterprise.count()
    conditions: list[Any] = []
    own = _enterprise_scope(actor)
    if own is not None:
        conditions.append(Enterprise.uscc == own)
    if q:
        conditions.append(Enterprise.name.ilike(f"%{q}%") | Enterprise.uscc.ilike(f"%{q}%"))
    if industry_code:
        conditions.append(Enterprise.industry_code.ilike(f"{industry_code}%"))
    if above_scale is not None:
        conditions.append(Enterprise.above_scale == above_scale)
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    rows = await query.limit(limit).offset(offset)
    return [msgspec.convert(r, EnterpriseRead) for r in rows], await count


async def read_enterprise(actor: Actor, uscc: str) -> EnterpriseRead:
    code = normalize_uscc(uscc)
    own = _enterprise_scope(actor)
    row = await Enterprise.select().where(Enterprise.uscc == code).first()
    if row is None or (own is not None and own != code):
        raise NotFound(tr("No enterprise with 统一社会信用代码 {code}.", code=code), code="enterprise_not_found")
    return msgspec.convert(row, EnterpriseRead)


async def create_enterprise(actor: Actor, data: EnterpriseCreate, now: dt.datetime) -> EnterpriseRead:
    ensure_admin(actor, "enterprises")
    values = msgspec.structs.asdict(data)
    values["uscc"] = normalize_uscc(data.uscc)
    async with write_transaction():
        if await Enterprise.exists().where(Enterprise.uscc == values["uscc"]):
            raise Conflict(
                tr("Enterprise {values} is already registered.", values=values["uscc"]), code="uscc_taken", field="uscc"
            )
        await Enterprise.insert(Enterprise(**values))
        await audit.append(
            "enterprise.created", actor.username, audit.enterprise_subject(values["uscc"]), values, at=now
        )
    return await read_enterprise(actor, values["uscc"])


SUPERVISOR_FIELDS = frozenset({"whitelisted", "whitelist_reason", "whitelist_until"})
"""What the supervisor (司法局) may change on an enterprise: the 无事不扰 whitelist. The rest is the admin's."""


async def update_enterprise(actor: Actor, uscc: str, data: EnterpriseUpdate, now: dt.datetime) -> EnterpriseRead:
    if actor.role not in (Role.admin, Role.supervisor):
        raise Forbidden(tr("Only an admin or the supervisor may change enterprise records."))
    code = normalize_uscc(uscc)
    changes = _set_fields(data)
    if actor.role == Role.supervisor and (others := sorted(set(changes) - SUPERVISOR_FIELDS)):
        raise Forbidden(
            tr(
                "The supervisor changes only the whitelist of an enterprise; {fields} need an admin.",
                fields=", ".join(others),
            ),
            code="field_not_allowed",
            field=others[0],
        )
    async with write_transaction():
        columns = [getattr(Enterprise, k) for k in changes] or [Enterprise.id]
        before = await Enterprise.select(*columns).where(Enterprise.uscc == code).first()
        if before is None:
            raise NotFound(tr("No enterprise with 统一社会信用代码 {code}.", code=code), code="enterprise_not_found")
        if changes:
            await Enterprise.update({getattr(Enterprise, k): v for k, v in changes.items()}).where(
                Enterprise.uscc == code
            )
            # The whitelist and the position change what visits are lawful and where a scan is on site.
            await audit.append(
                "enterprise.updated",
                actor.username,
                audit.enterprise_subject(code),
                {"uscc": code, "changes": msgspec.to_builtins(data), "previous": before},
                at=now,
            )
    return await read_enterprise(actor, code)
