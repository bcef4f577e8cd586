"""The dashboard's drill-downs: the lists behind a figure, as pages under the dashboard's own login.

The figures' links point at the JSON API (``/api/v1/visits?…``), which needs a bearer token; a supervisor in
a browser follows the same query to ``/dashboard/visits?…`` instead (``dashboard_link``). The data comes
from the same services as the API, read as the supervisor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from api.actor import Actor
from api.audit.chain import events_for, visit_subject
from api.feedback import service as feedback
from api.labels import COMPLAINT_KINDS, label
from api.metrics.service import unit_choices
from api.recognition.service import list_acceptances
from api.verification.schemas import VerificationOutcome
from api.verification.texts import outcome_text
from api.visits.reads import list_visits, read_visit
from api.visits.scans import list_scans, list_unfiled_attempts
from models.enums import ComplaintFinding, ComplaintStatus, VisitOrigin, VisitResult, VisitStatus

PAGE_SIZE = 50
# A visit's audit events as a supervisor reads them (the machine name stays in the cell's title).
VISIT_EVENTS = {
    "visit.filed": "备案",
    "visit.approved": "批准（签发检查码）",
    "visit.cancelled": "取消",
    "visit.rescheduled": "改期（重新签发检查码）",
    "code.issued": "出示检查码",
    "scan": "扫码签到",
    "checkout": "签退（登记检查结果）",
    "visit_evidence": "上传现场证据",
    "rating": "企业评价",
}
# Actors that are not accounts.
ACTORS = {
    "anonymous": "匿名（企业评价不记名）",
    "(public)": "投诉人（扫码核验后投诉）",
    "sample-generator": "样例数据",
    "system": "系统",
}
# API list routes with a dashboard page of the same name and query.
_DRILLABLE = ("/api/v1/visits", "/api/v1/unfiled-attempts", "/api/v1/complaints")


def dashboard_link(api_link: str) -> str:
    """``/api/v1/visits?uscc=…`` → ``/dashboard/visits?uscc=…`` (other links are left as they are)."""
    parts = urlsplit(api_link)
    if not parts.path.startswith(_DRILLABLE):
        return api_link
    path = "/dashboard/" + parts.path.removeprefix("/api/v1/")
    query = urlencode(parse_qsl(parts.query))
    return f"{path}?{query}" if query else path


def _page_of(page: int) -> tuple[int, int]:
    page = max(page, 1)
    return page, (page - 1) * PAGE_SIZE


def _pages(page: int, total: int) -> dict[str, int]:
    return {"page": page, "pages": max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), "total": total}


async def visits_page(
    actor: Actor,
    now: dt.datetime,
    *,
    uscc: str | None,
    unit_code: str | None,
    start_from: dt.datetime | None,
    start_to: dt.datetime | None,
    status: VisitStatus | None,
    page: int,
) -> dict[str, Any]:
    page, offset = _page_of(page)
    found = await list_visits(
        actor,
        now,
        status=status.value if status else None,
        uscc=uscc,
        unit_code=unit_code,
        start_from=start_from,
        start_to=start_to,
        limit=PAGE_SIZE,
        offset=offset,
    )
    query = {k: v for k, v in {"uscc": uscc, "unit_code": unit_code, "status": status}.items() if v}
    if start_from:
        query["start_from"] = start_from.isoformat()
    if start_to:
        query["start_to"] = start_to.isoformat()
    unit_name = dict(await unit_choices()).get(unit_code or "", unit_code)
    return {"visits": found.items, "query": query, "unit_name": unit_name, **_pages(page, found.total)}


async def visit_page(actor: Actor, visit_id: int, now: dt.datetime) -> dict[str, Any]:
    visit = await read_visit(actor, visit_id, now)
    events = (await events_for(visit_subject(visit_id), limit=500)).items
    return {"v": visit, "scans": await list_scans(visit_id), "events": events}


async def unfiled_page(*, uscc: str | None, since: dt.datetime | None, page: int) -> dict[str, Any]:
    page, offset = _page_of(page)
    rows, total = await list_unfiled_attempts(uscc=uscc, since=since, limit=PAGE_SIZE, offset=offset)
    query = {k: v for k, v in {"uscc": uscc, "since": since.isoformat() if since else None}.items() if v}
    return {"attempts": rows, "query": query, **_pages(page, total)}


async def complaints_page(
    actor: Actor, now: dt.datetime, *, status: ComplaintStatus | None, overdue: bool, page: int
) -> dict[str, Any]:
    page, offset = _page_of(page)
    rows, total = await feedback.list_complaints(
        actor, now, status=status, overdue=overdue, limit=PAGE_SIZE, offset=offset
    )
    query = {k: v for k, v in {"status": status, "overdue": "true" if overdue else None}.items() if v}
    return {"complaints": rows, "query": query, **_pages(page, total)}


async def complaint_page(actor: Actor, complaint_id: int, now: dt.datetime) -> dict[str, Any]:
    """One complaint: what the complainant wrote, the verification it came from, and every step of its handling."""
    complaint = await feedback.read_complaint(actor, complaint_id, now)
    outcome = complaint.verification_outcome
    known = outcome in VerificationOutcome.__members__
    return {"c": complaint, "outcome_text": outcome_text(VerificationOutcome(outcome))[2] if known else outcome}


async def acceptances_page(actor: Actor, *, since: dt.datetime | None, page: int) -> dict[str, Any]:
    """检查结果互认: the results units accepted from another unit's inspection instead of inspecting again."""
    page, offset = _page_of(page)
    rows, total = await list_acceptances(actor, start=since, limit=PAGE_SIZE, offset=offset)
    query = {"since": since.isoformat()} if since else {}
    return {"acceptances": rows, "unit_names": dict(await unit_choices()), "query": query, **_pages(page, total)}


def page_helpers() -> dict[str, Any]:
    """Words for the drill-down templates."""
    return {
        "status_label": lambda v: label(VisitStatus, v),
        "result_label": lambda v: label(VisitResult, v),
        "origin_label": lambda v: label(VisitOrigin, v),
        "complaint_label": lambda v: label(ComplaintStatus, v),
        "finding_label": lambda v: label(ComplaintFinding, v),
        "kind_label": lambda v: COMPLAINT_KINDS.get(v, v),
        "with_page": lambda query, page: urlencode({**query, "page": page}),
        "event_label": lambda v: VISIT_EVENTS.get(v, v),
        "actor_label": lambda v: ACTORS.get(v, v),
    }
