"""Characters PostgreSQL cannot store never reach a service: 400 ``validation_error`` on every route.

A NUL (U+0000) in a text value makes asyncpg fail the query (``CharacterNotInRepertoireError``: a 500 with
a traceback) while SQLite stores it; both backends must answer alike. ``InputBoundaryMiddleware`` refuses a
request carrying one in its path, its query string (``%00``), a JSON body (a ``\\u0000`` escape or a raw
NUL byte) or a URL-encoded form, before any route decodes it. Multipart uploads carry binary files and
are not looked at; their text (file names) is cleaned where it is stored. Lone surrogates, which
PostgreSQL cannot store either, are already refused by the JSON decoder.

Every string of a JSON body has a maximum length in its schema; the path and each query value are bounded
here (``MAX_PARAMETER_LENGTH``) for the routes whose parameters declare none.

The path and query are checked before authentication; a body when the route reads it (after the guards).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from api.content_type import is_json, parse_content_type
from api.errors import InvalidInput
from api.i18n import tr

# A \u0000 escape is one preceded by an even number of backslashes (an odd one would escape the backslash).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_QUERY_NUL = re.compile(rb"%00|\x00")
FORM = "application/x-www-form-urlencoded"
MAX_PARAMETER_LENGTH = 2000
"""The longest query value any route reads."""
MAX_PATH_LENGTH = 16_384
"""The longest path (a garbage visit code of any length is still answered "malformed" by /V/ and verify)."""


def _refuse(where: str) -> InvalidInput:
    return InvalidInput(
        tr("The request's {where} contains a NUL character (U+0000), which no field accepts.", where=where),
        code="validation_error",
        field=where,
    )


def _too_long(where: str, limit: int) -> InvalidInput:
    return InvalidInput(
        tr("The request's {where} is longer than {limit} characters.", where=where, limit=limit),
        code="validation_error",
        field=where,
    )


def json_has_nul(body: bytes) -> bool:
    return b"\x00" in body or bool(_JSON_NUL.search(body))


def form_has_nul(body: bytes) -> bool:
    return bool(_QUERY_NUL.search(body))


def _content_type(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-type":
            return value.decode("latin-1")
    return ""


class InputBoundaryMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope.get("path", "")
        if "\x00" in path:
            raise _refuse("path")
        if len(path) > MAX_PATH_LENGTH:
            raise _too_long("path", MAX_PATH_LENGTH)
        query = scope.get("query_string", b"")
        if _QUERY_NUL.search(query):
            raise _refuse("query")
        if len(query) > MAX_PARAMETER_LENGTH:
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if len(value) > MAX_PARAMETER_LENGTH:
                    raise _too_long(name, MAX_PARAMETER_LENGTH)
        if scope["type"] != ScopeType.HTTP:
            await next_app(scope, receive, send)
            return
        content_type = _content_type(scope)
        if content_type and is_json(content_type):
            check = json_has_nul
        elif parse_content_type(content_type)[0] == FORM:
            check = form_has_nul
        elif not content_type:
            check = json_has_nul  # a body without a Content-Type is read as JSON
        else:
            await next_app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def checked_receive() -> ReceiveMessage:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and check(b"".join(chunks)):
                    raise _refuse("body")
            return message

        await next_app(scope, checked_receive, send)
