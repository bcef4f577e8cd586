// The camera as a QR reader (getUserMedia + the vendored jsQR in a worker), and the fallbacks: a photo of
// the code, or the code typed in.
let worker = null;
let nextId = 1;
const waiting = new Map();

function decoder() {
  if (!worker) {
    worker = new Worker("js/qr-worker.js");
    worker.onmessage = (event) => {
      const resolve = waiting.get(event.data.id);
      waiting.delete(event.data.id);
      if (resolve) resolve(event.data.text);
    };
  }
  return worker;
}

// The text of a QR code in an RGBA frame, or null.
export function decodeFrame(imageData) {
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    const copy = imageData.data.buffer.slice(0);
    decoder().postMessage({ id, width: imageData.width, height: imageData.height, data: copy }, [copy]);
  });
}

export function hasCamera() {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

function frameOf(source, width, height, canvas) {
  const scale = Math.min(1, 960 / Math.max(width, height)); // enough for a code filling part of the frame
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

// Starts the back camera in `video`; resolves with the first decoded text, or rejects (permission, no camera).
// `scanner.stop()` ends it (and resolves nothing).
export function startScanner(video) {
  let stream = null;
  let stopped = false;
  const canvas = document.createElement("canvas");
  const result = (async () => {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
    video.srcObject = stream;
    video.setAttribute("playsinline", "");
    video.muted = true;
    await video.play();
    while (!stopped) {
      if (video.readyState >= 2 && video.videoWidth) {
        const text = await decodeFrame(frameOf(video, video.videoWidth, video.videoHeight, canvas));
        if (text && !stopped) return text;
      }
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
    return null;
  })();
  const stop = () => {
    stopped = true;
    if (stream) for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  result.then(stop, stop);
  return { result, stop };
}

// The code in a photo (an <input type=file capture> fallback): the text, or null.
export async function decodeImageFile(file) {
  const bitmap = await createImageBitmap(file);
  try {
    return await decodeFrame(frameOf(bitmap, bitmap.width, bitmap.height, document.createElement("canvas")));
  } finally {
    bitmap.close();
  }
}
