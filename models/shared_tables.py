"""What every app machine of one deployment shares through the database: signing keys and evidence bytes."""

from piccolo.columns import BigInt, Bytea, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class SigningKey(Table, tablename="signing_key"):
    """One Ed25519 key of a key ring (``visit``, ``enterprise``, ``audit``), used when RUQI_KEY_ENCRYPTION_KEY is set.

    ``sealed_private`` is the raw 32-byte private key sealed with AES-256-GCM under the key-encryption key from
    the environment: URL-safe Base64 of nonce (12 bytes) + ciphertext + tag, with ``ring:kid`` as associated data
    so that a sealed key cannot be moved to another ring or kid. The database alone never holds a usable key.
    """

    id = Serial(primary_key=True)
    ring = Varchar(length=16, index=True)
    kid = Varchar(length=8, unique=True)
    created_at = Timestamptz(default=None)
    not_signing_after = Timestamptz(null=True, default=None)
    verify_until = Timestamptz(null=True, default=None)
    sealed_private = Text()


class EvidenceBlob(Table, tablename="evidence_blob"):
    """The bytes of a kept evidence file (or thumbnail) on PostgreSQL, named like the local store: ``<aa>/<sha256>``.

    Every app machine reads files it does not hold from here (its local directory is then a cache).
    """

    id = Serial(primary_key=True)
    relative = Varchar(length=67, unique=True)
    size = BigInt()
    data = Bytea()


SHARED_TABLES: list[type[Table]] = [SigningKey, EvidenceBlob]
