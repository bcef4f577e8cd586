// The phone's own storage (IndexedDB): settings and caches (kv), the outbox, and photos waiting to be sent.
const NAME = "ruqi-phone";
const VERSION = 1;
let opened = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function open() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("kv");
        const outbox = db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        outbox.createIndex("eventId", "eventId", { unique: true });
        db.createObjectStore("blobs");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

// One transaction over `stores`; `work(tx)` queues requests and its result is returned once committed.
export async function transact(stores, mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(stores, mode);
    let result;
    Promise.resolve(work(tx)).then((value) => { result = value; }, (error) => { tx.abort(); reject(error); });
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

export async function get(key) {
  const db = await open();
  return promised(db.transaction("kv").objectStore("kv").get(key));
}

export function put(key, value) {
  return transact(["kv"], "readwrite", (tx) => { tx.objectStore("kv").put(value, key); });
}

export function remove(key) {
  return transact(["kv"], "readwrite", (tx) => { tx.objectStore("kv").delete(key); });
}

export async function keys(prefix) {
  const db = await open();
  const all = await promised(db.transaction("kv").objectStore("kv").getAllKeys());
  return all.filter((k) => typeof k === "string" && k.startsWith(prefix));
}

export async function getBlob(key) {
  const db = await open();
  return promised(db.transaction("blobs").objectStore("blobs").get(key));
}

export async function allOutbox() {
  const db = await open();
  return promised(db.transaction("outbox").objectStore("outbox").getAll());
}

export { promised };
