"""Refuse a request body whose Content-Type is not the one the route reads (415 problem+json).

Litestar decodes a route's ``data`` by the route's declared media type (JSON unless ``Body(media_type=...)``
says otherwise), whatever the request's Content-Type: ``text/plain`` that happens to be JSON was accepted.
``ContentTypeMiddleware`` looks at the matched route handler's ``data`` parameter and answers
415 ``unsupported_media_type`` when the request names another media type:

- JSON routes accept ``application/json`` and any ``application/…+json`` (e.g. ``merge-patch+json``), with
  no charset or ``charset=utf-8`` (JSON is UTF-8, RFC 8259). A request **without** a Content-Type is read as
  JSON: simple clients often send none. (``curl -d`` sends ``application/x-www-form-urlencoded``: refused,
  use ``curl --json``.)
- Form routes (multipart uploads, URL-encoded forms) accept their own media type; without one Litestar's
  form parser decides.
- An empty body (``Content-Length: 0``) is never refused: there is nothing to decode.
- Routes without a ``data`` parameter, and other ASGI scopes, are not looked at.

The refusal is raised when the route reads its body, i.e. after authentication and the guards: a caller
the guard refuses gets its 401/403 whatever the Content-Type, as with any other error in a body.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import RequestEncodingType, ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.params import BodyKwarg
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from api.errors import UnsupportedMediaType
from api.i18n import Text, tr

JSON = RequestEncodingType.JSON.value
UTF8 = {"utf-8", "utf8"}


def body_media_type(handler: Any) -> str | None:
    """The media type a handler reads its ``data`` in (``application/json`` by default), or None without one."""
    if not isinstance(handler, HTTPRouteHandler):
        return None
    field = handler.parsed_data_field  # memoized by Litestar
    if field is None:
        return None
    kwarg = field.kwarg_definition
    media_type = kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON
    return str(media_type.value if isinstance(media_type, RequestEncodingType) else media_type).lower()


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """``'Application/JSON; charset="UTF-8"'`` → ``('application/json', {'charset': 'utf-8'})``."""
    base, *rest = value.split(";")
    params: dict[str, str] = {}
    for part in rest:
        name, sep, raw = part.partition("=")
        if sep:
            params[name.strip().lower()] = raw.strip().strip('"').lower()
    return base.strip().lower(), params


def is_json(content_type: str) -> bool:
    """``application/json`` or a structured ``+json`` type, in UTF-8 (or with no charset)."""
    base, params = parse_content_type(content_type)
    kind, _, subtype = base.partition("/")
    if kind != "application" or not (subtype == "json" or subtype.endswith("+json")):
        return False
    return params.get("charset", "utf-8") in UTF8


def refusal(expected: str, content_type: str | None) -> Text | None:
    """Why a body of ``content_type`` is refused by a route that reads ``expected``; None when it is accepted."""
    if not content_type:  # no header: JSON routes read it as JSON, form routes leave it to the form parser
        return None
    if expected == JSON:
        if is_json(content_type):
            return None
        return tr("This operation reads application/json (UTF-8), not {given}.", given=repr(content_type))
    if parse_content_type(content_type)[0] == expected:
        return None
    return tr("This operation reads {expected}, not {given}.", expected=expected, given=repr(content_type))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class ContentTypeMiddleware(ASGIMiddleware):
    """415 ``unsupported_media_type`` for a body in a media type the route does not read (module docstring)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        expected = body_media_type(scope.get("route_handler"))
        reason = None
        if expected is not None and _header(scope, b"content-length") != "0":
            reason = refusal(expected, _header(scope, b"content-type"))
        if reason is None:
            await next_app(scope, receive, send)
            return

        async def refuse_on_read() -> ReceiveMessage:
            raise UnsupportedMediaType(reason)

        # Refused when the route first reads its body: after authentication and the guards (401/403 come
        # first, as for any other body error), before anything is decoded.
        await next_app(scope, refuse_on_read, send)
