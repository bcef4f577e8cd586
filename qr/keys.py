"""Ed25519 signing keys for QR tokens: generation, storage, rotation and the public JWK Set.

A key id (kid) is the first 5 bytes of SHA-256 over the raw 32-byte public key; tokens carry those
5 bytes in their COSE header, the JWK Set carries them as 8 upper-case Base32 characters.

On disk (``KeyRing.load_or_create``) a directory holds one PKCS#8 PEM file per key (``<kid>.pem``,
mode 0600) and ``keys.json``, the index: kid, created_at, not_signing_after, verify_until.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cwt import COSEKey
from cwt.cose_key_interface import COSEKeyInterface

INDEX_FILE = "keys.json"
LOCK_FILE = ".lock"
KID_BYTES = 5
COSE_ALG_EDDSA = -8


def kid_bytes_for(public_key: Ed25519PublicKey) -> bytes:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:KID_BYTES]


def kid_text(kid: bytes) -> str:
    """The printable kid (8 Base32 characters) for the 5 header bytes."""
    return base64.b32encode(kid).decode("ascii")


def kid_from_text(text: str) -> bytes:
    """The 5 header bytes for a printable kid; ValueError when it is not one."""
    raw = base64.b32decode(text.encode("ascii"))
    if len(raw) != KID_BYTES:
        raise ValueError("a kid is 8 Base32 characters")
    return raw


def public_cose_key(kid: bytes, public_key: Ed25519PublicKey) -> COSEKeyInterface:
    return COSEKey.new(_cose_okp_params(kid, public_key))


def _cose_okp_params(kid: bytes, public_key: Ed25519PublicKey) -> dict[int, int | bytes]:
    """COSE_Key labels: kty=OKP(1), kid, alg=EdDSA, crv=Ed25519(6), x."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {1: 1, 2: kid, 3: COSE_ALG_EDDSA, -1: 6, -2: raw}


def public_keys_from_jwks(jwks: Mapping[str, Any]) -> dict[bytes, COSEKeyInterface]:
    """Public COSE keys by kid bytes from a JWK Set; keys of other types are skipped (RFC 7517 §5).

    ValueError when ``jwks`` is not a JWK Set at all: that is the verifier's configuration, not input.
    """
    entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(entries, list):
        raise ValueError("not a JWK Set: no 'keys' list")
    out: dict[bytes, COSEKeyInterface] = {}
    for jwk in entries:
        if not (isinstance(jwk, Mapping) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519"):
            continue
        try:
            raw = base64.urlsafe_b64decode(str(jwk["x"]) + "=" * (-len(str(jwk["x"])) % 4))
            public = Ed25519PublicKey.from_public_bytes(raw)
            kid = kid_from_text(str(jwk["kid"]))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"bad Ed25519 JWK {jwk.get('kid')!r}") from exc
        out[kid] = public_cose_key(kid, public)
    return out


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class KeyInfo:
    """What may be said about a key in public: never its private part."""

    kid: str
    created_at: datetime
    not_signing_after: datetime | None = None  # set when rotated out (or verify-only from PEM)
    verify_until: datetime | None = None  # None: verifies for as long as the key is kept

    def verifies_at(self, now: datetime) -> bool:
        return self.verify_until is None or now < self.verify_until


@dataclass(frozen=True, eq=False)
class _Key:
    info: KeyInfo
    private: Ed25519PrivateKey = field(repr=False)
    kid: bytes = field(init=False)
    public: COSEKeyInterface = field(init=False, repr=False)
    signer: COSEKeyInterface = field(init=False, repr=False)

    def __post_init__(self) -> None:
        kid = kid_bytes_for(self.private.public_key())
        if kid_text(kid) != self.info.kid:
            raise ValueError(f"key {self.info.kid} does not hold the key its kid names")
        params = _cose_okp_params(kid, self.private.public_key())
        d = self.private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        object.__setattr__(self, "kid", kid)
        object.__setattr__(self, "public", COSEKey.new(params))
        object.__setattr__(self, "signer", COSEKey.new({**params, -4: d}))

    @classmethod
    def new(cls, private: Ed25519PrivateKey, created_at: datetime) -> _Key:
        kid = kid_text(kid_bytes_for(private.public_key()))
        return cls(KeyInfo(kid=kid, created_at=_aware(created_at)), private)

    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


