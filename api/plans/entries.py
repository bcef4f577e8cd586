"""Annual-plan entries: the refusal rules, numbering across amendments and conversion to rows and reads.

Refusals (422, every problem listed in ``problems``, the first one's code as the response's ``code``):
``plan_item_not_found``, ``plan_item_not_published``, ``plan_item_of_other_unit``,
``plan_frequency_above_cap`` (more times a year than the item's yearly cap per enterprise),
``plan_no_disturbance_onsite`` (a 无事不扰 item — category no_disturbance or in the published library — as a
routine on-site target; it may be planned non-site, or as 专项 work, which the builder still keeps off-site),
``plan_item_not_nonsite_capable`` (a non-site entry on an item that cannot be inspected non-site),
``plan_enterprise_not_found`` (a named USCC that is not in the registry).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.errors import RuleViolation
from api.plans.bulk import to_json
from api.plans.inputs import entry_id
from api.plans.schemas import PlanEntryIn, PlanEntryRead
from models.enums import ItemCategory, ListStatus
from models.plan_tables import AnnualPlanEntry
from models.tables import Enterprise, Item, LibraryEntry
from models.values import json_list
from schedules import PlanKind


async def validate_entries(unit_id: int, entries: Sequence[PlanEntryIn]) -> None:
    codes = sorted({code for entry in entries for code in entry.item_codes})
    rows = await Item.select(
        Item.code, Item.unit, Item.status, Item.yearly_cap, Item.category, Item.nonsite_capable
    ).where(Item.code.is_in(codes or [""]))
    found = {r["code"]: r for r in rows}
    library = {
        r["code"]
        for r in await LibraryEntry.select(LibraryEntry.item._.code.as_alias("code")).where(
            (LibraryEntry.status == ListStatus.published.value) & LibraryEntry.item._.code.is_in(codes or [""])
        )
    }
    named = sorted({uscc for entry in entries for uscc in entry.usccs})
    known = {r["uscc"] for r in await Enterprise.select(Enterprise.uscc).where(Enterprise.uscc.is_in(named or [""]))}
    problems: list[dict[str, str]] = []

    def refuse(index: int, code: str, message: str) -> None:
        problems.append({"code": code, "field": f"entries[{index}]", "message": message})

    for index, entry in enumerate(entries):
        for code in dict.fromkeys(entry.item_codes):
            item = found.get(code)
            if item is None:
                refuse(index, "plan_item_not_found", f"Item {code} is not on the inspection item list.")
                continue
            if item["status"] != ListStatus.published.value:
                refuse(index, "plan_item_not_published", f"Item {code} is not published ({item['status']}).")
            if item["unit"] != unit_id:
                refuse(index, "plan_item_of_other_unit", f"Item {code} belongs to another unit.")
            if entry.frequency > item["yearly_cap"]:
                message = f"{entry.frequency} times a year is above item {code}'s cap of {item['yearly_cap']}."
                refuse(index, "plan_frequency_above_cap", message)
            no_disturbance = item["category"] == ItemCategory.no_disturbance.value or code in library
            if no_disturbance and entry.onsite and entry.kind == PlanKind.routine:
                message = f"Item {code} is 无事不扰: no routine on-site inspection (plan it non-site)."
                refuse(index, "plan_no_disturbance_onsite", message)
            if not entry.onsite and not item["nonsite_capable"]:
                refuse(index, "plan_item_not_nonsite_capable", f"Item {code} cannot be inspected non-site.")
        for uscc in entry.usccs:
            if uscc not in known:
                refuse(index, "plan_enterprise_not_found", f"No enterprise with 统一社会信用代码 {uscc}.")
    if problems:
        first = problems[0]
        detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise RuleViolation(detail, code=first["code"], field=first["field"], problems=problems)


def entry_numbers(entries: Sequence[PlanEntryIn], used_before: int) -> list[int]:
    """Given numbers are kept (each once); the others continue after every number used so far."""
    given = [entry.entry_no for entry in entries if entry.entry_no is not None]
    if len(given) != len(set(given)):
        raise RuleViolation("Each entry number may be given once.", code="plan_entry_no_duplicate", field="entries")
    following = max([used_before, *given]) + 1
    numbers = []
    for entry in entries:
        if entry.entry_no is None:
            numbers.append(following)
            following += 1
        else:
            numbers.append(entry.entry_no)
    return numbers


def entry_rows(plan_id: int, entries: Sequence[PlanEntryIn], used_before: int) -> list[AnnualPlanEntry]:
    numbers = entry_numbers(entries, used_before)
    return [
        AnnualPlanEntry(
            plan=plan_id,
            entry_no=numbers[index],
            item_codes=to_json(list(dict.fromkeys(entry.item_codes))),
            industry_prefixes=to_json(entry.industry_prefixes),
            risk_grades=to_json([str(grade) for grade in entry.risk_grades]),
            above_scale_only=entry.above_scale_only,
            usccs=to_json(sorted(set(entry.usccs))),
            frequency=entry.frequency,
            kind=str(entry.kind),
            onsite=entry.onsite,
            note=entry.note,
        )
        for index, entry in enumerate(entries)
    ]


def copied_rows(plan_id: int, rows: Sequence[dict[str, Any]]) -> list[AnnualPlanEntry]:
    """An amendment starts from the amended version's entries, numbers kept."""
    return [
        AnnualPlanEntry(
            plan=plan_id,
            entry_no=row["entry_no"],
            item_codes=to_json(json_list(row["item_codes"])),
            industry_prefixes=to_json(json_list(row["industry_prefixes"])),
            risk_grades=to_json(json_list(row["risk_grades"])),
            above_scale_only=bool(row["above_scale_only"]),
            usccs=to_json(json_list(row["usccs"])),
            frequency=row["frequency"],
            kind=row["kind"],
            onsite=bool(row["onsite"]),
            note=row["note"],
        )
        for row in rows
    ]


def entry_read(row: dict[str, Any], unit_code: str, year: int) -> PlanEntryRead:
    return PlanEntryRead(
        entry_no=row["entry_no"],
        entry_id=entry_id(unit_code, year, row["entry_no"]),
        item_codes=json_list(row["item_codes"]),
        frequency=row["frequency"],
        kind=PlanKind(row["kind"]),
        onsite=bool(row["onsite"]),
        industry_prefixes=json_list(row["industry_prefixes"]),
        risk_grades=json_list(row["risk_grades"]),
        above_scale_only=bool(row["above_scale_only"]),
        usccs=json_list(row["usccs"]),
        note=row["note"],
    )


def entry_in(row: dict[str, Any]) -> PlanEntryIn:
    """A stored entry as input again, e.g. to re-check it against the lists at submission."""
    read = entry_read(row, "", 0)
    return PlanEntryIn(
        item_codes=read.item_codes,
        frequency=read.frequency,
        kind=read.kind,
        onsite=read.onsite,
        usccs=read.usccs,
        entry_no=read.entry_no,
    )
