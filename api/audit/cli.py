"""``ruqi audit-verify`` and ``ruqi audit-checkpoint``: the audit chain from the command line (cron, auditors)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import click
import msgspec
from click import Group
from litestar import Litestar

from api.console import refuse, say
from api.i18n import tr


def register_audit_commands(cli: Group) -> None:
    @cli.command(name="audit-verify", help="Re-walk the audit hash chain; exit 1 and name the first broken seq.")
    @click.option("--batch", default=10_000, show_default=True, help="Links read per query.")
    def audit_verify(app: Litestar, batch: int) -> None:
        from api.audit.chain import verify_chain
        from api.keystore import AUDIT, ring_for

        async def verify() -> Any:
            settings, now = app.state.settings, app.state.clock.now()
            keyring = await ring_for(settings.kek, settings.data_dir, AUDIT, now)
            return await verify_chain(now, batch, keyring=keyring)

        report = asyncio.run(verify())
        click.echo(json.dumps(msgspec.to_builtins(report), ensure_ascii=False))
        if not report.ok:
            say(
                tr(
                    "audit chain BROKEN at seq {seq}: {reason} ({detail})",
                    seq=report.broken_seq,
                    reason=report.reason,
                    detail=report.detail,
                ),
                err=True,
            )
            raise SystemExit(1)
        say(
            tr(
                "audit chain ok: {count} links up to seq {seq} in {seconds} s",
                count=report.checked,
                seq=report.head_seq,
                seconds=f"{report.seconds:.3f}",
            )
        )

    @cli.command(name="audit-checkpoint", help="Sign a checkpoint of the audit chain head with the audit key.")
    @click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
    def audit_checkpoint(app: Litestar, export_path: Path | None) -> None:
        from api.audit.chain import export_checkpoints, make_checkpoint
        from api.audit.folding import fold_verifications
        from api.errors import DomainError
        from api.keystore import AUDIT, ring_for

        async def fold_and_sign() -> Any:
            settings, now = app.state.settings, app.state.clock.now()
            keyring = await ring_for(settings.kek, settings.data_dir, AUDIT, now)
            await fold_verifications(now)
            return await make_checkpoint(keyring, now), keyring

        try:
            checkpoint, keyring = asyncio.run(fold_and_sign())
        except DomainError as exc:
            raise refuse(tr("{code}: {message}", code=exc.code, message=exc.message)) from exc
        click.echo(json.dumps(msgspec.to_builtins(checkpoint), ensure_ascii=False))
        if export_path is not None:
            exported = asyncio.run(export_checkpoints(keyring, app.state.clock.now()))
            export_path.write_text(json.dumps(exported, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            say(tr("checkpoints exported to {path}", path=str(export_path)))

    @cli.command(
        name="prune-verification-log",
        help="Delete verification log rows older than the retention (their digests stay in the audit chain).",
    )
    @click.option(
        "--days", type=int, default=None, help="Keep this many days (default RUQI_VERIFICATION_LOG_RETENTION_DAYS)."
    )
    def prune_verification_log(app: Litestar, days: int | None) -> None:
        import datetime as dt

        from api.audit.retention import prune_verifications

        keep = app.state.settings.verification_log_retention_days if days is None else days
        if keep <= 0:
            raise refuse(tr("no retention: set RUQI_VERIFICATION_LOG_RETENTION_DAYS or pass --days (at least 1)"))
        pruned = asyncio.run(prune_verifications(app.state.clock.now(), dt.timedelta(days=keep)))
        say(
            tr(
                "verification log: {count} row(s) older than {cutoff} deleted (through id {through_id})",
                count=pruned.count,
                cutoff=pruned.cutoff.isoformat(),
                through_id=pruned.through_id,
            )
        )
