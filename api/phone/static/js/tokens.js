// Reading and checking a scanned code without the server: COSE_Sign1 (EdDSA / Ed25519) over a CWT claim map.
// The same rules as clients/sample_mobile/tokens.py (the scripted phone), in the same order:
// - the QR holds HTTP(S)://HOST/V/<BASE32> (visit code) or /E/<BASE32> (enterprise code), RFC 4648 Base32;
// - the bytes are a tagged COSE_Sign1: 18([<<{1: -8, 4: kid}>>, {}, <<claims>>, signature(64)]);
// - the kid (5 bytes) is printed in the JWK Set as 8 Base32 characters;
// - claims: 1 iss, 2 sub (USCC), 4 exp, 5 nbf, 6 iat, -65537 details: [1, visit_id, [执法证…], [item…]] for a
//   visit, [2] for an enterprise code.
import { CBORTag, decodeCBOR, encodeCBOR } from "../vendor/tiny-cbor/index.js";
import { verify } from "./ed25519.js";

export const KIND_VISIT = 1;
export const KIND_ENTERPRISE = 2;
const COSE_SIGN1_TAG = 18;
const ALG_EDDSA = -8;
const KID_BYTES = 5;
const MAX_TOKEN_BYTES = 2048;
const [ISS, SUB, EXP, NBF, IAT, RUQI] = [1, 2, 4, 5, 6, -65537];
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export class Malformed extends Error {} // not a code of ours
export class UnknownKey extends Error {} // well-formed, signed by a key the cache does not hold
export class BadSignature extends Error {} // a known kid, but the signature does not verify

// The Base32 token from a scanned URL (any case) or bare text; the text itself when it is neither.
export function tokenText(scanned) {
  const text = String(scanned).trim();
  if (text.includes("/")) {
    let path;
    try {
      path = new URL(text, "http://scanned.invalid/").pathname;
    } catch {
      path = text;
    }
    const parts = path.split("/").filter(Boolean);
    if (parts.length >= 2 && ["V", "E"].includes(parts[parts.length - 2].toUpperCase())) {
      return parts[parts.length - 1].toUpperCase();
    }
    return parts.length ? parts[parts.length - 1] : "-";
  }
  return text.toUpperCase() || "-";
}

