from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from api.auth import STAFF, any_authenticated, require
from api.deps import DEPENDENCIES, CurrentActor, Env, Limit, Now, Offset, provide_actor
from api.pagination import Page
from api.registry import service as registry
from api.registry.schemas import (
    EnterpriseCreate,
    EnterpriseRead,
    EnterpriseUpdate,
    InspectorCreate,
    InspectorRead,
    InspectorUpdate,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)
from models.enums import Role

ACTOR = {"actor": Provide(provide_actor, sync_to_thread=False)}
USCCPath = Annotated[str, Parameter(max_length=64, description="统一社会信用代码")]


class UnitController(Controller):
    path = "/api/v1/units"
    tags = ["registry"]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="All inspecting units (执法主体)")
    async def list_units(self) -> list[UnitRead]:
        return await registry.list_units()

    @get("/{code:str}", guards=[any_authenticated])
    async def read_unit(self, code: FromPath[str]) -> UnitRead:
        return await registry.read_unit(code)

    @post("/", guards=[require()], summary="Register a unit (admin)")
    async def create_unit(self, now: Now, actor: CurrentActor, data: JSONBody[UnitCreate]) -> UnitRead:
        return await registry.create_unit(actor, data, now)

    @patch("/{code:str}", guards=[require()])
    async def update_unit(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[UnitUpdate]
    ) -> UnitRead:
        return await registry.update_unit(actor, code, data, now)


class InspectorController(Controller):
    path = "/api/v1/inspectors"
    tags = ["registry"]
    dependencies = DEPENDENCIES

    @get("/", guards=[require(*STAFF)], summary="Inspectors (unit roles: own unit only)")
    async def list_inspectors(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        unit_code: FromQuery[str | None] = None,
        cert_no: FromQuery[str | None] = None,
    ) -> Page[InspectorRead]:
        items, total = await registry.list_inspectors(
            actor, unit_code=unit_code, cert_no=cert_no, limit=limit, offset=offset
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/{inspector_id:int}", guards=[require(*STAFF)])
    async def read_inspector(self, actor: CurrentActor, inspector_id: FromPath[int]) -> InspectorRead:
        return await registry.read_inspector(actor, inspector_id)

    @post("/", guards=[require()], summary="Register an inspector or auxiliary staff member (admin)")
    async def create_inspector(self, now: Now, actor: CurrentActor, data: JSONBody[InspectorCreate]) -> InspectorRead:
        return await registry.create_inspector(actor, data, now)

    @patch("/{inspector_id:int}", guards=[require()])
    async def update_inspector(
        self,
        now: Now,
        actor: CurrentActor,
        env: Env,
        inspector_id: FromPath[int],
        data: JSONBody[InspectorUpdate],
    ) -> InspectorRead:
        return await registry.update_inspector(actor, inspector_id, data, now, inspector_changed=env.inspector_changed)


class EnterpriseController(Controller):
    path = "/api/v1/enterprises"
    tags = ["registry"]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="Enterprises (an enterprise sees only itself)")
    async def list_enterprises(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        industry_code: Annotated[str | None, Parameter(max_length=8)] = None,
        above_scale: FromQuery[bool | None] = None,
    ) -> Page[EnterpriseRead]:
        items, total = await registry.list_enterprises(
            actor, q=q, industry_code=industry_code, above_scale=above_scale, limit=limit, offset=offset
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/{uscc:str}", guards=[any_authenticated])
    async def read_enterprise(self, actor: CurrentActor, uscc: FromPath[USCCPath]) -> EnterpriseRead:
        return await registry.read_enterprise(actor, uscc)

    @post("/", guards=[require()], summary="Register an enterprise (admin); the USCC check character is verified")
    async def create_enterprise(
        self, now: Now, actor: CurrentActor, data: JSONBody[EnterpriseCreate]
    ) -> EnterpriseRead:
        return await registry.create_enterprise(actor, data, now)

    @patch("/{uscc:str}", guards=[require(Role.supervisor)])
    async def update_enterprise(
        self, now: Now, actor: CurrentActor, uscc: FromPath[USCCPath], data: JSONBody[EnterpriseUpdate]
    ) -> EnterpriseRead:
        return await registry.update_enterprise(actor, uscc, data, now)
