"""The ``ruqi`` command: Litestar's CLI (``run`` and friends) plus ``migrate``, ``seed``, ``create-user``."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from typing import Any

import click
from click import Group
from litestar import Litestar
from litestar.plugins import CLIPluginProtocol

from api.audit.cli import register_audit_commands
from api.clock import LOCAL_TZ
from api.console import cli_locale, refuse, say
from api.i18n import render, tr
from api.metrics.cli import register_metrics_commands
from api.plans.calendar_cli import register_calendar_commands
from api.settings import Settings, SettingsError
from models.enums import Role


def _settings(app: Litestar) -> Any:
    return app.state.settings


async def migrate_database() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="models", migration_id="all")
    if not result.success:
        raise refuse(tr("migration failed: {reason}", reason=result.message))


def serve(*, host: str, port: int, workers: int, reload: bool = False) -> None:
    """uvicorn in this process (Litestar's own ``run`` starts a child ``python -m uvicorn`` for several workers,
    which a signal to the ``ruqi`` process leaves running). uvicorn's supervisor stops every worker on
    SIGTERM/SIGINT. No ``server`` header; the client address is the peer's: ``X-Forwarded-For`` is read by
    the app, and only from ``RUQI_TRUSTED_PROXIES`` (``api.throttle.client_address``)."""
    import uvicorn

    uvicorn.run(
        "api.asgi:app",
        host=host,
        port=port,
        workers=workers if not reload else None,
        reload=reload,
        proxy_headers=False,
        server_header=False,
        date_header=True,
    )


class RuqiCLIPlugin(CLIPluginProtocol):
    def on_cli_init(self, cli: Group) -> None:
        register_audit_commands(cli)
        register_calendar_commands(cli)
        register_metrics_commands(cli)

        @cli.command(
            name="rotate-keys", help="Start signing codes with a new key; running workers pick it up within seconds."
        )
        @click.option(
            "--keep-days",
            default=400,
            show_default=True,
            help="How long the old key keeps verifying: must cover the longest code lifetime (filing to window end).",
        )
        def rotate_keys(app: Litestar, keep_days: int) -> None:
            import datetime as dt

            from api.keystore import VISIT, DatabaseKeys
            from qr import KeyRing

            settings, now = _settings(app), app.state.clock.now()
            if settings.kek is not None:  # in the database: every app machine picks it up within seconds

                async def rotate() -> tuple[str, str]:
                    keys = DatabaseKeys(settings.kek, settings.data_dir)
                    await keys.start(now)
                    return await keys.rotate(VISIT, now, dt.timedelta(days=keep_days))

                old, new = asyncio.run(rotate())
            else:
                keyring = KeyRing.load_or_create(settings.data_dir / "keys", now)
                old = keyring.signing_kid
                new = keyring.rotate(now, dt.timedelta(days=keep_days))
            say(
                tr("signing key {old} → {new}; {old} keeps verifying for {days} days", old=old, new=new, days=keep_days)
            )

        @cli.command(name="run", help="Serve the app with uvicorn; SIGTERM or SIGINT stops every worker.")
        @click.option("--host", "-H", default="127.0.0.1", show_default=True, help="Address to listen on.")
        @click.option("--port", "-p", default=8000, show_default=True, type=int, help="Port to listen on.")
        @click.option(
            "--web-concurrency",
            "--wc",
            "-W",
            "workers",
            default=1,
            show_default=True,
            type=click.IntRange(1, 64),
            envvar=["WEB_CONCURRENCY"],
            help="Worker processes.",
        )
        @click.option("--reload", "-r", is_flag=True, help="Restart on code changes (development).")
        def run(host: str, port: int, workers: int, reload: bool) -> None:
            serve(host=host, port=port, workers=workers, reload=reload)

        @cli.command(name="new-kek", help="Print a fresh random RUQI_KEY_ENCRYPTION_KEY (32 bytes, URL-safe Base64).")
        def new_kek(app: Litestar) -> None:
            import base64
            import secrets

            click.echo(base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii"))

        @cli.command(name="migrate", help="Apply the database migrations (SQLite or PostgreSQL from DATABASE_URL).")
        def migrate(app: Litestar) -> None:
            from api.data_dir import secure_data_dir

            settings = _settings(app)
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            asyncio.run(migrate_database())
            secure_data_dir(settings.data_dir, settings.database_url)
            say(tr("migrations applied"))
            from api.plans.holidays import seed_from_package

            seeded = asyncio.run(seed_from_package(app.state.clock.now()))
            if seeded:
                say(
                    tr(
                        "holiday calendar: official years {first}–{last} stored from the package data",
                        first=seeded[0],
                        last=seeded[-1],
                    )
                )

        @cli.command(name="seed", help="Load the generated SAMPLE district (样例数据) into an empty database.")
        @click.option(
            "--if-empty", is_flag=True, help="Do nothing when data is already loaded (still list the logins)."
        )
        @click.option("--seed", "seed_value", default=2026, show_default=True, help="Random seed.")
        @click.option("--enterprises", default=3000, show_default=True, help="Number of sample enterprises.")
        @click.option(
            "--history/--no-history",
            default=True,
            show_default=True,
            help="Also load two years of history up to yesterday, this year's annual plans and published months "
            "with their visits, and next month's draft.",
        )
        @click.option(
            "--as-of",
            "as_of",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            default=None,
            help="Build the district as on this day (YYYY-MM-DD, 08:00 Beijing time) instead of today.",
        )
        @click.option(
            "--history-years",
            default=2,
            show_default=True,
            type=click.IntRange(2, 10),
            help="Years of history; above 2 its volume grows with --enterprises (the province benchmark).",
        )
        def seed(
            app: Litestar,
            if_empty: bool,
            seed_value: int,
            enterprises: int,
            history: bool,
            as_of: Any,
            history_years: int,
        ) -> None:
            _seed(
                app,
                if_empty=if_empty,
                seed=seed_value,
                enterprises=enterprises,
                history=history,
                as_of=as_of,
                history_years=history_years,
            )

        @cli.command(name="create-user", help="Create an account.")
        @click.option("--username", required=True)
        @click.option("--password", required=True, prompt=True, hide_input=True)
        @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
        @click.option("--unit-code", default=None, help="For planner and approver.")
        @click.option("--cert-no", default=None, help="执法证 number, for inspector.")
        @click.option("--uscc", default=None, help="For enterprise.")
        def create_user(
            app: Litestar,
            username: str,
            password: str,
            role: str,
            unit_code: str | None,
            cert_no: str | None,
            uscc: str | None,
        ) -> None:
            from api.accounts.schemas import UserCreate
            from api.accounts.service import create_user as create
            from api.auth import hash_password_async
            from api.errors import DomainError

            data = UserCreate(
                username=username,
                password=password,
                role=Role(role),
                unit_code=unit_code,
                inspector_cert_no=cert_no,
                uscc=uscc,
            )
            try:
                user = asyncio.run(create(data, hash_password_async, app.state.clock.now(), actor="cli"))
            except DomainError as exc:
                raise refuse(tr("{code}: {message}", code=exc.code, message=exc.message)) from exc
            say(tr("created {username} ({role})", username=user.username, role=user.role.value))


def _seed(
    app: Litestar, *, if_empty: bool, seed: int, enterprises: int, history: bool, as_of: Any, history_years: int = 2
) -> None:
    from api.auth import hash_password
    from api.sample.generate import DEMO_PASSWORD
    from api.sample.seed import AlreadyLoaded, seed_database

    if as_of is not None:
        now = dt.datetime(as_of.year, as_of.month, as_of.day, 8, tzinfo=LOCAL_TZ)
    else:
        now = app.state.clock.now()

    async def load() -> Any:
        # Shared key rings (a key-encryption key is set) are read from the database when the app starts; the
        # seed signs this month's codes, so it loads them first.
        if app.state.shared_keys is not None:
            await app.state.shared_keys.start(app.state.clock.now())
        return await seed_database(
            seed=seed,
            enterprises=enterprises,
            history=history,
            history_years=history_years,
            if_empty=if_empty,
            now=now,
            env=app.state.context,
            policy=app.state.settings.plan_policy,
            password_hasher=hash_password,
        )

    try:
        outcome = asyncio.run(load())
    except AlreadyLoaded:
        raise click.ClickException(
            render(tr("the database already holds data; seed loads only into an empty one"), cli_locale())
        ) from None
    if outcome.loaded:
        counts = ", ".join(f"{k}={v}" for k, v in outcome.counts.items())
        say(
            tr(
                "SAMPLE district loaded (generated data, not real) as of {day} in {seconds} s: {counts}",
                day=str(outcome.as_of),
                seconds=f"{outcome.seconds:.1f}",
                counts=counts,
            )
        )
        if history and outcome.as_of is not None:
            day = outcome.as_of
            after = dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)
            this_month, next_month = f"{day.year}-{day.month:02d}", f"{after.year}-{after.month:02d}"
            base = str(app.state.settings.public_base_url).rstrip("/")
            say(
                tr(
                    "This month's schedule is published at {url}; next month ({next}) is a draft awaiting approval.",
                    url=f"{base}/public/schedules/{this_month}",
                    next=next_month,
                )
            )
    else:
        say(tr("data already loaded; nothing to do"))
    if not outcome.logins:
        return
    if outcome.as_of is not None:
        say(tr("The SAMPLE district (样例数据) was generated as of {day}.", day=str(outcome.as_of)))
    say(
        tr(
            "SAMPLE demo logins, password {password} (sample data only: never use it for real accounts):",
            password=DEMO_PASSWORD,
        )
    )
    for username, role, description in outcome.logins:
        click.echo(f"  {username:<22} {role:<11} {description}")
    if outcome.shared_scenario is not None:
        code, name, first, second = outcome.shared_scenario
        say(
            tr(
                "{first} and {second} share the published joint scenario {code} {name}.",
                first=first,
                second=second,
                code=code,
                name=name,
            )
        )


def main() -> None:
    """Console entry point: Litestar's CLI with our app preselected, after the settings are found good."""
    try:
        Settings.from_env()
    except SettingsError as exc:
        say(tr("ruqi: {problem}", problem=exc.message), err=True)  # before anything is configured
        raise SystemExit(2) from None
    os.umask(0o077)  # the data directory's files (database, secret, keys, evidence) start private
    os.environ.setdefault("LITESTAR_APP", "api.asgi:app")
    from litestar.__main__ import run_cli

    run_cli()
