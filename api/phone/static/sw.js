// The phone app's service worker (scope /app/): the app shell offline, and offline copies of the inspector's
// visits, codes and the enterprise's own records. Writes never pass through a cache: they wait in the app's
// IndexedDB outbox. The keys and revocations for offline verification are kept by the app itself
// (js/offline.js), which must know when the server last confirmed them; they pass through here untouched.
const BUILD = {"version": "dev", "assets": []}; // written by ruqi when it serves this file
const SHELL = `ruqi-shell-${BUILD.version}`;
const API = "ruqi-api";
const NETWORK_WAIT_MS = 8000; // on a slow network, an offline copy after this long beats a blank screen
const API_COPIES = [
  /^\/api\/v1\/visits$/,
  /^\/api\/v1\/visits\/\d+$/,
  /^\/api\/v1\/visits\/\d+\/code(\.png)?$/,
  /^\/api\/v1\/enterprises\/[0-9A-Z]+(\/code\.png)?$/,
  /^\/api\/v1\/my\/upcoming$/,
  /^\/api\/v1\/complaints(\/\d+)?$/,
];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await cache.addAll(BUILD.assets.map((path) => new Request(path, { cache: "no-cache" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("ruqi-shell-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function shell(request) {
  const cache = await caches.open(SHELL);
  const url = new URL(request.url);
  const key = request.mode === "navigate" || url.pathname === "/app/index.html" ? new URL("./", self.registration.scope).href : request;
  const cached = await cache.match(key, { ignoreSearch: true });
  if (cached) return cached;
  return fetch(request);
}

function withHeader(response, name, value) {
  const headers = new Headers(response.headers);
  headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function networkFirst(request) {
  const cache = await caches.open(API);
  const fromNetwork = fetch(request).then(async (response) => {
    if (response.status === 200) {
      await cache.put(request, withHeader(response.clone(), "X-Ruqi-Fetched-At", new Date().toISOString()));
    }
    return response;
  });
  const copy = async () => {
    const cached = await cache.match(request);
    return cached ? withHeader(cached, "X-Ruqi-Offline-Copy", cached.headers.get("X-Ruqi-Fetched-At") || "1") : null;
  };
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), NETWORK_WAIT_MS));
  try {
    const first = await Promise.race([fromNetwork, timeout]);
    if (first !== "timeout") return first;
    return (await copy()) || (await fromNetwork);
  } catch (error) {
    const cached = await copy();
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/app/") && url.pathname !== "/app/sw.js") {
    event.respondWith(shell(request));
  } else if (API_COPIES.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(networkFirst(request));
  }
});
