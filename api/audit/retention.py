"""Retention of the verification log: rows older than ``RUQI_VERIFICATION_LOG_RETENTION_DAYS`` are deleted, their
digests staying in the audit chain.

Every phone scan of a code adds a row; without retention the table grows forever. ``prune_verifications`` first
folds the log into a digest (as a checkpoint does), then deletes whole digests' worth of rows — up to the last row
of the newest digest whose rows are all older than the cutoff — and appends one ``verification.pruned`` event
(through which id, how many rows, the cutoff) in the same transaction. ``audit verify`` then skips the digests
that event covers: a row deleted any other way still breaks its digest. Run it from cron with ``ruqi
prune-verification-log`` on one machine.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from api.audit import chain as audit
from api.audit.digest import DIGEST_TYPE, PRUNED_TYPE, pruned_through_id
from api.audit.folding import fold_verifications
from models.audit_tables import AuditEvent
from models.db import write_transaction
from models.visit_tables import VerificationLog


@dataclass(frozen=True)
class Pruned:
    through_id: int  # 0: nothing was old enough
    count: int
    cutoff: dt.datetime


async def prune_verifications(now: dt.datetime, keep: dt.timedelta) -> Pruned:
    """Delete the verification log rows older than ``now - keep`` that a digest covers; record it in the chain."""
    cutoff = now - keep
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
        await VerificationLog.delete().where(VerificationLog.id <= through)
        await audit.append(
            PRUNED_TYPE,
            "system",
            "verification-log",
            {"through_id": through, "count": count, "older_than": cutoff},
            at=now,
        )
    return Pruned(through, count, cutoff)
