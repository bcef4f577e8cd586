"""What every benchmark needs, started on loopback and stopped again: a throw-away PostgreSQL database,
a Redis key prefix, a migrated and seeded data set (``ruqi migrate``, ``ruqi seed --enterprises 500``) and the
server processes (``ruqi run`` and bench/baseline_app.py, each in its own process group).

Everything is bounded: servers must answer /health within ``HEALTH_TIMEOUT_S`` and are stopped (SIGTERM to the
group this module created, SIGKILL after ``STOP_TIMEOUT_S``); the database is dropped, the Redis keys under the
prefix deleted and the temporary directory removed on the way out, also after a failure or Ctrl-C.
Load (bench/load.py) and set-up through the API (bench/fixtures.py) live next door.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from redis import Redis

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
BENCH_KEK = "YmVuY2gta2V5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU"  # 32 bytes, bench only
PG_ADMIN_DSN = os.environ.get("RUQI_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RUQI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PUBLIC_BASE_URL = "https://ruqi.example.gov.cn"  # 27 characters, the longest base that keeps QR version 11
# The verify routes are rate-limited per client address; all load comes from 127.0.0.1, so lift the limit.
UNLIMITED_VERIFY_RATE = "100000000"
# api/app.py lifespan: PostgresEngine.start_connection_pool(min_size=1, max_size=10), once per worker process.
PG_POOL_MIN, PG_POOL_MAX = 1, 10
HEALTH_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0


def exit_cleanly_on_sigterm() -> None:
    """SIGTERM (a CI timeout, ``kill``) unwinds the context managers like Ctrl-C: servers stop, databases drop."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


# -- services ----------------------------------------------------------------------------------------------
async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_dsn(database: str) -> str:
    return f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{database}"


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh database ``ruqi_bench_<hex>``; yields its DSN and drops it (WITH FORCE) afterwards."""
    name = f"ruqi_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
    try:
        yield pg_dsn(name)
    finally:
        drop_pg_database(name)


def create_pg_database(name: str) -> str:
    """A fresh database of this name (an older one dropped first), kept afterwards; its DSN."""
    drop_pg_database(name)
    asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
    return pg_dsn(name)


def drop_pg_database(name: str) -> None:
    asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@contextlib.contextmanager
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix ``ruqi-bench-<hex>``; every key under it is deleted afterwards."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    client.ping()
    prefix = f"ruqi-bench-{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        client.close()  # type: ignore[no-untyped-call]  # redis-py leaves the sync close() unannotated


def sql(dsn: str, statement: str, *args: Any) -> list[dict[str, Any]]:
    """One statement on a short-lived connection (set-up and checks, never under load)."""

    async def run() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            return [dict(r) for r in await conn.fetch(statement, *args)]
        finally:
            await conn.close()

    return asyncio.run(run())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Deployment:
    """Environment and temporary directory of one ruqi instance (PostgreSQL + Redis, or embedded SQLite)."""

    env: dict[str, str]
    data_dir: Path
    database_url: str
    redis_prefix: str | None


def ruqi_env(
    database_url: str, data_dir: Path, prefix: str | None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUQI_", "LITESTAR_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=database_url,
        RUQI_DATA_DIR=str(data_dir),
        RUQI_PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        RUQI_VERIFY_RATE_PER_MINUTE=UNLIMITED_VERIFY_RATE,
        PYTHONPATH=str(ROOT),
    )
    if database_url.startswith("postgres"):  # production: the secrets every app machine shares
        env.update(RUQI_JWT_SECRET="bench-jwt-secret-" + "x" * 40, RUQI_KEY_ENCRYPTION_KEY=BENCH_KEK)
    if prefix is not None:
        env.update(REDIS_URL=REDIS_URL, RUQI_REDIS_PREFIX=prefix)
    env.update(extra or {})
    return env


def with_env(dep: Deployment, **extra: str) -> Deployment:
    """The same deployment with more settings for the servers started on it."""
    return dataclasses.replace(dep, env={**dep.env, **extra})


def ruqi(env: Mapping[str, str], *args: str, timeout: float = 600) -> str:
    """Run one ``ruqi`` command to completion; its output on failure."""
    done = subprocess.run(
        [str(BIN / "ruqi"), *args], env=dict(env), cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"ruqi {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def create_unmigrated_tables(database_url: str) -> list[str]:
    """Tables of ``models.schema.ALL_TABLES`` that ``ruqi migrate`` did not create (work in progress elsewhere).

    Created with ``create_table(if_not_exists=True)``, as the tests do, so the app can serve; returns their names.
    """
    from models.db import engine_from_url
    from models.schema import ALL_TABLES

    async def run() -> list[str]:
        engine = engine_from_url(database_url)
        missing = []
        for table in ALL_TABLES:
            table._meta.db = engine
            if not await table.table_exists():
                await table.create_table(if_not_exists=True)
                missing.append(table._meta.tablename)
        return missing

    return asyncio.run(run())


@contextlib.contextmanager
def deployment(*, postgres: bool, enterprises: int = 500) -> Iterator[Deployment]:
    """A migrated and seeded ruqi data set: PostgreSQL + Redis (production) or the embedded SQLite default."""
    with contextlib.ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ruqi-bench-")))
        if postgres:
            database_url = stack.enter_context(pg_database())
            prefix: str | None = stack.enter_context(redis_prefix())
        else:
            database_url, prefix = f"sqlite:///{data_dir}/ruqi.sqlite3", None
        env = ruqi_env(database_url, data_dir, prefix)
        started = time.perf_counter()
        ruqi(env, "migrate")
        missing = create_unmigrated_tables(database_url)
        if missing:
            print(f"!! tables without a migration yet, created from models.schema: {', '.join(missing)}")
        ruqi(env, "seed", "--enterprises", str(enterprises))
        print(f"data set: migrated and seeded ({enterprises} enterprises) in {time.perf_counter() - started:.1f} s")
        yield Deployment(env, data_dir, database_url, prefix)


# -- server processes --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    pid: int
    log: Path


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group this script created (the server and its workers), SIGKILL if it lingers."""
    pgid = process.pid  # start_new_session=True: the child leads its own group
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT_S)
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT_S)


