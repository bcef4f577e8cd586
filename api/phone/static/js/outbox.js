// Offline-first writes: every phone write is stored with its client event id BEFORE it is sent, as in
// clients/sample_mobile/outbox.py.
//
//   pending ──2xx──────────────▶ done       (a replay of the same id and body answers 2xx too)
//           ──409 idempotency──▶ conflict   (the id was used with another body: shown, never resent)
//           ──other 4xx────────▶ rejected   (a final refusal, e.g. 403 unfiled_visit: shown)
//           ──network/5xx/429──▶ pending    (retried with backoff; sync stops, the order is kept)
//           ──401──────────────▶ pending    (log in again, then sync)
//
// sync() sends pending events in the order they were queued and records each answer in its own transaction.
// Photos are kept in IndexedDB as blobs with the SHA-256 computed on the phone; the server keeps a file once
// per hash, so a photo resent after a lost answer is the same evidence.
import * as db from "./db.js";
import { TransientError, currentSession, readBody, send } from "./api.js";

const listeners = new Set();
let running = null;

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed() {
  for (const listener of listeners) listener();
}

export async function items() {
  return (await db.allOutbox()).sort((a, b) => a.seq - b.seq);
}

export async function pendingCount() {
  return (await items()).filter((e) => e.state === "pending").length;
}

function base(kind, eventId, path, label, extra = {}) {
  const session = currentSession();
  return {
    eventId, kind, method: "POST", path, label, owner: session ? session.username : "", needsLogin: true,
    state: "pending", attempts: 0, createdAt: new Date().toISOString(), answeredAt: null, httpStatus: null,
    response: null, error: "", ...extra,
  };
}

async function add(event, blob) {
  const seq = await db.transact(["outbox", "blobs"], "readwrite", (tx) => {
    if (blob) tx.objectStore("blobs").put(blob, event.eventId);
    const request = tx.objectStore("outbox").add(event);
    return new Promise((resolve) => { request.onsuccess = () => resolve(request.result); });
  });
  changed();
  return { ...event, seq };
}

export function queueJson(kind, path, body, label, extra = {}) {
  return add(base(kind, body.client_event_id, path, label, { body: JSON.stringify(body), ...extra }));
}

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function queuePhoto(visitId, blob, filename, label) {
  const sha256 = await sha256Hex(blob);
  const event = base("photo", `photo-${visitId}-${sha256}`, `/api/v1/visits/${visitId}/evidence`, label, {
    filename, sha256, size: blob.size, visitId,
  });
  const existing = (await items()).find((e) => e.eventId === event.eventId);
  if (existing) return existing; // the same photo twice is one piece of evidence
  return add(event, blob);
}

async function request(event) {
  if (event.kind === "photo") {
    const blob = await db.getBlob(event.eventId);
    const form = new FormData();
    form.append("sha256", event.sha256);
    form.append("file", new File([blob], event.filename, { type: blob.type || "image/jpeg" }));
    return send(event.method, event.path, { form, timeout: 120000 });
  }
  return send(event.method, event.path, { json: event.body });
}

function stateFor(status, body) {
  if (status >= 200 && status < 300) return ["done", ""];
  const code = body && body.code ? body.code : "http_error";
  const detail = body && body.detail ? body.detail : "";
  if (status === 409 && code === "idempotency_conflict") return ["conflict", `${code}: ${detail}`];
  return ["rejected", `${status} ${code}: ${detail}`];
}

async function record(event, changes) {
  await db.transact(["outbox", "blobs"], "readwrite", (tx) => {
    const store = tx.objectStore("outbox");
    const read = store.get(event.seq);
    read.onsuccess = () => {
      if (!read.result || read.result.state !== "pending") return;
      store.put({ ...read.result, ...changes });
      if (changes.state && changes.state !== "pending") tx.objectStore("blobs").delete(event.eventId);
    };
  });
  changed();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Sends every pending event in order. Returns {done: [], conflicts: [], rejected: [], remaining, stopped}.
export function sync({ attempts = 3, baseDelayMs = 500 } = {}) {
  if (!running) {
    const work = async () => {
      try {
        return await syncOnce(attempts, baseDelayMs);
      } finally {
        running = null;
      }
    };
    // One sync at a time, across the app's tabs too where the browser has Web Locks.
    running = navigator.locks ? navigator.locks.request("ruqi-outbox-sync", work) : work();
  }
  return running;
}

async function syncOnce(attempts, baseDelayMs) {
  const report = { done: [], conflicts: [], rejected: [], remaining: 0, stopped: "" };
  const session = currentSession();
  for (const event of (await items()).filter((e) => e.state === "pending")) {
    if (event.needsLogin && event.owner !== (session && !session.expired ? session.username : "")) {
      report.stopped = `待发送的记录属于账号 ${event.owner}：请用该账号登录后再同步`;
      break;
    }
    let response = null;
    let body = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        response = await request(event);
        body = await readBody(response);
        if (response.status === 409 && body && body.code === "idempotency_in_progress") {
          throw new TransientError("the server is still processing the first copy");
        }
        break;
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        response = null;
        await record(event, { attempts: event.attempts + attempt, error: error.message, state: "pending" });
        if (attempt < attempts) await sleep(baseDelayMs * 2 ** (attempt - 1));
      }
    }
    if (response === null) {
      report.stopped = "连不上服务器：联网后会自动再试";
      break;
    }
    if (response.status === 401) {
      report.stopped = "登录已过期：请重新登录后同步";
      break;
    }
    const [state, error] = stateFor(response.status, body);
    const answered = { state, error, httpStatus: response.status, response: body, answeredAt: new Date().toISOString(),
      attempts: event.attempts + 1 };
    await record(event, answered);
    const recorded = { ...event, ...answered };
    ({ done: report.done, conflict: report.conflicts, rejected: report.rejected })[state].push(recorded);
  }
  report.remaining = await pendingCount();
  return report;
}
