"""Loading the sample district and its two years of history, on SQLite and on PostgreSQL.

The chain verifies after the bulk load, and the supervisor's metrics show a plausible year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from api.audit.chain import verify_chain
from api.metrics.service import compute_metrics
from api.sample import SampleDistrict, SampleHistory, generate_district, generate_history
from api.sample.history_load import load_history
from api.sample.load import load_sample
from models import db
from models.audit_tables import AuditEvent
from models.nonsite_tables import NonsiteAsset, NonsiteRecord
from models.visit_tables import Complaint, Rating, Scan, UnfiledAttempt, Visit, VisitUnit
from tests.support.databases import create_pg_database, drop_pg_database, pg_dsn

NOW = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)  # the district's reference date


@pytest.fixture(scope="module")
def district() -> SampleDistrict:
    return generate_district()


@pytest.fixture(scope="module")
def history(district: SampleDistrict) -> SampleHistory:
    return generate_history(district)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/t.sqlite3"
        return
    name = create_pg_database()  # synchronous: it runs its own event loop
    try:
        yield pg_dsn(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[str]:
    previous = db.current_engine()
    db.bind_engine(db.engine_from_url(database_url))
    await db.create_schema()
    try:
        yield database_url.split(":", 1)[0]
    finally:
        db.bind_engine(previous)


async def test_history_loads_with_an_intact_chain_and_a_plausible_year(
    database: str, district: SampleDistrict, history: SampleHistory
) -> None:
    await load_sample(district, password_hasher=lambda p: "x" + p, now=dt.datetime.now(dt.UTC))
    counts = await load_history(history, now=NOW)

    assert counts["visits"] == len(history.visits) == await Visit.count()
    assert await VisitUnit.count() == sum(len(v.unit_codes) for v in history.visits)
    assert await Scan.count() == counts["scans"] == sum(v.scan is not None for v in history.visits)
    assert await Scan.count().where(Scan.backfill.eq(True), Scan.backfill_reason == "系统故障补录（样例）") > 0
    assert await Rating.count() == counts["ratings"] and await Complaint.count() == len(history.complaints)
    assert await UnfiledAttempt.count() == len(history.unfiled)
    assert await NonsiteAsset.count().where(NonsiteAsset.sample.eq(True)) == len(history.assets)
    assert await NonsiteRecord.count().where(NonsiteRecord.sample.eq(True)) == len(history.records)
    assert await AuditEvent.count() == counts["audit_events"] + 1  # + "sample.loaded"
    first = await AuditEvent.select(AuditEvent.type, AuditEvent.actor).order_by(AuditEvent.seq).first()
    assert first == {"type": "sample.loaded", "actor": "sample-generator"}
    assert await AuditEvent.count().where(AuditEvent.type == "rating", AuditEvent.actor == "anonymous") == len(
        [v for v in history.visits if v.rating]
    )

    report = await verify_chain(dt.datetime.now(dt.UTC))
    assert report.ok and report.checked == counts["audit_events"] + 1, report

    year = await compute_metrics(dt.date(2026, 1, 1), dt.date(2027, 1, 1), None, now=NOW)
    july = await compute_metrics(dt.date(2026, 7, 1), dt.date(2026, 8, 1), None, now=NOW)
    ecology = await compute_metrics(dt.date(2026, 1, 1), dt.date(2027, 1, 1), "U-O01", now=NOW)
    figures = {
        "onsite": year.inspections.onsite,
        "last_year": year.inspections.yoy_onsite.last_year,
        "yoy": year.inspections.yoy_onsite.change_ratio,
        "joint_rate": year.rates.joint_rate,
        "july_joint_rate": july.rates.joint_rate,
        "scan_rate": year.rates.scan_rate,
        "nonsite_share": year.rates.nonsite_share,
        "ecology_nonsite_share": ecology.rates.nonsite_share,
    }
    print(database, figures)
    assert july.rates.joint_rate is not None and 0.70 <= july.rates.joint_rate <= 0.80, figures
    assert year.rates.scan_rate is not None and year.rates.scan_rate >= 0.99, figures
    assert year.inspections.yoy_onsite.change_ratio is not None, figures
    assert -0.40 <= year.inspections.yoy_onsite.change_ratio <= -0.25, figures
    assert year.rates.nonsite_share is not None and 0.35 <= year.rates.nonsite_share <= 0.45, figures
    assert ecology.rates.nonsite_share is not None and ecology.rates.nonsite_share > 0.45, figures
    assert year.complaints is not None and year.complaints.overdue >= 1
    assert year.ratings is not None and year.ratings.average is not None and year.ratings.average >= 4.0
    assert year.warnings.frequency.day == 0 and not year.warnings.low_yield
