"""The enterprise phone's verdicts on real and forged codes, offline and online, agree on every outcome."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cwt import COSE, COSEKey
from PIL import Image

from clients.sample_mobile import offline, qrimage
from clients.sample_mobile.api_client import ApiClient
from clients.sample_mobile.store import open_db
from clients.sample_mobile.tokens import token_bytes
from tests.e2e.servers import Server
from tests.e2e.world import SUPERVISOR, World

pytestmark = pytest.mark.e2e


def _url(server: Server, token: bytes, prefix: str = "V") -> str:
    return f"{server.url}/{prefix}/{base64.b32encode(token).decode().rstrip('=')}"


def _signed_by_a_stranger(genuine: bytes) -> bytes:
    """The genuine claims, signed by a key the server never published."""
    payload = cbor2.loads(genuine).value[2]
    private = Ed25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    d = private.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    x = private.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
    kid = b"\x00\x01\x02\x03\x04"
    key = COSEKey.new({1: 1, 2: kid, 3: -8, -1: 6, -2: x, -4: d})
    return bytes(COSE.new().encode_and_sign(payload, key, protected={1: -8, 4: kid}, unprotected={}))


def test_offline_and_online_verdicts_on_genuine_altered_and_foreign_codes(
    server: Server, world: World, tmp_path: Path
) -> None:
    firm = world.enterprise()
    visit = world.approved_visit(firm.uscc)
    with world.client("inspector-1") as inspector:
        code = inspector.visit_code(visit.id)
        png = inspector.visit_code_png(visit.id)
    with world.client(SUPERVISOR) as supervisor:
        enterprise_url = supervisor.enterprise_code(firm.uscc).url
    genuine = token_bytes(code.url)
    altered_signature = genuine[:-1] + bytes([genuine[-1] ^ 0x01])
    other_uscc = firm.uscc[:-1] + ("1" if firm.uscc.endswith("0") else "0")  # one byte of the claims
    altered_claims = genuine.replace(firm.uscc.encode(), other_uscc.encode(), 1)
    foreign = _signed_by_a_stranger(genuine)

    db = open_db(tmp_path / "phone")
    with ApiClient(server.url) as api:
        offline.refresh(db, api)
        cases = {
            code.url: "valid",
            _url(server, altered_signature): "bad_signature",
            _url(server, altered_claims): "bad_signature",
            _url(server, foreign): "unknown_key",
            _url(server, b"\xd2\x84not a token"): "malformed",
            f"{server.url}/V/NOT-BASE32!": "malformed",
        }
        for scanned, outcome in cases.items():
            verdict = offline.verify_offline(db, scanned)
            assert verdict.outcome == outcome, (scanned, verdict)
            assert api.verify(scanned).outcome == outcome, scanned
        assert offline.verify_offline(db, _url(server, foreign)).needs_online_check  # a new key, maybe: ask
        assert offline.verify_offline(db, enterprise_url).outcome == "malformed"  # an enterprise code, not a visit's

    # Time, offline: before the window and after it (with its grace).
    before = offline.verify_offline(db, code.url, now=code.not_before - dt.timedelta(seconds=1))
    after = offline.verify_offline(db, code.url, now=code.expires_at)
    assert (before.outcome, after.outcome) == ("not_yet_valid", "expired")

    # The terminal drawing is the same code: re-drawn from its modules, it decodes to the same URL.
    grid = qrimage.modules(png)
    assert len(grid) == 17 + 4 * code.qr_version
    side = len(grid) + 8
    image = Image.new("L", (side, side), 255)
    for r, row in enumerate(grid):
        for c, dark in enumerate(row):
            if dark:
                image.putpixel((c + 4, r + 4), 0)
    redrawn = tmp_path / "redrawn.png"
    image.resize((side * 4, side * 4), Image.Resampling.NEAREST).save(redrawn)
    assert qrimage.decode(redrawn) == code.url
    assert "▀" in qrimage.terminal(grid) and "▄" in qrimage.terminal(grid)
