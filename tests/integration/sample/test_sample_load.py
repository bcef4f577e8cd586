"""Loading the sample district into a throw-away SQLite file through the Piccolo tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.sample import DEMO_PASSWORD, SampleDistrict, generate_district
from api.sample.load import load_sample
from models import db
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


def cheap_hash(password: str) -> str:
    return "x" + password


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[None]:
    previous = db.current_engine()
    db.bind_engine(db.engine_from_url(f"sqlite:///{tmp_path}/t.sqlite3"))
    await db.create_schema()
    yield
    db.bind_engine(previous)


@pytest.fixture(scope="module")
def district() -> SampleDistrict:
    return generate_district()


async def test_load_writes_every_list_and_refuses_a_second_load(sqlite_db: None, district: SampleDistrict) -> None:
    counts = await load_sample(district, password_hasher=cheap_hash, now=dt.datetime.now(dt.UTC))

    assert counts["units"] == 47 and counts["items"] == 403 and counts["scenarios"] == 111
    assert counts["library"] == 61 and counts["certified_inspectors"] == 1510 and counts["users"] == 22
    assert await Unit.count() == 47
    assert await Unit.count().where(Unit.kind == "department") == 30
    assert await Unit.count().where(Unit.kind == "street_office") == 14
    assert await Unit.count().where(Unit.kind == "other") == 3
    assert await Unit.count().where(Unit.sample.eq(False)) == 0
    assert await Inspector.count().where(Inspector.is_auxiliary.eq(False)) == 1510
    assert await Inspector.count().where(Inspector.is_auxiliary.eq(True)) == 40
    assert (
        await Inspector.count().where(Inspector.unit.kind == "street_office", Inspector.is_auxiliary.eq(False)) == 184
    )
    assert await Enterprise.count() == 3000
    assert await Enterprise.count().where(Enterprise.sample.eq(True), Enterprise.name.like("%（样例）")) == 3000
    assert await Item.count() == 403
    assert await Item.count().where(Item.category == "no_disturbance") == 61
    assert await Item.count().where(Item.status == "published", Item.sample.eq(True)) == 403
    assert await Scenario.count() == 111
    assert await LibraryEntry.count() == 61
    assert await LibraryEntry.count().where(LibraryEntry.item.category == "no_disturbance") == 61

    for list_name, size in (("items", 403), ("scenarios", 111), ("library", 61)):
        rows = await CatalogueChange.select(CatalogueChange.list_version).where(CatalogueChange.list_name == list_name)
        assert sorted(r["list_version"] for r in rows) == list(range(1, size + 1))
    heads = {r["name"]: r["version"] for r in await ListHead.select(ListHead.name, ListHead.version)}
    assert heads == {"items": 403, "scenarios": 111, "library": 61}
    facts = {r["key"]: r["value"] for r in await DatasetInfo.select(DatasetInfo.key, DatasetInfo.value)}
    assert facts == {
        "dataset": "sample",
        "sample_seed": "2026",
        "sample_generated_by": "api.sample.generate",
        "sample_as_of": "2026-11-26",
        "sample_enterprises": "3000",
    }

    first = (
        await CatalogueChange.objects()
        .where(CatalogueChange.list_name == "scenarios")
        .order_by(CatalogueChange.list_version)
        .first()
    )
    assert first is not None
    scenario = district.scenarios[0]
    assert (first.record_code, first.record_version, first.action) == (scenario.code, 1, "create")
    assert (first.actor, first.reason) == ("sample-generator", "sample data generated (样例数据)")
    snapshot = (
        await CatalogueChange.select(CatalogueChange.snapshot)
        .where(CatalogueChange.id == first.id)
        .output(load_json=True)
        .first()
    )
    assert snapshot is not None
    assert snapshot["snapshot"]["lead_unit_code"] == scenario.lead_unit_code
    assert snapshot["snapshot"]["item_codes"] == list(scenario.item_codes)

    stored = (
        await Scenario.select(Scenario.item_codes, Scenario.industry_codes, Scenario.lead_unit.code)
        .where(Scenario.code == scenario.code)
        .output(load_json=True)
        .first()
    )
    assert stored == {
        "item_codes": list(scenario.item_codes),
        "industry_codes": list(scenario.industry_codes),
        "lead_unit.code": scenario.lead_unit_code,
    }
    entry = await LibraryEntry.select(LibraryEntry.triggers, LibraryEntry.item.code).output(load_json=True).first()
    assert entry is not None and {"complaint", "monitoring"} <= set(entry["triggers"])

    demo = (
        await User.select(
            User.username, User.password_hash, User.role, User.unit.code, User.inspector.cert_no, User.uscc
        )
        .where(User.username == "inspector-1")
        .first()
    )
    assert demo is not None and demo["role"] == "inspector" and demo["unit.code"] == "U-D21"
    assert demo["password_hash"] == cheap_hash(DEMO_PASSWORD)
    assert demo["inspector.cert_no"] == next(u.inspector_cert_no for u in district.users if u.username == "inspector-1")
    firm = await User.select(User.uscc, User.role).where(User.username == "enterprise-1").first()
    assert firm == {"uscc": next(f.uscc for f in district.enterprises if not f.whitelisted), "role": "enterprise"}

    with pytest.raises(RuntimeError, match="already has 47 units"):
        await load_sample(district, password_hasher=cheap_hash, now=dt.datetime.now(dt.UTC))
    assert await Unit.count() == 47 and await Item.count() == 403 and await CatalogueChange.count() == 575


async def test_existing_accounts_are_kept(sqlite_db: None) -> None:
    await User.insert(User(username="admin", password_hash="real", role="admin", created_at=dt.datetime.now(dt.UTC)))
    counts = await load_sample(
        generate_district(enterprises=10), password_hasher=cheap_hash, now=dt.datetime.now(dt.UTC)
    )
    assert counts["users"] == 21 and counts["enterprises"] == 10
    assert await User.select(User.password_hash).where(User.username == "admin").first() == {"password_hash": "real"}
