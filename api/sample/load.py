"""Load a generated ``SampleDistrict`` into the database through the Piccolo tables, in one transaction.

The loader refuses to run when any unit exists, so sample data is never loaded twice or mixed into
real data. Every item, scenario and library entry also gets its first ``CatalogueChange`` (version 1,
action "create") and each list its ``ListHead``, exactly as if the records had been created one by one.
One ``sample.loaded`` audit event records the load itself; ``api.sample.history_load`` adds the history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from piccolo.table import Table

from api.audit import chain as audit
from api.sample.generate import DEMO_PASSWORD
from api.sample.records import SampleDistrict, SampleItem, SampleLibraryEntry, SampleScenario
from models.db import write_transaction
from models.enums import CatalogueList, ChangeAction
from models.tables import (
    CatalogueChange,
    DatasetInfo,
    Enterprise,
    Inspector,
    Item,
    LibraryEntry,
    ListHead,
    Scenario,
    Unit,
    User,
)

CHUNK = 500
ACTOR = "sample-generator"
REASON = "sample data generated (样例数据)"
GENERATED_BY = "api.sample.generate"


async def _insert(table: type[Table], rows: Sequence[Table]) -> None:
    for start in range(0, len(rows), CHUNK):
        await table.insert(*rows[start : start + CHUNK])


def item_snapshot(item: SampleItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "unit_code": item.unit_code,
        "legal_basis": item.legal_basis,
        "object": item.object,
        "method": item.method,
        "yearly_cap": item.yearly_cap,
        "nonsite_capable": item.nonsite_capable,
        "category": item.category,
        "status": item.status,
        "version": 1,
    }


def scenario_snapshot(scenario: SampleScenario) -> dict[str, Any]:
    return {
        "code": scenario.code,
        "name": scenario.name,
        "industry_codes": list(scenario.industry_codes),
        "lead_unit_code": scenario.lead_unit_code,
        "item_codes": list(scenario.item_codes),
        "status": scenario.status,
        "version": 1,
    }


def library_snapshot(entry: SampleLibraryEntry) -> dict[str, Any]:
    return {
        "item_code": entry.item_code,
        "triggers": list(entry.triggers),
        "note": entry.note,
        "status": entry.status,
        "version": 1,
    }


def _changes(
    list_name: CatalogueList, records: Iterable[tuple[str, dict[str, Any]]], now: dt.datetime
) -> list[CatalogueChange]:
    return [
        CatalogueChange(
            list_name=list_name.value,
            list_version=version,
            record_code=code,
            record_version=1,
            action=ChangeAction.create.value,
            actor=ACTOR,
            reason=REASON,
            snapshot=snapshot,
            at=now,
        )
        for version, (code, snapshot) in enumerate(records, start=1)
    ]


async def _ids(table: type[Table], key: str) -> dict[str, int]:
    rows = await table.select(table._meta.primary_key, getattr(table, key))
    return {row[key]: row["id"] for row in rows if row[key] is not None}


async def load_sample(
    district: SampleDistrict, *, password_hasher: Callable[[str], str], now: dt.datetime
) -> dict[str, int]:
    """Insert the district; return the number of rows written per kind. Raises RuntimeError if units exist."""
    async with write_transaction():
        existing = await Unit.count()
        if existing:
            raise RuntimeError(
                f"refusing to load sample data: the database already has {existing} units "
                "(sample data is loaded once, into an empty database)"
            )
        await _insert(
            Unit, [Unit(code=u.code, name=u.name, kind=u.kind, parent=None, sample=True) for u in district.units]
        )
        unit_ids = await _ids(Unit, "code")
        people = [
            Inspector(
                name=p.name,
                unit=unit_ids[p.unit_code],
                cert_no=p.cert_no,
                valid_from=p.valid_from,
                valid_to=p.valid_to,
                status=p.status,
                is_auxiliary=p.is_auxiliary,
                sample=True,
            )
            for p in district.inspectors
        ]
        await _insert(Inspector, people)
        firms = [
            Enterprise(
                uscc=f.uscc,
                name=f.name,
                address=f.address,
                latitude=f.latitude,
                longitude=f.longitude,
                industry_code=f.industry_code,
                above_scale=f.above_scale,
                risk_grade=f.risk_grade,
                credit_grade=f.credit_grade,
                whitelisted=f.whitelisted,
                whitelist_reason=f.whitelist_reason,
                whitelist_until=f.whitelist_until,
                sample=True,
            )
            for f in district.enterprises
        ]
        await _insert(Enterprise, firms)
        items = [
            Item(
                code=i.code,
                name=i.name,
                unit=unit_ids[i.unit_code],
                legal_basis=i.legal_basis,
                object=i.object,
                method=i.method,
                yearly_cap=i.yearly_cap,
                nonsite_capable=i.nonsite_capable,
                category=i.category,
                status=i.status,
                version=1,
                updated_at=now,
                sample=True,
            )
            for i in district.items
        ]
        await _insert(Item, items)
        item_ids = await _ids(Item, "code")
        scenarios = [
            Scenario(
                code=s.code,
                name=s.name,
                industry_codes=list(s.industry_codes),
                lead_unit=unit_ids[s.lead_unit_code],
                item_codes=list(s.item_codes),
                status=s.status,
                version=1,
                updated_at=now,
                sample=True,
            )
            for s in district.scenarios
        ]
        await _insert(Scenario, scenarios)
        entries = [
            LibraryEntry(
                item=item_ids[e.item_code],
                triggers=list(e.triggers),
                note=e.note,
                status=e.status,
                version=1,
                updated_at=now,
                sample=True,
            )
            for e in district.library
        ]
        await _insert(LibraryEntry, entries)
        changes = [
            *_changes(CatalogueList.items, ((i.code, item_snapshot(i)) for i in district.items), now),
            *_changes(CatalogueList.scenarios, ((s.code, scenario_snapshot(s)) for s in district.scenarios), now),
            *_changes(CatalogueList.library, ((e.item_code, library_snapshot(e)) for e in district.library), now),
        ]
        await _insert(CatalogueChange, changes)
        heads = {
            CatalogueList.items: len(district.items),
            CatalogueList.scenarios: len(district.scenarios),
            CatalogueList.library: len(district.library),
        }
        await _insert(ListHead, [ListHead(name=name.value, version=version) for name, version in heads.items()])
        facts = {
            "dataset": "sample",
            "sample_seed": str(district.seed),
            "sample_generated_by": GENERATED_BY,
            "sample_as_of": district.reference_date.isoformat(),
            "sample_enterprises": str(len(district.enterprises)),
        }
        await _insert(DatasetInfo, [DatasetInfo(key=key, value=value) for key, value in facts.items()])
        users = await _users(district, unit_ids, password_hasher, now)
        await audit.append(
            "sample.loaded",
            ACTOR,
            "dataset:sample",
            {
                "seed": district.seed,
                "generated_by": GENERATED_BY,
                "units": len(district.units),
                "inspectors": len(people),
                "enterprises": len(firms),
                "items": len(items),
                "scenarios": len(scenarios),
                "library": len(entries),
                "catalogue_version": len(changes),
                "sample": True,
            },
            at=now,
        )
    return {
        "units": len(district.units),
        "inspectors": len(people),
        "certified_inspectors": sum(1 for p in district.inspectors if not p.is_auxiliary),
        "auxiliary_staff": sum(1 for p in district.inspectors if p.is_auxiliary),
        "enterprises": len(firms),
        "items": len(items),
        "scenarios": len(scenarios),
        "library": len(entries),
        "catalogue_changes": len(changes),
        "list_heads": len(heads),
        "dataset_info": len(facts),
        "users": users,
    }


async def _users(
    district: SampleDistrict, unit_ids: dict[str, int], password_hasher: Callable[[str], str], now: dt.datetime
) -> int:
    """Insert the demo accounts that do not exist yet (e.g. an ``admin`` made at first start); return how many."""
    wanted = [u.username for u in district.users]
    if not wanted:
        return 0
    taken = {row["username"] for row in await User.select(User.username).where(User.username.is_in(wanted))}
    inspector_ids = await _ids(Inspector, "cert_no")
    # One hash for all: every demo account has the same, documented password, so per-account salts hide nothing.
    password_hash = password_hasher(DEMO_PASSWORD)
    rows = [
        User(
            username=u.username,
            password_hash=password_hash,
            role=u.role,
            unit=unit_ids[u.unit_code] if u.unit_code else None,
            inspector=inspector_ids[u.inspector_cert_no] if u.inspector_cert_no else None,
            uscc=u.uscc,
            created_at=now,
        )
        for u in district.users
        if u.username not in taken
    ]
    await _insert(User, rows)
    return len(rows)
