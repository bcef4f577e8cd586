"""Which low-level errors the problem+json mapper reports as 503 database_unavailable or 400 out_of_range, and in
which language and form (problem+json or a page) it reports the unexpected ones."""

from __future__ import annotations

import errno
from typing import Any

import asyncpg
import pytest
from asyncpg.exceptions._base import InternalClientError
from litestar import Request, Response
from litestar.response import Template

from api.problems import _unexpected_error, is_database_unavailable, is_out_of_range


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


def _request(path: str, accept: str, language: str = "") -> Request[Any, Any, Any]:
    headers = [(b"accept", accept.encode())] + ([(b"accept-language", language.encode())] if language else [])
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": headers}
    return Request(scope)  # type: ignore[arg-type]


def _body(answer: Any) -> dict[str, Any]:
    assert isinstance(answer, Response)
    body: dict[str, Any] = answer.content
    return body


def test_an_unexpected_error_is_chinese_by_default_english_on_request_and_a_page_for_a_browser() -> None:
    api_client = _unexpected_error(_request("/api/v1/visits", "application/json"), RuntimeError("bug"))
    assert isinstance(api_client, Response) and api_client.status_code == 500
    assert (
        _body(api_client)["code"] == "internal_error"
        and _body(api_client)["detail"] == "服务出现意外错误，已记录，请稍后再试。"
    )
    english = _unexpected_error(_request("/api/v1/visits", "application/json", "en"), RuntimeError("bug"))
    assert isinstance(english, Response) and _body(english)["detail"].startswith("An unexpected error occurred")
    unavailable = _unexpected_error(_request("/api/v1/visits", "*/*"), ConnectionRefusedError(111, "refused"))
    assert isinstance(unavailable, Response) and _body(unavailable)["detail"] == "数据库暂时不可用，请稍后重试。"
    browser = _unexpected_error(_request("/dashboard", "text/html,*/*;q=0.8"), RuntimeError("bug"))
    assert isinstance(browser, Template) and browser.status_code == 500
    assert (
        browser.context["title"] == "服务内部错误"
        and browser.context["detail"] == "服务出现意外错误，已记录，请稍后再试。"
    )
