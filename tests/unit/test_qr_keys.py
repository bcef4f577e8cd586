"""The Ed25519 key ring: storage on first start, PEM from the environment, rotation, the JWK Set."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from qr import Outcome, VisitClaims, sign_visit, verify_token
from qr.keys import INDEX_FILE, KeyRing, public_keys_from_jwks

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
LIFETIME = timedelta(days=45)


def _pem(key: Ed25519PrivateKey) -> str:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def test_first_start_creates_one_private_key_file_0600_and_an_index(tmp_path: Path) -> None:
    directory = tmp_path / "qr_keys"
    ring = KeyRing.load_or_create(directory, NOW)

    key_file = directory / f"{ring.signing_kid}.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    index = json.loads((directory / INDEX_FILE).read_text())
    assert index == {
        "keys": [
            {"kid": ring.signing_kid, "created_at": NOW.isoformat(), "not_signing_after": None, "verify_until": None}
        ]
    }


def test_second_start_loads_the_same_key(tmp_path: Path) -> None:
    first = KeyRing.load_or_create(tmp_path, NOW)
    again = KeyRing.load_or_create(tmp_path, NOW + timedelta(days=1))
    assert again.signing_kid == first.signing_kid
    assert again.jwks(NOW) == first.jwks(NOW)


def test_kid_is_the_first_8_base32_chars_of_sha256_of_the_public_key() -> None:
    ring = KeyRing.generate(NOW)
    (jwk,) = ring.jwks(NOW)["keys"]
    raw = base64.urlsafe_b64decode(jwk["x"] + "=")
    assert ring.signing_kid == base64.b32encode(hashlib.sha256(raw).digest()).decode()[:8]


def test_jwks_holds_only_public_members_and_repr_hides_private_keys(tmp_path: Path) -> None:
    ring = KeyRing.load_or_create(tmp_path, NOW)
    (jwk,) = ring.jwks(NOW)["keys"]
    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    pem = (tmp_path / f"{ring.signing_kid}.pem").read_text()
    body = "".join(pem.splitlines()[1:-1])
    for text in (json.dumps(ring.jwks(NOW)), repr(ring), repr(ring.key_infos())):
        assert "PRIVATE" not in text and body not in text and '"d"' not in text


def test_rotation_keeps_the_old_key_verifying_until_its_tokens_expired(tmp_path: Path) -> None:
    ring = KeyRing.load_or_create(tmp_path, NOW)
    old = ring.signing_kid
    rotated_at = NOW + timedelta(days=90)

    new = ring.rotate(rotated_at, LIFETIME)

    assert new != old and ring.signing_kid == new
    old_info = next(k for k in ring.key_infos() if k.kid == old)
    assert old_info.not_signing_after == rotated_at
    assert old_info.verify_until == rotated_at + LIFETIME
    assert [k["kid"] for k in ring.jwks(rotated_at)["keys"]] == [new, old]  # signing key first
    assert [k["kid"] for k in ring.jwks(rotated_at + LIFETIME - timedelta(seconds=1))["keys"]] == [new, old]
    assert [k["kid"] for k in ring.jwks(rotated_at + LIFETIME)["keys"]] == [new]
    assert set(ring.verification_keys(rotated_at + LIFETIME)) == {base64.b32decode(new)}
    # the rotation is on disk before rotate() returns
    assert [k.kid for k in KeyRing.load_or_create(tmp_path, NOW).key_infos()] == [old, new]


def test_rotation_by_a_stale_second_process_keeps_the_first_ones_key(tmp_path: Path) -> None:
    worker_a = KeyRing.load_or_create(tmp_path, NOW)
    worker_b = KeyRing.load_or_create(tmp_path, NOW)
    kid_a = worker_a.rotate(NOW + timedelta(days=1), LIFETIME)
    kid_b = worker_b.rotate(NOW + timedelta(days=2), LIFETIME)
    on_disk = [k.kid for k in KeyRing.load_or_create(tmp_path, NOW).key_infos()]
    assert on_disk[-2:] == [kid_a, kid_b] and len(on_disk) == 3


def test_prune_forgets_and_deletes_keys_past_verify_until(tmp_path: Path) -> None:
    ring = KeyRing.load_or_create(tmp_path, NOW)
    old = ring.signing_kid
    ring.rotate(NOW, LIFETIME)
    assert ring.prune(NOW + LIFETIME - timedelta(seconds=1)) == []
    assert ring.prune(NOW + LIFETIME) == [old]
    assert not (tmp_path / f"{old}.pem").exists()
    assert [k.kid for k in KeyRing.load_or_create(tmp_path, NOW).key_infos()] == [ring.signing_kid]


def test_from_pem_last_key_signs_earlier_ones_only_verify() -> None:
    older, current = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    ring = KeyRing.from_pem(_pem(older) + "\n" + _pem(current), NOW)
    assert ring.signing_kid == KeyRing.from_pem(_pem(current), NOW).signing_kid
    assert len(ring.jwks(NOW + timedelta(days=3650))["keys"]) == 2
    assert ring.key_infos()[0].not_signing_after == NOW and ring.key_infos()[0].verify_until is None


def test_from_pem_refuses_what_is_not_an_ed25519_private_key() -> None:
    ec = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    for value in ("", "not a key", ec.decode()):
        with pytest.raises(ValueError):
            KeyRing.from_pem(value, NOW)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        KeyRing.generate(datetime(2026, 7, 1))
    with pytest.raises(ValueError):
        KeyRing.generate(NOW).jwks(datetime(2026, 7, 1))


def test_public_keys_from_jwks_skips_foreign_key_types_and_refuses_a_broken_set() -> None:
    ring = KeyRing.generate(NOW)
    jwks = ring.jwks(NOW)
    jwks["keys"].append({"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "other"})
    assert list(public_keys_from_jwks(jwks)) == list(ring.verification_keys(NOW))
    for broken in ({}, {"keys": "x"}, {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "!!", "kid": "A"}]}):
        with pytest.raises(ValueError):
            public_keys_from_jwks(broken)


def _visit_token(ring: KeyRing) -> bytes:
    claims = VisitClaims("ruqi", 1, "91310000MA1FL0000X", NOW, NOW + timedelta(hours=8), NOW, ("C-1",), ("I-1",))
    return sign_visit(claims, ring)


def test_a_running_worker_picks_up_a_rotation_made_by_another_process(tmp_path: Path) -> None:
    worker_a = KeyRing.load_or_create(tmp_path, NOW)
    worker_b = KeyRing.load_or_create(tmp_path, NOW)
    worker_b.reload_every_s = 3600.0  # no periodic re-read: only the unknown kid makes b look
    new_kid = KeyRing.load_or_create(tmp_path, NOW).rotate(NOW, LIFETIME)  # `ruqi rotate-keys`

    worker_a.reload_every_s = 0.0  # its periodic check is due: it signs with the new key from now on
    assert worker_a.signing_kid == new_kid
    token = _visit_token(worker_a)
    # b has not re-read the directory, yet verifies the new key's token: the unknown kid makes it look
    assert verify_token(token, worker_b, NOW).outcome is Outcome.VALID
    assert worker_b.signing_kid == new_kid
    assert not worker_b.reload_if_changed()  # nothing changed since: one stat call, no re-read


def test_an_unknown_kid_from_a_forger_leaves_the_ring_as_it_is(tmp_path: Path) -> None:
    ring = KeyRing.load_or_create(tmp_path, NOW)
    stranger = _visit_token(KeyRing.generate(NOW))
    assert verify_token(stranger, ring, NOW).outcome is Outcome.UNKNOWN_KEY
    assert [k.kid for k in ring.key_infos()] == [ring.signing_kid]
