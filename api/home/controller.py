"""``GET /``: a Chinese landing page for browsers, a small index of entry points for API clients."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from api.health.service import dataset_kind
from api.pages import page, wants_html
from api.plans.public import published_periods

ENTRY_POINTS = {
    "openapi": "/schema/openapi.json",
    "docs": "/schema/swagger",
    "health": "/health",
    "public_schedules": "/public/schedules",
    "verify": "/V/{token}",
    "phone_app": "/app/",
    "dashboard": "/dashboard",
}


class HomeController(Controller):
    path = "/"
    include_in_schema = False

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Template | dict[str, Any]:
        if not wants_html(request):
            return {"name": "ruqi 入企 — 扫码入企", "links": ENTRY_POINTS}
        sample = await dataset_kind() == "sample"
        return page("home.html", {"periods": (await published_periods())[:12], "sample": sample})
