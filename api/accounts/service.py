"""Accounts: login and creation. Every account has exactly one role and its binding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from api.accounts.schemas import UserCreate, UserRead
from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, NotFound, RuleViolation, Unauthenticated
from api.registry.lookups import unit_by_code
from api.registry.uscc import normalize_uscc
from models.db import write_transaction
from models.enums import Role
from models.tables import Enterprise, Inspector, Unit, User

# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$bFOhSEN9oyGWZdnfe59CRA$L2u/8ookNiRu9s9eL/w/+6fCtvY6u8hypJ+IwV24ELk"


def actor_of(row: dict[str, Any]) -> Actor:
    return Actor(
        user_id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        unit_id=row["unit"],
        inspector_id=row["inspector"],
        uscc=row["uscc"],
    )


async def authenticate(username: str, password: str, verify: Callable[[str, str], bool]) -> tuple[Actor, str | None]:
    row = await User.select().where(User.username == username).first()
    if row is None:
        verify(_DUMMY_HASH, password)
        raise Unauthenticated("Wrong username or password.", code="bad_credentials")
    if not verify(row["password_hash"], password) or not row["active"]:
        raise Unauthenticated("Wrong username or password.", code="bad_credentials")
    unit_code = None
    if row["unit"]:
        unit = await Unit.select(Unit.code).where(Unit.id == row["unit"]).first()
        unit_code = unit["code"] if unit else None
    return actor_of(row), unit_code


async def create_user(
    data: UserCreate, hash_password: Callable[[str], str], now: dt.datetime, *, actor: str = "system"
) -> UserRead:
    unit_id: int | None = None
    inspector_id: int | None = None
    uscc: str | None = None
    async with write_transaction():
        if await User.exists().where(User.username == data.username):
            raise Conflict(f"Username {data.username!r} is taken.", code="username_taken", field="username")
        if data.role in (Role.planner, Role.approver):
            if not data.unit_code:
                raise RuleViolation("Planners and approvers belong to a unit.", code="unit_required", field="unit_code")
            unit_id = (await unit_by_code(data.unit_code))["id"]
        elif data.role == Role.inspector:
            if not data.inspector_cert_no:
                raise RuleViolation(
                    "An inspector account is linked to a 执法证.",
                    code="certificate_required",
                    field="inspector_cert_no",
                )
            inspector = await Inspector.select().where(Inspector.cert_no == data.inspector_cert_no).first()
            if inspector is None:
                raise NotFound("No inspector holds that 执法证.", code="inspector_not_found", field="inspector_cert_no")
            inspector_id, unit_id = inspector["id"], inspector["unit"]
        elif data.role == Role.enterprise:
            if not data.uscc:
                raise RuleViolation("An enterprise account is linked to a USCC.", code="uscc_required", field="uscc")
            uscc = normalize_uscc(data.uscc)
            if not await Enterprise.exists().where(Enterprise.uscc == uscc):
                raise NotFound(
                    f"No enterprise with 统一社会信用代码 {uscc}.", code="enterprise_not_found", field="uscc"
                )
        rows = await User.insert(
            User(
                username=data.username,
                password_hash=hash_password(data.password),
                role=data.role.value,
                unit=unit_id,
                inspector=inspector_id,
                uscc=uscc,
                created_at=now,
            )
        ).returning(User.id)
        # The password (hash) never enters the trail: who got which role and binding does.
        await audit.append(
            "user.created",
            actor,
            f"user:{data.username}",
            {
                "username": data.username,
                "role": data.role.value,
                "unit_id": unit_id,
                "inspector_id": inspector_id,
                "uscc": uscc,
            },
            at=now,
        )
    unit_code = (await Unit.select(Unit.code).where(Unit.id == unit_id).first() or {}).get("code") if unit_id else None
    return UserRead(
        id=rows[0]["id"],
        username=data.username,
        role=data.role,
        unit_code=unit_code,
        inspector_id=inspector_id,
        uscc=uscc,
        active=True,
    )
