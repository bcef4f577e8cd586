"""Accounts: login and creation. Every account has exactly one role and its binding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from api.accounts.passwords import check_password
from api.accounts.schemas import UserCreate, UserRead, UserUpdate
from api.accounts.tokens import forget_token_version
from api.actor import Actor
from api.audit import chain as audit
from api.errors import Conflict, NotFound, RuleViolation, Unauthenticated
from api.i18n import tr
from api.registry.lookups import unit_by_code
from api.registry.uscc import normalize_uscc
from api.throttle import LoginThrottle
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


@dataclass(frozen=True)
class Authenticated:
    actor: Actor
    unit_code: str | None
    token_version: int


async def authenticate(username: str, password: str, verify: Callable[[str, str], Awaitable[bool]]) -> Authenticated:
    row = await User.select().where(User.username == username).first()
    if row is None:
        await verify(_DUMMY_HASH, password)
        raise Unauthenticated(tr("Wrong username or password."), code="bad_credentials")
    if not await verify(row["password_hash"], password) or not row["active"]:
        raise Unauthenticated(tr("Wrong username or password."), code="bad_credentials")
    unit_code = None
    if row["unit"]:
        unit = await Unit.select(Unit.code).where(Unit.id == row["unit"]).first()
        unit_code = unit["code"] if unit else None
    return Authenticated(actor_of(row), unit_code, int(row["token_version"] or 0))


async def login(
    username: str,
    password: str,
    address: str,
    throttle: LoginThrottle,
    verify: Callable[[str, str], Awaitable[bool]],
    now: dt.datetime,
) -> Authenticated:
    """``authenticate`` behind the login throttle: a locked account or address is refused (429) before the
    password is even checked; a failure that sets a lock is audited (``auth.locked_out``)."""
    await throttle.check(username, address)
    try:
        found = await authenticate(username, password, verify)
    except Unauthenticated:
        for lock in await throttle.failed(username, address):
            async with write_transaction():
                await audit.append(
                    "auth.locked_out",
                    "system",
                    f"user:{username}" if lock.scope == "account" else f"address:{address}",
                    {"scope": lock.scope, "subject": lock.subject, "seconds": lock.seconds, "failures": lock.failures},
                    at=now,
                )
        raise
    await throttle.succeeded(username)
    return found


async def _binding(
    role: Role, unit_code: str | None, cert_no: str | None, uscc_text: str | None
) -> tuple[int | None, int | None, str | None]:
    """(unit id, inspector id, USCC) an account of ``role`` is bound to; refused when the binding is missing."""
    unit_id: int | None = None
    inspector_id: int | None = None
    uscc: str | None = None
    if role in (Role.planner, Role.approver):
        if not unit_code:
            raise RuleViolation(tr("Planners and approvers belong to a unit."), code="unit_required", field="unit_code")
        unit_id = (await unit_by_code(unit_code))["id"]
    elif role == Role.inspector:
        if not cert_no:
            raise RuleViolation(
                tr("An inspector account is linked to a 执法证."),
                code="certificate_required",
                field="inspector_cert_no",
            )
        inspector = await Inspector.select().where(Inspector.cert_no == cert_no).first()
        if inspector is None:
            raise NotFound(tr("No inspector holds that 执法证."), code="inspector_not_found", field="inspector_cert_no")
        inspector_id, unit_id = inspector["id"], inspector["unit"]
    elif role == Role.enterprise:
        if not uscc_text:
            raise RuleViolation(tr("An enterprise account is linked to a USCC."), code="uscc_required", field="uscc")
        uscc = normalize_uscc(uscc_text)
        if not await Enterprise.exists().where(Enterprise.uscc == uscc):
            raise NotFound(
                tr("No enterprise with 统一社会信用代码 {uscc}.", uscc=uscc), code="enterprise_not_found", field="uscc"
            )
    return unit_id, inspector_id, uscc


async def create_user(
    data: UserCreate, hash_password: Callable[[str], Awaitable[str]], now: dt.datetime, *, actor: str = "system"
) -> UserRead:
    check_password(data.password, data.username)
    password_hash = await hash_password(data.password)
    async with write_transaction():
        if await User.exists().where(User.username == data.username):
            raise Conflict(
                tr("Username {username} is taken.", username=repr(data.username)),
                code="username_taken",
                field="username",
            )
        unit_id, inspector_id, uscc = await _binding(data.role, data.unit_code, data.inspector_cert_no, data.uscc)
        rows = await User.insert(
            User(
                username=data.username,
                password_hash=password_hash,
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


async def _user_read(row: dict[str, Any]) -> UserRead:
    unit = await Unit.select(Unit.code).where(Unit.id == row["unit"]).first() if row["unit"] else None
    return UserRead(
        id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        unit_code=unit["code"] if unit else None,
        inspector_id=row["inspector"],
        uscc=row["uscc"],
        active=row["active"],
    )


async def update_user(
    username: str,
    data: UserUpdate,
    hash_password: Callable[[str], Awaitable[str]],
    now: dt.datetime,
    *,
    actor: str,
) -> UserRead:
    """Deactivate or reactivate, change the role and binding, or reset the password of an account.

    Any of these raises the account's token version: its tokens stop working within
    ``RUQI_TOKEN_CHECK_SECONDS`` (at once in this worker)."""
    password_hash = None
    if data.password is not msgspec.UNSET:
        check_password(data.password, username)
        password_hash = await hash_password(data.password)
    rebind = any(getattr(data, f) is not msgspec.UNSET for f in ("role", "unit_code", "inspector_cert_no", "uscc"))
    async with write_transaction():
        row = await User.select().where(User.username == username).first()
        if row is None:
            raise NotFound(tr("No account is named {username}.", username=username), code="user_not_found")
        values: dict[Any, Any] = {User.token_version: int(row["token_version"] or 0) + 1}
        changes: dict[str, Any] = {}
        if data.active is not msgspec.UNSET and data.active != row["active"]:
            values[User.active] = changes["active"] = data.active
        if rebind:
            role = row["role"] if data.role is msgspec.UNSET else data.role.value
            unit_id, inspector_id, uscc = await _binding(
                Role(role),
                None if data.unit_code is msgspec.UNSET else data.unit_code,
                None if data.inspector_cert_no is msgspec.UNSET else data.inspector_cert_no,
                None if data.uscc is msgspec.UNSET else data.uscc,
            )
            binding = {"role": role, "unit": unit_id, "inspector": inspector_id, "uscc": uscc}
            for key, value in binding.items():
                if value != row[key]:
                    values[getattr(User, key)] = changes[key] = value
        if password_hash is not None:
            values[User.password_hash] = password_hash
            changes["password_reset"] = True
        await User.update(values).where(User.id == row["id"])
        await audit.append(
            "user.updated",
            actor,
            f"user:{username}",
            {"username": username, "changes": changes, "previous": {k: row[k] for k in changes if k in row}},
            at=now,
        )
        updated = await User.select().where(User.id == row["id"]).first()
    forget_token_version(row["id"])
    return await _user_read(updated or row)


async def logout(actor: Actor, now: dt.datetime) -> None:
    """End every token of the account (phones and browsers alike): they log in again."""
    async with write_transaction():
        await User.update({User.token_version: User.token_version + 1}).where(User.id == actor.user_id)
        await audit.append("user.logged_out", actor.username, f"user:{actor.username}", {}, at=now)
    forget_token_version(actor.user_id)
