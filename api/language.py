"""The reader's language per request: ``Accept-Language`` → ``api.i18n``'s reader locale (Chinese by default)."""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from api.i18n import negotiate, set_reader_locale


def reader_language_middleware(app: ASGIApp) -> ASGIApp:
    """Set the reader's language before the rest of the app runs, so words rendered deep inside follow it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            header = _header(scope.get("headers", ()), b"accept-language")
            set_reader_locale(negotiate(header))
        await app(scope, receive, send)

    return middleware


def _header(headers: Any, name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None
