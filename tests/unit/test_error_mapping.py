"""Which low-level errors the problem+json mapper reports as 503 database_unavailable or 400 out_of_range."""

from __future__ import annotations

import errno

import asyncpg
import pytest
from asyncpg.exceptions._base import InternalClientError

from api.problems import is_database_unavailable, is_out_of_range


def _caused_by(cause: BaseException) -> RuntimeError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 5432)"),
        OSError(errno.EPIPE, "Broken pipe"),
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("connection is closed"),
        InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_lost_connections_are_unavailable_directly_and_as_causes(error: BaseException) -> None:
    assert is_database_unavailable(error)
    assert is_database_unavailable(_caused_by(error))


@pytest.mark.parametrize(
    "error",
    [
        ValueError("bad"),
        OSError(errno.ENOENT, "No such file"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.DataError("value out of int64 range"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_other_errors_are_not_reported_as_unavailable(error: BaseException) -> None:
    assert not is_database_unavailable(error)


def test_numbers_too_large_for_the_database_are_out_of_range() -> None:
    assert is_out_of_range(OverflowError("Python int too large to convert to SQLite INTEGER"))
    assert is_out_of_range(_caused_by(asyncpg.DataError("value out of int64 range")))
    assert not is_out_of_range(asyncpg.DataError("invalid input syntax"))
