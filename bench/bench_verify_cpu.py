"""CPU per public verification in-process, against one bare asyncpg primary-key select on the same pool.

    .venv/bin/python bench/bench_verify_cpu.py [--n 2000] [--rounds 3] [--enterprises 20]

Starts on loopback a throw-away PostgreSQL database and Redis key prefix (bench/common.py), ``ruqi migrate`` +
``ruqi seed``, one ``ruqi run`` worker only long enough to file and approve a visit through the API
(bench/fixtures.py), then — in this process, one event loop (uvloop, as the server runs), the app's pool size —
times with ``time.process_time``:

- ``verify_visit_code`` (api/verification/service.py) on the fixture's valid code, N calls in a row: the
  service as the handlers call it (token check, visit read, log row), without HTTP, Litestar or rate limiting;
- ``pool.fetchrow('SELECT id, status, window_start FROM visit WHERE id = $1')``, N calls in a row.

Prints CPU ms per call of each (best and median of the rounds) and the ratio verify / bare select. The database,
the Redis keys and the temporary directory are removed on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.metadata
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from piccolo.engine.postgres import PostgresEngine

from api.context import ServiceContext
from api.settings import Settings
from api.verification.service import verify_visit_code
from bench import common, fixtures, report
from models.db import bind_engine, engine_from_url
from qr import KeyRing

BARE_SQL = "SELECT id, status, window_start FROM visit WHERE id = $1"
WARMUP = 200


async def _cpu_ms_per_call(call: Callable[[], Awaitable[object]], n: int) -> float:
    for _ in range(WARMUP):
        await call()
    started = time.process_time()
    for _ in range(n):
        await call()
    return (time.process_time() - started) * 1000 / n


async def _measure(dep: common.Deployment, visit: fixtures.VisitFixture, n: int, rounds: int) -> dict[str, list[float]]:
    engine = engine_from_url(dep.database_url)
    assert isinstance(engine, PostgresEngine)
    bind_engine(engine)
    await engine.start_connection_pool(min_size=common.PG_POOL_MIN, max_size=common.PG_POOL_MAX)
    try:
        settings = Settings(database_url=dep.database_url, data_dir=dep.data_dir)
        env = ServiceContext(
            keyring=KeyRing.load_or_create(dep.data_dir / "keys", dt.datetime.now(dt.UTC)),
            policy=settings.filing_policy,
            public_base_url=common.PUBLIC_BASE_URL,
        )
        pool = engine.pool
        assert pool is not None

        async def verify() -> object:
            view = await verify_visit_code(
                visit.code_token, env, dt.datetime.now(dt.UTC), channel="json", client="bench/in-process"
            )
            if not view.valid:
                raise RuntimeError(f"the fixture's code does not verify as valid: {view.outcome}")
            return view

        async def bare() -> object:
            return await pool.fetchrow(BARE_SQL, visit.visit_id)

        figures: dict[str, list[float]] = {"verify": [], "bare": []}
        for number in range(1, rounds + 1):
            figures["verify"].append(await _cpu_ms_per_call(verify, n))
            figures["bare"].append(await _cpu_ms_per_call(bare, n))
            print(
                f"round {number}: verify_visit_code {figures['verify'][-1]:.3f} ms CPU/call, "
                f"bare fetchrow {figures['bare'][-1]:.3f} ms CPU/call"
            )
        logged = await pool.fetchval("SELECT count(*) FROM verification_log WHERE visit_id = $1", visit.visit_id)
        expected = rounds * (n + WARMUP)
        if logged < expected:
            raise RuntimeError(f"{logged} verification-log rows for {expected} verifications")
        return figures
    finally:
        await engine.close_connection_pool()


def _run(coro: Awaitable[dict[str, list[float]]]) -> dict[str, list[float]]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        print("event loop: asyncio (uvloop not installed)")
        return asyncio.run(coro)  # type: ignore[arg-type]
    print("event loop: uvloop", importlib.metadata.version("uvloop"))
    return uvloop.run(coro)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="calls per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--enterprises", type=int, default=20, help="seeded enterprises (enterprise-1 is used)")
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    print("command:", report.command_line())
    with (
        common.deployment(postgres=True, enterprises=args.enterprises) as dep,
        tempfile.TemporaryDirectory(prefix="ruqi-bench-logs-") as logs,
    ):
        with common.ruqi_server(dep, 1, Path(logs)) as app:
            visit = fixtures.approved_visit(app.base_url)
        print(f"fixture: visit {visit.visit_id}, filed and approved through the API; server stopped")
        figures = _run(_measure(dep, visit, args.n, args.rounds))
    verify_best, bare_best = min(figures["verify"]), min(figures["bare"])
    verify_median, bare_median = statistics.median(figures["verify"]), statistics.median(figures["bare"])
    print(f"N = {args.n} calls per measurement, {args.rounds} rounds, after {WARMUP} warm-up calls each")
    print(f"verify_visit_code (valid code): best {verify_best:.3f} ms CPU/call, median {verify_median:.3f}")
    print(f"bare pool.fetchrow PK select:   best {bare_best:.3f} ms CPU/call, median {bare_median:.3f}")
    ratio_best, ratio_median = verify_best / bare_best, verify_median / bare_median
    print(f"ratio verify / bare select: {ratio_best:.1f}x (best), {ratio_median:.1f}x (median)")
    print("cleaned up: database dropped, Redis prefix deleted, temporary directories removed")


if __name__ == "__main__":
    main()
