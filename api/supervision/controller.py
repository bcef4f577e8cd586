"""容错纠错 cases over HTTP: the supervision body runs them, the unit concerned reads and answers its own."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Template

from api.auth import require
from api.deps import DEPENDENCIES, CurrentActor, Limit, Now, Offset
from api.openapi_tags import SUPERVISION
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
    tags = [SUPERVISION]
    dependencies = DEPENDENCIES

    @post("/", guards=[SUPERVISOR], summary="立案：容错纠错案件")
    async def open_case(self, now: Now, actor: CurrentActor, data: JSONBody[CaseCreate]) -> CaseDetail:
        """立案：来源为投诉举报（写明 `complaint_id`）、12345 转办、无码入企记录（`source_ref` 为其编号）、
        监测预警或自行立案。未写明的单位和当事执法人员取自投诉所涉检查或无码入企记录；认定期限为立案后 30 日
        （第十七条）。可附已上传文件的 SHA-256（`attachments`）。

        角色：司法局（supervisor）。
        拒绝：422 `complaint_required`、`unit_required`、`attachment_unknown`；
        404 `complaint_not_found`、`unfiled_attempt_not_found`、`visit_not_found`、
        `unit_not_found`、`inspector_not_found`。
        English: open a 容错纠错 case; the unit and the people default to those of its source.
        """
        return await cases.open_case(actor, data, now)

    @get("/", guards=[SUPERVISOR_OR_UNIT], summary="容错纠错案件列表")
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
        """案件列表，逾期的在前：司法局看全部（查看时顺带为已到期未批准的应急检查等自动立案），
        单位看本单位的案件。可按步骤（`step`）、是否逾期（`overdue`）、是否未结（`open_only`）筛选。

        角色：司法局（supervisor）；规划员、主体负责人（planner、approver，本单位）。
        English: all cases for the supervisor, its own for a unit; overdue first.
        """
        if actor.sees_everything:  # what no request happens for (an approval deadline passing) is opened now
            await escalation.sweep(now)
        rows, total = await cases.list_cases(
            actor, now, step=step, overdue=overdue, open_only=open_only, limit=limit, offset=offset
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{case_id:int}", guards=[SUPERVISOR_OR_UNIT], summary="查看案件详情")
    async def read_case(self, now: Now, actor: CurrentActor, case_id: CaseId) -> CaseDetail:
        """一件案件：当事人员及其陈述申辩、调查人员、各项期限及是否逾期、每一步的记录和附件。

        角色：司法局（supervisor）；规划员、主体负责人（planner、approver，本单位的案件）。拒绝：404 `case_not_found`。
        """
        return await cases.read_case(actor, case_id, now)

    @post("/{case_id:int}/investigators", guards=[SUPERVISOR], status_code=200, summary="指派调查人员")
    async def investigators(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[InvestigatorsAssign]
    ) -> CaseDetail:
        """指派司法局的调查人员（有效的司法局账号）；核实和认定须至少两名（第十六条），可分次指派。
        只能在认定之前。

        角色：司法局（supervisor）。
        拒绝：422 `case_determined`、`investigator_unknown`；404 `case_not_found`。
        """
        return await cases.assign_investigators(actor, case_id, data, now)

    @post("/{case_id:int}/statements", guards=[SUPERVISOR], status_code=200, summary="记录当事人的陈述申辩")
    async def statement(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[StatementCreate]
    ) -> CaseDetail:
        """记录一名当事执法人员的陈述申辩；本人放弃时标记 `waived`。认定前须记录每名当事人的陈述申辩（第十六条）。

        角色：司法局（supervisor）。
        拒绝：422 `case_determined`、`statement_required`、`attachment_unknown`；
        404 `person_not_on_case`、`case_not_found`。
        """
        return await cases.record_statement(actor, case_id, data, now)

    @post(
        "/{case_id:int}/extension",
        guards=[SUPERVISOR],
        status_code=200,
        summary="延长认定期限",
    )
    async def extension(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[ExtensionCreate]
    ) -> CaseDetail:
        """经负责人批准，延长 30 日的认定期限一次，最多 30 日（第十七条）；须在认定之前、原期限届满之前。

        角色：司法局（supervisor）。
        拒绝：422 `extension_used`、`extension_late`、`extension_too_long`；404 `case_not_found`；409 `state_changed`。
        """
        return await cases.extend(actor, case_id, data, now)

    @post(
        "/{case_id:int}/advance",
        guards=[SUPERVISOR],
        status_code=200,
        summary="推进案件到下一步",
    )
    async def advance(self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[CaseAdvance]) -> CaseDetail:
        """把案件推进一步：立案 → 核实 → 认定 → 反馈 → 纠错 → 归档。进入核实和认定须有两名以上调查人员；
        认定须已记录每名当事人的陈述申辩（或单位已报告自查结果），写明认定结论和实施办法第九条至第十二条的依据；
        纠错写明要求和期限；归档前复核须已决定、纠错须已完成，不纠错而归档须说明理由。

        角色：司法局（supervisor）。
        拒绝：422 `invalid_step`、`investigators_required`、`statement_missing`、`unit_report_missing`、
        `determination_required`、`grounds_required`、`grounds_mismatch`、`invalid_ground`、`repeat_after_exemption`、
        `correction_terms_required`、`correction_due_past`、`review_pending`、`correction_not_completed`、
        `correction_required`、`note_required`；404 `case_not_found`；409 `state_changed`。
        English: move the case one step, with the checks of the 实施办法 at each one.
        """
        return await cases.advance(actor, case_id, data, now)

    @post(
        "/{case_id:int}/hand-over",
        guards=[SUPERVISOR],
        status_code=200,
        summary="交由单位自查",
    )
    async def hand_over(self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[HandOver]) -> CaseDetail:
        """把尚未认定的案件交由相关单位自行调查处理：30 日内处理，处理后 7 日内报告结果（第十五条）。每案一次。

        角色：司法局（supervisor）。
        拒绝：422 `hand_over_late`；404 `case_not_found`；409 `state_changed`。
        """
        return await cases.hand_over(actor, case_id, data, now)

    @post(
        "/{case_id:int}/unit-report",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="单位报告自查处理结果",
    )
    async def unit_report(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[UnitReport]
    ) -> CaseDetail:
        """交办的单位报告处理结果和处理日期（在交办之后、不晚于现在）；司法局也可代录单位的书面报告。

        角色：相关单位的规划员、主体负责人（planner、approver）；司法局（supervisor）。
        拒绝：403 `not_your_unit`；422 `not_handed_over`、`already_reported`、`handled_at_invalid`、
        `attachment_unknown`；404 `case_not_found`；409 `state_changed`。
        """
        return await cases.unit_report(actor, case_id, data, now)

    @post(
        "/{case_id:int}/review",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="申请复核",
    )
    async def review(self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[ReviewRequest]) -> CaseDetail:
        """相关单位在认定结果告知后 15 日内申请复核一次（第十九条），写明理由。

        角色：相关单位的规划员、主体负责人（planner、approver）；司法局（supervisor，代录）。
        拒绝：403 `not_your_unit`；422 `review_not_open`、`review_already_requested`、`review_window_closed`、
        `attachment_unknown`；404 `case_not_found`；409 `state_changed`。
        """
        return await cases.request_review(actor, case_id, data, now)

    @post(
        "/{case_id:int}/review-decision",
        guards=[SUPERVISOR],
        status_code=200,
        summary="作出复核决定",
    )
    async def review_decision(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[ReviewDecision]
    ) -> CaseDetail:
        """在申请后 30 日内作出复核决定：维持（`upheld`），或变更（`revised`，写明新的认定结论和依据）。

        角色：司法局（supervisor）。
        拒绝：422 `no_review_pending`、`determination_required`、`grounds_required`、`grounds_mismatch`、
        `invalid_ground`；404 `case_not_found`；409 `state_changed`。
        """
        return await cases.decide_review(actor, case_id, data, now)

    @post(
        "/{case_id:int}/correction-extension",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="申请延长纠错期限",
    )
    async def correction_extension(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[CorrectionExtensionRequest]
    ) -> CaseDetail:
        """处于纠错阶段的案件，相关单位在完成纠错之前申请延长纠错期限一次（1–180 日，第二十条），写明理由。

        角色：相关单位的规划员、主体负责人（planner、approver）；司法局（supervisor，代录）。
        拒绝：403 `not_your_unit`；422 `not_correcting`、`correction_extension_closed`；404 `case_not_found`；
        409 `state_changed`。
        """
        return await cases.request_correction_extension(actor, case_id, data, now)

    @post(
        "/{case_id:int}/correction-extension-decision",
        guards=[SUPERVISOR],
        status_code=200,
        summary="批准或不批准延长纠错期限",
    )
    async def correction_extension_decision(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[CorrectionExtensionDecision]
    ) -> CaseDetail:
        """对单位延长纠错期限的申请作出决定：批准则纠错期限顺延所申请的天数，不批准则期限不变。

        角色：司法局（supervisor）。
        拒绝：422 `not_correcting`、`no_extension_request`；404 `case_not_found`；409 `state_changed`。
        """
        return await cases.decide_correction_extension(actor, case_id, data, now)

    @post(
        "/{case_id:int}/correction-report",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="报告纠错完成",
    )
    async def correction_report(
        self, now: Now, actor: CurrentActor, case_id: CaseId, data: JSONBody[CorrectionReport]
    ) -> CaseDetail:
        """相关单位报告纠错已完成，可附证明材料；之后司法局可以归档。

        角色：相关单位的规划员、主体负责人（planner、approver）；司法局（supervisor，代录）。
        拒绝：403 `not_your_unit`；422 `not_correcting`、`already_reported`、`attachment_unknown`；
        404 `case_not_found`；409 `state_changed`。
        """
        return await cases.report_correction(actor, case_id, data, now)


class DocumentController(Controller):
    """执法监督 documents: the supervisor issues them, the unit concerned reads and answers its own.

    ``GET /documents/{id}`` answers a browser (``Accept: text/html``) with the printable page, an API client with
    JSON.
    """

    path = "/api/v1/supervision/documents"
    tags = [SUPERVISION]
    dependencies = DEPENDENCIES

    @post("/", guards=[SUPERVISOR], summary="制发执法监督文书")
    async def issue(self, now: Now, actor: CurrentActor, data: JSONBody[DocumentCreate]) -> DocumentRead:
        """制发行政执法监督意见书、决定书、约谈记录、通报、督办或移送纪检监察，自动编号。意见书、决定书和督办须设
        将来的答复期限；约谈写明约谈时间；移送纪检监察写明所出自的案件。

        角色：司法局（supervisor）。
        拒绝：422 `response_due_required`、`response_due_past`、`held_at_required`、`case_required`；
        404 `unit_not_found`、`case_not_found`。
        English: issue a supervision document to a unit.
        """
        return await documents.issue(actor, data, now)

    @get("/", guards=[SUPERVISOR_OR_UNIT], summary="执法监督文书列表")
    async def list_documents(
        self,
        now: Now,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        kind: FromQuery[DocumentKind | None] = None,
        overdue: FromQuery[bool] = False,
    ) -> Page[DocumentRead]:
        """文书列表：司法局看全部，单位看发给本单位的；可按种类（`kind`）和是否逾期未答复（`overdue`）筛选。

        角色：司法局（supervisor）；规划员、主体负责人（planner、approver，本单位）。
        """
        rows, total = await documents.list_documents(actor, now, kind=kind, overdue=overdue, limit=limit, offset=offset)
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get(
        "/{document_id:int}",
        guards=[SUPERVISOR_OR_UNIT],
        summary="查看执法监督文书",
    )
    async def read(
        self, request: Request[Any, Any, Any], now: Now, actor: CurrentActor, document_id: FromPath[int]
    ) -> DocumentRead | Template:
        """一份文书：API 客户端得到 JSON；浏览器（`Accept: text/html`）得到可打印的文书页面。

        角色：司法局（supervisor）；规划员、主体负责人（planner、approver，发给本单位的文书）。
        拒绝：404 `document_not_found`。English: JSON, or the printable page for a browser.
        """
        document = await documents.read(actor, document_id, now)
        if wants_html(request):
            return page("supervision_document.html", {"d": document}, cache="no-store")
        return document

    @post(
        "/{document_id:int}/response",
        guards=[SUPERVISOR_OR_UNIT],
        status_code=200,
        summary="答复执法监督文书",
    )
    async def respond(
        self, now: Now, actor: CurrentActor, document_id: FromPath[int], data: JSONBody[DocumentResponse]
    ) -> DocumentRead:
        """相关单位在期限内答复意见书、决定书或督办，可附文件；每份文书答复一次，逾期答复记为逾期。

        角色：相关单位的规划员、主体负责人（planner、approver）；司法局（supervisor，代录）。
        拒绝：403 `not_your_unit`；422 `no_response_expected`、`already_responded`、`attachment_unknown`；
        404 `document_not_found`。
        """
        return await documents.respond(actor, document_id, data, now)
