"""The tamper-evident event log (全过程记录) and its signed checkpoints; see ``api.audit.chain``."""

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    """One link of the hash chain: ``seq`` runs 1..N without gaps; ``hash`` covers the link and ``prev_hash``."""

    id = Serial(primary_key=True)
    seq = Integer(unique=True)
    at = Timestamptz(default=None)
    actor = Varchar(length=64)
    type = Varchar(length=32, index=True)
    # "visit:12", "enterprise:<USCC>", "items:<code>", "complaint:7" …: the per-record views read by it.
    subject = Varchar(length=64, index=True)
    payload = Text()  # canonical JSON (sorted keys, no whitespace, UTF-8)
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)
    # PostgreSQL only, until COMMIT: the link text around the seq, hashed by the trigger of models.audit_trigger.
    link_prefix = Text(null=True, default=None)
    link_suffix = Text(null=True, default=None)


class AuditCheckpoint(Table, tablename="audit_checkpoint"):
    """A signed statement "the chain had head ``head_hash`` at ``seq``", exported for external anchoring."""

    id = Serial(primary_key=True)
    seq = Integer(index=True)
    head_hash = Varchar(length=64)
    at = Timestamptz(default=None)
    kid = Varchar(length=16)
    signature = Text()  # base64url (no padding) of the Ed25519 signature


AUDIT_TABLES: list[type[Table]] = [AuditEvent, AuditCheckpoint]
