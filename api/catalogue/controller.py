from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from api.auth import any_authenticated, require
from api.catalogue import items, library, scenarios, versioning
from api.catalogue.schemas import (
    ChangeRead,
    ItemCreate,
    ItemRead,
    ItemUpdate,
    LibraryEntryCreate,
    LibraryEntryRead,
    LibraryEntryUpdate,
    ListVersions,
    RetireRequest,
    ScenarioCreate,
    ScenarioRead,
    ScenarioUpdate,
)
from api.deps import CurrentActor, Limit, Now, Offset, provide_actor
from api.openapi_tags import ITEMS, LIBRARY, SCENARIOS, VERSIONS
from api.pagination import Page
from models.enums import CatalogueList, ItemCategory, ListStatus, Role

ACTOR = {"actor": Provide(provide_actor, sync_to_thread=False)}
EDITORS = [require(Role.planner)]
Since = Annotated[int, Parameter(ge=0, le=2**31 - 1, description="Only versions after this list version.")]
HistoryLimit = Annotated[int, Parameter(ge=1, le=1000)]


def _published_only(actor: CurrentActor) -> bool:
    """Enterprises see the published list only; staff also see drafts and retired records."""
    return actor.role == Role.enterprise


class ItemController(Controller):
    path = "/api/v1/items"
    tags = [ITEMS]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="涉企检查事项清单")
    async def list_items(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        unit_code: FromQuery[str | None] = None,
        status: FromQuery[ListStatus | None] = None,
        category: FromQuery[ItemCategory | None] = None,
        q: Annotated[str | None, Parameter(max_length=100)] = None,
    ) -> Page[ItemRead]:
        """检查事项清单：事项代码、名称、实施主体、设定依据、检查对象、检查方式、年度频次上限、类别
        （无事不扰、重点监管、随机抽查）和状态；可按单位、状态、类别筛选，`q` 按名称查找。

        角色：任何已登录账号；企业只看到已公布的事项，工作人员还看到草稿和已废止的事项。
        English: the inspection item list; enterprises see published items only.
        """
        rows, total = await items.list_items(
            unit_code=unit_code,
            status=status.value if status else None,
            category=category.value if category else None,
            q=q,
            published_only=_published_only(actor),
            limit=limit,
            offset=offset,
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{code:str}", guards=[any_authenticated], summary="查看一个检查事项")
    async def read_item(self, actor: CurrentActor, code: FromPath[str]) -> ItemRead:
        """按事项代码查看一个检查事项及其当前版本。

        角色：任何已登录账号（企业只能看已公布的事项）。拒绝：404 `item_not_found`。
        """
        return await items.read_item(code, published_only=_published_only(actor))

    @post("/", guards=EDITORS, summary="新增检查事项")
    async def create_item(self, now: Now, actor: CurrentActor, data: JSONBody[ItemCreate]) -> ItemRead:
        """新增一个检查事项（草稿或直接公布），清单版本号加一并留存变更记录。

        角色：规划员（planner，只能为本单位新增）、管理员。
        拒绝：409 `item_code_taken`；403 `not_your_unit`；404 `unit_not_found`。
        """
        return await items.create_item(actor, data, now)

    @patch("/{code:str}", guards=EDITORS, summary="修改检查事项（须说明理由）")
    async def update_item(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[ItemUpdate]
    ) -> ItemRead:
        """修改检查事项，须写明理由（`reason`）；每次修改形成新版本，已备案的检查保留备案时的版本。

        角色：规划员（planner，本单位的事项）、管理员。
        拒绝：404 `item_not_found`；403 `not_your_unit`；422 `item_retired`、`item_in_use`（被已公布的场景使用）、
        `item_in_library`、`no_change`。English: changes are versioned; a reason is required.
        """
        return await items.update_item(actor, code, data, now)

    @post("/{code:str}/retire", guards=EDITORS, status_code=200, summary="废止检查事项")
    async def retire_item(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[RetireRequest]
    ) -> ItemRead:
        """废止一个检查事项（写明理由），此后不得再备案检查该事项。

        角色：规划员（planner，本单位的事项）、管理员。
        拒绝：404 `item_not_found`；403 `not_your_unit`；422 `item_in_use`（先改使用它的场景或无事不扰清单）。
        """
        return await items.retire_item(actor, code, data.reason, now)

    @get(
        "/{code:str}/history",
        guards=[require(Role.supervisor, Role.planner, Role.approver, Role.inspector)],
        summary="检查事项的变更历史",
    )
    async def item_history(self, code: FromPath[str], limit: HistoryLimit = 200) -> list[ChangeRead]:
        """一个检查事项的每次变更：版本号、改了什么、理由、操作人、时间，按先后排列。

        角色：司法局、规划员、主体负责人、执法人员（企业不可）。
        """
        rows = await versioning.history(CatalogueList.items, record_code=code, limit=limit)
        return [ChangeRead(**r) for r in rows]


class ScenarioController(Controller):
    path = "/api/v1/scenarios"
    tags = [SCENARIOS]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="联合检查场景清单")
    async def list_scenarios(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        status: FromQuery[ListStatus | None] = None,
        industry_code: Annotated[str | None, Parameter(max_length=8)] = None,
    ) -> Page[ScenarioRead]:
        """联合检查场景：场景名称、适用行业、牵头单位和各单位的检查事项；可按状态、行业筛选。

        角色：任何已登录账号；企业只看到已公布的场景。English: joint-inspection scenarios.
        """
        rows, total = await scenarios.list_scenarios(
            status=status.value if status else None,
            industry_code=industry_code,
            published_only=_published_only(actor),
            limit=limit,
            offset=offset,
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{code:str}", guards=[any_authenticated], summary="查看一个联合检查场景")
    async def read_scenario(self, actor: CurrentActor, code: FromPath[str]) -> ScenarioRead:
        """按场景代码查看一个联合检查场景。

        角色：任何已登录账号（企业只能看已公布的场景）。拒绝：404 `scenario_not_found`。
        """
        return await scenarios.read_scenario(code, published_only=_published_only(actor))

    @post("/", guards=EDITORS, summary="新增联合检查场景")
    async def create_scenario(self, now: Now, actor: CurrentActor, data: JSONBody[ScenarioCreate]) -> ScenarioRead:
        """新增一个联合检查场景：牵头单位和至少两个单位的已公布事项。

        角色：牵头单位的规划员（planner）、管理员。
        拒绝：409 `scenario_code_taken`；422 `scenario_single_unit`、`lead_unit_not_in_scenario`、`duplicate_items`、
        `scenario_item_unpublished`；404 `item_not_found`。
        """
        return await scenarios.create_scenario(actor, data, now)

    @patch("/{code:str}", guards=EDITORS, summary="修改联合检查场景（须说明理由）")
    async def update_scenario(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[ScenarioUpdate]
    ) -> ScenarioRead:
        """修改联合检查场景，须写明理由；每次修改形成新版本。

        角色：牵头单位的规划员（planner）、管理员。
        拒绝：404 `scenario_not_found`；403 `not_your_unit`；422 与新增时相同的规则、`no_change`。
        """
        return await scenarios.update_scenario(actor, code, data, now)

    @post("/{code:str}/retire", guards=EDITORS, status_code=200, summary="废止联合检查场景")
    async def retire_scenario(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[RetireRequest]
    ) -> ScenarioRead:
        """废止一个联合检查场景（写明理由）。

        角色：牵头单位的规划员（planner）、管理员。拒绝：404 `scenario_not_found`；403 `not_your_unit`。
        """
        return await scenarios.retire_scenario(actor, code, data.reason, now)

    @get(
        "/{code:str}/history",
        guards=[require(Role.supervisor, Role.planner, Role.approver, Role.inspector)],
        summary="联合检查场景的变更历史",
    )
    async def scenario_history(self, code: FromPath[str], limit: HistoryLimit = 200) -> list[ChangeRead]:
        """一个联合检查场景的每次变更，按先后排列。

        角色：司法局、规划员、主体负责人、执法人员（企业不可）。
        """
        rows = await versioning.history(CatalogueList.scenarios, record_code=code, limit=limit)
        return [ChangeRead(**r) for r in rows]


class LibraryController(Controller):
    path = "/api/v1/library"
    tags = [LIBRARY]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="无事不扰清单")
    async def list_entries(
        self, actor: CurrentActor, limit: Limit = 100, offset: Offset = 0, unit_code: FromQuery[str | None] = None
    ) -> Page[LibraryEntryRead]:
        """无事不扰清单：每个条目是一个事项及允许的触发事由（投诉举报、转办交办、数据监测、事故、企业申请、上级交办）。

        角色：任何已登录账号；企业只看到已公布的条目。
        English: items with no routine on-site inspection, and the triggers that allow a visit.
        """
        rows, total = await library.list_entries(
            published_only=_published_only(actor), unit_code=unit_code, limit=limit, offset=offset
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{item_code:str}", guards=[any_authenticated], summary="查看一个无事不扰条目")
    async def read_entry(self, actor: CurrentActor, item_code: FromPath[str]) -> LibraryEntryRead:
        """按事项代码查看无事不扰清单的一个条目。

        角色：任何已登录账号（企业只能看已公布的条目）。拒绝：404 `library_entry_not_found`。
        """
        return await library.read_entry(item_code, published_only=_published_only(actor))

    @post("/", guards=EDITORS, summary="列入无事不扰清单")
    async def create_entry(self, now: Now, actor: CurrentActor, data: JSONBody[LibraryEntryCreate]) -> LibraryEntryRead:
        """把一个已公布、类别为无事不扰的事项列入清单，并写明允许的触发事由。

        角色：事项所属单位的规划员（planner）、管理员。
        拒绝：409 `library_entry_exists`；422 `library_item_unpublished`、`library_item_wrong_category`；
        404 `item_not_found`。
        """
        return await library.create_entry(actor, data, now)

    @patch("/{item_code:str}", guards=EDITORS, summary="修改无事不扰条目（须说明理由）")
    async def update_entry(
        self, now: Now, actor: CurrentActor, item_code: FromPath[str], data: JSONBody[LibraryEntryUpdate]
    ) -> LibraryEntryRead:
        """修改条目的触发事由等，须写明理由；每次修改形成新版本。

        角色：事项所属单位的规划员（planner）、管理员。拒绝：404 `library_entry_not_found`；403 `not_your_unit`。
        """
        return await library.update_entry(actor, item_code, data, now)

    @post("/{item_code:str}/retire", guards=EDITORS, status_code=200, summary="移出无事不扰清单")
    async def retire_entry(
        self, now: Now, actor: CurrentActor, item_code: FromPath[str], data: JSONBody[RetireRequest]
    ) -> LibraryEntryRead:
        """废止一个无事不扰条目（写明理由），该事项恢复例行检查。

        角色：事项所属单位的规划员（planner）、管理员。拒绝：404 `library_entry_not_found`；403 `not_your_unit`。
        """
        return await library.retire_entry(actor, item_code, data.reason, now)

    @get(
        "/{item_code:str}/history",
        guards=[require(Role.supervisor, Role.planner, Role.approver, Role.inspector)],
        summary="无事不扰条目的变更历史",
    )
    async def entry_history(self, item_code: FromPath[str], limit: HistoryLimit = 200) -> list[ChangeRead]:
        """一个无事不扰条目的每次变更，按先后排列。

        角色：司法局、规划员、主体负责人、执法人员（企业不可）。
        """
        rows = await versioning.history(CatalogueList.library, record_code=item_code, limit=limit)
        return [ChangeRead(**r) for r in rows]


class CatalogueController(Controller):
    path = "/api/v1/catalogue"
    tags = [VERSIONS]

    @get("/versions", guards=[any_authenticated], summary="三张清单的当前版本号")
    async def versions(self) -> ListVersions:
        """检查事项清单、联合检查场景清单、无事不扰清单各自的当前版本号；版本号变了再取变更历史。

        角色：任何已登录账号。English: the current version of each list, for incremental sync.
        """
        return ListVersions(**await versioning.list_versions())

    @get(
        "/{list_name:str}/history",
        guards=[require(Role.supervisor, Role.planner, Role.approver, Role.inspector)],
        summary="一张清单的变更历史",
    )
    async def list_history(
        self, list_name: FromPath[CatalogueList], since: Since = 0, limit: HistoryLimit = 200
    ) -> list[ChangeRead]:
        """一张清单（`items`、`scenarios`、`library`）在版本 `since` 之后的全部变更，按先后排列。

        角色：司法局、规划员、主体负责人、执法人员。English: a list's changes after version `since`, oldest first.
        """
        rows = await versioning.history(list_name, since=since, limit=limit)
        return [ChangeRead(**r) for r in rows]
