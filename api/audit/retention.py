"""Retention of the verification log: rows older than ``RUQI_VERIFICATION_LOG_RETENTION_DAYS`` are deleted, their
digests staying in the audit chain.

Every phone scan of a code adds a row; without retention the table grows forever. ``prune_verifications`` first
folds the log into a digest (as a checkpoint does), then deletes whole digests' worth of rows — up to the last row
of the newest digest whose rows are all older than the cutoff — and appends one ``verification.pruned`` event
(through which id, how many rows, the cutoff) in the same transaction. ``audit verify`` then skips the digests
that event covers: a row deleted any other way still breaks its digest. Run it from cron with ``ruqi
prune-verification-log`` on one machine.

On PostgreSQL the log is partitioned by Beijing month (``models.partitions``): a month whose rows all lie within
the pruned ids and which ended before the cutoff is detached and dropped whole; only the few rows of a digest that
straddles a month boundary are deleted one by one. Each run also creates the coming months' partitions ahead.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from api.audit import chain as audit
from api.audit.digest import DIGEST_TYPE, PRUNED_TYPE, pruned_through_id
from api.audit.folding import fold_verifications
from api.clock import LOCAL_TZ
from models.audit_tables import AuditEvent
from models.db import write_transaction
from models.partitions import ensure_month_partitions, month_partitions, month_starts
from models.visit_tables import VerificationLog


@dataclass(frozen=True)
class Pruned:
    through_id: int  # 0: nothing was old enough
    count: int
    cutoff: dt.datetime
    partitions: tuple[str, ...] = ()  # month partitions dropped whole (PostgreSQL)


MONTHS_AHEAD = 2  # partitions exist for the current month and this many after it


async def partitions_ahead(now: dt.datetime) -> list[str]:
    """Create the partitions of the current Beijing month and the next ``MONTHS_AHEAD`` (PostgreSQL only)."""
    today = now.astimezone(LOCAL_TZ).date()
    return await ensure_month_partitions(today, month_starts(today, today + dt.timedelta(days=31 * MONTHS_AHEAD))[-1])


def _month_end(month: dt.date) -> dt.datetime:
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(following, dt.time(0), tzinfo=LOCAL_TZ)


async def prune_verifications(now: dt.datetime, keep: dt.timedelta) -> Pruned:
    """Delete the verification log rows older than ``now - keep`` that a digest covers; record it in the chain."""
    cutoff = now - keep
    await partitions_ahead(now)
    await fold_verifications(now)
    async with write_transaction():
        done = await pruned_through_id()
        digests = (
            await AuditEvent.select(AuditEvent.payload)
            .where(AuditEvent.type == DIGEST_TYPE)
            .order_by(AuditEvent.seq, ascending=False)
        )
        through = 0
        for event in digests:
            last = int(json.loads(event["payload"])["last_log_id"])
            if last <= done:
                break
            newer = await VerificationLog.exists().where(
                (VerificationLog.id <= last) & (VerificationLog.id > done) & (VerificationLog.at >= cutoff)
            )
            if not newer:
                through = last
                break
        if through == 0:
            return Pruned(0, 0, cutoff)
        count = await VerificationLog.count().where(VerificationLog.id <= through)
        dropped: list[str] = []
        for month, name in await month_partitions():
            later = await VerificationLog.raw(f'SELECT 1 FROM "{name}" WHERE id > {int(through)} LIMIT 1')
            if _month_end(month) > cutoff or later:
                break
            await VerificationLog.raw(f'ALTER TABLE verification_log DETACH PARTITION "{name}"')
            await VerificationLog.raw(f'DROP TABLE "{name}"')
            dropped.append(name)
        # What no dropped month held: a digest straddling a month boundary, the default partition, SQLite.
        await VerificationLog.delete().where(VerificationLog.id <= through)
        await audit.append(
            PRUNED_TYPE,
            "system",
            "verification-log",
            {"through_id": through, "count": count, "older_than": cutoff, "partitions": dropped},
            at=now,
        )
    return Pruned(through, count, cutoff, tuple(dropped))
