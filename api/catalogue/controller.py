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
    tags = ["inspection item list"]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="The inspection item list (涉企检查事项清单)")
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

    @get("/{code:str}", guards=[any_authenticated])
    async def read_item(self, actor: CurrentActor, code: FromPath[str]) -> ItemRead:
        return await items.read_item(code, published_only=_published_only(actor))

    @post("/", guards=EDITORS, summary="Add an item (planner of its unit, or admin)")
    async def create_item(self, now: Now, actor: CurrentActor, data: JSONBody[ItemCreate]) -> ItemRead:
        return await items.create_item(actor, data, now)

    @patch("/{code:str}", guards=EDITORS, summary="Change an item; a reason is required and a version is kept")
    async def update_item(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[ItemUpdate]
    ) -> ItemRead:
        return await items.update_item(actor, code, data, now)

    @post("/{code:str}/retire", guards=EDITORS, status_code=200)
    async def retire_item(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[RetireRequest]
    ) -> ItemRead:
        return await items.retire_item(actor, code, data.reason, now)

    @get("/{code:str}/history", guards=[require(Role.supervisor, Role.planner, Role.approver, Role.inspector)])
    async def item_history(self, code: FromPath[str], limit: HistoryLimit = 200) -> list[ChangeRead]:
        rows = await versioning.history(CatalogueList.items, record_code=code, limit=limit)
        return [ChangeRead(**r) for r in rows]


class ScenarioController(Controller):
    path = "/api/v1/scenarios"
    tags = ["joint-inspection scenarios"]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="The joint-inspection scenario list (联合检查场景清单)")
    async def list_scenarios(
        self,
        actor: CurrentActor,
        limit: Limit = 100,
        offset: Offset = 0,
        status: FromQuery[ListStatus | None] = None,
        industry_code: Annotated[str | None, Parameter(max_length=8)] = None,
    ) -> Page[ScenarioRead]:
        rows, total = await scenarios.list_scenarios(
            status=status.value if status else None,
            industry_code=industry_code,
            published_only=_published_only(actor),
            limit=limit,
            offset=offset,
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{code:str}", guards=[any_authenticated])
    async def read_scenario(self, actor: CurrentActor, code: FromPath[str]) -> ScenarioRead:
        return await scenarios.read_scenario(code, published_only=_published_only(actor))

    @post("/", guards=EDITORS, summary="Add a scenario (planner of the lead unit, or admin)")
    async def create_scenario(self, now: Now, actor: CurrentActor, data: JSONBody[ScenarioCreate]) -> ScenarioRead:
        return await scenarios.create_scenario(actor, data, now)

    @patch("/{code:str}", guards=EDITORS)
    async def update_scenario(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[ScenarioUpdate]
    ) -> ScenarioRead:
        return await scenarios.update_scenario(actor, code, data, now)

    @post("/{code:str}/retire", guards=EDITORS, status_code=200)
    async def retire_scenario(
        self, now: Now, actor: CurrentActor, code: FromPath[str], data: JSONBody[RetireRequest]
    ) -> ScenarioRead:
        return await scenarios.retire_scenario(actor, code, data.reason, now)

    @get("/{code:str}/history", guards=[require(Role.supervisor, Role.planner, Role.approver, Role.inspector)])
    async def scenario_history(self, code: FromPath[str], limit: HistoryLimit = 200) -> list[ChangeRead]:
        rows = await versioning.history(CatalogueList.scenarios, record_code=code, limit=limit)
        return [ChangeRead(**r) for r in rows]


class LibraryController(Controller):
    path = "/api/v1/library"
    tags = ["无事不扰 library"]
    dependencies = ACTOR

    @get("/", guards=[any_authenticated], summary="The 无事不扰 library")
    async def list_entries(
        self, actor: CurrentActor, limit: Limit = 100, offset: Offset = 0, unit_code: FromQuery[str | None] = None
    ) -> Page[LibraryEntryRead]:
        rows, total = await library.list_entries(
            published_only=_published_only(actor), unit_code=unit_code, limit=limit, offset=offset
        )
        return Page(items=rows, total=total, limit=limit, offset=offset)

    @get("/{item_code:str}", guards=[any_authenticated])
    async def read_entry(self, actor: CurrentActor, item_code: FromPath[str]) -> LibraryEntryRead:
        return await library.read_entry(item_code, published_only=_published_only(actor))

    @post("/", guards=EDITORS, summary="Put a published 无事不扰 item in the library")
    async def create_entry(self, now: Now, actor: CurrentActor, data: JSONBody[LibraryEntryCreate]) -> LibraryEntryRead:
        return await library.create_entry(actor, data, now)

    @patch("/{item_code:str}", guards=EDITORS)
    async def update_entry(
        self, now: Now, actor: CurrentActor, item_code: FromPath[str], data: JSONBody[LibraryEntryUpdate]
    ) -> LibraryEntryRead:
        return await library.update_entry(actor, item_code, data, now)

    @post("/{item_code:str}/retire", guards=EDITORS, status_code=200)
    async def retire_entry(
        self, now: Now, actor: CurrentActor, item_code: FromPath[str], data: JSONBody[RetireRequest]
    ) -> LibraryEntryRead:
        return await library.retire_entry(actor, item_code, data.reason, now)

    @get("/{item_code:str}/history", guards=[require(Role.supervisor, Role.planner, Role.approver, Role.inspector)])
    async def entry_history(self, item_code: FromPath[str], limit: HistoryLimit = 200) -> list[ChangeRead]:
        rows = await versioning.history(CatalogueList.library, record_code=item_code, limit=limit)
        return [ChangeRead(**r) for r in rows]


class CatalogueController(Controller):
    path = "/api/v1/catalogue"
    tags = ["versions"]

    @get("/versions", guards=[any_authenticated], summary="Current version numbers of the three lists")
    async def versions(self) -> ListVersions:
        return ListVersions(**await versioning.list_versions())

    @get(
        "/{list_name:str}/history",
        guards=[require(Role.supervisor, Role.planner, Role.approver, Role.inspector)],
        summary="A list's version history, oldest first",
    )
    async def list_history(
        self, list_name: FromPath[CatalogueList], since: Since = 0, limit: HistoryLimit = 200
    ) -> list[ChangeRead]:
        rows = await versioning.history(list_name, since=since, limit=limit)
        return [ChangeRead(**r) for r in rows]
