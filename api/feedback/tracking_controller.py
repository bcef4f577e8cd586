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
from api.openapi_tags import FEEDBACK
from api.pages import page, wants_html

TrackingCode = Annotated[
    str, PathParameter(max_length=64, description="The tracking code shown once at filing (e.g. K7QX-M2PD-9WZR-4HTA)")
]
NO_STORE = "no-store"  # a status page changes; the code must not linger in shared caches


def _locale(request: Request[Any, Any, Any]) -> str:
    return negotiate(request.headers.get("accept-language"))


class ComplaintTrackingController(Controller):
    path = "/"
    tags = [FEEDBACK]

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
        summary="凭查询码查看投诉办理进度",
    )
    async def read(self, request: Request[Any, Any, Any], now: Now, tracking_code: TrackingCode) -> ComplaintTracking:
        """投诉人凭提交时显示一次的查询码查看投诉的受理编号、状态、受理时间和办理时限；办结后给出概括的办理结果，
        以及是否已反馈。同一地址 `/public/complaints/{code}` 对浏览器给出中文页面。

        角色：无需登录，凭查询码。拒绝：404 `tracking_code_unknown`（查询码不对或格式不对，不区分）。
        English: follow a complaint by its tracking code; the code is the capability.
        """
        return await feedback.track_complaint(tracking_code, now, _locale(request))
