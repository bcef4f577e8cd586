"""Serving code images (PNG / SVG) with a strong ETag, so a phone re-showing a code gets a 304."""

from __future__ import annotations

from typing import Annotated

from litestar import Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from api.http_cache import etag_matches, etag_of
from api.visits import codes

IfNoneMatch = Annotated[
    str | None, HeaderParameter(name="If-None-Match", required=False, description="ETag of an image already held.")
]
NOT_MODIFIED = {
    HTTP_304_NOT_MODIFIED: ResponseSpec(
        None, description="If-None-Match 所指的图片仍是最新的，无内容。 Not modified", generate_examples=False
    )
}
_MEDIA = {"png": "image/png", "svg": "image/svg+xml"}
# Private: a code names inspectors and is shown only by them; revalidation is one cheap request.
_CACHE_CONTROL = "private, max-age=300"


def code_image(url: str, fmt: str, if_none_match: str | None) -> Response[bytes]:
    etag = etag_of(f"{fmt}\n{url}".encode())  # the image is a pure function of its URL and format
    headers = {"ETag": etag, "Cache-Control": _CACHE_CONTROL}
    if etag_matches(if_none_match, etag):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers, media_type=_MEDIA[fmt])
    return Response(codes.render_cached(url, fmt), media_type=_MEDIA[fmt], headers=headers)
