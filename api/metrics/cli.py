"""``ruqi metrics-rollup``: count and store the totals of closed months ahead of the first dashboard read (cron)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from click import Group
from litestar import Litestar

from api.console import say
from api.i18n import tr


def register_metrics_commands(cli: Group) -> None:
    @cli.command(
        name="metrics-rollup",
        help="Store the totals of every closed month that lacks current ones (the metrics read them; nightly).",
    )
    def metrics_rollup(app: Litestar) -> None:
        from api.clock import LOCAL_TZ
        from api.metrics.rollup import drop_stale_rows, roll_up_closed

        async def nightly(open_from: dt.date) -> tuple[int, int]:
            return await roll_up_closed(open_from), await drop_stale_rows()

        started = time.perf_counter()
        open_from = app.state.clock.now().astimezone(LOCAL_TZ).date().replace(day=1)
        counted, dropped = asyncio.run(nightly(open_from))
        say(
            tr(
                "metrics totals stored for {count} months in {seconds} s",
                count=counted,
                seconds=f"{time.perf_counter() - started:.1f}",
            )
        )
        say(tr("{count} kept warning results out of date, deleted", count=dropped))
