"""A province of data (issue 17, part 4): N× the SAMPLE district on PostgreSQL, and what its size costs.

    .venv/bin/python bench/bench_province.py --scale 10      # or: make bench-province SCALE=10

N ∈ {1, 10, 100}. Everything is SYNTHETIC (样例数据, every enterprise name ends with "（样例）"):

1. a fresh ``ruqi_bench_*`` database, ``ruqi migrate`` (the schema the migrations build, the verification log
   partitioned by month), then ``ruqi seed --enterprises N×3000 --history-years 5``: the district's 47 units and
   1,510 inspectors, N×3,000 enterprises, five years of visits and non-site records at N× the district's yearly
   volume (COPY through ``api.sample.bulk``), this year's annual plans and published months built through the plan
   services, every link of the audit chain computed as the services would have appended it;
2. verification logs to match: each carried-out visit's code checked 1–3 times by the enterprise around the
   arrival (plus ~3 % failed checks), COPYed month by month into the partitioned table, each month folded into a
   ``verification.digest`` of the audit chain as a checkpoint run would; then a signed checkpoint (which verifies
   the whole chain: the full-verify figure);
3. measured, warm, median of ``--rounds``: a year of metrics for everything, one unit's month, audit verify from
   the last checkpoint after a day's worth of new events, the public schedule and every paged list (first page
   and last page), each through the app in process (Litestar's test client: routing, auth, serialisation).

The database is dropped afterwards, also on Ctrl-C or SIGTERM; ``bench/results/province_<N>x.json`` keeps the
figures. ``--keep`` keeps it instead (``ruqi_bench_province_<N>x``, with its data directory in
``var/bench-province-<N>x``) and ``--reuse`` measures that kept data set again after ``ruqi migrate``: the 100×
data set takes most of an hour to load, its measurement minutes, so a code change is measured without reloading.

Units and inspectors are not multiplied: a "province" here is one district N times as dense, the harder
case for a unit's month (N× the visits per unit).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from litestar.testing import TestClient

from api.app import create_app
from api.audit import chain as audit
from api.audit.chain import audit_keyring, make_checkpoint, verify_chain
from api.audit.digest import digest_mismatches
from api.audit.folding import fold_verifications
from api.clock import LOCAL_TZ
from api.cursor import encode_cursor
from api.metrics import alerts as warn
from api.metrics import counts
from api.metrics.rollup import roll_up_closed
from api.metrics.service import compute_metrics
from api.metrics.sql import onsite_cte
from api.sample.generate import DEMO_PASSWORD
from api.settings import Settings
from bench.common import (
    create_pg_database,
    drop_pg_database,
    exit_cleanly_on_sigterm,
    pg_database,
    pg_dsn,
    ruqi,
    ruqi_env,
)
from models.audit_tables import AuditEvent
from models.db import write_transaction
from models.partitions import ensure_month_partitions
from models.visit_tables import VerificationLog, Visit

RESULTS = Path(__file__).resolve().parent / "results"
KEPT = Path(__file__).resolve().parents[1] / "var"
LOADED = "loaded.json"  # in a kept data set's directory: loading finished (and its figures)
GB_PER_SCALE = 0.12  # database size per 1× (measured: ~0.1 GB), with room for the WAL and indexes
LOG_COLUMNS = ["at", "visit_id", "outcome", "channel", "client"]
CLIENTS = ("223.104.12.0/24 微信", "112.224.5.0/24 Chrome", "39.88.140.0/24 Safari", "27.194.33.0/24 支付宝")
FAILED = ("malformed", "bad_signature", "expired", "cancelled")
NEW_EVENTS = 2_000  # a busy day's links after the checkpoint, at every scale
NEW_CHECKS = 5_000  # and a day's code checks
UNIT = "U-D21"  # 市场监管: the unit with most visits
LISTS = (
    "/api/v1/visits",
    "/api/v1/enterprises",
    "/api/v1/verifications",
    "/api/v1/audit/events",
    "/api/v1/nonsite/records",
    "/api/v1/ratings",
    "/api/v1/complaints",
    "/api/v1/unfiled-attempts",
    "/api/v1/inspectors",
    "/api/v1/items",
)


def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return done.stdout.strip() + ("+dirty" if dirty.strip() else "")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def summary(seconds: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "best_ms": round(min(seconds) * 1000, 1),
        "worst_ms": round(max(seconds) * 1000, 1),
    }


async def timed(rounds: int, work: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    await work()  # warm: the first run reads pages from disk and plans the statements
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        await work()
        seconds.append(time.perf_counter() - started)
    return summary(seconds)


# -- the verification log ------------------------------------------------------------------------------------
def _month(at: dt.datetime) -> dt.date:
    return at.astimezone(LOCAL_TZ).date().replace(day=1)


async def load_verification_log(now: dt.datetime, seed: int) -> dict[str, Any]:
    """1–3 checks of each carried-out visit's code around its arrival, plus failed checks; month by month, each
    month folded into a digest of the audit chain (as the nightly checkpoint does)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    visits = await Visit.select(Visit.id, Visit.checked_in_at).where(Visit.checked_in_at.is_not_null())
    by_month: dict[dt.date, list[tuple[Any, ...]]] = defaultdict(list)
    for v in visits:
        arrival: dt.datetime = v["checked_in_at"]
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            at = arrival - dt.timedelta(seconds=rng.randint(-600, 1200))
            by_month[_month(at)].append((at, v["id"], "valid", rng.choice(("page", "json")), rng.choice(CLIENTS)))
        if rng.random() < 0.03:
            at = arrival + dt.timedelta(minutes=rng.randint(1, 90))
            by_month[_month(at)].append((at, None, rng.choice(FAILED), "page", rng.choice(CLIENTS)))
    months = sorted(by_month)
    await ensure_month_partitions(months[0], now.astimezone(LOCAL_TZ).date())
    engine = VerificationLog._meta.db
    rows = folded = 0
    for month in months:
        records = sorted(by_month[month], key=lambda r: r[0])  # ids in time order, as the app logs them
        async with engine.pool.acquire() as conn:  # type: ignore[attr-defined]
            await conn.copy_records_to_table("verification_log", records=records, columns=LOG_COLUMNS)
        rows += len(records)
        month_end = dt.datetime.combine((month + dt.timedelta(days=32)).replace(day=1), dt.time(2), tzinfo=LOCAL_TZ)
        folded += await fold_verifications(min(month_end, now))
    await VerificationLog.raw("ANALYZE verification_log")
    return {"rows": rows, "months": len(months), "digested": folded, "seconds": round(time.perf_counter() - started, 1)}


