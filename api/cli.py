"""The ``ruqi`` command: Litestar's CLI (``run`` and friends) plus ``migrate``, ``seed``, ``create-user``."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import click
from click import Group
from litestar import Litestar
from litestar.plugins import CLIPluginProtocol

from api.audit.cli import register_audit_commands
from api.settings import Settings, SettingsError
from models.enums import Role


def _settings(app: Litestar) -> Any:
    return app.state.settings


async def migrate_database() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="models", migration_id="all")
    if not result.success:
        raise click.ClickException(f"migration failed: {result.message}")


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

            from qr import KeyRing

            keyring = KeyRing.load_or_create(_settings(app).data_dir / "keys", app.state.clock.now())
            old = keyring.signing_kid
            new = keyring.rotate(app.state.clock.now(), dt.timedelta(days=keep_days))
            click.echo(f"signing key {old} → {new}; {old} keeps verifying for {keep_days} days")

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

        @cli.command(name="migrate", help="Apply the database migrations (SQLite or PostgreSQL from DATABASE_URL).")
        def migrate(app: Litestar) -> None:
            from api.data_dir import secure_data_dir

            settings = _settings(app)
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            asyncio.run(migrate_database())
            secure_data_dir(settings.data_dir, settings.database_url)
            click.echo("migrations applied")

        @cli.command(name="seed", help="Load the generated SAMPLE district (样例数据) into an empty database.")
        @click.option("--if-empty", is_flag=True, help="Do nothing when data is already loaded.")
        @click.option("--seed", "seed_value", default=2026, show_default=True, help="Random seed.")
        @click.option("--enterprises", default=3000, show_default=True, help="Number of sample enterprises.")
        @click.option(
            "--history/--no-history",
            default=True,
            show_default=True,
            help="Also load two years of sample inspection history (visits, non-site records, feedback).",
        )
        def seed(app: Litestar, if_empty: bool, seed_value: int, enterprises: int, history: bool) -> None:
            from api.auth import hash_password
            from api.sample.generate import demo_logins, generate_district
            from api.sample.history import generate_history
            from api.sample.history_load import load_history
            from api.sample.load import load_sample
            from models.tables import Unit

            async def _run() -> dict[str, int] | None:
                if await Unit.count() > 0:
                    if if_empty:
                        return None
                    raise click.ClickException("the database already holds data; seed loads only into an empty one")
                counts = await load_sample(district, password_hasher=hash_password, now=app.state.clock.now())
                if history:
                    counts |= await load_history(generate_history(district), now=app.state.clock.now())
                return counts

            district = generate_district(seed_value, enterprises)  # pure and quick (~0.3 s)
            counts = asyncio.run(_run())
            if counts is None:
                click.echo("data already loaded; nothing to do")
                return
            click.echo(
                "SAMPLE district loaded (generated data, not real): " + ", ".join(f"{k}={v}" for k, v in counts.items())
            )
            click.echo(
                "demo logins (password ruqi-demo — SAMPLE data only: real accounts get their own passwords, "
                "and the password policy refuses this one):"
            )
            for username, role, description in demo_logins(district):
                click.echo(f"  {username:<22} {role:<11} {description}")

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
                raise click.ClickException(f"{exc.code}: {exc.message}") from exc
            click.echo(f"created {user.username} ({user.role.value})")


def main() -> None:
    """Console entry point: Litestar's CLI with our app preselected, after the settings are found good."""
    try:
        Settings.from_env()
    except SettingsError as exc:
        click.echo(f"ruqi: {exc}", err=True)
        raise SystemExit(2) from None
    os.umask(0o077)  # the data directory's files (database, secret, keys, evidence) start private
    os.environ.setdefault("LITESTAR_APP", "api.asgi:app")
    from litestar.__main__ import run_cli

    run_cli()
