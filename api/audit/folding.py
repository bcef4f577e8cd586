"""Folding the verification log into the audit chain: one ``verification.digest`` event covering the rows since the
last one (before each checkpoint), instead of one link per phone scan. The digest's arithmetic and its check are in
``api.audit.digest``."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from api.audit import chain as audit
from api.audit.digest import DIGEST_TYPE, digest_of, row_hash
from models.audit_tables import AuditEvent
from models.db import write_transaction
from models.visit_tables import VerificationLog


async def fold_verifications(now: dt.datetime) -> int:
    """Append a digest of the verification log rows not yet covered; returns how many it covers (0: none, no digest).

    Not the digest's seq: on PostgreSQL that is assigned at COMMIT.
    """
    async with write_transaction():
        last = (
            await AuditEvent.select(AuditEvent.payload)
            .where(AuditEvent.type == DIGEST_TYPE)
            .order_by(AuditEvent.seq, ascending=False)
            .first()
        )
        after = int(json.loads(last["payload"])["last_log_id"]) if last else 0
        rows = await VerificationLog.select().where(VerificationLog.id > after).order_by(VerificationLog.id)
        if not rows:
            return 0
        await audit.append(
            DIGEST_TYPE,
            "system",
            "verification-log",
            {
                "first_log_id": rows[0]["id"],
                "last_log_id": rows[-1]["id"],
                "count": len(rows),
                "outcomes": dict(sorted(Counter(r["outcome"] for r in rows).items())),
                "sha256": digest_of(rows),
                "rows": [[r["id"], row_hash(r)] for r in rows],
            },
            at=now,
        )
        return len(rows)