class KeyRing:
    """The signing key plus every older key whose tokens may still be in circulation."""

    # A ring kept in a directory re-reads it when another process (``ruqi rotate-keys``, another worker) has
    # changed it: checked at most this often, and at once when a token names a kid the ring does not know.
    reload_every_s = 2.0

    def __init__(self, keys: list[_Key], directory: Path | None = None) -> None:
        if not keys or keys[-1].info.not_signing_after is not None:
            raise ValueError("a key ring needs a current signing key (the last one)")
        self._keys_loaded = keys
        self._directory = directory
        self._stamp = _index_stamp(directory)
        self._checked = time.monotonic()

    def __repr__(self) -> str:
        return f"KeyRing(signing_kid={self.signing_kid!r}, kids={[k.info.kid for k in self._keys]!r})"

    # -- construction ---------------------------------------------------------------------------------
    @classmethod
    def generate(cls, now: datetime) -> KeyRing:
        """A fresh in-memory ring (tests, tools). Nothing is written anywhere."""
        return cls([_Key.new(Ed25519PrivateKey.generate(), now)])

    @classmethod
    def from_pem(cls, value: str, now: datetime) -> KeyRing:
        """A ring from the value of an environment variable holding one or more PKCS#8 PEM Ed25519 keys.

        The last key signs; earlier ones only verify, until the operator removes them from the value.
        Rotation of such a ring lives in memory only.
        """
        marker = "-----END PRIVATE KEY-----"
        blocks = [b + marker for b in value.split(marker) if b.strip()]
        keys = [_Key.new(_load_private(b.strip().encode()), now) for b in blocks]
        if not keys:
            raise ValueError("no PEM private key in the value")
        verify_only = [replace(k, info=replace(k.info, not_signing_after=_aware(now))) for k in keys[:-1]]
        return cls([*verify_only, keys[-1]])

    @classmethod
    def pending(cls) -> KeyRing:
        """A ring whose keys are loaded later (from the database, when the app starts): unusable until then."""
        ring = cls.__new__(cls)
        ring._keys_loaded, ring._directory, ring._stamp, ring._checked = [], None, None, time.monotonic()
        return ring

    @classmethod
    def from_entries(cls, entries: Sequence[tuple[KeyInfo, Ed25519PrivateKey]]) -> KeyRing:
        """A ring of keys kept elsewhere (the database); the one without ``not_signing_after`` signs."""
        return cls(_ordered(entries))

    def replace_entries(self, entries: Sequence[tuple[KeyInfo, Ed25519PrivateKey]]) -> None:
        """Swap in the keys as they are now kept elsewhere (another machine rotated them)."""
        self._keys_loaded = _ordered(entries)

    def entries(self) -> list[tuple[KeyInfo, Ed25519PrivateKey]]:
        """Every key with its private part: for moving a ring into another store, never for display."""
        return [(k.info, k.private) for k in self._keys]

    @classmethod
    def load_or_create(cls, path: Path, now: datetime) -> KeyRing:
        """Load the ring kept in ``path``; on first start create the directory and its first key."""
        now = _aware(now)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _locked(path):
            if (path / INDEX_FILE).exists():
                return cls(_read_keys(path), path)
            ring = cls([_Key.new(Ed25519PrivateKey.generate(), now)], path)
            ring._save()
            return ring

    # -- use ------------------------------------------------------------------------------------------
    @property
    def _keys(self) -> list[_Key]:
        if not self._keys_loaded:
            raise RuntimeError("the key ring is not loaded yet (it is read from the database when the app starts)")
        if self._directory is not None and time.monotonic() - self._checked >= self.reload_every_s:
            self.reload_if_changed()
        return self._keys_loaded

    @_keys.setter
    def _keys(self, keys: list[_Key]) -> None:
        self._keys_loaded = keys

    def reload_if_changed(self) -> bool:
        """Re-read the directory if its index changed since this ring last read or wrote it (one stat call)."""
        self._checked = time.monotonic()
        if self._directory is None or _index_stamp(self._directory) == self._stamp:
            return False
        with _locked(self._directory):
            self._keys_loaded = _read_keys(self._directory)
            self._stamp = _index_stamp(self._directory)
        return True

    @property
    def signing_kid(self) -> str:
        return self._keys[-1].info.kid

    def key_infos(self) -> list[KeyInfo]:
        return [k.info for k in self._keys]

    def signing_key(self) -> COSEKeyInterface:
        """The current private signing key as a COSE key (for ``qr.tokens`` only)."""
        return self._keys[-1].signer

    def verification_keys(self, now: datetime) -> dict[bytes, COSEKeyInterface]:
        """Public COSE keys by kid bytes: every key that still verifies at ``now``."""
        return {k.kid: k.public for k in self._live(_aware(now))}

    def jwks(self, now: datetime) -> dict[str, Any]:
        """The public JWK Set: the keys that still verify at ``now``, signing key first."""
        return {"keys": [_public_jwk(k) for k in reversed(self._live(_aware(now)))]}

    # -- change ---------------------------------------------------------------------------------------
    def rotate(self, now: datetime, max_token_lifetime: timedelta) -> str:
        """Start signing with a new key; the old one verifies until its last token could have expired.

        ``max_token_lifetime`` must cover the longest exp − iat of any token signed so far. Returns the
        new kid. A ring kept in a directory re-reads it under the lock, so a rotation made by another
        process is kept, and writes the change before returning.
        """
        now = _aware(now)
        if max_token_lifetime < timedelta(0):
            raise ValueError("max_token_lifetime must not be negative")
        with self._locked_fresh():
            old = self._keys[-1]
            retired = replace(old.info, not_signing_after=now, verify_until=now + max_token_lifetime)
            new = _Key.new(Ed25519PrivateKey.generate(), now)
            self._keys = [*self._keys[:-1], replace(old, info=retired), new]
            self._save()
        return self.signing_kid

    def prune(self, now: datetime) -> list[str]:
        """Forget (and delete the files of) keys past their verify_until. Returns their kids."""
        now = _aware(now)
        with self._locked_fresh():
            gone = [k for k in self._keys if not k.info.verifies_at(now)]
            self._keys = self._live(now)
            self._save()
            if self._directory is not None:
                for key in gone:
                    (self._directory / f"{key.info.kid}.pem").unlink(missing_ok=True)
        return [k.info.kid for k in gone]

    def _live(self, now: datetime) -> list[_Key]:
        return [k for k in self._keys if k.info.verifies_at(now)]

    @contextmanager
    def _locked_fresh(self) -> Iterator[None]:
        """Hold the directory lock with the keys as they are on disk now (no-op in memory)."""
        if self._directory is None:
            yield
            return
        with _locked(self._directory):
            self._keys = _read_keys(self._directory)
            self._stamp = _index_stamp(self._directory)
            yield

    def _save(self) -> None:
        if self._directory is None:
            return
        for key in self._keys:
            _write_new_file(self._directory / f"{key.info.kid}.pem", key.pem())
        index = {"keys": [_info_to_json(k.info) for k in self._keys]}
        tmp = self._directory / f"{INDEX_FILE}.tmp"
        tmp.write_text(json.dumps(index, indent=2) + "\n")
        os.replace(tmp, self._directory / INDEX_FILE)
        self._stamp = _index_stamp(self._directory)


