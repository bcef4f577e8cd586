"""Row adapters for the catalogue import/export: per list, parse a row, apply it via the list service, export.

The layout itself is documented in ``api.catalogue.spreadsheets``. Everything that decides whether a change
is allowed stays in the list services; this module only maps cells to their request structs and back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable
from typing import Any, TypeVar

import msgspec

from api.actor import Actor
from api.catalogue import items, library, scenarios
from api.catalogue.schemas import (
    ItemCreate,
    ItemUpdate,
    LibraryEntryCreate,
    LibraryEntryUpdate,
    ScenarioCreate,
    ScenarioUpdate,
)
from api.errors import InvalidInput, NotFound, RuleViolation
from api.i18n import tr
from api.tabular import RowReader
from models.enums import ChangeAction, ListStatus
from models.tables import Unit

T = TypeVar("T")
METHODS = {"现场": "onsite", "非现场": "nonsite", "书面": "document"}
CATEGORIES = {"无事不扰": "no_disturbance", "重点监管": "key_supervision", "随机抽查": "random_check"}
STATUSES = {"草稿": "draft", "已发布": "published", "已废止": "retired"}
TRIGGERS = {
    "投诉举报": "complaint",
    "转办交办": "referral",
    "数据监测": "monitoring",
    "事故": "accident",
    "企业申请": "enterprise_request",
    "上级交办": "higher_assignment",
}
EXPORT_LIMIT = 1_000_000


METHOD_NAMES, CATEGORY_NAMES = ({v: k for k, v in m.items()} for m in (METHODS, CATEGORIES))
STATUS_NAMES, TRIGGER_NAMES = ({v: k for k, v in m.items()} for m in (STATUSES, TRIGGERS))


class Units:
    """Unit codes and names, to accept either in a 实施主体/牵头单位 cell."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.names = {r["code"]: r["name"] for r in rows}
        self.by_name: dict[str, list[str]] = {}
        for r in rows:
            self.by_name.setdefault(r["name"], []).append(r["code"])

    @classmethod
    async def load(cls) -> Units:
        return cls(await Unit.select(Unit.code, Unit.name))

    def resolve(self, r: RowReader, name_column: str, code_column: str) -> str | None:
        code, name = r.text(code_column), r.text(name_column)
        if code and code not in self.names:
            r.error(code_column, "unit_not_found", tr("Unit {code} does not exist.", code=repr(code)))
            return None
        by_name = None
        if name:
            matches = [name] if name in self.names else self.by_name.get(name, [])
            if len(matches) != 1:
                message = (
                    tr("Unit {code} does not exist.", code=repr(name))
                    if not matches
                    else tr("Unit {name} is ambiguous; give the unit code.", name=repr(name))
                )
                r.error(name_column, "unit_not_found", message)
                return None
            by_name = matches[0]
        if code and by_name and code != by_name:
            r.error(
                name_column,
                "unit_mismatch",
                tr("{column} {name} is not unit {code}.", column=name_column, name=repr(name), code=repr(code)),
            )
            return None
        if not (code or by_name):
            r.error(name_column, "required", tr("{column} must not be empty.", column=name_column))
        return code or by_name


def _convert(values: dict[str, Any], type_: type[T]) -> T:
    try:
        return msgspec.convert(values, type_)
    except msgspec.ValidationError as exc:
        match = re.search(r"\$\.(\w+)", str(exc))
        message = tr("Invalid value: {reason}.", reason=str(exc).split(" - at ")[0])
        raise InvalidInput(message, code="invalid_value", field=match.group(1) if match else None) from exc


async def _current(read: Awaitable[T]) -> T | None:
    try:
        return await read
    except NotFound:
        return None


def _changes(values: dict[str, Any], current: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: values[f] for f in fields if f in values and values[f] != getattr(current, f)}


def _action(changes: dict[str, Any]) -> ChangeAction:
    return ChangeAction.retire if changes.get("status") == ListStatus.retired else ChangeAction.update


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# -- items ---------------------------------------------------------------------------------------------------
def parse_item(r: RowReader, units: Units) -> dict[str, Any]:
    return _given(
        {
            "code": r.text("事项编码", required=True),
            "unit_code": units.resolve(r, "实施主体", "实施主体编码"),
            "name": r.text("检查事项名称", required=True),
            "legal_basis": r.text("设定依据"),
            "object": r.text("检查对象"),
            "method": r.label("检查方式", METHODS),
            "yearly_cap": r.integer("频次上限", suffixes=("次/年", "次")),
            "nonsite_capable": r.boolean("可非现场"),
            "category": r.label("类别", CATEGORIES),
            "status": r.label("状态", STATUSES),
        }
    )


