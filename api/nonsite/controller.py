"""Non-site inspection (非现场检查): assets, records, the visits their findings trigger, evidence files."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, Router, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import STAFF, any_authenticated, require
from api.context import ServiceContext
from api.deps import CurrentActor, Limit, Now, Offset, provide_actor, provide_context
from api.evidence.http import provide_store
from api.nonsite import assets as nonsite_assets
from api.nonsite import reads as nonsite_reads
from api.nonsite import records as nonsite
from api.nonsite.evidence_controller import EvidenceController, upload_handler
from api.nonsite.schemas import AssetCreate, AssetRead, AssetUpdate, RecordCreate, RecordRead, TriggerVisitRequest
from api.pagination import Page
from api.settings import Settings
from api.visits.schemas import VisitRead
from models.enums import AssetStatus, NonsiteKind, NonsiteResult, Role

Env = NamedDependency[ServiceContext]


class AssetController(Controller):
    path = "/assets"

    @get("/", guards=[require(*STAFF)], summary="Non-site assets: drones, boats, cameras, video survey, fixed points")
    async def list_assets(
        self,
        limit: Limit = 100,
        offset: Offset = 0,
        unit_code: FromQuery[str | None] = None,
        kind: FromQuery[NonsiteKind | None] = None,
        status: FromQuery[AssetStatus | None] = None,
    ) -> Page[AssetRead]:
        rows, total = await nonsite_assets.list_assets(
            unit_code=unit_code,
            kind=kind.value if kind else None,
            status=status.value if status else None,
            limit=limit,
            offset=offset,
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{code:str}", guards=[require(*STAFF)])
    async def read_asset(self, code: FromPath[str]) -> AssetRead:
        return await nonsite_assets.read_asset(code)

    @post("/", guards=[require(Role.planner)], summary="Register an asset (admin, or the owning unit's planner)")
    async def create_asset(self, now: Now, actor: CurrentActor, data: JSONBody[AssetCreate]) -> AssetRead:
        return await nonsite_assets.create_asset(actor, data, now)

    @patch("/{code:str}", guards=[require(Role.planner)], summary="Rename, move or (de)activate an asset")
    async def update_asset(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[AssetUpdate]
    ) -> AssetRead:
        return await nonsite_assets.update_asset(actor, code, data, now)


class RecordController(Controller):
    path = "/records"

    @post(
        "/",
        guards=[require(Role.planner, Role.inspector)],
        summary="Keep a non-site record (an inspector as its operator, or the unit's planner naming the operator)",
    )
    async def create_record(self, now: Now, actor: CurrentActor, data: JSONBody[RecordCreate]) -> RecordRead:
        return await nonsite.create_record(actor, data, now)

    @get("/", guards=[any_authenticated], summary="Non-site records you may see (newest first)")
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
    ) -> Page[RecordRead]:
        rows, total = await nonsite_reads.list_records(
            actor,
            unit_code=unit_code,
            uscc=uscc,
            mode=mode.value if mode else None,
            result=result.value if result else None,
            started_from=started_from,
            started_to=started_to,
            limit=limit,
            offset=offset,
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{record_id:int}", guards=[any_authenticated])
    async def read_record(self, actor: CurrentActor, record_id: FromPath[int]) -> RecordRead:
        return await nonsite_reads.read_record(actor, record_id)

    @post(
        "/{record_id:int}/trigger-visit",
        guards=[require(Role.planner)],
        summary="File the on-site visit a finding triggers (triggered, trigger type monitoring)",
        description=(
            "The record's finding becomes the trigger of an on-site visit filed by the record's unit's planner: "
            "origin `triggered`, trigger type `monitoring`, `trigger_ref` `nonsite-record:<id>`, the reason taken "
            "from the findings. Every filing rule applies; this is the lawful way to go on-site for an item of "
            "the 无事不扰 library that allows monitoring as a trigger."
        ),
    )
    async def trigger_visit(
        self, now: Now, actor: CurrentActor, env: Env, record_id: FromPath[int], data: JSONBody[TriggerVisitRequest]
    ) -> VisitRead:
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
        tags=["non-site inspection"],
    )
