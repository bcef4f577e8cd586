"""Non-site inspection (非现场检查): assets, records, the visits their findings trigger, evidence files."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, Router, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, JSONBody

from api.auth import STAFF, any_authenticated, require
from api.context import ServiceContext
from api.deps import After, CurrentActor, Limit, Now, Offset, provide_actor, provide_context
from api.evidence.http import provide_store
from api.nonsite import assets as nonsite_assets
from api.nonsite import reads as nonsite_reads
from api.nonsite import records as nonsite
from api.nonsite.evidence_controller import EvidenceController, upload_handler
from api.nonsite.schemas import AssetCreate, AssetRead, AssetUpdate, RecordCreate, RecordRead, TriggerVisitRequest
from api.openapi_tags import NONSITE
from api.pagination import Page
from api.settings import Settings
from api.visits.schemas import VisitRead
from models.enums import AssetStatus, NonsiteKind, NonsiteResult, Role

Env = NamedDependency[ServiceContext]

RECORD_EXAMPLES = [
    Example(
        summary="无人机巡飞，未发现问题（执法人员本人为操作员，位置取设备登记位置）",
        value={
            "mode": "drone",
            "asset_code": "ENV-UAV-01",
            "started_at": "2026-06-10T09:00:00+08:00",
            "ended_at": "2026-06-10T09:40:00+08:00",
            "result": "no_issue",
        },
    ),
    Example(
        summary="监控发现企业夜间违规排放（规划员记录，写明操作员、企业、事项和航线）",
        value={
            "mode": "camera",
            "asset_code": "ENV-CAM-03",
            "operator_id": 8,
            "started_at": "2026-06-09T22:10:00+08:00",
            "ended_at": "2026-06-09T22:30:00+08:00",
            "result": "issue_found",
            "uscc": "91370112MA3C0002BY",
            "item_codes": ["ENV-001"],
            "findings": "22:12 起排放口有明显黑烟，持续约 15 分钟",
            "geometry": {"type": "Point", "coordinates": [117.0741, 36.6806]},
        },
    ),
]


class AssetController(Controller):
    path = "/assets"

    @get("/", guards=[require(*STAFF)], summary="非现场检查设备列表")
    async def list_assets(
        self,
        limit: Limit = 100,
        offset: Offset = 0,
        unit_code: FromQuery[str | None] = None,
        kind: FromQuery[NonsiteKind | None] = None,
        status: FromQuery[AssetStatus | None] = None,
    ) -> Page[AssetRead]:
        """非现场检查的设备和点位：无人机、无人船、监控点位、云勘察、非现场执法点位；可按单位、类型、状态筛选。

        角色：司法局、规划员、主体负责人、执法人员。English: drones, boats, cameras, video survey, fixed points.
        """
        rows, total = await nonsite_assets.list_assets(
            unit_code=unit_code,
            kind=kind.value if kind else None,
            status=status.value if status else None,
            limit=limit,
            offset=offset,
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{code:str}", guards=[require(*STAFF)], summary="查看一台设备")
    async def read_asset(self, code: FromPath[str]) -> AssetRead:
        """按设备代码查看一台非现场检查设备或点位。

        角色：司法局、规划员、主体负责人、执法人员。拒绝：404 `asset_not_found`。
        """
        return await nonsite_assets.read_asset(code)

    @post("/", guards=[require(Role.planner)], summary="登记设备")
    async def create_asset(self, now: Now, actor: CurrentActor, data: JSONBody[AssetCreate]) -> AssetRead:
        """登记一台非现场检查设备或点位（类型、名称、所属单位、位置）。

        角色：所属单位的规划员（planner）、管理员（须写明单位）。
        拒绝：409 `asset_exists`；422 `location_incomplete`（经纬度须成对）、`unit_required`；403 `not_your_unit`。
        """
        return await nonsite_assets.create_asset(actor, data, now)

    @patch("/{code:str}", guards=[require(Role.planner)], summary="修改设备（改名、移位、停用）")
    async def update_asset(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[AssetUpdate]
    ) -> AssetRead:
        """修改设备的名称、位置或状态（启用、停用）。

        角色：所属单位的规划员（planner）、管理员。拒绝：404 `asset_not_found`；403 `not_your_unit`。
        """
        return await nonsite_assets.update_asset(actor, code, data, now)


class RecordController(Controller):
    path = "/records"

    @post(
        "/",
        guards=[require(Role.planner, Role.inspector)],
        summary="记录一次非现场检查",
    )
    async def create_record(
        self,
        now: Now,
        actor: CurrentActor,
        data: Annotated[RecordCreate, Body(media_type=RequestEncodingType.JSON, examples=RECORD_EXAMPLES)],
    ) -> RecordRead:
        """记录一次非现场检查：方式、设备或点位、操作员、起止时间、航线或地点（GeoJSON，缺省取设备位置）、
        企业和事项（如有）、结果和发现。它算作一次不打扰企业的检查；发现问题可触发现场检查。

        角色：执法人员（inspector，本人为操作员）；本单位的规划员（planner，须写明操作员）。

        拒绝：422 `certificate_not_valid`、`operator_suspended`、`operator_auxiliary`、`asset_inactive`、
        `asset_kind_mismatch`、`item_not_nonsite_capable`、`item_not_published`、`ended_before_started`、
        `record_in_future`、`findings_required`、`geometry_required`、`invalid_geometry`；
        404 `enterprise_not_found`、`item_not_found`、`operator_not_found`；
        403 `not_your_unit`、`operator_must_be_self`。
        English: a non-site inspection record (drone, boat, camera, remote video, enforcement point).
        """
        return await nonsite.create_record(actor, data, now)

    @get("/", guards=[any_authenticated], summary="非现场检查记录列表")
    async def list_records(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        unit_code: FromQuery[str | None] = None,
        uscc: FromQuery[str | None] = None,
        mode: FromQuery[NonsiteKind | None] = None,
        result: FromQuery[NonsiteResult | None] = None,
        started_from: FromQuery[dt.datetime | None] = None,
        started_to: FromQuery[dt.datetime | None] = None,
        after: After = None,
    ) -> Page[RecordRead]:
        """可见的非现场检查记录，最新的在前；可按单位、企业、方式、结果、时间筛选。

        角色：司法局看全部；规划员、主体负责人、执法人员看本单位的；企业只看涉及本企业的记录。
        """
        return await nonsite_reads.list_records(
            actor,
            unit_code=unit_code,
            uscc=uscc,
            mode=mode.value if mode else None,
            result=result.value if result else None,
            started_from=started_from,
            started_to=started_to,
            limit=limit,
            offset=offset,
            after=after,
        )

    @get("/{record_id:int}", guards=[any_authenticated], summary="查看一条非现场检查记录")
    async def read_record(self, actor: CurrentActor, record_id: FromPath[int]) -> RecordRead:
        """一条非现场检查记录及其证据文件。

        角色：能在列表中看到它的账号。拒绝：404 `record_not_found`。
        """
        return await nonsite_reads.read_record(actor, record_id)

    @post(
        "/{record_id:int}/trigger-visit",
        guards=[require(Role.planner)],
        summary="由非现场发现触发现场检查",
    )
    async def trigger_visit(
        self, now: Now, actor: CurrentActor, env: Env, record_id: FromPath[int], data: JSONBody[TriggerVisitRequest]
    ) -> VisitRead:
        """把记录的发现作为触发事由，备案一次现场检查：来源 `triggered`、触发类型 `monitoring`（数据监测）、
        `trigger_ref` 为 `nonsite-record:<编号>`，事由取自发现。备案规则全部适用；对允许以数据监测触发的
        无事不扰事项，这是合法的进门方式。

        角色：记录所属单位的规划员（planner）。
        拒绝：422 `no_finding`（记录未发现问题）、`filing_refused`；409 `visit_already_triggered`；
        404 `record_not_found`；403 `not_your_unit`。English: a non-site finding triggers an on-site visit.
        """
        return await nonsite.trigger_visit(actor, record_id, data, env, now)


def nonsite_router(settings: Settings) -> Router:
    """The non-site routes; built per app so the upload limit in OpenAPI is the configured one."""
    return Router(
        path="/api/v1/nonsite",
        route_handlers=[
            AssetController,
            RecordController,
            EvidenceController,
            upload_handler(settings.max_upload_bytes),
        ],
        dependencies={
            "actor": Provide(provide_actor, sync_to_thread=False),
            "env": Provide(provide_context, sync_to_thread=False),
            "store": Provide(provide_store, sync_to_thread=False),
        },
        tags=[NONSITE],
    )