async def a_day_since_the_checkpoint(now: dt.datetime, seed: int) -> None:
    """``NEW_EVENTS`` links (through ``api.audit.chain.append``, 100 a transaction) and ``NEW_CHECKS`` code checks
    folded into one digest: what tonight's verify-from-checkpoint has to read."""
    rng = random.Random(seed)
    for batch in range(NEW_EVENTS // 100):
        async with write_transaction():
            for n in range(100):
                body = {"bench": True, "n": batch * 100 + n, "visit_id": rng.randint(1, 1000), "at": now}
                await audit.append("bench.event", "bench", f"visit:{body['visit_id']}", body, at=now)
    checks = [
        (now - dt.timedelta(seconds=rng.randint(0, 80_000)), rng.randint(1, 1000), "valid", "page", CLIENTS[0])
        for _ in range(NEW_CHECKS)
    ]
    async with VerificationLog._meta.db.pool.acquire() as conn:  # type: ignore[attr-defined]
        await conn.copy_records_to_table(
            "verification_log", records=sorted(checks, key=lambda r: r[0]), columns=LOG_COLUMNS
        )
    await fold_verifications(now)


# -- metrics -------------------------------------------------------------------------------------------------
async def metric_parts(first: dt.date, last: dt.date, unit_id: int | None, rounds: int) -> dict[str, Any]:
    """Each query of ``compute_metrics`` on its own (they run concurrently there), to name the slow one."""
    start = dt.datetime.combine(first, dt.time(0), tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL_TZ)
    from api.metrics.period import Period, PeriodKind
    from api.policies import FilingPolicy

    period = Period(PeriodKind.custom, first, last + dt.timedelta(days=1))  # Period.end is exclusive
    parts: dict[str, Callable[[], Awaitable[Any]]] = {
        "onsite_totals": lambda: counts.onsite_totals(start, end, unit_id),
        "onsite_per_unit": lambda: counts.onsite_per_unit(start, end, unit_id),
        "nonsite_per_unit": lambda: counts.nonsite_per_unit(start, end, unit_id),
        "onsite_per_month": lambda: counts.onsite_per_month(start, end, unit_id),
        "nonsite_per_month": lambda: counts.nonsite_per_month(start, end, unit_id),
        "plan_execution": lambda: counts.plan_execution(start, end, unit_id),
        "rating_counts": lambda: counts.rating_counts(start, end, unit_id),
        "frequency": lambda: warn.frequency(period, unit_id, FilingPolicy()),
        "caps_reached": lambda: warn.caps_reached(period, unit_id, FilingPolicy().unit_yearly_cap),
        "low_yield": lambda: warn.low_yield(period, unit_id),
        "unfiled_attempts": lambda: warn.unfiled_attempts(period, unit_id),
        "backfilled_scans": lambda: warn.backfilled_scans(period, unit_id),
        "offsite_scans": lambda: warn.offsite_scans(period, unit_id),
    }
    return {name: (await timed(rounds, work))["median_ms"] for name, work in parts.items()}


async def explain(sql: str, *args: Any) -> list[str]:
    """EXPLAIN ANALYZE of one statement (``{}`` marks parameters): the plan lines, to name a slow step."""
    rows = await Visit.raw(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
    return [str(next(iter(r.values()))) for r in rows]


async def measure_metrics(now: dt.datetime, rounds: int) -> dict[str, Any]:
    today = now.astimezone(LOCAL_TZ).date()
    year = today.year - 1
    # Last year's month before the current one: a month of the N× history (this year's planned visits come from
    # the district's plans, which do not grow with N).
    before = today.replace(day=1) - dt.timedelta(days=1)
    month_first = dt.date(year, before.month, 1)
    month_last = (month_first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    month_end = month_last + dt.timedelta(days=1)  # compute_metrics takes the day after the period
    unit_row = await Visit.raw("SELECT id FROM unit WHERE code = {}", UNIT)
    unit_id = int(unit_row[0]["id"])
    visits_in_year = await Visit.count().where(Visit.year == year)
    visits_in_month = await Visit.count().where(
        (Visit.window_start >= dt.datetime.combine(month_first, dt.time(0), tzinfo=LOCAL_TZ))
        & (Visit.window_start < dt.datetime.combine(month_last + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL_TZ))
    )
    out: dict[str, Any] = {
        "year": year,
        "visits_in_year": visits_in_year,
        "month": month_first.isoformat()[:7],
        "visits_in_month": visits_in_month,
    }
    # The nightly job (``ruqi metrics-rollup``): every closed month's totals counted and stored, as the first time
    # (a --reuse run finds them stored by the run before: marked out of date here, they are all counted again).
    await Visit.raw("UPDATE metrics_month_state SET version = version + 1")
    started = time.perf_counter()
    out["rollup_months"] = await roll_up_closed(today.replace(day=1))
    out["rollup_s"] = round(time.perf_counter() - started, 1)
    out["year_all_units"] = await timed(
        rounds, lambda: compute_metrics(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), None, now=now)
    )
    out["unit_month"] = await timed(rounds, lambda: compute_metrics(month_first, month_end, UNIT, now=now))

    async def after_a_change(month: dt.date, read: Callable[[], Awaitable[Any]]) -> Any:
        """What a read costs right after a change to one of its closed months (that month is counted again)."""
        await Visit.raw("UPDATE metrics_month_state SET version = version + 1 WHERE month = {}", month.isoformat())
        return await read()

    # Each round marks the month out of date first (one UPDATE, timed with the read).
    out["year_after_one_month_changed"] = await timed(
        rounds,
        lambda: after_a_change(
            month_first, lambda: compute_metrics(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), None, now=now)
        ),
    )
    out["unit_month_after_a_change"] = await timed(
        rounds, lambda: after_a_change(month_first, lambda: compute_metrics(month_first, month_end, UNIT, now=now))
    )
    start = dt.datetime.combine(month_first, dt.time(0), tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(month_last + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL_TZ)
    cte, args = onsite_cte(start, end, unit_id)
    out["plans"] = {
        "unit_month_onsite_totals": await explain(
            f"WITH {cte}, {counts._STATS_CTES} SELECT {counts._STATS_COLUMNS} FROM onsite o {counts._STATS_JOINS}",
            *args,
            False,
        ),
        "visit_list_first_page": await explain("SELECT * FROM visit ORDER BY window_start DESC LIMIT 100 OFFSET 0"),
    }
    out["year_parts_ms"] = await metric_parts(dt.date(year, 1, 1), dt.date(year, 12, 31), None, max(1, rounds // 2))
    out["unit_month_parts_ms"] = await metric_parts(month_first, month_last, unit_id, max(1, rounds // 2))
    return out


# -- audit ---------------------------------------------------------------------------------------------------
async def measure_audit(now: dt.datetime, data_dir: Path, rounds: int, seed: int) -> dict[str, Any]:
    keyring = audit_keyring(data_dir, now)
    events = await AuditEvent.count()
    log_rows = await VerificationLog.count()
    started = time.perf_counter()
    checkpoint = await make_checkpoint(keyring, now)  # verifies everything from seq 1 first
    first = time.perf_counter() - started
    await a_day_since_the_checkpoint(now, seed)

    async def since_checkpoint() -> Any:
        report = await verify_chain(now, keyring=keyring, after_seq=checkpoint.seq, after_hash=checkpoint.head_hash)
        assert report.ok, report
        return report

    report = await since_checkpoint()
    started = time.perf_counter()
    all_digests = await digest_mismatches()
    digests_all = time.perf_counter() - started
    assert all_digests == []
    return {
        "events_at_checkpoint": events,
        "verification_log_rows": log_rows,
        "checkpoint_with_full_verify_s": round(first, 2),
        "since_checkpoint": {"links": report.checked, **await timed(rounds, since_checkpoint)},
        "every_digest_check_s": round(digests_all, 2),
    }


# -- HTTP: the public schedule and the lists -----------------------------------------------------------------
async def last_page_cursor_rows() -> dict[str, str]:
    """For each list that pages by cursor, the cursor whose next page is the list's last 100 rows."""
    visit = await Visit.raw("SELECT window_start, id FROM visit ORDER BY window_start, id LIMIT 1 OFFSET 100")
    record = await Visit.raw("SELECT started_at, id FROM nonsite_record ORDER BY started_at, id LIMIT 1 OFFSET 100")
    log = await Visit.raw("SELECT id FROM verification_log ORDER BY id LIMIT 1 OFFSET 100")
    event = await Visit.raw("SELECT seq FROM audit_event WHERE seq > 0 ORDER BY seq DESC LIMIT 1 OFFSET 100")
    return {
        "/api/v1/visits": encode_cursor(visit[0]["window_start"], visit[0]["id"]),
        "/api/v1/nonsite/records": encode_cursor(record[0]["started_at"], record[0]["id"]),
        "/api/v1/verifications": encode_cursor(log[0]["id"]),
        "/api/v1/audit/events": encode_cursor(event[0]["seq"]),
    }


def measure_http(client: TestClient[Any], now: dt.datetime, rounds: int) -> dict[str, Any]:
    token = client.post("/api/v1/auth/login", json={"username": "supervisor", "password": DEMO_PASSWORD})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    month = now.astimezone(LOCAL_TZ).strftime("%Y-%m")
    last_page_cursors = client.blocking_portal.call(last_page_cursor_rows)

    def get(path: str, auth: bool = True) -> tuple[float, Any]:
        started = time.perf_counter()
        answer = client.get(path, headers=headers if auth else {})
        took = time.perf_counter() - started
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        return took, answer

    def timed_get(path: str, auth: bool = True) -> tuple[dict[str, float], Any]:
        _, answer = get(path, auth)
        return summary([get(path, auth)[0] for _ in range(rounds)]), answer

    out: dict[str, Any] = {}
    for path in (f"/api/v1/public/schedules/{month}", f"/public/schedules/{month}"):
        figures, answer = timed_get(path, auth=False)
        body = answer.json() if path.startswith("/api") else None
        out[path] = {**figures, "bytes": len(answer.content), "rows": len(body["visits"]) if body else None}
    for path in LISTS:
        figures, answer = timed_get(path)
        page = answer.json()
        last = max(0, page["total"] - page["limit"])
        deep, _ = timed_get(f"{path}?offset={last}")
        out[path] = {
            "first": figures,
            "last": deep,
            "total": page["total"],
            "total_exact": page.get("total_exact", True),
            "limit": page["limit"],
        }
        if path in last_page_cursors:
            out[path]["second_by_cursor"], _ = timed_get(f"{path}?after={page['next_after']}")
            out[path]["last_by_cursor"], _ = timed_get(f"{path}?after={last_page_cursors[path]}")
    return out


# -- the run -------------------------------------------------------------------------------------------------
def kept_name(scale: int) -> str:
    return f"ruqi_bench_province_{scale}x"


@contextlib.contextmanager
def data_set(scale: int, keep: bool, reuse: bool) -> Iterator[tuple[str, Path]]:
    """(DSN, data directory): throw-away by default; named and kept with ``--keep``; the kept one with ``--reuse``."""
    if not (keep or reuse):
        with pg_database() as dsn, tempfile.TemporaryDirectory(prefix="ruqi-bench-province-") as tmp:
            yield dsn, Path(tmp)
        return
    data_dir = KEPT / f"bench-province-{scale}x"
    if reuse:
        if not data_dir.is_dir():
            raise SystemExit(f"no kept data set at {data_dir}: run with --keep first")
        yield pg_dsn(kept_name(scale)), data_dir
        return
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    try:
        yield create_pg_database(kept_name(scale)), data_dir
    except BaseException:
        if not (data_dir / LOADED).exists():  # a half-loaded data set is no use to --reuse; a loaded one is kept
            drop_pg_database(kept_name(scale))
            shutil.rmtree(data_dir, ignore_errors=True)
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="N× the sample district (1, 10, 100)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the loaded data set for --reuse")
    parser.add_argument("--reuse", action="store_true", help="measure the data set an earlier --keep loaded")
    args = parser.parse_args()
    exit_cleanly_on_sigterm()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request of the test client otherwise
    free_gb = shutil.disk_usage("/work").free / 1e9
    need_gb = 0 if args.reuse else GB_PER_SCALE * args.scale * 2
    print(f"province {args.scale}×: {free_gb:.0f} GB free on /work, about {need_gb:.1f} GB needed", flush=True)
    if free_gb < need_gb:
        raise SystemExit("not enough disk space")
    out = RESULTS / f"province_{args.scale}x.json"
    results: dict[str, Any] = {
        "scale": args.scale,
        "commit": git_commit(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_start": load_average(),
        "synthetic": "SAMPLE data (样例数据), generated; not real enterprises",
    }
    if args.reuse:  # the loading figures are the earlier run's
        marker = KEPT / f"bench-province-{args.scale}x" / LOADED
        loaded = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}
        results["data_set_loaded_by"] = {k: loaded.get(k) for k in ("commit", "started", "seed_s", "verification_log")}
    with data_set(args.scale, args.keep, args.reuse) as (dsn, data_dir):
        env = ruqi_env(dsn, data_dir, None)
        started = time.perf_counter()
        ruqi(env, "migrate")
        if not args.reuse:
            enterprises = str(3000 * args.scale)
            seeded = ruqi(env, "seed", "--enterprises", enterprises, "--history-years", "5", timeout=6 * 3600)
            results["seed_s"] = round(time.perf_counter() - started, 1)
            results["seed_output"] = seeded.splitlines()[0]
            print(f"seeded in {results['seed_s']} s: {results['seed_output'][:400]}", flush=True)
        app = create_app(Settings.from_env(env))
        with TestClient(app, timeout=3600) as client:
            call = client.blocking_portal.call
            now = app.state.clock.now()
            if not args.reuse:
                results["verification_log"] = call(load_verification_log, now, args.seed)
                print(f"verification log: {results['verification_log']}", flush=True)
                (data_dir / LOADED).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
            results["tables"] = call(table_sizes)
            results["audit"] = call(measure_audit, now, data_dir, args.rounds, args.seed)
            print(f"audit: {json.dumps(results['audit'])}", flush=True)
            results["metrics"] = call(measure_metrics, now, args.rounds)
            print(f"metrics: {json.dumps(results['metrics'])}", flush=True)
            results["http"] = measure_http(client, now, args.rounds)
            print(f"http: {json.dumps(results['http'])}", flush=True)
        results["load_average_at_end"] = load_average()
    RESULTS.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


async def table_sizes() -> dict[str, Any]:
    rows = await Visit.raw(
        "SELECT c.relname AS name, coalesce(s.rows, greatest(c.reltuples, 0)::bigint) AS rows, "
        "coalesce(s.bytes, pg_total_relation_size(c.oid)) AS bytes FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace, LATERAL ("
        "  SELECT sum(greatest(p.reltuples, 0))::bigint AS rows, sum(pg_total_relation_size(t.relid)) AS bytes "
        "  FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf) s "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "ORDER BY 3 DESC LIMIT 12"
    )
    database = await Visit.raw("SELECT pg_database_size(current_database()) AS bytes")
    return {
        "database_mb": round(int(database[0]["bytes"]) / 1e6),
        "largest": {r["name"]: {"rows": int(r["rows"] or 0), "mb": round(int(r["bytes"] or 0) / 1e6)} for r in rows},
    }


if __name__ == "__main__":
    main()
