"""Excel (.xlsx) and CSV import/export of the three lists, in the column layout of the published lists.

Export (``GET /api/v1/catalogue/{items|scenarios|library}/export?format=xlsx|csv``): one sheet, header in
row 1, one record per row, ordered by code. CSV is UTF-8 with a BOM so that Excel shows the Chinese text.
Enterprises get the published records only. Import (``POST .../import?dry_run=true|false``, multipart field
``file``) reads the first sheet of an .xlsx (or a UTF-8 CSV, BOM optional); columns are matched by header
name, unknown extra columns are ignored, and at most 5,000 data rows and 10 MB are read.

涉企检查事项清单 (items), key 事项编码:
    事项编码 · 实施主体 (unit name; a unit code is accepted too) · 实施主体编码 (export; optional on import,
    wins over 实施主体) · 检查事项名称 · 设定依据 · 检查对象 · 检查方式 (现场/非现场/书面) · 频次上限 (whole
    number of visits a year per enterprise, 0–52) · 可非现场 (是/否) · 类别 (无事不扰/重点监管/随机抽查) ·
    状态 (草稿/已发布/已废止) · 版本 (export only)
联合检查场景清单 (scenarios), key 场景编码:
    场景编码 · 场景名称 · 适用行业 (industry codes separated by 、 , or ;) · 牵头单位 (name or code) ·
    牵头单位编码 (as 实施主体编码) · 检查事项编码 (two or more item codes, separated by 、 , or ;) · 状态 · 版本
无事不扰事项库 (library), key 事项编码:
    事项编码 · 事项名称 (export only) · 实施主体 (export only) · 触发条件 (投诉举报/转办交办/数据监测/事故/
    企业申请/上级交办, separated by 、 , or ;) · 备注 · 状态 · 版本 (export only)

Required columns: items 事项编码, 检查事项名称 and 实施主体 or 实施主体编码; scenarios 场景编码, 场景名称,
牵头单位 or 牵头单位编码 and 检查事项编码; library 事项编码 and 触发条件. An optional column that is missing,
or an empty cell in a choice or number column, leaves the value as it is (or the default for a new record:
检查方式 现场, 频次上限 1, 可非现场 否, 类别 随机抽查, 状态 草稿; a new library entry is 已发布). An empty text
cell (设定依据, 检查对象, 适用行业, 备注) empties the value. Choice cells also accept the English values.

Import upserts by key: a new code is created, a changed row is updated (a new version with the reason
"导入 <file name>"; 状态 已废止 retires), an identical row is left alone. The whole file runs in one
transaction with a savepoint per row, so every bad row is reported (row numbers as in the sheet, header =
row 1) and, if any row is bad or on a dry run, nothing at all is applied. The list services decide what
is allowed, exactly as for the JSON endpoints (a planner changes only its own unit's records).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from api.actor import Actor
from api.catalogue import rows, versioning
from api.catalogue.rows import Units
from api.errors import DomainError, RuleViolation
from api.i18n import for_reader, render, tr
from api.tabular import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    RowError,
    RowReader,
    Table,
    read_table,
    write_csv,
    write_xlsx,
)
from models.db import write_transaction
from models.enums import CatalogueList


class ImportCounts(msgspec.Struct):
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class ImportReport(msgspec.Struct):
    list_name: CatalogueList
    filename: str
    dry_run: bool
    applied: bool
    counts: ImportCounts
    errors: list[RowError]


class ExportFile(msgspec.Struct):
    filename: str  # ASCII, e.g. ruqi-items-v12.xlsx
    title_filename: str  # e.g. 涉企检查事项清单-v12.xlsx
    media_type: str
    content: bytes


@dataclass(frozen=True)
class ListSpec:
    title: str
    headers: tuple[str, ...]  # export order
    required: tuple[tuple[str, ...], ...]  # each group: one of these headers must be present
    fields: dict[str, str]  # service field name -> column, to place a service error in its column
    owner_column: str  # where a refusal by unit (not_your_unit) is reported
    parse: Callable[[RowReader, Units], dict[str, Any]]
    apply: Callable[[Actor, dict[str, Any], str, dt.datetime], Awaitable[str]]
    export: Callable[[bool, Units], Awaitable[list[list[Any]]]]

    @property
    def key(self) -> str:
        return self.headers[0]

    def column_for(self, exc: DomainError) -> str:
        if exc.field in self.fields:
            return self.fields[exc.field]
        if exc.code in {"not_your_unit", "forbidden"}:
            return self.owner_column
        if exc.code in {"item_in_use", "item_retired"} and "状态" in self.headers:
            return "状态"
        return self.key


_ITEM_FIELDS = {"code": "事项编码", "item_code": "事项编码", "unit_code": "实施主体", "name": "检查事项名称"}
_ITEM_FIELDS |= {"legal_basis": "设定依据", "object": "检查对象", "method": "检查方式", "yearly_cap": "频次上限"}
_ITEM_FIELDS |= {"nonsite_capable": "可非现场", "category": "类别", "status": "状态"}
SPECS: dict[CatalogueList, ListSpec] = {
    CatalogueList.items: ListSpec(
        title="涉企检查事项清单",
        headers=(
            *("事项编码", "实施主体", "实施主体编码", "检查事项名称", "设定依据", "检查对象", "检查方式"),
            *("频次上限", "可非现场", "类别", "状态", "版本"),
        ),
        required=(("事项编码",), ("实施主体", "实施主体编码"), ("检查事项名称",)),
        fields=_ITEM_FIELDS,
        owner_column="实施主体",
        parse=rows.parse_item,
        apply=rows.apply_item,
        export=rows.export_items,
    ),
    CatalogueList.scenarios: ListSpec(
        title="联合检查场景清单",
        headers=("场景编码", "场景名称", "适用行业", "牵头单位", "牵头单位编码", "检查事项编码", "状态", "版本"),
        required=(("场景编码",), ("场景名称",), ("牵头单位", "牵头单位编码"), ("检查事项编码",)),
        fields={"code": "场景编码", "name": "场景名称", "industry_codes": "适用行业", "lead_unit_code": "牵头单位"}
        | {"item_codes": "检查事项编码", "status": "状态"},
        owner_column="牵头单位",
        parse=rows.parse_scenario,
        apply=rows.apply_scenario,
        export=rows.export_scenarios,
    ),
    CatalogueList.library: ListSpec(
        title="无事不扰事项库",
        headers=("事项编码", "事项名称", "实施主体", "触发条件", "备注", "状态", "版本"),
        required=(("事项编码",), ("触发条件",)),
        fields={"item_code": "事项编码", "triggers": "触发条件", "note": "备注", "status": "状态"},
        owner_column="事项编码",
        parse=rows.parse_entry,
        apply=rows.apply_entry,
        export=rows.export_entries,
    ),
}


async def export_list(list_name: CatalogueList, fmt: str, *, published_only: bool) -> ExportFile:
    spec = SPECS[list_name]
    data = await spec.export(published_only, await Units.load())
    version = (await versioning.list_versions())[list_name.value]
    if fmt == "csv":
        content, media_type = write_csv(spec.headers, data), CSV_MEDIA_TYPE
    else:
        content, media_type = write_xlsx(spec.title, spec.headers, data), XLSX_MEDIA_TYPE
    suffix = f"-v{version}.{fmt}"
    return ExportFile(f"ruqi-{list_name.value}{suffix}", f"{spec.title}{suffix}", media_type, content)


class _Discard(Exception):
    """Raised inside the import transaction to roll all of it back (dry run, or a bad row)."""


async def _apply_rows(
    tx: Any,
    spec: ListSpec,
    actor: Actor,
    table: Table,
    reason: str,
    counts: ImportCounts,
    errors: list[RowError],
    now: dt.datetime,
) -> None:
    """Apply each row in order inside ``tx``; a row refused by a service is undone to its savepoint."""
    units, seen = await Units.load(), dict[str, int]()
    for number, cells in table.rows:
        r = RowReader(number, cells, errors)
        before = len(errors)
        values = spec.parse(r, units)
        key = values.get("code", values.get("item_code"))
        if key in seen:
            r.error(
                spec.key,
                "duplicate_code",
                tr("{column} {value} is already in row {row}.", column=spec.key, value=repr(key), row=seen[key]),
            )
        elif key:
            seen[key] = number
        if len(errors) > before:
            continue
        savepoint = await tx.savepoint()
        try:
            outcome = await spec.apply(actor, values, reason, now)
        except DomainError as exc:
            await savepoint.rollback_to()
            r.error(spec.column_for(exc), exc.code, render(exc.message))
        else:
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        await savepoint.release()


async def import_file(
    actor: Actor,
    list_name: CatalogueList,
    filename: str,
    content_type: str | None,
    data: bytes,
    now: dt.datetime,
    *,
    dry_run: bool,
) -> ImportReport:
    """Upsert the file's rows all-or-nothing; a bad row or a dry run leaves the lists untouched."""
    spec = SPECS[list_name]
    table = read_table(filename, content_type, data)
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    errors = [
        RowError(
            row=1,
            column=group[0],
            code="missing_column",
            message=for_reader(tr("The header row has no {columns}.", columns=" / ".join(group))),
        )
        for group in spec.required
        if not any(h in table.headers for h in group)
    ]
    counts = ImportCounts()
    if not errors:
        try:
            async with write_transaction() as tx:
                await _apply_rows(tx, spec, actor, table, f"导入 {name}", counts, errors, now)
                if dry_run or errors:
                    raise _Discard
        except _Discard:
            pass
    if errors:
        raise RuleViolation(
            tr(
                "{count} row(s) of {name} were refused; nothing was applied.",
                count=len({e.row for e in errors}),
                name=repr(name),
            ),
            code="import_rejected",
            errors=msgspec.to_builtins(errors),
            dry_run=dry_run,
            applied=False,
            counts=msgspec.to_builtins(counts),
        )
    return ImportReport(list_name, name, dry_run, not dry_run, counts, [])
