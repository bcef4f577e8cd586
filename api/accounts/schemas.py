from __future__ import annotations

from typing import Annotated

import msgspec

from models.enums import Role


class LoginRequest(msgspec.Struct):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class LoginResponse(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    username: str
    role: Role
    unit_code: str | None = None
    inspector_id: int | None = None
    uscc: str | None = None


class Me(msgspec.Struct):
    username: str
    role: Role
    unit_id: int | None
    inspector_id: int | None
    uscc: str | None


Password = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=256,
        description="At least 12 characters, not a common password, not containing the username (else 422).",
    ),
]
UnitCode = Annotated[str, msgspec.Meta(max_length=32)]
CertNo = Annotated[str, msgspec.Meta(max_length=64)]
UsccText = Annotated[str, msgspec.Meta(max_length=64)]


class UserCreate(msgspec.Struct):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-@]+$")]
    password: Password
    role: Role
    unit_code: UnitCode | None = None
    inspector_cert_no: CertNo | None = None
    uscc: UsccText | None = None


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out stay as they are. A role or binding change names the whole binding of the (new) role,
    as on creation. Every change ends the account's tokens (it logs in again)."""

    active: bool | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    unit_code: UnitCode | msgspec.UnsetType | None = msgspec.UNSET
    inspector_cert_no: CertNo | msgspec.UnsetType | None = msgspec.UNSET
    uscc: UsccText | msgspec.UnsetType | None = msgspec.UNSET
    password: Password | msgspec.UnsetType = msgspec.UNSET


class UserRead(msgspec.Struct):
    id: int
    username: str
    role: Role
    unit_code: str | None
    inspector_id: int | None
    uscc: str | None
    active: bool
