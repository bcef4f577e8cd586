// Small DOM helpers and the words every screen shares.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function view() {
  return document.getElementById("view");
}

let current = 0;

// A new screen starts (the route changed): screens still loading for the old one must not paint over it.
export function beginScreen() {
  current += 1;
}

// `show` for the screen that is current now: it paints nothing once the user has moved on.
export function screen() {
  const id = current;
  return (...children) => {
    if (id === current) show(...children);
  };
}

export function show(...children) {
  const target = view();
  target.replaceChildren(...children.flat().filter(Boolean));
  window.scrollTo(0, 0);
  const heading = target.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
}

export function toast(text, tone = "info") {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = `toast ${tone}`;
  box.hidden = false;
  clearTimeout(box._timer);
  box._timer = setTimeout(() => { box.hidden = true; }, 4000);
}

const TZ = "Asia/Shanghai";

function parts(date) {
  const fmt = new Intl.DateTimeFormat("zh-CN", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", weekday: "short", hour12: false });
  const out = {};
  for (const p of fmt.formatToParts(date)) out[p.type] = p.value;
  return out;
}

export function dayKey(value) {
  const p = parts(new Date(value));
  return `${p.year}-${p.month}-${p.day}`;
}

export function timeText(value) {
  const p = parts(new Date(value));
  return `${p.hour}:${p.minute}`;
}

export function dateTimeText(value) {
  const p = parts(new Date(value));
  return `${Number(p.month)}月${Number(p.day)}日 ${p.hour}:${p.minute}`;
}

export function dateText(value) {
  const date = typeof value === "string" && value.length === 10 ? new Date(`${value}T12:00:00+08:00`) : new Date(value);
  const p = parts(date);
  return `${Number(p.month)}月${Number(p.day)}日（${p.weekday}）`;
}

export function windowText(start, end) {
  const same = dayKey(start) === dayKey(end);
  return same ? `${dateText(start)} ${timeText(start)}–${timeText(end)}` : `${dateTimeText(start)} – ${dateTimeText(end)}`;
}

export const STATUS_TEXT = {
  filed: "已备案，待批准",
  approved: "已批准，待签到",
  checked_in: "已签到，检查中",
  checked_out: "已签退",
  cancelled: "已取消",
};

export const RESULT_TEXT = {
  no_issue: "未发现问题",
  rectification: "责令整改",
  case_opened: "立案查处",
  other: "其他",
};

export const COMPLAINT_KINDS = [
  ["unfiled_inspection", "未备案/无效的检查"],
  ["too_frequent", "频繁、重复检查"],
  ["disguised_inspection", "以服务等名义变相检查"],
  ["inspector_conduct", "执法人员行为问题"],
  ["other", "其他"],
];

export const COMPLAINT_STATUS = {
  received: "已受理",
  verifying: "核实中",
  determined: "已认定",
  feedback: "已反馈",
  rectified: "已纠错",
  archived: "已归档",
};

export function errorText(error) {
  if (error && error.detail) return error.detail;
  if (error && error.name === "TransientError") return "网络不通或服务器忙：联网后再试";
  return (error && error.message) || "出错了";
}

export function button(label, onclick, cls = "primary", attrs = {}) {
  return h("button", { type: "button", class: `btn ${cls}`, onclick, ...attrs }, label);
}

export function link(label, href, cls = "secondary", attrs = {}) {
  return h("a", { class: `btn ${cls}`, href, ...attrs }, label);
}

export function field(label, control, hint = "") {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), control, hint ? h("small", {}, hint) : null);
}

export function offlineNote(response) {
  return response ? h("p", { class: "note offline-copy" }, "离线副本：网络不通时显示上次取得的数据") : null;
}

export function shortHash(hex) {
  return `${hex.slice(0, 8)}…${hex.slice(-4)}`;
}