def _ordered(entries: Sequence[tuple[KeyInfo, Ed25519PrivateKey]]) -> list[_Key]:
    keys = [_Key(info, private) for info, private in entries]
    signing = [k for k in keys if k.info.not_signing_after is None]
    if len(signing) != 1:
        raise ValueError(f"a key ring needs exactly one signing key, not {len(signing)}")
    older = sorted((k for k in keys if k.info.not_signing_after is not None), key=lambda k: k.info.created_at)
    return [*older, *signing]


# -- storage helpers ----------------------------------------------------------------------------------
def _index_stamp(directory: Path | None) -> tuple[int, int, int] | None:
    """What changes whenever the index is rewritten (``os.replace`` gives it a new inode)."""
    if directory is None:
        return None
    try:
        stat = (directory / INDEX_FILE).stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock so that two workers starting together create one first key, not two."""
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _public_jwk(key: _Key) -> dict[str, str]:
    raw = key.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key.info.kid, "alg": "EdDSA", "use": "sig"}


def _write_new_file(path: Path, data: bytes) -> None:
    if path.exists():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _load_private(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("only Ed25519 private keys can sign QR tokens")
    return key


def _read_keys(directory: Path) -> list[_Key]:
    index = json.loads((directory / INDEX_FILE).read_text())
    keys = []
    for entry in index["keys"]:
        info = _info_from_json(entry)
        keys.append(_Key(info, _load_private((directory / f"{info.kid}.pem").read_bytes())))
    return keys


def _info_to_json(info: KeyInfo) -> dict[str, str | None]:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "kid": info.kid,
        "created_at": iso(info.created_at),
        "not_signing_after": iso(info.not_signing_after),
        "verify_until": iso(info.verify_until),
    }


def _info_from_json(entry: dict[str, str | None]) -> KeyInfo:
    def moment(name: str) -> datetime | None:
        value = entry.get(name)
        return _aware(datetime.fromisoformat(value)) if value else None

    created = moment("created_at")
    if created is None or not entry.get("kid"):
        raise ValueError(f"{INDEX_FILE}: every key needs a kid and created_at")
    return KeyInfo(str(entry["kid"]), created, moment("not_signing_after"), moment("verify_until"))
