"""Serves the phone app at /app/: static files from a table read at startup, revalidated by ETag.

Every answer is ``Cache-Control: no-cache`` with a strong ETag: the service worker keeps the app offline, and a
phone online revalidates each file with one small request (304). Text files go gzipped to clients that accept
it (slow networks). The Content-Security-Policy allows nothing from another host: government networks are
often offline from the internet, and the app must not depend on anything but ruqi.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import PathParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from api.errors import NotFound
from api.http_cache import etag_matches
from api.i18n import tr
from api.phone.assets import INDEX, SERVICE_WORKER, Asset

APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_COMMON = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Vary": "Accept-Encoding",
}
AppPath = Annotated[str, PathParameter(max_length=200, description="A file of the phone app")]


def _answer(request: Request[Any, Any, Any], name: str, asset: Asset) -> Response[bytes]:
    accepts = request.headers.get("accept-encoding", "")
    body, etag, encoding = asset.encoded("gzip" in accepts.lower())
    headers = {**_COMMON, "ETag": etag}
    if encoding:
        headers["Content-Encoding"] = encoding
    if name == INDEX:
        headers["Content-Security-Policy"] = APP_CSP
    if name == SERVICE_WORKER:
        headers["Service-Worker-Allowed"] = "/app/"
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers, media_type=asset.media_type)
    return Response(body, media_type=asset.media_type, headers=headers)


class PhoneAppController(Controller):
    """The app shell and its files; public (the data behind it needs a login)."""

    path = "/app"
    include_in_schema = False

    @get("/", name="phone_app_root")
    async def root(self, request: Request[Any, Any, Any]) -> Response[bytes] | Redirect:
        """``/app/`` is the app; ``/app`` (the router strips the slash) redirects there, as relative URLs need."""
        if not request.scope.get("raw_path", b"/").split(b"?", 1)[0].endswith(b"/"):
            return Redirect("/app/", status_code=308)
        return _answer(request, INDEX, request.app.state.phone_assets[INDEX])

    @get("/{path:path}", name="phone_app_file")
    async def file(self, request: Request[Any, Any, Any], path: AppPath) -> Response[bytes]:
        assets: dict[str, Asset] = request.app.state.phone_assets
        name = path.lstrip("/") or INDEX
        asset = assets.get(name)
        if asset is None:
            raise NotFound(tr("The phone app has no file {name}.", name=name), code="app_file_not_found")
        return _answer(request, name, asset)
