"""Server CPU per request of ruqi's verify and scan-in, whole app, against the hand-written handlers, in-process.

    .venv/bin/python bench/profile_hot_paths.py [--calls 2000] [--rounds 3] [--profile verify|scan] [--top 40]

Starts on loopback a fresh PostgreSQL database and Redis key prefix, ``ruqi migrate`` + ``ruqi seed``, and one
``ruqi run`` worker to file and approve a visit (bench/fixtures.py) and to publish its JWK Set. Then, in this
process, on one uvloop event loop, it builds ruqi's app exactly as ``ruqi run`` does (``api.app.create_app`` from
the same environment: PostgreSQL + Redis, production settings) and the hand-written app (bench/handwritten_app.py),
starts both through their ASGI lifespan, and calls each **as an ASGI application** — no sockets, no HTTP parsing
(uvicorn's share is the same for both) — N times in a row per round:

- ``GET /api/v1/public/verify/{token}`` (ruqi) and ``GET /verify/{token}`` (by hand), the same visit code;
- ``POST /api/v1/scans`` (ruqi) and ``POST /scan`` (by hand), presence scans with unique client_event_ids.

Prints CPU ms per request (``time.process_time``: this process only, not PostgreSQL's or Redis's) and ruqi / by
hand. With ``--profile`` it also runs cProfile over one round of that ruqi target and prints the top functions
by cumulative and by own time: where ruqi's CPU goes beyond the hand-written handler's work. Everything created
is removed on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import gc
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis import Redis

from bench import common, fixtures, report

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class Lifespan:
    """Runs an ASGI app's lifespan: startup on enter, shutdown on exit."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def __aenter__(self) -> Lifespan:
        self.task = asyncio.create_task(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, self.inbox.get, self.outbox.put)
        )
        await self.inbox.put({"type": "lifespan.startup"})
        message = await self.outbox.get()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"startup failed: {message}")
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        await self.task


