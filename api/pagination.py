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
    # The big lists (visits, verifications, audit events, non-site records) page by cursor too: pass
    # ``next_after`` back as ``after`` for the next page, at the cost of the first page however deep.
    next_after: str | None = None
    # False when ``total`` is PostgreSQL's estimate: an unfiltered list of a very large table (an exact count
    # would read every row for every page); any filter makes it exact.
    total_exact: bool = True


class Message(msgspec.Struct):
    detail: str
