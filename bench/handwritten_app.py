"""The same work as ruqi's two hot paths, written by hand: raw ASGI + asyncpg, no framework, no ORM.

    HAND_DSN=postgresql://… HAND_JWKS_URL=http://ruqi/.well-known/jwks.json HAND_JWT_SECRET=… \\
        .venv/bin/uvicorn bench.handwritten_app:app --workers 2

- ``GET /verify/{base32}`` — what ``GET /api/v1/public/verify/{token}`` must do: Base32 and CBOR decoding of the
  COSE_Sign1, the Ed25519 check over its Sig_structure (keys from ruqi's published JWK Set), the claim checks
  (nbf/exp), ruqi's own visit SELECT (one primary-key read with the revocation and inspector facts) and its
  verification_log INSERT, a JSON answer.
- ``POST /scan`` — what ``POST /api/v1/scans`` must do, the same statements in one transaction: the HS256 login
  token checked by hand, the JSON body parsed, the enterprise code's Ed25519 signature checked, then the
  idempotency claim INSERT, the enterprise SELECT, the matching-visit SELECT, the inspectors' validity SELECT, the
  conditional arrival UPDATE (then the status SELECT), the scan INSERT, the audit_event INSERT (ruqi's chain
  trigger links it at COMMIT, as for ruqi) and the idempotency answer UPDATE; a JSON answer with 201.

It runs against ruqi's own database and tables, so both sides read and write the same rows. The SQL text is
ruqi's (api/visits/scans.py, api/verification/service.py, api/idempotency.py): the baseline removes framework,
ORM and per-request overhead, not work. Pool: asyncpg, min 1, max 10 per worker (ruqi's size).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import os
import urllib.request
from typing import Any

import asyncpg
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from api.audit.formula import canonical_json, link_text_around_seq, normalize

ISS, SUB, EXP, NBF, IAT, CLAIM_RUQI, HEADER_KID = 1, 2, 4, 5, 6, -65537, 4
GRACE = dt.timedelta(minutes=30)
EARLY = dt.timedelta(minutes=15)
LOCAL = dt.timezone(dt.timedelta(hours=8))

VISIT_SQL = (
    "SELECT v.id, v.lead_unit, v.kind, v.service_type, v.origin, v.trigger_type, v.window_start, v.window_end, "
    "v.status, v.is_emergency, v.code_token, v.code_issued_at, v.code_no, v.checked_in_at, v.checked_out_at, "
    "e.name AS enterprise_name, e.uscc AS enterprise_uscc, "
    "(SELECT MAX(r.reason) FROM code_revocation r WHERE r.visit = v.id AND r.revoked_before >= $1) AS revoked, "
    "EXISTS (SELECT 1 FROM visit_inspector vi JOIN inspector i ON i.id = vi.inspector WHERE vi.visit = v.id "
    "AND v.kind = 'enforcement' AND (i.status <> 'valid' OR i.is_auxiliary OR i.valid_from IS NULL "
    "OR i.valid_to IS NULL OR i.valid_from > $2 OR i.valid_to < $3)) AS people_invalid "
    "FROM visit v LEFT JOIN enterprise e ON e.id = v.enterprise WHERE v.id = $4"
)
LOG_SQL = "INSERT INTO verification_log (at, visit_id, outcome, channel, client) VALUES ($1, $2, $3, $4, $5)"
CLAIM_SQL = (
    'INSERT INTO "idempotency_record" ("key", "operation", "request_hash", "status_code", "response", "created_at") '
    'VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT ("key") DO NOTHING RETURNING "id"'
)
ENTERPRISE_SQL = (
    'SELECT "id", "latitude", "longitude", "code_issued_at", "code_previous_issued_at", "code_previous_until" '
    'FROM "enterprise" WHERE "uscc" = $1 LIMIT 1'
)
MATCH_SQL = (
    'SELECT "id", "status" FROM "visit" WHERE "enterprise" = $1 AND "window_start" <= $2 AND "window_end" >= $3 '
    'AND "id" IN (SELECT "visit" FROM "visit_inspector" WHERE "inspector" = $4) '
    "AND (\"status\" IN ('approved', 'checked_in') OR (\"status\" = 'filed' AND \"is_emergency\")) "
    'ORDER BY CASE WHEN "window_start" <= $5 AND "window_end" >= $6 THEN 0 ELSE 1 END, "window_start", "id" LIMIT 1'
)
INVALID_SQL = (
    "SELECT EXISTS (SELECT 1 FROM visit_inspector vi JOIN inspector i ON i.id = vi.inspector "
    "JOIN visit v ON v.id = vi.visit WHERE vi.visit = $1 AND v.kind = 'enforcement' "
    "AND (i.status <> 'valid' OR i.is_auxiliary OR i.valid_from IS NULL OR i.valid_to IS NULL "
    "OR i.valid_from > $2 OR i.valid_to < $3)) AS invalid"
)
ARRIVAL_SQL = (
    'UPDATE "visit" SET "status" = $1, "checked_in_at" = $2, "revision" = "revision" + 1 '
    'WHERE "id" = $3 AND "checked_in_at" IS NULL AND "status" IN (\'approved\', \'filed\') RETURNING "id"'
)
STATUS_SQL = 'SELECT "status" FROM "visit" WHERE "id" = $1'
SCAN_SQL = (
    'INSERT INTO "scan" ("visit", "inspector", "kind", "latitude", "longitude", "accuracy_m", "mock_location", '
    '"distance_m", "far_from_enterprise", "device_time", "at", "backfill", "backfill_reason", "onsite_problem") '
    'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING "id"'
)
AUDIT_SQL = (
    "INSERT INTO audit_event (seq, at, actor, type, subject, payload, prev_hash, hash, link_prefix, link_suffix) "
    "VALUES (-nextval('audit_placeholder_seq'), $1, $2, $3, $4, $5, '', '', $6, $7)"
)
ANSWER_SQL = 'UPDATE "idempotency_record" SET "status_code" = $1, "response" = $2 WHERE "id" = $3'

STATE: dict[str, Any] = {}


def _b32(text: str) -> bytes:
    text = text.strip().upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_keys(url: str) -> dict[bytes, Ed25519PublicKey]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        jwks = json.load(answer)
    return {_b32(k["kid"]): Ed25519PublicKey.from_public_bytes(_b64url(k["x"])) for k in jwks["keys"]}


def check_cose(raw: bytes, now: dt.datetime) -> dict[int, Any] | None:
    """The claims of a COSE_Sign1 signed by a known key and valid now; None otherwise."""
    try:
        tag = cbor2.loads(raw)
        protected, _, payload, signature = tag.value
        kid = cbor2.loads(protected)[HEADER_KID]
        key = STATE["keys"][kid]
        key.verify(signature, cbor2.dumps(["Signature1", protected, b"", payload]))
        claims: dict[int, Any] = cbor2.loads(payload)
    except (InvalidSignature, KeyError, ValueError, TypeError, AttributeError, cbor2.CBORDecodeError):
        return None
    seconds = now.timestamp()
    if NBF in claims and (seconds < claims[NBF] or seconds >= claims[EXP] + GRACE.total_seconds()):
        return None
    return claims


def check_jwt(header: bytes) -> dict[str, Any] | None:
    """An HS256 login token checked by hand (signature and expiry)."""
    if not header.startswith(b"Bearer "):
        return None
    token = header[7:]
    try:
        head, body, signature = token.split(b".")
    except ValueError:
        return None
    expected = hmac.new(STATE["jwt_secret"], head + b"." + body, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64url(signature.decode())):
        return None
    claims: dict[str, Any] = json.loads(_b64url(body.decode()))
    if claims.get("exp", 0) < dt.datetime.now(dt.UTC).timestamp():
        return None
    return claims


async def verify(token: str, client: str) -> tuple[int, dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    try:
        claims = check_cose(_b32(token), now)
    except ValueError:
        claims = None
    if claims is None or CLAIM_RUQI not in claims:
        return 200, {"outcome": "invalid", "valid": False}
    visit_id = int(claims[CLAIM_RUQI][1])
    issued = dt.datetime.fromtimestamp(claims[IAT], dt.UTC)
    day = now.astimezone(LOCAL).date()
    pool: asyncpg.Pool = STATE["pool"]
    async with pool.acquire() as conn:
        row = await conn.fetchrow(VISIT_SQL, issued, day, day, visit_id)
        valid = row is not None and row["revoked"] is None and not row["people_invalid"]
        await conn.execute(LOG_SQL, now, visit_id, "valid" if valid else "invalid", "json", client)
    if row is None:
        return 200, {"outcome": "unknown_visit", "valid": False}
    return 200, {
        "outcome": "valid" if valid else "invalid",
        "valid": valid,
        "visit_id": row["id"],
        "status": row["status"],
        "enterprise": row["enterprise_name"],
        "uscc": row["enterprise_uscc"],
        "window_start": row["window_start"].isoformat(),
        "window_end": row["window_end"].isoformat(),
        "checked_at": now.isoformat(),
    }


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


async def scan(body: bytes, authorization: bytes) -> tuple[int, dict[str, Any]]:
    claims_of_login = check_jwt(authorization)
    user = (claims_of_login or {}).get("extras", claims_of_login)  # Litestar keeps the extras under "extras"
    if not claims_of_login or not user or user.get("inspector_id") is None:
        return 401, {"code": "unauthorized"}
    data = json.loads(body)
    now = dt.datetime.now(dt.UTC)
    content: str = data["content"]
    claims = check_cose(_b32(content.rsplit("/", 1)[-1]), now)
    if claims is None:
        return 400, {"code": "invalid_enterprise_code"}
    uscc, inspector_id, username = claims[SUB], int(user["inspector_id"]), str(claims_of_login["sub"])
    key = f"{username}:{data['client_event_id']}"
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    pool: asyncpg.Pool = STATE["pool"]
    async with pool.acquire() as conn, conn.transaction():
        claimed = await conn.fetchrow(CLAIM_SQL, key, "scan", digest, "{}", now)
        if claimed is None:
            return 200, {"replayed": True}
        enterprise = await conn.fetchrow(ENTERPRISE_SQL, uscc)
        visit = await conn.fetchrow(MATCH_SQL, enterprise["id"], now + EARLY, now - GRACE, inspector_id, now, now)
        if visit is None:
            return 403, {"code": "unfiled_visit"}
        day = now.astimezone(LOCAL).date()
        await conn.fetchrow(INVALID_SQL, visit["id"], day, day)
        lat, lon, accuracy = data.get("latitude"), data.get("longitude"), data.get("accuracy_m")
        distance = _distance_m(lat, lon, enterprise["latitude"], enterprise["longitude"]) if lat is not None else None
        arrival = bool(await conn.fetch(ARRIVAL_SQL, "checked_in", now, visit["id"]))
        if not arrival:
            await conn.fetchrow(STATUS_SQL, visit["id"])
        kind = "arrival" if arrival else "presence"
        far = distance is not None and distance > 300
        scan_id = await conn.fetchval(
            SCAN_SQL,
            visit["id"],
            inspector_id,
            kind,
            lat,
            lon,
            accuracy,
            False,
            distance,
            far,
            None,
            now,
            False,
            "",
            "",
        )
        payload = normalize(
            {
                "visit_id": visit["id"],
                "scan_id": scan_id,
                "inspector_id": inspector_id,
                "kind": kind,
                "at": now,
                "visit_status": "checked_in",
                "client_event_id": data["client_event_id"],
            }
        )
        text = canonical_json(payload)
        subject = f"visit:{visit['id']}"
        prefix, suffix = link_text_around_seq(now, username, "scan", subject, text)
        await conn.execute(AUDIT_SQL, now, username, "scan", subject, text, prefix, suffix)
        answer = {"id": scan_id, "visit_id": visit["id"], "kind": kind, "at": now.isoformat(), "distance_m": distance}
        await conn.execute(ANSWER_SQL, 201, json.dumps(answer), claimed["id"])
    return 201, answer


async def _send(send: Any, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            STATE["pool"] = await asyncpg.create_pool(os.environ["HAND_DSN"], min_size=1, max_size=10)
            STATE["keys"] = load_keys(os.environ["HAND_JWKS_URL"])
            STATE["jwt_secret"] = os.environ["HAND_JWT_SECRET"].encode()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await STATE["pool"].close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    path: str = scope["path"]
    if path.startswith("/verify/"):
        client = scope["client"][0] if scope.get("client") else ""
        await _send(send, *await verify(path[len("/verify/") :], client))
    elif path == "/scan" and scope["method"] == "POST":
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        authorization = dict(scope["headers"]).get(b"authorization", b"")
        await _send(send, *await scan(body, authorization))
    elif path == "/health":
        await _send(send, 200, {"status": "ok"})
    else:
        await _send(send, 404, {"code": "not_found"})