// "V" (visit code, 检查码), "E" (enterprise code, 企业码) or "" — from the URL only, before any check.
export function codeKind(scanned) {
  const parts = String(scanned).trim().split(/[?#]/)[0].split("/").filter(Boolean);
  const marker = parts.length >= 2 ? parts[parts.length - 2].toUpperCase() : "";
  return marker === "V" || marker === "E" ? marker : "";
}

export function base32Decode(text) {
  if (text.length > 4096 || !/^[A-Z2-7]+$/.test(text) || [1, 3, 6].includes(text.length % 8)) {
    throw new Malformed("not Base32 text");
  }
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of text) {
    value = (value << 5) | ALPHABET.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

export function base32Encode(bytes) {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function tokenBytes(scanned) {
  return base32Decode(tokenText(scanned));
}

function base64UrlDecode(text) {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(plain + "=".repeat((4 - (plain.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// Public Ed25519 keys by printable kid; other key types are skipped (RFC 7517 §5).
export function keysFromJwks(jwks) {
  const keys = new Map();
  for (const jwk of (jwks && Array.isArray(jwks.keys) ? jwks.keys : [])) {
    if (!jwk || jwk.kty !== "OKP" || jwk.crv !== "Ed25519") continue;
    try {
      const raw = base64UrlDecode(String(jwk.x));
      const kid = base32Decode(String(jwk.kid));
      if (raw.length === 32 && kid.length === KID_BYTES) keys.set(base32Encode(kid), raw);
    } catch {
      continue;
    }
  }
  return keys;
}

function oneItem(bytes) {
  try {
    return decodeCBOR(bytes); // refuses trailing bytes
  } catch {
    throw new Malformed("not CBOR");
  }
}

const isBytes = (v) => v instanceof Uint8Array;

// The COSE_Sign1 members and the kid they name, checked strictly before any key is looked at.
export function readKid(raw) {
  if (!(raw.length > 0 && raw.length <= MAX_TOKEN_BYTES)) throw new Malformed("empty or too long");
  const message = oneItem(raw);
  if (!(message instanceof CBORTag && Number(message.tag) === COSE_SIGN1_TAG)) {
    throw new Malformed("not a tagged COSE_Sign1");
  }
  const body = message.value;
  if (!(Array.isArray(body) && body.length === 4)) throw new Malformed("COSE_Sign1 is an array of four");
  const [protectedBytes, unprotected, payload, signature] = body;
  if (!(isBytes(protectedBytes) && isBytes(payload) && isBytes(signature))) throw new Malformed("wrong member types");
  if (!(unprotected instanceof Map && unprotected.size === 0) || signature.length !== 64) {
    throw new Malformed("unexpected unprotected header or signature size");
  }
  const header = oneItem(protectedBytes);
  if (!(header instanceof Map && header.size === 2 && header.has(1) && header.has(4))) {
    throw new Malformed("protected header must hold exactly alg and kid");
  }
  const kid = header.get(4);
  if (header.get(1) !== ALG_EDDSA || !(isBytes(kid) && kid.length === KID_BYTES)) {
    throw new Malformed("not EdDSA or not a 5-byte kid");
  }
  return { protectedBytes, payload, signature, kid: base32Encode(kid) };
}

function moment(value) {
  const number = typeof value === "bigint" ? Number(value) : value;
  if (!Number.isSafeInteger(number)) throw new Malformed("NumericDate expected");
  const date = new Date(number * 1000);
  if (Number.isNaN(date.getTime())) throw new Malformed("NumericDate out of range");
  return date;
}

function text(value) {
  if (typeof value !== "string" || !value) throw new Malformed("text expected");
  return value;
}

function texts(value) {
  if (!Array.isArray(value)) throw new Malformed("list expected");
  return value.map(text);
}

export function parseClaims(claims) {
  if (!(claims instanceof Map)) throw new Malformed("claims are not a map");
  const details = claims.get(RUQI);
  if (!(Array.isArray(details) && details.length)) throw new Malformed("no ruqi claim");
  const issuer = text(claims.get(ISS));
  const uscc = text(claims.get(SUB));
  const issuedAt = moment(claims.get(IAT));
  if (details.length === 1 && details[0] === KIND_ENTERPRISE) {
    return { kind: KIND_ENTERPRISE, issuer, uscc, issuedAt };
  }
  const visitId = details.length === 4 ? details[1] : null;
  if (details[0] === KIND_VISIT && Number.isSafeInteger(visitId) && visitId >= 0) {
    return {
      kind: KIND_VISIT,
      issuer,
      uscc,
      issuedAt,
      visitId,
      notBefore: moment(claims.get(NBF)),
      expiresAt: moment(claims.get(EXP)),
      certNumbers: texts(details[2]),
      itemCodes: texts(details[3]),
    };
  }
  throw new Malformed("unknown token kind");
}

// Claims and kid of a token whose signature verifies; Malformed, UnknownKey or BadSignature otherwise.
export async function verifySignature(raw, keys, options = {}) {
  const { protectedBytes, payload, signature, kid } = readKid(raw);
  const key = keys.get(kid);
  if (!key) throw new UnknownKey(kid);
  // RFC 9052 §4.4: Sig_structure = ["Signature1", protected, external_aad (empty), payload]
  const signed = new Uint8Array(encodeCBOR(["Signature1", protectedBytes, new Uint8Array(0), payload]));
  if (!(await verify(signature, signed, key, options))) throw new BadSignature(kid);
  return { claims: parseClaims(oneItem(payload)), kid };
}

// The claims WITHOUT checking the signature: for labels on the phone's own screen only, never trust.
export function peek(scanned) {
  try {
    return parseClaims(oneItem(readKid(tokenBytes(scanned)).payload));
  } catch {
    return null;
  }
}
