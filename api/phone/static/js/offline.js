// The enterprise's (and inspector's) phone without a network: a cached JWK Set and revocation list, and an
// offline verdict — the same rules as clients/sample_mobile/offline.py.
//
// refresh() follows HTTP caching: an entry younger than its Cache-Control max-age is not asked for again
// (unless forced); an older one is revalidated with If-None-Match (a 304 costs no body). Revocations are
// fetched by cursor (?since=), page after page, and kept until each entry's code has expired. "As of" is
// when the server last confirmed both the keys and the revocations; past maxAge a valid-looking code
// "needs an online check".
import * as db from "./db.js";
import { send, ApiError, readBody } from "./api.js";
import {
  KIND_VISIT, BadSignature, Malformed, UnknownKey, keysFromJwks, tokenBytes, verifySignature,
} from "./tokens.js";

export const JWKS_PATH = "/.well-known/jwks.json";
export const REVOCATIONS_PATH = "/api/v1/public/revocations";
export const DEFAULT_MAX_AGE_MS = 24 * 3600 * 1000;
const CURSOR_KEY = "revocation_cursor";
const REVOCATIONS_KEY = "revocations";
const MAX_PAGES = 100;

const cacheKey = (path) => `http:${path}`;
const revocationsPath = (cursor) => `${REVOCATIONS_PATH}?since=${cursor}`;

function maxAgeOf(header) {
  for (const part of (header || "").split(",")) {
    const [name, value] = part.trim().split("=");
    if (name.toLowerCase() === "max-age" && /^\d+$/.test(value || "")) return Number(value);
  }
  return 0;
}

// One cacheable GET: skipped while fresh, revalidated with If-None-Match, or fetched.
async function fetchCached(path, force, now) {
  const row = await db.get(cacheKey(path));
  if (row && !force && now < row.validatedAt + row.maxAge * 1000) return { result: "fresh in cache" };
  const headers = row && row.etag ? { "If-None-Match": row.etag } : {};
  if (force) headers["Cache-Control"] = "no-cache";
  // no-store: the browser's own HTTP cache must not answer for the server (the time of the answer matters).
  const response = await send("GET", path, { headers, auth: false, cache: "no-store" });
  const maxAge = maxAgeOf(response.headers.get("Cache-Control"));
  if (response.status === 304 && row) {
    await db.put(cacheKey(path), { ...row, validatedAt: now, maxAge, etag: response.headers.get("ETag") || row.etag });
    return { result: "not modified" };
  }
  if (response.status !== 200) throw new ApiError(response.status, await readBody(response));
  return { result: "fetched", body: await response.text(), etag: response.headers.get("ETag"), maxAge };
}

function stored(path, fetched, now) {
  return [cacheKey(path), { etag: fetched.etag, body: fetched.body, validatedAt: now, maxAge: fetched.maxAge }];
}

// Bring keys and revocations up to date; TransientError when the server cannot be reached.
export async function refresh({ force = false, now = Date.now() } = {}) {
  const keys = await fetchCached(JWKS_PATH, force, now);
  if (keys.body !== undefined) {
    keysFromJwks(JSON.parse(keys.body)); // a body that is not a JWK Set throws here and is not kept
    await db.put(...stored(JWKS_PATH, keys, now));
  }
  let cursor = Number((await db.get(CURSOR_KEY)) || 0);
  let added = 0;
  let last = "";
  for (let page = 0; page < MAX_PAGES; page++) {
    const path = revocationsPath(cursor);
    const fetched = await fetchCached(path, force, now);
    last = fetched.result;
    if (fetched.body === undefined) break;
    const listing = JSON.parse(fetched.body);
    // The page, its items and the new cursor in one transaction: a closed tab leaves all or none of them.
    await db.transact(["kv"], "readwrite", (tx) => {
      const kv = tx.objectStore("kv");
      const [key, value] = stored(path, fetched, now);
      kv.put(value, key);
      const request = kv.get(REVOCATIONS_KEY);
      request.onsuccess = () => {
        const known = request.result || {};
        for (const item of listing.items) {
          const id = `${item.visit_id}:${Date.parse(item.revoked_before)}`;
          if (!(id in known)) added += 1;
          known[id] = {
            visitId: item.visit_id,
            revokedBefore: Date.parse(item.revoked_before),
            expiresAt: Date.parse(item.expires_at),
            reason: item.reason || "",
          };
        }
        kv.put(known, REVOCATIONS_KEY);
        kv.put(Math.max(listing.cursor, cursor), CURSOR_KEY);
      };
    });
    if (!listing.items.length || listing.cursor <= cursor) break;
    cursor = listing.cursor;
  }
  const known = (await db.get(REVOCATIONS_KEY)) || {};
  for (const [id, item] of Object.entries(known)) if (item.expiresAt <= now) delete known[id];
  await db.put(REVOCATIONS_KEY, known);
  return { jwks: keys.result, revocations: last, added, asOf: await cacheAsOf() };
}