async def apply_item(actor: Actor, v: dict[str, Any], reason: str, now: dt.datetime) -> str:
    current = await _current(items.read_item(v["code"]))
    if current is None:
        await items.create_item(actor, _convert({**v, "reason": reason}, ItemCreate), now)
        return "created"
    if v["unit_code"] != current.unit_code:
        raise RuleViolation(
            tr(
                "Item {v} belongs to {unit_code}; an import does not move items between units.",
                v=repr(v["code"]),
                unit_code=current.unit_code,
            ),
            code="unit_change_not_supported",
            field="unit_code",
        )
    fields = ("name", "legal_basis", "object", "method", "yearly_cap", "nonsite_capable", "category", "status")
    changes = _changes(v, current, fields)
    if not changes:
        return "unchanged"
    data = _convert({**changes, "reason": reason}, ItemUpdate)
    await items.update_item(actor, v["code"], data, now, action=_action(changes))
    return "updated"


async def export_items(published_only: bool, units: Units) -> list[list[Any]]:
    rows, _ = await items.list_items(published_only=published_only, limit=EXPORT_LIMIT)
    return [
        [
            *(r.code, r.unit_name, r.unit_code, r.name, r.legal_basis, r.object, METHOD_NAMES[r.method.value]),
            *(r.yearly_cap, "是" if r.nonsite_capable else "否", CATEGORY_NAMES[r.category.value]),
            *(STATUS_NAMES[r.status.value], r.version),
        ]
        for r in rows
    ]


# -- scenarios -----------------------------------------------------------------------------------------------
def parse_scenario(r: RowReader, units: Units) -> dict[str, Any]:
    return _given(
        {
            "code": r.text("场景编码", required=True),
            "name": r.text("场景名称", required=True),
            "industry_codes": r.codes("适用行业"),
            "lead_unit_code": units.resolve(r, "牵头单位", "牵头单位编码"),
            "item_codes": r.codes("检查事项编码", required=True),
            "status": r.label("状态", STATUSES),
        }
    )


async def apply_scenario(actor: Actor, v: dict[str, Any], reason: str, now: dt.datetime) -> str:
    current = await _current(scenarios.read_scenario(v["code"]))
    if current is None:
        await scenarios.create_scenario(actor, _convert({**v, "reason": reason}, ScenarioCreate), now)
        return "created"
    changes = _changes(v, current, ("name", "lead_unit_code", "item_codes", "industry_codes", "status"))
    if not changes:
        return "unchanged"
    data = _convert({**changes, "reason": reason}, ScenarioUpdate)
    await scenarios.update_scenario(actor, v["code"], data, now, action=_action(changes))
    return "updated"


async def export_scenarios(published_only: bool, units: Units) -> list[list[Any]]:
    rows, _ = await scenarios.list_scenarios(published_only=published_only, limit=EXPORT_LIMIT)
    return [
        [
            *(r.code, r.name, "、".join(r.industry_codes), units.names.get(r.lead_unit_code, ""), r.lead_unit_code),
            *("、".join(r.item_codes), STATUS_NAMES[r.status.value], r.version),
        ]
        for r in rows
    ]


# -- 无事不扰 library ------------------------------------------------------------------------------------------
def parse_entry(r: RowReader, units: Units) -> dict[str, Any]:
    return _given(
        {
            "item_code": r.text("事项编码", required=True),
            "triggers": r.codes("触发条件", required=True, labels=TRIGGERS),
            "note": r.text("备注"),
            "status": r.label("状态", STATUSES),
        }
    )


async def apply_entry(actor: Actor, v: dict[str, Any], reason: str, now: dt.datetime) -> str:
    code, status = v["item_code"], v.pop("status", None)
    current = await _current(library.read_entry(code))
    if current is None:
        await library.create_entry(actor, _convert({**v, "reason": reason}, LibraryEntryCreate), now)
        if status not in (None, ListStatus.published):
            update = LibraryEntryUpdate(reason=reason)
            await library.update_entry(
                actor, code, update, now, status=ListStatus(status), action=_action({"status": status})
            )
        return "created"
    changes = _changes(v, current, ("triggers", "note"))
    new_status = status if status is not None and status != current.status else None
    if not changes and new_status is None:
        return "unchanged"
    data = _convert({**changes, "reason": reason}, LibraryEntryUpdate)
    await library.update_entry(
        actor,
        code,
        data,
        now,
        status=ListStatus(new_status) if new_status else None,
        action=_action({"status": new_status}),
    )
    return "updated"


async def export_entries(published_only: bool, units: Units) -> list[list[Any]]:
    rows, _ = await library.list_entries(published_only=published_only, limit=EXPORT_LIMIT)
    return [
        [
            *(r.item_code, r.item_name, units.names.get(r.unit_code, r.unit_code)),
            *("、".join(TRIGGER_NAMES[t.value] for t in r.triggers), r.note, STATUS_NAMES[r.status.value], r.version),
        ]
        for r in rows
    ]
