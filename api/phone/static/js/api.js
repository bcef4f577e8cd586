// The HTTP API as the phone calls it: the login, problem+json errors, timeouts for slow networks.
import * as db from "./db.js";

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);
const TIMEOUT_MS = 20000;
let session = null; // {access_token, username, role, unit_code, inspector_id, uscc, expires_at}

// The server refused: a final answer (problem+json).
export class ApiError extends Error {
  constructor(status, body) {
    const problem = body && typeof body === "object" ? body : {};
    super(problem.detail || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = problem.code || "http_error";
    this.detail = problem.detail || "";
    this.field = problem.field || null;
    this.body = body;
  }
}

// No usable answer (offline, timeout, 5xx, 429): the same request may be sent again.
export class TransientError extends Error {
  constructor(message) {
    super(message);
    this.name = "TransientError";
  }
}

export async function loadSession() {
  session = (await db.get("session")) || null;
  if (session && session.expires_at && session.expires_at < Date.now()) session = { ...session, expired: true };
  return session;
}

export function currentSession() {
  return session;
}

export async function login(username, password) {
  const body = await call("POST", "/api/v1/auth/login", { json: { username, password }, auth: false });
  session = { ...body, expires_at: Date.now() + body.expires_in * 1000 };
  await db.put("session", session);
  return session;
}

export async function logout() {
  session = null;
  await db.remove("session");
}

// One request; TransientError when there is no final answer. Never throws for a 4xx (the caller reads it).
export async function send(method, path, { json, form, headers = {}, auth = true, timeout = TIMEOUT_MS, cache } = {}) {
  const all = { ...headers };
  let body;
  if (json !== undefined) {
    all["Content-Type"] = "application/json";
    body = typeof json === "string" ? json : JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  if (auth && session && session.access_token) all.Authorization = `Bearer ${session.access_token}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  try {
    response = await fetch(path, { method, headers: all, body, signal: controller.signal, cache });
  } catch (error) {
    throw new TransientError(`${method} ${path}: ${error.name === "AbortError" ? "timeout" : error.message}`);
  } finally {
    clearTimeout(timer);
  }
  if (RETRYABLE.has(response.status)) throw new TransientError(`${method} ${path}: HTTP ${response.status}`);
  return response;
}

export async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function call(method, path, options = {}) {
  const response = await send(method, path, options);
  const body = await readBody(response);
  if (response.status === 401 && options.auth !== false && session) session = { ...session, expired: true };
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// A GET the service worker may answer from its offline copy: {body, offline} (offline: when it was fetched).
export async function getJson(path) {
  const response = await send("GET", path);
  const body = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return { body, offline: response.headers.get("X-Ruqi-Offline-Copy") };
}

export async function blob(path) {
  const response = await send("GET", path);
  if (!response.ok) throw new ApiError(response.status, await readBody(response));
  return { blob: await response.blob(), fromCache: response.headers.get("X-Ruqi-Offline-Copy") };
}

export function uuid() {
  return crypto.randomUUID ? crypto.randomUUID() : ([1e7] + -1e3 + -4e3 + -8e3 + -1e11).replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
}