async def call(
    app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    raw_headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk")]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if body:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def cpu_ms(one: Callable[[int], Awaitable[None]], start: int, n: int) -> float:
    gc.collect()
    began = time.process_time()
    for i in range(start, start + n):
        await one(i)
    return (time.process_time() - began) * 1000 / n


async def measure(args: argparse.Namespace, dep: common.Deployment, fixture: fixtures.VisitFixture, jwks: str) -> None:
    os.environ.update(dep.env)
    os.environ.update(item.split("=", 1) for item in args.set)
    os.environ.update(HAND_DSN=dep.database_url, HAND_JWKS_URL=jwks, HAND_JWT_SECRET=dep.env["RUQI_JWT_SECRET"])
    from api.app import create_app
    from bench import handwritten_app

    ruqi = create_app()
    hand: Asgi = handwritten_app.app
    body = fixtures.scan_body(fixture)
    run = uuid.uuid4().hex[:8]
    auth = {"authorization": f"Bearer {fixture.inspector_token}", "content-type": "application/json"}

    def ok(status: int, answer: bytes, expected: int) -> None:
        if status != expected:
            raise RuntimeError(f"status {status}, expected {expected}: {answer[:400]!r}")

    async def ruqi_verify(_: int) -> None:
        ok(*await call(ruqi, "GET", f"/api/v1/public/verify/{fixture.code_token}"), 200)

    async def hand_verify(_: int) -> None:
        ok(*await call(hand, "GET", f"/verify/{fixture.code_token}"), 200)

    async def ruqi_scan(i: int) -> None:
        data = body.replace("{id}", f"r-{run}-{i}").encode()
        ok(*await call(ruqi, "POST", "/api/v1/scans", data, auth), 201)

    async def hand_scan(i: int) -> None:
        data = body.replace("{id}", f"h-{run}-{i}").encode()
        ok(*await call(hand, "POST", "/scan", data, auth), 201)

    pairs = {
        "verify": (ruqi_verify, hand_verify),
        "scan": (ruqi_scan, hand_scan),
    }
    async with Lifespan(ruqi), Lifespan(hand):
        status, answer = await call(ruqi, "GET", f"/api/v1/public/verify/{fixture.code_token}")
        if status != 200 or not json.loads(answer)["valid"]:
            raise RuntimeError(f"ruqi's verify does not answer valid: {status} {answer[:300]!r}")
        start = 0
        for name, (mine, theirs) in pairs.items():
            if args.only and name != args.only:
                continue
            for i in range(start, start + args.warmup):
                await mine(i)
                await theirs(i)
            start += args.warmup
            ours, base = [], []
            for _ in range(args.rounds):
                ours.append(await cpu_ms(mine, start, args.calls))
                base.append(await cpu_ms(theirs, start, args.calls))
                start += args.calls
            o, b = statistics.median(ours), statistics.median(base)
            print(
                f"{name:6}  ruqi {o:6.3f} ms CPU/req  by hand {b:6.3f} ms  ratio {o / b:4.2f}×  "
                f"(rounds ruqi {[round(x, 3) for x in ours]}, by hand {[round(x, 3) for x in base]})"
            )
            if args.profile == name:
                profiler = cProfile.Profile()
                profiler.enable()
                for i in range(start, start + args.calls):
                    await mine(i)
                profiler.disable()
                start += args.calls
                stats = pstats.Stats(profiler).strip_dirs()
                if args.dump:
                    stats.dump_stats(args.dump)
                stats.sort_stats("cumulative").print_stats(args.top)
                stats.sort_stats("tottime").print_stats(args.top)


def _prepare(logs: Path, dep: common.Deployment) -> dict[str, Any]:
    """File and approve the fixture's visit, check it in once, save the JWK Set: what the measurement needs."""
    with common.ruqi_server(dep, 1, logs) as app:
        fixture = fixtures.approved_visit(app.base_url)
        first = json.loads(fixtures.scan_body(fixture).replace("{id}", "first"))
        fixtures.call(app.base_url, "POST", "/api/v1/scans", first, fixture.inspector_token)
        jwks = fixtures.call(app.base_url, "GET", "/.well-known/jwks.json")
    jwks_file = dep.data_dir / "bench-jwks.json"
    jwks_file.write_text(json.dumps(jwks))
    return {"fixture": dataclasses.asdict(fixture), "jwks": jwks_file.as_uri()}


def _drop(state: dict[str, Any]) -> None:
    asyncio.run(common._pg_admin(f"DROP DATABASE IF EXISTS {state['database']} WITH (FORCE)"))
    client = Redis.from_url(common.REDIS_URL)
    keys = list(client.scan_iter(match=f"{state['redis_prefix']}*", count=1000))
    if keys:
        client.delete(*keys)
    shutil.rmtree(state["data_dir"], ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["verify", "scan"])
    parser.add_argument("--profile", choices=["verify", "scan"])
    parser.add_argument("--dump", help="write the cProfile stats to this file")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument(
        "--keep", type=Path, help="keep the data set between runs, described in this JSON file (reused if it exists)"
    )
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a setting for ruqi")
    parser.add_argument("--drop", action="store_true", help="with --keep: drop the kept data set and exit")
    args = parser.parse_args()
    common.exit_cleanly_on_sigterm()
    print("command:", report.command_line())
    import uvloop

    if args.keep is not None and args.keep.exists():
        state = json.loads(args.keep.read_text())
        if args.drop:
            _drop(state)
            args.keep.unlink()
            return
        dep = common.Deployment(state["env"], Path(state["data_dir"]), state["env"]["DATABASE_URL"], None)
        fixture = fixtures.VisitFixture(**state["fixture"])
        uvloop.run(measure(args, dep, fixture, state["jwks"]))
        return
    with (
        common.deployment(postgres=True) as dep,
        tempfile.TemporaryDirectory(prefix="ruqi-bench-logs-") as logs,
    ):
        prepared = _prepare(Path(logs), dep)
        fixture = fixtures.VisitFixture(**prepared["fixture"])
        if args.keep is not None:  # a copy of the data set that outlives this run
            database = f"ruqi_bench_kept_{uuid.uuid4().hex[:8]}"
            source = dep.database_url.rsplit("/", 1)[1]
            asyncio.run(common._pg_admin(f"CREATE DATABASE {database} TEMPLATE {source}"))
            data_dir = Path(tempfile.mkdtemp(prefix="ruqi-bench-kept-"))
            shutil.copytree(dep.data_dir, data_dir, dirs_exist_ok=True)
            env = {**dep.env, "DATABASE_URL": common.pg_dsn(database), "RUQI_DATA_DIR": str(data_dir)}
            env["RUQI_REDIS_PREFIX"] = prefix = f"ruqi-bench-kept-{uuid.uuid4().hex[:8]}"
            jwks = (data_dir / "bench-jwks.json").as_uri()
            state = {"env": env, "data_dir": str(data_dir), "database": database, "redis_prefix": prefix}
            args.keep.write_text(json.dumps({**state, "fixture": prepared["fixture"], "jwks": jwks}, indent=1))
            print(f"kept: {args.keep} (drop with --keep {args.keep} --drop)")
            return
        uvloop.run(measure(args, dep, fixture, prepared["jwks"]))


if __name__ == "__main__":
    main()
