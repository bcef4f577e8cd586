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


class UserCreate(msgspec.Struct):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-@]+$")]
    password: Annotated[str, msgspec.Meta(min_length=8, max_length=256)]
    role: Role
    unit_code: str | None = None
    inspector_cert_no: str | None = None
    uscc: str | None = None


class UserRead(msgspec.Struct):
    id: int
    username: str
    role: Role
    unit_code: str | None
    inspector_id: int | None
    uscc: str | None
    active: bool
