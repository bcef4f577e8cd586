"""Complaint tracking codes (投诉查询码) and what the public tracking page says. Pure: no Litestar, no Piccolo.

A tracking code is 16 random characters of Crockford's Base32 (80 bits), written in four groups of four
(``K7QX-M2PD-9WZR-4HTA``). Only its SHA-256 is stored; the code itself is in the filing's answer (and in its
idempotent replay, so a phone that lost the answer gets it again with the same client event id), never in a
list or a read. Anyone holding the code sees the complaint's status and, once archived, its result in
general words — not the description, the contact or the people concerned (实施办法第二十二条: the
complainant is told the result; an anonymous one is explained it "in a certain scope").
"""

from __future__ import annotations

import hashlib
import secrets

from api.i18n import Text, tr
from models.enums import ComplaintFinding, ComplaintStatus

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 16
_READ_AS = {"I": "1", "L": "1", "O": "0"}


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalize(code: str) -> str | None:
    """The code as generated, from what a person typed (any case, spaces or dashes, O for 0); None if not one."""
    compact = "".join(_READ_AS.get(c, c) for c in code.upper() if c not in " -")
    if len(compact) != LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return "-".join(compact[i : i + 4] for i in range(0, LENGTH, 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


STATUS_WORDS: dict[ComplaintStatus, Text] = {
    ComplaintStatus.received: tr("Received (立案)"),
    ComplaintStatus.verifying: tr("Being verified (核实)"),
    ComplaintStatus.determined: tr("Determined (认定)"),
    ComplaintStatus.feedback: tr("Result being fed back (反馈)"),
    ComplaintStatus.rectified: tr("Being corrected (纠错)"),
    ComplaintStatus.archived: tr("Closed (归档)"),
}

# The result in general words, when the supervisor wrote none of its own.
RESULT_WORDS: dict[ComplaintFinding, Text] = {
    ComplaintFinding.substantiated: tr(
        "The complaint was found true; the unit concerned has been required to correct it."
    ),
    ComplaintFinding.untrue: tr("After verification the complaint was found untrue."),
    ComplaintFinding.no_evidence: tr("After verification no evidence was found for the complaint."),
    ComplaintFinding.tolerated: tr(
        "The matter was verified and handled under the tolerance and correction rules (容错纠错)."
    ),
}

CLEARING_FINDINGS = frozenset({ComplaintFinding.untrue, ComplaintFinding.no_evidence})
"""Findings that clear the inspectors the complaint concerned (澄清保护, 实施办法第二十二条)."""


def result_words(finding: ComplaintFinding | None, written: str) -> str | Text:
    if written.strip():
        return written.strip()
    if finding is None:
        return ""
    return RESULT_WORDS[finding]