@contextlib.contextmanager
def serve(name: str, argv: Sequence[str], env: Mapping[str, str], port: int, log_dir: Path) -> Iterator[Server]:
    """Start a server process in its own session, wait until GET /health answers 200, stop it afterwards."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(argv), env=dict(env), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + HEALTH_TIMEOUT_S
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{_tail(log)}")
                with contextlib.suppress(OSError):
                    status, _ = _get(f"{base_url}/health")
                    if status == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer /health within {HEALTH_TIMEOUT_S:.0f} s:\n{_tail(log)}")
                time.sleep(0.2)
            yield Server(name, base_url, process.pid, log)
        finally:
            _stop_group(process)


def ruqi_server(dep: Deployment, workers: int, log_dir: Path) -> contextlib.AbstractContextManager[Server]:
    port = free_port()
    argv = [str(BIN / "ruqi"), "run", "--host", "127.0.0.1", "--port", str(port), "--web-concurrency", str(workers)]
    return serve("ruqi", argv, dep.env, port, log_dir)


def baseline_server(dsn: str, workers: int, log_dir: Path) -> contextlib.AbstractContextManager[Server]:
    """bench/baseline_app.py through the same CLI and server (litestar run → uvicorn) and worker count."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITESTAR_")}
    env.update(BENCH_BASELINE_DSN=dsn, PYTHONPATH=str(ROOT))
    argv = [str(BIN / "litestar"), "--app", "bench.baseline_app:app", "run", "--host", "127.0.0.1"]
    argv += ["--port", str(port), "--web-concurrency", str(workers)]
    return serve("baseline", argv, env, port, log_dir)
