"""Server-rendered public pages: one way to answer HTML with a strict Content-Security-Policy.

Pages carry no script; their one inline style block is allowed by a per-response nonce.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import MediaType, Request
from litestar.response import Template

from api.clock import LOCAL_TZ

HTML_TYPES = ("text/html", "application/xhtml+xml")
_API_TYPES = ("application/json", "application/problem+json")


def page(template: str, context: dict[str, Any], *, status: int = 200, cache: str = "public, max-age=300") -> Template:
    nonce = secrets.token_urlsafe(16)
    headers = {
        "Content-Security-Policy": f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Content-Language": "zh-CN",
    }
    return Template(
        template_name=template,
        context={**context, "nonce": nonce, "tz": LOCAL_TZ},
        headers=headers,
        status_code=status,
        media_type=MediaType.HTML,
    )


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """A browser navigating (``text/html`` preferred to JSON), not an API client (``*/*`` or JSON)."""
    accept = request.headers.get("accept", "")
    if not any(kind in accept for kind in HTML_TYPES):
        return False
    best = request.accept.best_match([*_API_TYPES, *HTML_TYPES])
    return best in HTML_TYPES
