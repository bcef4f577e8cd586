// Ed25519 signature checks: the browser's WebCrypto where it has Ed25519, else the vendored @noble/ed25519.
import * as noble from "../vendor/noble-ed25519/index.js";

// RFC 8032 §7.1 test 1: a known public key, to find out once whether WebCrypto imports Ed25519 keys.
const PROBE_KEY = Uint8Array.from(
  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".match(/../g).map((h) => parseInt(h, 16)),
);
let webCrypto = null; // a promise of true / false

function hasWebCryptoEd25519() {
  if (webCrypto === null) {
    webCrypto = (async () => {
      try {
        if (!globalThis.crypto || !crypto.subtle) return false;
        await crypto.subtle.importKey("raw", PROBE_KEY, { name: "Ed25519" }, false, ["verify"]);
        return true;
      } catch {
        return false;
      }
    })();
  }
  return webCrypto;
}

// "webcrypto" or "noble": which one verifies here (shown in the app's "about" line, used by the tests).
export async function engine(forceFallback = false) {
  return !forceFallback && (await hasWebCryptoEd25519()) ? "webcrypto" : "noble";
}

// True when `signature` (64 bytes) is `publicKey`'s (32 bytes) signature of `message`; false otherwise.
export async function verify(signature, message, publicKey, { forceFallback = false } = {}) {
  if ((await engine(forceFallback)) === "webcrypto") {
    try {
      const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    } catch {
      return false; // a key that is not a curve point
    }
  }
  try {
    // RFC 8032 strict checks (not ZIP-215), as the server's OpenSSL does.
    return await noble.verifyAsync(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
