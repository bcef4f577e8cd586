// The scanning screen both roles share: explain first, then ask for the camera; a photo or typing as fallbacks.
import { decodeImageFile, hasCamera, startScanner } from "./camera.js";
import { button, field, h, show, toast } from "./ui.js";

let active = null;

export function stopScanning() {
  if (active) active.stop();
  active = null;
}

// `why`: what the camera (and location) are for, shown before the browser asks; `onText(text)` gets the code.
export function scanScreen({ title, why, hint, onText }) {
  stopScanning();
  const video = h("video", { id: "scanner-video", autoplay: true, muted: true, playsinline: true });
  const frame = h("div", { class: "scanner", hidden: true }, video, h("div", { class: "scanner-mark" }));
  const status = h("p", { class: "note", id: "scan-status", role: "status" });
  const deliver = (text) => {
    stopScanning();
    frame.hidden = true;
    onText(text.trim());
  };
  const start = async () => {
    status.textContent = "正在打开相机…";
    startButton.hidden = true;
    frame.hidden = false;
    active = startScanner(video);
    try {
      const text = await active.result;
      if (text) deliver(text);
    } catch (error) {
      frame.hidden = true;
      startButton.hidden = false;
      status.textContent = error && error.name === "NotAllowedError"
        ? "未允许使用相机。可在浏览器设置中允许，或用下面的“拍照识别”“手动输入”。"
        : "打不开相机。请用下面的“拍照识别”或“手动输入”。";
    }
  };
  const startButton = button("打开相机扫码", start, "primary big", { id: "start-camera" });
  if (!hasCamera()) startButton.hidden = true;
  const photo = h("input", { type: "file", accept: "image/*", capture: "environment", id: "scan-photo", class: "visually-hidden" });
  photo.addEventListener("change", async () => {
    const file = photo.files && photo.files[0];
    if (!file) return;
    status.textContent = "正在识别照片中的码…";
    const text = await decodeImageFile(file).catch(() => null);
    photo.value = "";
    if (text) deliver(text);
    else status.textContent = "照片中没有找到二维码：请对准码再拍一张，或手动输入。";
  });
  const typed = h("input", { type: "text", id: "scan-text", autocomplete: "off", autocapitalize: "characters",
    spellcheck: "false", placeholder: "码下方的网址或字符" });
  const typedForm = h("form", { class: "stack", id: "scan-type-form", onsubmit: (e) => {
    e.preventDefault();
    if (typed.value.trim()) deliver(typed.value);
    else toast("请先输入码的内容");
  } }, field("手动输入码", typed), h("button", { type: "submit", class: "btn secondary" }, "确定"));
  show(
    h("h1", {}, title),
    h("div", { class: "card explain" }, h("p", {}, why), hint ? h("p", { class: "note" }, hint) : null),
    startButton,
    frame,
    status,
    h("div", { class: "fallbacks" },
      h("label", { class: "btn secondary", for: "scan-photo" }, "拍照识别"), photo,
      h("details", {}, h("summary", {}, "无法扫码？手动输入"), typedForm)),
  );
  if (!hasCamera()) status.textContent = "此浏览器不能使用相机：请用“拍照识别”或“手动输入”。";
}
