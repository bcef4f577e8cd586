"""Reads of the tamper-evident event log: events, the chain verification report and checkpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class AuditEventRead(msgspec.Struct):
    seq: int
    at: dt.datetime
    actor: str
    type: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class VerifyReport(msgspec.Struct):
    """The result of re-walking the chain from seq 1 (or from a trusted checkpoint)."""

    ok: bool
    checked: int  # links re-hashed
    head_seq: int  # last seq walked (0 for an empty chain)
    head_hash: str
    broken_seq: int | None = None  # the first seq that does not verify
    reason: str | None = None  # hash_mismatch | prev_link_mismatch | gap | missing | unlinked | checkpoint_mismatch |
    # verification_log_mismatch (detail names the edited, deleted or inserted verification_log rows) | …
    detail: str = ""
    checkpoints_checked: int = 0
    seconds: float = 0.0


class CheckpointRead(msgspec.Struct):
    seq: int
    head_hash: str
    at: dt.datetime
    kid: str
    signature: str
