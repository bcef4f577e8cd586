"""Domain errors with stable machine codes, and the one mapping of every error to problem+json.

Services raise ``DomainError`` subclasses and never HTTP exceptions; ``exception_handlers`` below is
the only place that turns anything into an HTTP response body (RFC 9457).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.exceptions import ValidationException as LitestarValidationException
from litestar.response import Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from api.errors import DomainError, TooManyRequests
from api.i18n import DEFAULT_LOCALE, Joined, Text, negotiate, render, tr
from api.pages import page, wants_html
from api.validation_words import explain

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("ruqi.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "service_unavailable",
}


# The problem's title (RFC 9457: a short summary of its kind), by status; the code names the exact kind.
_TITLES: dict[int, Text] = {
    400: tr("Bad request"),
    401: tr("Login required"),
    403: tr("Not allowed"),
    404: tr("Not found"),
    405: tr("Method not allowed"),
    409: tr("Conflict with the current state"),
    413: tr("Request too large"),
    415: tr("Unsupported media type"),
    422: tr("Refused by a rule"),
    429: tr("Too many requests"),
    500: tr("Internal error"),
    503: tr("Service unavailable"),
}
# Litestar's own HTTP errors carry English details; a user reads these instead.
_HTTP_DETAILS: dict[int, Text] = {
    401: tr("Log in first, then try again."),
    403: tr("Your account may not do this."),
    404: tr("There is no such page or record."),
    405: tr("This address does not accept this kind of request."),
    413: tr("The request is larger than the service accepts."),
    429: tr("Too many requests; please wait a moment and try again."),
    503: tr("The service is temporarily unavailable; please try again shortly."),
}

OUT_OF_RANGE = tr("A number in the request is outside the range the database stores.")
DATABASE_UNAVAILABLE = tr("The database is unavailable; please retry shortly.")
UNDECODABLE_BODY = tr("The request body is not valid UTF-8 JSON (or is nested too deeply).")
UNEXPECTED = tr("An unexpected error occurred; it has been logged. Please try again later.")


def problem(
    status: int, code: str, detail: str | Text, *, locale: str = DEFAULT_LOCALE, **extra: Any
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"https://ruqi.example/problems/{code}",
        "title": render(_TITLES.get(status, tr("Error")), locale),
        "status": status,
        "code": code,
        "detail": render(detail, locale),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(
        body, status_code=status, media_type=PROBLEM_JSON, headers={"Content-Language": locale.replace("_", "-")}
    )


def _answer(
    request: Request[Any, Any, Any], status: int, code: str, detail: str | Text, **extra: Any
) -> Response[Any] | Template:
    """problem+json for API clients; a Chinese page for a browser opening a public page (not ``/api/``)."""
    if not request.url.path.startswith("/api/") and wants_html(request):
        context = {
            "status": status,
            "code": code,
            "title": render(_TITLES.get(status, tr("Error"))),
            "detail": render(detail),
        }
        return page("public_error.html", context, status=status, cache="no-store")
    return problem(status, code, detail, locale=request_locale(request), **extra)


def request_locale(request: Request[Any, Any, Any]) -> str:
    """The reader's language: Chinese unless the request prefers English (``Accept-Language``)."""
    return negotiate(request.headers.get("accept-language"))


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any] | Template:
    response = _answer(request, exc.status, exc.code, exc.message, field=exc.field, **exc.extra)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _validation_error(
    request: Request[Any, Any, Any], exc: LitestarValidationException
) -> Response[dict[str, Any]] | Template:
    errors = exc.extra if isinstance(exc.extra, list) else []
    fields = [str(e.get("key")) for e in errors if isinstance(e, dict) and e.get("key")]
    if not request.url.path.startswith("/api/") and wants_html(request):
        # A person followed a bad link or edited the address: a Chinese page, not the validator's English.
        bad_address = tr(
            "Some values in the address or the form are not valid ({fields}); check the link and try again.",
            fields=fields or "—",
        )
        return _answer(request, 400, "validation_error", bad_address)
    reasons = [
        tr("{field}: {reason}", field=e["key"], reason=explain(str(e.get("message"))))
        if e.get("key")
        else explain(str(e.get("message")))
        for e in errors
        if isinstance(e, dict)
    ]
    detail = Joined(reasons, "clauses") if reasons else explain(str(exc.detail))
    return _answer(request, 400, "validation_error", detail, field=fields[0] if fields else None, errors=errors or None)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any] | Template:
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    if isinstance(exc, NotAuthorizedException):
        code = "not_authenticated"
    elif isinstance(exc, PermissionDeniedException):
        code = "forbidden"
    detail: str | Text = _HTTP_DETAILS.get(exc.status_code, str(exc.detail))
    if isinstance(exc, PermissionDeniedException) and exc.detail and exc.detail != "Forbidden":
        detail = str(exc.detail)  # a guard's own message names the roles that may
    response = _answer(request, exc.status_code, code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any] | Template:
    if is_out_of_range(exc):
        # An id or number the database cannot even store (e.g. /visits/99999999999999999999): no such record.
        return _answer(request, 400, "out_of_range", OUT_OF_RANGE)
    if is_database_unavailable(exc):
        logger.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
        return _answer(request, 503, "database_unavailable", DATABASE_UNAVAILABLE)
    if _is_undecodable_body(exc):
        logger.info("undecodable body on %s %s: %r", request.method, request.url.path, exc)
        return _answer(request, 400, "bad_request", UNDECODABLE_BODY)
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", UNEXPECTED)


def is_out_of_range(exc: BaseException) -> bool:
    """An integer too large for the database column: SQLite's OverflowError, asyncpg's DataError."""
    for error in _chain(exc):
        if isinstance(error, OverflowError):
            return True
        if type(error).__name__ == "DataError" and "out of" in str(error) and "range" in str(error):
            return True
    return False


def _is_undecodable_body(exc: BaseException) -> bool:
    """Body decoding errors Litestar does not turn into 400 itself: invalid UTF-8, JSON nested too deeply."""
    return isinstance(exc, UnicodeDecodeError | RecursionError)


def is_database_unavailable(exc: BaseException) -> bool:
    """A lost or refused database connection (e.g. PostgreSQL restarting), anywhere in the cause chain."""
    for error in _chain(exc):
        if isinstance(error, ConnectionError):  # refused, reset, aborted
            return True
        # asyncio reports a refused connect to several addresses as a plain OSError("Multiple exceptions: ...").
        if type(error) is OSError and str(error).startswith("Multiple exceptions"):
            return True
        if any(
            cls.__module__.startswith("asyncpg") and cls.__name__ in _ASYNCPG_UNAVAILABLE for cls in type(error).__mro__
        ):
            return True
    return False


# asyncpg's classes for "the server is not there": SQLSTATE class 08 (connection exception), class 57
# (operator intervention: admin shutdown, crash shutdown, cannot connect now) and client-side interface errors.
_ASYNCPG_UNAVAILABLE = frozenset(
    {
        "PostgresConnectionError",
        "OperatorInterventionError",
        "InterfaceError",
        "ConnectionDoesNotExistError",
        "TooManyConnectionsError",
        # A connection the server terminated mid-query is left in an error state; the next query on it
        # fails with "cannot switch to state N; another operation (2) is in progress" (asyncpg#1069).
        "InternalClientError",
    }
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


exception_handlers: dict[Any, Any] = {
    DomainError: _domain_error,
    LitestarValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _unexpected_error,
}

__all__ = ["PROBLEM_JSON", "MediaType", "exception_handlers", "problem"]
