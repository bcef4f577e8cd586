from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec

T = TypeVar("T")

NonEmpty = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
LongText = Annotated[str, msgspec.Meta(max_length=5000)]


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Message(msgspec.Struct):
    detail: str
