from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from api.pagination import Code, LongText, NonEmpty, Reason
from models.enums import CatalogueList, ChangeAction, ItemCategory, ItemMethod, ListStatus, Trigger

YearlyCap = Annotated[int, msgspec.Meta(ge=0, le=52)]


class ItemCreate(msgspec.Struct):
    code: Code
    name: NonEmpty
    unit_code: Code
    legal_basis: LongText = ""
    object: LongText = ""
    method: ItemMethod = ItemMethod.onsite
    yearly_cap: YearlyCap = 1
    nonsite_capable: bool = False
    category: ItemCategory = ItemCategory.random_check
    status: ListStatus = ListStatus.draft
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class ItemUpdate(msgspec.Struct):
    reason: Reason
    name: NonEmpty | msgspec.UnsetType = msgspec.UNSET
    legal_basis: LongText | msgspec.UnsetType = msgspec.UNSET
    object: LongText | msgspec.UnsetType = msgspec.UNSET
    method: ItemMethod | msgspec.UnsetType = msgspec.UNSET
    yearly_cap: YearlyCap | msgspec.UnsetType = msgspec.UNSET
    nonsite_capable: bool | msgspec.UnsetType = msgspec.UNSET
    category: ItemCategory | msgspec.UnsetType = msgspec.UNSET
    status: ListStatus | msgspec.UnsetType = msgspec.UNSET


class ItemRead(msgspec.Struct):
    code: str
    name: str
    unit_code: str
    unit_name: str
    legal_basis: str
    object: str
    method: ItemMethod
    yearly_cap: int
    nonsite_capable: bool
    category: ItemCategory
    status: ListStatus
    version: int
    updated_at: dt.datetime
    sample: bool


class ScenarioCreate(msgspec.Struct):
    code: Code
    name: NonEmpty
    lead_unit_code: Code
    item_codes: Annotated[list[Code], msgspec.Meta(min_length=2, max_length=50)]
    industry_codes: Annotated[list[Annotated[str, msgspec.Meta(max_length=8)]], msgspec.Meta(max_length=50)] = []
    status: ListStatus = ListStatus.draft
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class ScenarioUpdate(msgspec.Struct):
    reason: Reason
    name: NonEmpty | msgspec.UnsetType = msgspec.UNSET
    lead_unit_code: Code | msgspec.UnsetType = msgspec.UNSET
    item_codes: Annotated[list[Code], msgspec.Meta(min_length=2, max_length=50)] | msgspec.UnsetType = msgspec.UNSET
    industry_codes: (
        Annotated[list[Annotated[str, msgspec.Meta(max_length=8)]], msgspec.Meta(max_length=50)] | msgspec.UnsetType
    ) = msgspec.UNSET
    status: ListStatus | msgspec.UnsetType = msgspec.UNSET


class ScenarioRead(msgspec.Struct):
    code: str
    name: str
    lead_unit_code: str
    item_codes: list[str]
    unit_codes: list[str]
    industry_codes: list[str]
    status: ListStatus
    version: int
    updated_at: dt.datetime
    sample: bool


class LibraryEntryCreate(msgspec.Struct):
    item_code: Code
    triggers: Annotated[list[Trigger], msgspec.Meta(min_length=1, max_length=6)]
    note: LongText = ""
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class LibraryEntryUpdate(msgspec.Struct):
    reason: Reason
    triggers: Annotated[list[Trigger], msgspec.Meta(min_length=1, max_length=6)] | msgspec.UnsetType = msgspec.UNSET
    note: LongText | msgspec.UnsetType = msgspec.UNSET


class LibraryEntryRead(msgspec.Struct):
    item_code: str
    item_name: str
    unit_code: str
    triggers: list[Trigger]
    note: str
    status: ListStatus
    version: int
    updated_at: dt.datetime
    sample: bool


class RetireRequest(msgspec.Struct):
    reason: Reason


class ChangeRead(msgspec.Struct):
    seq: int
    list_name: CatalogueList
    list_version: int
    record_code: str
    record_version: int
    action: ChangeAction
    actor: str
    at: dt.datetime
    reason: str
    snapshot: dict[str, Any]


class ListVersions(msgspec.Struct):
    items: int
    scenarios: int
    library: int
    catalogue: int
