"""The verify path's prebuilt SQL (models/fastsql.py): same values and types as the Piccolo select it replaced,
the folded revocation and rating checks, the log row, transactions and the no-pool fallback (both backends)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from piccolo.engine.postgres import PostgresEngine

from api.verification import service as verification
from models.db import current_engine, write_transaction
from models.fastsql import PrebuiltSQL
from models.tables import Inspector
from models.visit_tables import CodeRevocation, VerificationLog, Visit
from qr import VisitClaims
from tests.support.api import Api
from tests.support.verification import code_of, current_visit, in_app, set_status, verify


async def _piccolo_row(visit_id: int) -> dict[str, Any] | None:
    """What ``_load_visit`` returned before: every column of the visit plus its enterprise's name and USCC."""
    return await (
        Visit.select(
            *Visit.all_columns(),
            Visit.enterprise._.name.as_alias("enterprise_name"),
            Visit.enterprise._.uscc.as_alias("enterprise_uscc"),
        )
        .where(Visit.id == visit_id)
        .first()
    )


def _issued_at(api: Api, visit_id: int) -> dt.datetime:
    row = api.get(f"/api/v1/visits/{visit_id}", as_="supervisor").json()
    return dt.datetime.fromisoformat(row["code_issued_at"])


def _claims(visit_id: int, issued: dt.datetime) -> VisitClaims:
    """Just what ``_load_visit`` reads of a code: the visit and its issue time."""
    return VisitClaims(
        issuer="ruqi",
        visit_id=visit_id,
        uscc="",
        not_before=issued,
        expires_at=issued + dt.timedelta(hours=1),
        issued_at=issued,
        cert_numbers=(),
        item_codes=(),
    )


async def _load(visit_id: int, issued: dt.datetime) -> dict[str, Any] | None:
    return await verification._load_visit(_claims(visit_id, issued), dt.datetime.now(dt.UTC))


def test_placeholders_are_numbered_for_asyncpg() -> None:
    sql = PrebuiltSQL(Visit, "SELECT id FROM visit WHERE id = {} AND status = {}")
    assert sql.pg_text == "SELECT id FROM visit WHERE id = $1 AND status = $2"
    assert sql.template == "SELECT id FROM visit WHERE id = {} AND status = {}"
    for named in ("SELECT {0}", "SELECT {id}"):
        with pytest.raises(ValueError):
            PrebuiltSQL(Visit, named)


def test_fast_read_has_the_values_and_types_of_the_piccolo_select(api: Api) -> None:
    visit = current_visit(api)
    issued = _issued_at(api, visit["id"])
    now = dt.datetime.now(dt.UTC).replace(microsecond=123456)
    set_status(api, visit["id"], "checked_out", checked_in_at=now, checked_out_at=now, is_emergency=True)

    async def both() -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        return await _load(visit["id"], issued), await _piccolo_row(visit["id"])

    fast, slow = in_app(api, both)
    assert fast is not None and slow is not None
    shared = set(fast) - {"revoked", "people_invalid"}
    assert shared <= set(slow) and {"window_start", "is_emergency", "enterprise_uscc", "lead_unit"} <= shared
    for key in sorted(shared):
        assert fast[key] == slow[key], key
        assert type(fast[key]) is type(slow[key]), key
    for key in ("window_start", "window_end", "code_issued_at", "checked_in_at", "checked_out_at"):
        assert fast[key].utcoffset() == dt.timedelta(0), key  # aware UTC on both engines
    assert fast["checked_out_at"] == now and fast["is_emergency"] is True
    assert fast["revoked"] is None and fast["people_invalid"] is False
    assert in_app(api, _load, 2**31 - 1, issued) is None


def test_revocations_and_people_are_read_with_the_visit(api: Api) -> None:
    visit = current_visit(api)
    issued = _issued_at(api, visit["id"])
    end = dt.datetime.fromisoformat(visit["window_end"])

    async def revoke(moment: dt.datetime, reason: str = "cancelled") -> None:
        await CodeRevocation.insert(
            CodeRevocation(visit=visit["id"], revoked_before=moment, reason=reason, at=moment, expires_at=end)
        )

    async def flags(at: dt.datetime) -> tuple[str | None, bool]:
        row = await _load(visit["id"], at)
        assert row is not None
        return row["revoked"], row["people_invalid"]

    assert in_app(api, flags, issued) == (None, False)
    in_app(api, revoke, issued - dt.timedelta(seconds=1))
    assert in_app(api, flags, issued) == (None, False)  # revoked before this code was issued
    assert in_app(api, flags, issued - dt.timedelta(seconds=1)) == ("cancelled", False)
    in_app(api, revoke, issued, "inspector")
    assert in_app(api, flags, issued) == ("inspector", False)

    async def suspend() -> None:
        await Inspector.update({Inspector.status: "suspended"}).where(Inspector.cert_no == "MKT-C2")

    in_app(api, suspend)
    assert in_app(api, flags, issued + dt.timedelta(seconds=1)) == (None, True)


def test_the_log_row_is_written_as_before(api: Api) -> None:
    visit = current_visit(api)
    verify(api, code_of(api, visit["id"]))

    async def latest() -> dict[str, Any] | None:
        return await VerificationLog.select().order_by(VerificationLog.id, ascending=False).first()

    row = in_app(api, latest)
    assert row is not None
    assert (row["visit_id"], row["outcome"], row["channel"], row["client"]) == (
        visit["id"],
        "valid",
        "json",
        "unknown other",
    )
    assert row["at"].utcoffset() == dt.timedelta(0)
    assert abs(row["at"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_prebuilt_sql_runs_in_the_current_transaction(api: Api) -> None:
    class Rollback(Exception):
        pass

    async def count() -> int:
        return int(await VerificationLog.count())

    async def insert_then_roll_back() -> int:
        seen = -1
        try:
            async with write_transaction():
                await verification._LOG_SQL.execute(dt.datetime.now(dt.UTC), None, "malformed", "json", "tx")
                seen = await VerificationLog.count()
                raise Rollback
        except Rollback:
            pass
        return seen

    before = in_app(api, count)
    assert in_app(api, insert_then_roll_back) == before + 1  # the insert ran on the transaction's connection
    assert in_app(api, count) == before


def test_without_a_pool_it_goes_through_piccolo(api: Api) -> None:
    visit = current_visit(api)
    issued = _issued_at(api, visit["id"])

    async def read_without_pool() -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        engine = current_engine()
        pool = getattr(engine, "pool", None)
        if isinstance(engine, PostgresEngine):
            assert pool is not None  # the app's lifespan opened it: this test takes it away for one call
            engine.pool = None
        try:
            fast = await _load(visit["id"], issued)
        finally:
            if isinstance(engine, PostgresEngine):
                engine.pool = pool
        return fast, await _piccolo_row(visit["id"])

    fast, slow = in_app(api, read_without_pool)
    assert fast is not None and slow is not None and fast["revoked"] is None
    for key in set(fast) - {"revoked", "people_invalid"}:
        assert fast[key] == slow[key] and type(fast[key]) is type(slow[key]), key