// When the server last confirmed both the keys and the revocation list (null before the first refresh).
export async function cacheAsOf() {
  const cursor = Number((await db.get(CURSOR_KEY)) || 0);
  const keys = await db.get(cacheKey(JWKS_PATH));
  const revocations = await db.get(cacheKey(revocationsPath(cursor)));
  if (!keys || !revocations) return null;
  return Math.min(keys.validatedAt, revocations.validatedAt);
}

export function localText(ms) {
  const parts = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false,
  }).formatToParts(new Date(ms));
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`;
}

async function revocation(claims) {
  const known = (await db.get(REVOCATIONS_KEY)) || {};
  const hits = Object.values(known)
    .filter((r) => r.visitId === claims.visitId && r.revokedBefore >= claims.issuedAt.getTime())
    .sort((a, b) => a.revokedBefore - b.revokedBefore);
  return hits.length ? hits[0].reason || "cancelled" : null;
}

const REVOCATION_TEXT = { cancelled: "该检查已取消", rescheduled: "检查已改期，新的检查码取代此码" };

// The offline verdict on a scanned visit code:
// {outcome, needsOnlineCheck, asOf, headline, reason, message, claims, revocationReason, valid}.
export async function verifyOffline(scanned, { uscc = null, maxAgeMs = DEFAULT_MAX_AGE_MS, now = Date.now(),
  forceFallback = false } = {}) {
  const asOf = await cacheAsOf();
  const stale = asOf === null || now - asOf > maxAgeMs;
  const row = await db.get(cacheKey(JWKS_PATH));
  const keys = row ? keysFromJwks(JSON.parse(row.body)) : new Map();
  const verdict = (outcome, reason, message, claims = null, needsOnlineCheck = false, revocationReason = "") => ({
    outcome, reason, message, claims, needsOnlineCheck, asOf, revocationReason,
    valid: outcome === "valid" && !needsOnlineCheck,
    headline: outcome === "valid" ? (needsOnlineCheck ? "需联网核验" : "已备案 · 有效")
      : outcome === "not_yet_valid" ? "时间未到 · 尚未生效" : "未备案/无效",
  });
  let claims;
  try {
    ({ claims } = await verifySignature(tokenBytes(scanned), keys, { forceFallback }));
  } catch (error) {
    if (error instanceof UnknownKey) {
      return verdict("unknown_key", "未知签发密钥",
        "此码由手机未缓存的密钥签发（服务器可能已更换密钥）：请联网后再核验。", null, true);
    }
    if (error instanceof BadSignature) {
      return verdict("bad_signature", "签名无效/被篡改", "此码的内容被改动过，或不是本系统签发的。请勿配合检查，可一键投诉。");
    }
    if (error instanceof Malformed) {
      return verdict("malformed", "无法识别的检查码", "这不是本系统的检查码。请让检查人员出示其检查码（亮码）后再扫。");
    }
    throw error;
  }
  if (claims.kind !== KIND_VISIT) {
    return verdict("malformed", "这是企业码，不是检查码", "请扫描检查人员出示的检查码。", claims);
  }
  const reason = await revocation(claims);
  if (reason !== null) {
    const when = asOf ? `（撤销清单截至 ${localText(asOf)}）` : "";
    return verdict("cancelled", REVOCATION_TEXT[reason] || "检查码已被撤销",
      `该检查码已作废${when}。您可以拒绝检查并投诉。`, claims, false, reason);
  }
  if (uscc && uscc.trim().toUpperCase() !== claims.uscc) {
    return verdict("enterprise_mismatch", "企业不符",
      `这张检查码备案的是另一家企业（${claims.uscc}），不是对贵企业的检查。`, claims);
  }
  if (now < claims.notBefore.getTime()) {
    return verdict("not_yet_valid", "检查码尚未生效", `${localText(claims.notBefore.getTime())} 起生效。`, claims);
  }
  if (now >= claims.expiresAt.getTime()) {
    return verdict("expired", "检查码已过期", `已于 ${localText(claims.expiresAt.getTime())} 过期。`, claims);
  }
  if (stale) {
    const since = asOf ? `手机缓存的密钥和撤销清单更新于 ${localText(asOf)}，已超过 ${Math.round(maxAgeMs / 3600000)} 小时`
      : "手机还没有缓存密钥和撤销清单";
    return verdict("valid", "", `签名有效，但${since}：请联网再核验一次。`, claims, true);
  }
  return verdict("valid", "", `离线核验通过，状态截至 ${localText(asOf)}。`, claims);
}
