"""The supervision body's work on the dashboard: open and overdue 容错纠错 cases (no HTTP here)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from api.actor import Actor
from api.clock import LOCAL_TZ
from api.labels import label
from api.recognition.service import list_acceptances
from api.supervision import cases, documents, escalation
from models.enums import CaseDetermination, CaseSource, CaseStep, DocumentKind

PAGE_SIZE = 50
FIRST_OVERDUE = 10
# A case's record as the supervisor reads it (the machine name stays in the cell's title).
CASE_ACTIONS = {
    "opened": "立案",
    "investigators": "指派调查人员",
    "statement": "记录陈述申辩",
    "extension": "延长办理期限",
    "handed_over": "移交单位办理",
    "unit_report": "单位报送办理结果",
    "step": "进入下一环节",
    "review_requested": "申请复核",
    "review_decided": "复核决定",
    "correction_more_time": "申请延长纠错期限",
    "correction_time_decided": "纠错期限决定",
    "correction_done": "纠错完成",
    "attachment": "上传附件",
    "doc.opinion": "制发行政执法监督意见书",
    "doc.decision": "制发行政执法监督决定书",
    "doc.interview": "约谈",
    "doc.circular": "通报",
    "doc.urging": "督办",
    "doc.discipline_referral": "移送纪检监察",
    "doc.responded": "单位答复监督文书",
}


async def cases_box(actor: Actor, now: dt.datetime) -> dict[str, Any]:
    """For the dashboard's first screen: counts of open and overdue cases and the oldest overdue ones."""
    await escalation.sweep(now)
    open_cases, open_total = await cases.list_cases(actor, now, open_only=True, limit=10_000)
    overdue = [c for c in open_cases if c.overdue]
    overdue.sort(key=lambda c: c.decision_due_at)
    late_documents, late_total = await documents.list_documents(actor, now, overdue=True, limit=FIRST_OVERDUE)
    year_start = dt.datetime(now.astimezone(LOCAL_TZ).year, 1, 1, tzinfo=LOCAL_TZ)
    _, accepted_total = await list_acceptances(actor, start=year_start, limit=1)
    return {
        "accepted_results_total": accepted_total,
        "accepted_since": urlencode({"since": year_start.isoformat()}),
        "open_total": open_total,
        "overdue_total": len(overdue),
        "overdue": overdue[:FIRST_OVERDUE],
        "documents_overdue_total": late_total,
        "documents_overdue": late_documents,
    }


async def documents_page(actor: Actor, now: dt.datetime, *, overdue: bool, page: int) -> dict[str, Any]:
    page = max(page, 1)
    rows, total = await documents.list_documents(
        actor, now, overdue=overdue, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    query = {"overdue": "true"} if overdue else {}
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return {
        "documents": rows,
        "query": query,
        "page": page,
        "pages": pages,
        "total": total,
        "kinds": list(DocumentKind),
    }


async def document_page(actor: Actor, document_id: int, now: dt.datetime) -> dict[str, Any]:
    return {"d": await documents.read(actor, document_id, now), "tz": LOCAL_TZ, "nonce": ""}


async def cases_page(
    actor: Actor, now: dt.datetime, *, overdue: bool, step: CaseStep | None, page: int
) -> dict[str, Any]:
    await escalation.sweep(now)
    page = max(page, 1)
    rows, total = await cases.list_cases(
        actor, now, overdue=overdue, step=step, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    query = {
        k: v for k, v in {"overdue": "true" if overdue else None, "step": step.value if step else None}.items() if v
    }
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return {"cases": rows, "query": query, "page": page, "pages": pages, "total": total, "steps": list(CaseStep)}


async def case_page(actor: Actor, case_id: int, now: dt.datetime) -> dict[str, Any]:
    return {"c": await cases.read_case(actor, case_id, now)}


def case_helpers() -> dict[str, Any]:
    return {
        "step_label": lambda v: label(CaseStep, v),
        "source_label": lambda v: label(CaseSource, v),
        "determination_label": lambda v: label(CaseDetermination, v),
        "action_label": lambda v: CASE_ACTIONS.get(v, v),
    }
