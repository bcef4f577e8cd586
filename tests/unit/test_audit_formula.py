"""The audit link hash and checkpoint signature against values worked out by hand (sha256sum in a shell)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from api.audit.formula import (
    GENESIS_HASH,
    canonical_json,
    checkpoint_message,
    checkpoint_signature_ok,
    link_hash,
    link_hash_of_text,
    link_record,
    link_text_around_seq,
    normalize,
    sign_checkpoint,
)
from qr import KeyRing

SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# printf '%s%s' "$(printf '0%.0s' {1..64})" '<RECORD_1>' | sha256sum
RECORD_1 = (
    '{"actor":"planner-mkt","at":"2026-03-01T02:03:04.000005+00:00","payload":{"visit_id":12,"名称":"检查"},'
    '"seq":1,"subject":"visit:12","type":"visit.filed"}'
)
HASH_1 = "e10b54a3b90ed0b89f1cd3ce8134265dafa19c219ba99d7465575bc1cb08a91c"
# printf '%s%s' "$HASH_1" '<RECORD_2>' | sha256sum
RECORD_2 = (
    '{"actor":"system","at":"2026-03-01T02:03:05.000000+00:00","payload":{"distance":"12.5",'
    '"issued_at":"2026-03-01T02:03:05.000000+00:00","visit_id":12},"seq":2,"subject":"visit:12","type":"code.issued"}'
)
HASH_2 = "4e16b76cd34cf5ea768983d805df440a5dd9c33f34ba2ce95955be534902e22e"


def test_first_link_matches_the_hand_computed_hash() -> None:
    at = dt.datetime(2026, 3, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    payload = normalize({"名称": "检查", "visit_id": 12})
    assert link_record(1, at, "planner-mkt", "visit.filed", "visit:12", payload) == RECORD_1
    assert link_hash(GENESIS_HASH, 1, at, "planner-mkt", "visit.filed", "visit:12", payload) == HASH_1


def test_second_link_chains_and_normalizes_times_and_floats() -> None:
    local = dt.datetime(2026, 3, 1, 10, 3, 5, tzinfo=SHANGHAI)  # the same instant as 02:03:05 UTC
    payload = normalize({"visit_id": 12, "issued_at": local, "distance": 12.5})
    assert payload == {"visit_id": 12, "issued_at": "2026-03-01T02:03:05.000000+00:00", "distance": "12.5"}
    assert link_record(2, local, "system", "code.issued", "visit:12", payload) == RECORD_2
    assert link_hash(HASH_1, 2, local, "system", "code.issued", "visit:12", payload) == HASH_2


def test_the_verifier_hashes_stored_text_exactly_as_the_formula() -> None:
    at = dt.datetime(2026, 3, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    text = canonical_json(normalize({"名称": "检查", "visit_id": 12}))
    assert link_hash_of_text(GENESIS_HASH, 1, at, "planner-mkt", "visit.filed", "visit:12", text) == HASH_1


def _hash_at_commit(prev_hash: str, seq: int, prefix: str, suffix: str) -> str:
    """What the PostgreSQL trigger computes: sha256(convert_to(prev || prefix || seq::text || suffix, 'UTF8'))."""
    return hashlib.sha256((prev_hash + prefix + str(seq) + suffix).encode("utf-8")).hexdigest()


SPLIT_CASES = [
    ("planner-mkt", "visit.filed", "visit:12", {"名称": "检查", "visit_id": 12}),
    ("system", "code.issued", "visit:12", {"distance": 12.5, "ratio": 1e-07, "big": 1e300, "neg": -0.0}),
    ("inspector-1", "scan", "visit:7", {"at": dt.datetime(2026, 3, 1, 10, 3, 5, 999999, tzinfo=SHANGHAI)}),
    ('检查员"引号"\\', "complaint.step", "enterprise:91310000MA1FL0000X", {"note": "line\nbreak\ttab\u0001 é 🚀"}),
    ("", "t", "", {}),
    (
        "a" * 64,
        "sample.loaded",
        "s" * 64,
        {"nested": {"z": [1, "二", None, True], "a": {"b": 2.0}}, "d": dt.date(2026, 1, 2)},
    ),
]


@pytest.mark.parametrize(("actor", "event_type", "subject", "payload"), SPLIT_CASES)
@pytest.mark.parametrize("seq", [1, 9, 10, 123_456, 2_147_483_647])
def test_the_link_text_split_around_seq_hashes_as_the_formula(
    actor: str, event_type: str, subject: str, payload: dict[str, object], seq: int
) -> None:
    at = dt.datetime(2026, 3, 1, 10, 3, 4, 5, tzinfo=SHANGHAI)
    body = normalize(payload)
    prefix, suffix = link_text_around_seq(at, actor, event_type, subject, canonical_json(body))
    assert prefix + str(seq) + suffix == link_record(seq, at, actor, event_type, subject, body)
    for prev in (GENESIS_HASH, HASH_1):
        assert _hash_at_commit(prev, seq, prefix, suffix) == link_hash(prev, seq, at, actor, event_type, subject, body)


def test_the_split_reproduces_the_hand_computed_hashes() -> None:
    at = dt.datetime(2026, 3, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    prefix, suffix = link_text_around_seq(
        at, "planner-mkt", "visit.filed", "visit:12", canonical_json(normalize({"名称": "检查", "visit_id": 12}))
    )
    assert _hash_at_commit(GENESIS_HASH, 1, prefix, suffix) == HASH_1
    local = dt.datetime(2026, 3, 1, 10, 3, 5, tzinfo=SHANGHAI)
    text = canonical_json(normalize({"visit_id": 12, "issued_at": local, "distance": 12.5}))
    assert _hash_at_commit(HASH_1, 2, *link_text_around_seq(local, "system", "code.issued", "visit:12", text)) == HASH_2


JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))


@given(
    actor=st.text(max_size=20), subject=st.text(max_size=20), payload=st.dictionaries(st.text(max_size=8), JSON_VALUES)
)
def test_text_and_object_hashing_agree_for_any_strings(actor: str, subject: str, payload: dict[str, object]) -> None:
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    text = canonical_json(normalize(payload))
    expected = link_hash(HASH_1, 2, at, actor, "t", subject, normalize(payload))
    assert link_hash_of_text(HASH_1, 2, at, actor, "t", subject, text) == expected
    assert _hash_at_commit(HASH_1, 2, *link_text_around_seq(at, actor, "t", subject, text)) == expected


def test_canonical_json_is_sorted_compact_and_unescaped() -> None:
    assert canonical_json({"b": [1, "二"], "a": None}) == '{"a":null,"b":[1,"二"]}'
    with pytest.raises(TypeError):
        normalize({"x": object()})
    with pytest.raises(ValueError):
        normalize({"x": dt.datetime(2026, 1, 1)})  # naive times are refused


def test_checkpoint_signature_verifies_with_the_public_jwk_only() -> None:
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    ring = KeyRing.generate(now)
    kid, signature = sign_checkpoint(ring, 7, HASH_2, now)
    message = checkpoint_message(7, HASH_2, now)
    assert message == f'{{"at":"2026-03-01T00:00:00.000000+00:00","head_hash":"{HASH_2}","seq":7}}'.encode()
    jwk = ring.jwks(now)["keys"][0]
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(jwk["x"] + "=="))
    public.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), message)  # raises if bad
    checkpoint = {"seq": 7, "head_hash": HASH_2, "at": now.isoformat(), "kid": kid, "signature": signature}
    assert checkpoint_signature_ok(checkpoint, ring.jwks(now))
    assert not checkpoint_signature_ok({**checkpoint, "seq": 8}, ring.jwks(now))
    assert not checkpoint_signature_ok(checkpoint, KeyRing.generate(now).jwks(now))
