"""Keys sealed for the database, and the production start that refuses to run without shared secrets."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.keystore import KeyStoreError, seal, unseal
from api.settings import Settings, SettingsError
from qr import KeyInfo, KeyRing

KEK = bytes(range(32))
KEK_TEXT = base64.urlsafe_b64encode(KEK).rstrip(b"=").decode()
PG = "postgresql://ruqi@db.internal:5432/ruqi"
NOW = dt.datetime(2026, 6, 10, 2, tzinfo=dt.UTC)


def raw(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def test_a_sealed_key_opens_only_with_its_kek_ring_and_kid() -> None:
    private = Ed25519PrivateKey.generate()
    sealed = seal(KEK, "visit", "AAAAAAAA", private)
    assert raw(private) not in base64.urlsafe_b64decode(sealed)  # the database never holds the key in clear
    assert raw(unseal(KEK, "visit", "AAAAAAAA", sealed)) == raw(private)
    assert seal(KEK, "visit", "AAAAAAAA", private) != sealed  # a fresh nonce every time
    for kek, ring, kid in ((bytes(32), "visit", "AAAAAAAA"), (KEK, "audit", "AAAAAAAA"), (KEK, "visit", "BBBBBBBB")):
        with pytest.raises(KeyStoreError, match="RUQI_KEY_ENCRYPTION_KEY"):
            unseal(kek, ring, kid, sealed)


def test_a_ring_from_entries_signs_with_the_key_that_was_not_retired() -> None:
    first, second = KeyRing.generate(NOW).entries()[0], KeyRing.generate(NOW).entries()[0]
    retired = (KeyInfo(first[0].kid, NOW, NOW, NOW + dt.timedelta(days=1)), first[1])
    ring = KeyRing.from_entries([second, retired])
    assert ring.signing_kid == second[0].kid
    assert [k["kid"] for k in ring.jwks(NOW)["keys"]] == [second[0].kid, first[0].kid]
    with pytest.raises(ValueError, match="exactly one signing key"):
        KeyRing.from_entries([first, second])
    pending = KeyRing.pending()
    with pytest.raises(RuntimeError, match="not loaded"):
        pending.signing_key()
    pending.replace_entries([second])
    assert pending.signing_kid == second[0].kid


@pytest.mark.parametrize(
    "environ",
    [
        {"DATABASE_URL": PG},  # PostgreSQL is production unless told otherwise
        {"RUQI_ENV": "production"},  # even on SQLite
        {"DATABASE_URL": PG, "RUQI_KEY_ENCRYPTION_KEY": KEK_TEXT},
    ],
)
def test_production_refuses_to_start_without_a_jwt_secret(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(environ)
    assert raised.value.variable == "RUQI_JWT_SECRET" and "production" in str(raised.value)


def test_production_refuses_to_start_without_a_key_encryption_key() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"DATABASE_URL": PG, "RUQI_JWT_SECRET": "s" * 40})
    assert raised.value.variable == "RUQI_KEY_ENCRYPTION_KEY"


def test_production_with_its_secrets_and_development_without_them_start() -> None:
    production = Settings.from_env(
        {"DATABASE_URL": PG, "RUQI_JWT_SECRET": "s" * 40, "RUQI_KEY_ENCRYPTION_KEY": KEK_TEXT}
    )
    assert production.is_production and production.kek == KEK and production.shared_database
    development = Settings.from_env({"DATABASE_URL": PG, "RUQI_ENV": "development"})
    assert not development.is_production and development.kek is None
    embedded = Settings.from_env({})
    assert not embedded.is_production and not embedded.shared_database  # make run: generated local secrets


@pytest.mark.parametrize(
    ("variable", "value"),
    [("RUQI_KEY_ENCRYPTION_KEY", "c2hvcnQ"), ("RUQI_ENV", "staging"), ("RUQI_KEY_REFRESH_SECONDS", "0")],
)
def test_bad_shared_settings_name_their_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert raised.value.variable == variable
