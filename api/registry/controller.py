from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from api.auth import STAFF, any_authenticated, require
from api.deps import DEPENDENCIES, CurrentActor, Env, Limit, Now, Offset, provide_actor
from api.openapi_tags import REGISTRY
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
    tags = [REGISTRY]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="执法主体列表")
    async def list_units(self) -> list[UnitRead]:
        """全区所有执法主体（部门、街道办事处等），含上级单位。

        角色：任何已登录账号。English: every inspecting unit (执法主体) of the district.
        """
        return await registry.list_units()

    @get("/{code:str}", guards=[any_authenticated], summary="查看一个执法主体")
    async def read_unit(self, code: FromPath[str]) -> UnitRead:
        """按单位代码查看一个执法主体。

        角色：任何已登录账号。拒绝：404 `unit_not_found`。
        """
        return await registry.read_unit(code)

    @post("/", guards=[require()], summary="登记执法主体")
    async def create_unit(self, now: Now, actor: CurrentActor, data: JSONBody[UnitCreate]) -> UnitRead:
        """登记一个执法主体（单位代码、名称、类型、上级单位）。

        角色：管理员（admin）。拒绝：409 `unit_code_taken`；404 `unit_not_found`（上级单位不存在）。
        """
        return await registry.create_unit(actor, data, now)

    @patch("/{code:str}", guards=[require()], summary="修改执法主体")
    async def update_unit(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[UnitUpdate]
    ) -> UnitRead:
        """修改执法主体的名称、类型或上级单位；只改请求中给出的字段。

        角色：管理员（admin）。拒绝：404 `unit_not_found`；422 `unit_parent_cycle`（上级关系成环）。
        """
        return await registry.update_unit(actor, code, data, now)


class InspectorController(Controller):
    path = "/api/v1/inspectors"
    tags = [REGISTRY]
    dependencies = DEPENDENCIES

    @get("/", guards=[require(*STAFF)], summary="执法人员列表")
    async def list_inspectors(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        unit_code: FromQuery[str | None] = None,
        cert_no: FromQuery[str | None] = None,
    ) -> Page[InspectorRead]:
        """执法人员和辅助人员，含执法证号、有效期和状态；可按单位、执法证号筛选。

        角色：司法局（supervisor）看全部；规划员、主体负责人、执法人员只看本单位。
        English: inspectors with their certificate (执法证); unit roles see their own unit only.
        """
        items, total = await registry.list_inspectors(
            actor, unit_code=unit_code, cert_no=cert_no, limit=limit, offset=offset
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/{inspector_id:int}", guards=[require(*STAFF)], summary="查看一名执法人员")
    async def read_inspector(self, actor: CurrentActor, inspector_id: FromPath[int]) -> InspectorRead:
        """一名执法人员的执法证、有效期和状态。

        角色：司法局（supervisor）；规划员、主体负责人、执法人员只能看本单位的人员。
        拒绝：404 `inspector_not_found`；403 `not_your_unit`。
        """
        return await registry.read_inspector(actor, inspector_id)

    @post("/", guards=[require()], summary="登记执法人员或辅助人员")
    async def create_inspector(self, now: Now, actor: CurrentActor, data: JSONBody[InspectorCreate]) -> InspectorRead:
        """登记一名执法人员（须有执法证号和有效期）或辅助人员（`is_auxiliary`，不得持证、不得检查）。

        角色：管理员（admin）。

        拒绝：409 `cert_no_taken`；422 `certificate_required`、`auxiliary_with_certificate`、`invalid_validity`；
        404 `unit_not_found`。
        """
        return await registry.create_inspector(actor, data, now)

    @patch("/{inspector_id:int}", guards=[require()], summary="修改执法人员（暂扣、吊销、有效期）")
    async def update_inspector(
        self,
        now: Now,
        actor: CurrentActor,
        env: Env,
        inspector_id: FromPath[int],
        data: JSONBody[InspectorUpdate],
    ) -> InspectorRead:
        """修改执法人员的姓名、单位、执法证有效期或状态（有效、暂扣、吊销）。
        执法证不再覆盖的已批准检查，其检查码随即作废（`voided_visits`）。

        角色：管理员（admin）。拒绝：404 `inspector_not_found`；422 `invalid_validity`。
        English: a suspended or revoked certificate voids the codes of the visits it no longer covers.
        """
        return await registry.update_inspector(actor, inspector_id, data, now, inspector_changed=env.inspector_changed)


class EnterpriseController(Controller):
    path = "/api/v1/enterprises"
    tags = [REGISTRY]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="企业列表")
    async def list_enterprises(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
        industry_code: Annotated[str | None, Parameter(max_length=8)] = None,
        above_scale: FromQuery[bool | None] = None,
    ) -> Page[EnterpriseRead]:
        """企业名录：名称、统一社会信用代码、行业、是否规上、风险等级、信用等级、白名单；`q` 按名称或代码查找。

        角色：任何已登录账号；企业账号只看到自己。English: enterprises; an enterprise sees only itself.
        """
        items, total = await registry.list_enterprises(
            actor, q=q, industry_code=industry_code, above_scale=above_scale, limit=limit, offset=offset
        )
        return Page(items=items, total=total, limit=limit, offset=offset)

    @get("/{uscc:str}", guards=[any_authenticated], summary="查看一家企业")
    async def read_enterprise(self, actor: CurrentActor, uscc: FromPath[USCCPath]) -> EnterpriseRead:
        """按统一社会信用代码查看一家企业。

        角色：任何已登录账号；企业只能看自己。拒绝：400 `invalid_uscc`；404 `enterprise_not_found`；403 `forbidden`。
        """
        return await registry.read_enterprise(actor, uscc)

    @post("/", guards=[require()], summary="登记企业")
    async def create_enterprise(
        self, now: Now, actor: CurrentActor, data: JSONBody[EnterpriseCreate]
    ) -> EnterpriseRead:
        """登记一家企业；统一社会信用代码按 GB 32100-2015 校验校验位。

        角色：管理员（admin）。拒绝：400 `invalid_uscc`；409 `uscc_taken`。
        English: registers an enterprise; the USCC's check character is verified.
        """
        return await registry.create_enterprise(actor, data, now)

    @patch("/{uscc:str}", guards=[require(Role.supervisor)], summary="修改企业（含白名单）")
    async def update_enterprise(
        self, now: Now, actor: CurrentActor, uscc: FromPath[USCCPath], data: JSONBody[EnterpriseUpdate]
    ) -> EnterpriseRead:
        """修改企业的名称、地址、位置、行业、规上、风险和信用等级，或列入、移出白名单（须写明理由和期限）。

        角色：司法局（supervisor）。拒绝：404 `enterprise_not_found`；400 `invalid_uscc`。
        """
        return await registry.update_enterprise(actor, uscc, data, now)
