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
            click.echo(f"signing key {old} → {new}; {old} keeps verifying for {keep_days} days")

        @cli.command(name="new-kek", help="Print a fresh random RUQI_KEY_ENCRYPTION_KEY (32 bytes, URL-safe Base64).")
        def new_kek(app: Litestar) -> None:
            import base64
            import secrets

            click.echo(base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii"))

        @cli.command(name="migrate", help="Apply the database migrations (SQLite or PostgreSQL from DATABASE_URL).")
        def migrate(app: Litestar) -> None:
            _settings(app).data_dir.mkdir(parents=True, exist_ok=True)
            asyncio.run(migrate_database())
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
            click.echo("demo logins (password ruqi-demo):")
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
            from api.auth import hash_password
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
                user = asyncio.run(create(data, hash_password, app.state.clock.now(), actor="cli"))
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
    os.environ.setdefault("LITESTAR_APP", "api.asgi:app")
    from litestar.__main__ import run_cli

    run_cli()
