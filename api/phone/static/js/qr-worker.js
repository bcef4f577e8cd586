// Decodes QR codes off the main thread: the page posts {id, width, height, data (RGBA)}, gets {id, text|null}.
/* global jsQR */
importScripts("../vendor/jsqr/jsQR.js");

self.onmessage = (event) => {
  const { id, width, height, data } = event.data;
  let text = null;
  try {
    const found = jsQR(new Uint8ClampedArray(data), width, height, { inversionAttempts: "attemptBoth" });
    text = found ? found.data : null;
  } catch {
    text = null;
  }
  self.postMessage({ id, text });
};
