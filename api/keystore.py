"""Key rings kept in the database, shared by every app machine, private parts sealed under the key-encryption key.

Used when ``RUQI_KEY_ENCRYPTION_KEY`` is set (required in production). Three rings live in ``signing_key``:
``visit`` (visit codes), ``enterprise`` (企业码, never rotated with the visit key) and ``audit`` (checkpoint
signatures). Each private key is sealed with AES-256-GCM: a fresh 12-byte nonce per key and ``ring:kid`` as
associated data, so a row copied to another ring or kid does not open. Reading the database alone gives no key;
a wrong key-encryption key stops the start with a message instead of signing with garbage.

Every worker holds its rings in memory and re-reads the table every ``RUQI_KEY_REFRESH_SECONDS`` (one small
SELECT): a rotation on one machine (``ruqi rotate-keys``) reaches every other one within that time. Tokens
signed by the new key on the rotating machine in that window fail to verify elsewhere only if a phone is
faster than the refresh; the old key keeps verifying for ``--keep-days``, so codes issued before stay good.

On the first start with a key-encryption key, a ring that the data directory already holds (``keys/``,
``enterprise_keys/``, ``audit_keys/``) is imported, so codes and checkpoints signed before keep verifying.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import logging
import os
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.db import is_postgres, write_transaction
from models.shared_tables import SigningKey
from qr import KeyInfo, KeyRing

logger = logging.getLogger("ruqi.keys")

VISIT, ENTERPRISE, AUDIT = "visit", "enterprise", "audit"
# Where each ring lives when keys are kept in the data directory (no key-encryption key).
DIRECTORIES = {VISIT: "keys", ENTERPRISE: "enterprise_keys", AUDIT: "audit_keys"}
_NONCE = 12


class KeyStoreError(RuntimeError):
    """The keys in the database cannot be used with this key-encryption key."""


def seal(kek: bytes, ring: str, kid: str, private: Ed25519PrivateKey) -> str:
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    nonce = os.urandom(_NONCE)
    sealed = nonce + AESGCM(kek).encrypt(nonce, raw, f"{ring}:{kid}".encode())
    return base64.urlsafe_b64encode(sealed).decode("ascii")


def unseal(kek: bytes, ring: str, kid: str, sealed: str) -> Ed25519PrivateKey:
    data = base64.urlsafe_b64decode(sealed.encode("ascii"))
    try:
        raw = AESGCM(kek).decrypt(data[:_NONCE], data[_NONCE:], f"{ring}:{kid}".encode())
    except InvalidTag:
        raise KeyStoreError(
            f"signing key {ring}:{kid} does not open with RUQI_KEY_ENCRYPTION_KEY: every app machine needs the "
            "key-encryption key the keys were sealed with"
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def _lock_key(ring: str) -> int:
    return 0x72757169_0000 + zlib.crc32(ring.encode()) % 0xFFFF  # "ruqi" + ring


async def _lock(ring: str) -> None:
    """Serialise changes to one ring across machines (SQLite: the IMMEDIATE transaction does it)."""
    if is_postgres():
        await SigningKey.raw("SELECT pg_advisory_xact_lock({})", _lock_key(ring))


def _info(row: dict[str, Any]) -> KeyInfo:
    return KeyInfo(
        kid=row["kid"],
        created_at=row["created_at"],
        not_signing_after=row["not_signing_after"],
        verify_until=row["verify_until"],
    )


@dataclass
class DatabaseKeys:
    """The rings of one app process, kept in ``signing_key`` and refreshed from it."""

    kek: bytes
    data_dir: Path
    rings: dict[str, KeyRing] = field(default_factory=lambda: {name: KeyRing.pending() for name in DIRECTORIES})
    _opened: dict[str, Ed25519PrivateKey] = field(default_factory=dict, repr=False)
    _seen: tuple[Any, ...] = ()

    async def start(self, now: dt.datetime) -> None:
        """Load every ring; create (or import from the data directory) the ones the database lacks."""
        for name in DIRECTORIES:
            if not await SigningKey.exists().where(SigningKey.ring == name):
                await self._create(name, now)
        await self.refresh()

    async def _create(self, name: str, now: dt.datetime) -> None:
        directory = self.data_dir / DIRECTORIES[name]
        async with write_transaction():
            await _lock(name)
            if await SigningKey.exists().where(SigningKey.ring == name):
                return  # another machine was first
            if (directory / "keys.json").exists():
                entries = KeyRing.load_or_create(directory, now).entries()
                logger.info("importing key ring %s from %s into the database", name, directory)
            else:
                entries = KeyRing.generate(now).entries()
            for info, private in entries:
                await self._insert(name, info, private)

    async def _insert(self, ring: str, info: KeyInfo, private: Ed25519PrivateKey) -> None:
        await SigningKey.insert(
            SigningKey(
                ring=ring,
                kid=info.kid,
                created_at=info.created_at,
                not_signing_after=info.not_signing_after,
                verify_until=info.verify_until,
                sealed_private=seal(self.kek, ring, info.kid, private),
            )
        )

    async def refresh(self) -> bool:
        """Re-read the table; swap in the rings that changed. True when something changed."""
        rows = await SigningKey.select().order_by(SigningKey.id)
        seen = tuple((r["ring"], r["kid"], r["not_signing_after"], r["verify_until"]) for r in rows)
        if seen == self._seen:
            return False
        by_ring: dict[str, list[tuple[KeyInfo, Ed25519PrivateKey]]] = {name: [] for name in DIRECTORIES}
        for row in rows:
            if row["ring"] not in by_ring:
                continue
            private = self._opened.get(row["kid"])
            if private is None:
                private = unseal(self.kek, row["ring"], row["kid"], row["sealed_private"])
                self._opened[row["kid"]] = private
            by_ring[row["ring"]].append((_info(row), private))
        for name, entries in by_ring.items():
            if entries:
                self.rings[name].replace_entries(entries)
        self._seen = seen
        return True

    async def rotate(self, ring: str, now: dt.datetime, max_token_lifetime: dt.timedelta) -> tuple[str, str]:
        """Start signing ``ring`` with a new key; the old one verifies for ``max_token_lifetime``. (old, new) kids."""
        if max_token_lifetime < dt.timedelta(0):
            raise ValueError("max_token_lifetime must not be negative")
        async with write_transaction():
            await _lock(ring)
            current = (
                await SigningKey.select(SigningKey.kid)
                .where((SigningKey.ring == ring) & SigningKey.not_signing_after.is_null())
                .first()
            )
            if current is None:
                raise KeyStoreError(f"key ring {ring} has no signing key in the database (start the app once first)")
            await SigningKey.update(
                {SigningKey.not_signing_after: now, SigningKey.verify_until: now + max_token_lifetime}
            ).where(SigningKey.kid == current["kid"])
            fresh = KeyRing.generate(now).entries()[0]
            await self._insert(ring, fresh[0], fresh[1])
        await self.refresh()
        return str(current["kid"]), fresh[0].kid

    @contextlib.asynccontextmanager
    async def refreshing(self, every_s: float) -> AsyncIterator[None]:
        """Keep the rings fresh in the background while the app serves."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(every_s)
                try:
                    await self.refresh()
                except Exception as exc:  # a database hiccup: keep the keys we have, try again later
                    logger.warning("signing keys not refreshed: %r", exc)

        task = asyncio.create_task(loop(), name="ruqi-key-refresh")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def ring_for(kek: bytes | None, data_dir: Path, name: str, now: dt.datetime) -> KeyRing:
    """One ring for a one-shot command: from the database with a key-encryption key, else the data directory."""
    if kek is None:
        return KeyRing.load_or_create(data_dir / DIRECTORIES[name], now)
    keys = DatabaseKeys(kek, data_dir)
    await keys.start(now)
    return keys.rings[name]
