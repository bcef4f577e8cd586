"""容错纠错 cases over HTTP: the supervision body runs them, the unit concerned reads and answers its own."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Template

from api.auth import require
from api.deps import DEPENDENCIES, CurrentActor, Limit, Now, Offset
from api.pages import page, wants_html
from api.pagination import Page
from api.supervision import cases, documents, escalation
from api.supervision.schemas import (
    CaseAdvance,
    CaseCreate,
    CaseDetail,
    CaseRead,
    CorrectionExtensionDecision,
    CorrectionExtensionRequest,
    CorrectionReport,
    DocumentCreate,
    DocumentRead,
    DocumentResponse,
    ExtensionCreate,
    HandOver,
    InvestigatorsAssign,
    ReviewDecision,
    ReviewRequest,
    StatementCreate,
    UnitReport,
)
from models.enums import CaseStep, DocumentKind, Role

SUPERVISOR = require(Role.supervisor)
SUPERVISOR_OR_UNIT = require(Role.supervisor, Role.planner, Role.approver)
CaseId = FromPath[int]


class CaseController(Controller):
    path = "/api/v1/supervision/cases"
    tags = ["supervision"]
    dependencies = DEPENDENCIES

    @post(
        "/", guards=[SUPERVISOR], summary="立案: open a 容错纠错 case (from a complaint, 12345, an unfiled attempt, …)"
    )
    async def open_case(self, now: Now, actor: CurrentActor, data: JSONBody[CaseCreate]) -> CaseDetail:
        return await cases.open_case(actor, data, now)

    @get("/", guards=[SUPERVISOR_OR_UNIT], summary="Cases: all for the supervisor, its own for a unit; overdue first")
    async def list_cases(
        self,
        now: Now,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        step: FromQuery[CaseStep | None] = None,
        overdue: FromQuery[bool] = False,
        open_only: FromQuery[bool] = False,
    ) -> Page[CaseRead]:
        if actor.sees_everything:  # what no request happens for (an approval deadline passing) is opened now
            await escalation.sweep(now)
        rows, total = await cases.list_cases(
            actor, now, step=step, overdue=overdue, open_only=open_only, limit=limit, offset=offset
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{case_id:int}", guards=[SUPERVISOR_OR_UNIT], summary="A case with its people, deadlines and every step")
    async def read_case(self, now: Now, actor: CurrentActor, case_id: CaseId) -> CaseDetail:
        return await cases.read_case(actor, case_id, now)

    @post("/{case_id:int}/investigators", guards=[SUPERVISOR], status_code=200, summary="Assign investigators (≥2)")
    async def investigators(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[InvestigatorsAssign]
    ) -> CaseDetail:
        return await cases.assign_investigators(actor, case_id, data, now)

    @post("/{case_id:int}/statements", guards=[SUPERVISOR], status_code=200, summary="Record a person's 陈述申辩")
    async def statement(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[StatementCreate]
    ) -> CaseDetail:
        return await cases.record_statement(actor, case_id, data, now)

    @post(
        "/{case_id:int}/extension",
        guards=[SUPERVISOR],
        status_code=200,
        summary="Extend the decision deadline once, by at most 30 days, as the head approved (第十七条)",
    )
    async def extension(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[ExtensionCreate]
    ) -> CaseDetail:
        return await cases.extend(actor, case_id, data, now)

    @post(
        "/{case_id:int}/advance",
        guards=[SUPERVISOR],
        status_code=200,
        summary="Move the case one step (立案 → 核实 → 认定 → 反馈 → 纠错 → 归档)",
    )
    async def advance(self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[CaseAdvance]) -> CaseDetail:
        return await cases.advance(actor, case_id, data, now)

    @post(
        "/{case_id:int}/hand-over",
        guards=[SUPERVISOR],
        status_code=200,
        summary="Hand the case to the unit to investigate itself (30 days, report within 7; 第十五条)",
    )
    async def hand_over(self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[HandOver]) -> CaseDetail:
        return await cases.hand_over(actor, case_id, data, now)

    @post(
        "/{case_id:int}/unit-report",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="The unit reports how it handled a case handed over to it",
    )
    async def unit_report(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[UnitReport]
    ) -> CaseDetail:
        return await cases.unit_report(actor, case_id, data, now)

    @post(
        "/{case_id:int}/review",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="Request a 复核 within 15 days of the decision (第十九条)",
    )
    async def review(self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[ReviewRequest]) -> CaseDetail:
        return await cases.request_review(actor, case_id, data, now)

    @post(
        "/{case_id:int}/review-decision",
        guards=[SUPERVISOR],
        status_code=200,
        summary="Decide the 复核 (within 30 days): upheld, or revised with a new determination",
    )
    async def review_decision(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[ReviewDecision]
    ) -> CaseDetail:
        return await cases.decide_review(actor, case_id, data, now)

    @post(
        "/{case_id:int}/correction-extension",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="The unit asks for a longer correction deadline (第二十条)",
    )
    async def correction_extension(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[CorrectionExtensionRequest]
    ) -> CaseDetail:
        return await cases.request_correction_extension(actor, case_id, data, now)

    @post(
        "/{case_id:int}/correction-extension-decision",
        guards=[SUPERVISOR],
        status_code=200,
        summary="Grant or refuse the longer correction deadline",
    )
    async def correction_extension_decision(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[CorrectionExtensionDecision]
    ) -> CaseDetail:
        return await cases.decide_correction_extension(actor, case_id, data, now)

    @post(
        "/{case_id:int}/correction-report",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="The unit reports the correction done",
    )
    async def correction_report(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[CorrectionReport]
    ) -> CaseDetail:
        return await cases.report_correction(actor, case_id, data, now)


class DocumentController(Controller):
    """执法监督 documents: the supervisor issues them, the unit concerned reads and answers its own.

    ``GET /documents/{id}`` answers a browser (``Accept: text/html``) with the printable page, an API client with
    JSON.
    """

    path = "/api/v1/supervision/documents"
    tags = ["supervision"]
    dependencies = DEPENDENCIES

    @post("/", guards=[SUPERVISOR], summary="Issue a 意见书, 决定书, 约谈, 通报, 督办 or a hand-over to 纪检监察")
    async def issue(self, now: Now, actor: CurrentActor, data: JSONBody[DocumentCreate]) -> DocumentRead:
        return await documents.issue(actor, data, now)

    @get("/", guards=[SUPERVISOR_OR_UNIT], summary="Documents: all for the supervisor, its own for a unit")
    async def list_documents(
        self,
        now: Now,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        kind: FromQuery[DocumentKind | None] = None,
        overdue: FromQuery[bool] = False,
    ) -> Page[DocumentRead]:
        rows, total = await documents.list_documents(actor, now, kind=kind, overdue=overdue, limit=limit, offset=offset)
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get(
        "/{document_id:int}",
        guards=[SUPERVISOR_OR_UNIT],
        summary="A document (JSON, or the printable page for a browser)",
    )
    async def read(
        self, request: Request[Any, Any, Any], now: Now, actor: CurrentActor, document_id: FromPath[int]
    ) -> DocumentRead | Template:
        document = await documents.read(actor, document_id, now)
        if wants_html(request):
            return page("supervision_document.html", {"d": document}, cache="no-store")
        return document

    @post(
        "/{document_id:int}/response",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="The unit answers an 意见书, 决定书 or 督办 (by its deadline)",
    )
    async def respond(
        self, now: Now, actor: CurrentActor, document_id: FromPath[int], data: JSONBody[DocumentResponse]
    ) -> DocumentRead:
        return await documents.respond(actor, document_id, data, now)
