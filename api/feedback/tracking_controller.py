"""``/public/complaints/{code}``: the complainant follows a complaint by the tracking code shown once at filing.

The same address answers a browser with a Chinese page and an API client with JSON; ``/api/v1/public/complaints/
{code}`` is the JSON-only twin in the OpenAPI document. No login: the code is the capability.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import PathParameter
from litestar.response import Template

from api.deps import Now
from api.feedback import service as feedback
from api.feedback.schemas import ComplaintTracking
from api.i18n import negotiate
from api.pages import page, wants_html

TrackingCode = Annotated[
    str, PathParameter(max_length=64, description="The tracking code shown once at filing (e.g. K7QX-M2PD-9WZR-4HTA)")
]
NO_STORE = "no-store"  # a status page changes; the code must not linger in shared caches


def _locale(request: Request[Any, Any, Any]) -> str:
    return negotiate(request.headers.get("accept-language"))


class ComplaintTrackingController(Controller):
    path = "/"
    tags = ["feedback"]

    @get("/public/complaints/{tracking_code:str}", include_in_schema=False)
    async def tracking_page(
        self, request: Request[Any, Any, Any], now: Now, tracking_code: TrackingCode
    ) -> Template | ComplaintTracking:
        tracked = await feedback.track_complaint(tracking_code, now, _locale(request))
        if not wants_html(request):
            return tracked
        return page("public_complaint.html", {"c": tracked}, cache=NO_STORE)

    @get(
        "/api/v1/public/complaints/{tracking_code:str}",
        summary="Follow a complaint by its tracking code: status and, once closed, the result in general words",
    )
    async def read(self, request: Request[Any, Any, Any], now: Now, tracking_code: TrackingCode) -> ComplaintTracking:
        return await feedback.track_complaint(tracking_code, now, _locale(request))
