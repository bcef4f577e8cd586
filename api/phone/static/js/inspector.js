// The inspector's screens: visits, scan-in, the result, check-out with photos, the visit's code, emergencies.
import * as api from "./api.js";
import * as geo from "./geo.js";
import * as outbox from "./outbox.js";
import { scanScreen } from "./scan.js";
import { KIND_ENTERPRISE, codeKind, peek } from "./tokens.js";
import {
  RESULT_TEXT, STATUS_TEXT, button, dateText, dayKey, errorText, field, h, link, offlineNote, shortHash, show,
  timeText, toast, windowText,
  screen,
} from "./ui.js";

const BACKFILL_REASON = "现场无网络，联网后补传（离线扫码）";
const enterprises = new Map(); // uscc → enterprise record (address), fetched once per session

function todayStartIso() {
  const day = dayKey(Date.now());
  return `${day}T00:00:00+08:00`;
}

async function myVisits() {
  const query = new URLSearchParams({ mine: "true", start_from: todayStartIso(), limit: "100" });
  const { body, offline } = await api.getJson(`/api/v1/visits?${query}`);
  const visits = body.items.filter((v) => v.status !== "cancelled" || dayKey(v.window_start) === dayKey(Date.now()));
  visits.sort((a, b) => Date.parse(a.window_start) - Date.parse(b.window_start));
  return { visits, offline };
}

async function enterprise(uscc) {
  if (!enterprises.has(uscc)) {
    try {
      enterprises.set(uscc, (await api.getJson(`/api/v1/enterprises/${encodeURIComponent(uscc)}`)).body);
    } catch {
      return null;
    }
  }
  return enterprises.get(uscc);
}

// What the phone knows that the server may not yet: queued scans and check-outs.
async function localState() {
  const events = (await outbox.items()).filter((e) => e.state === "pending" || e.state === "done");
  const scanned = new Set(events.filter((e) => e.kind === "scan" && e.state === "pending").map((e) => e.uscc));
  const checkedOut = new Set(events.filter((e) => e.kind === "checkout" && e.state === "pending").map((e) => e.visitId));
  return { scanned, checkedOut };
}

function statusOf(visit, local) {
  if (local.checkedOut.has(visit.id)) return "已签退（待同步）";
  if (visit.status === "approved" && local.scanned.has(visit.uscc) && live(visit)) return "已扫码（待同步）";
  return STATUS_TEXT[visit.status] || visit.status;
}

function live(visit, now = Date.now()) {
  return Date.parse(visit.window_start) - 15 * 60000 <= now && now <= Date.parse(visit.window_end) + 30 * 60000;
}

function coInspectors(visit) {
  const me = api.currentSession();
  return visit.inspectors.filter((i) => !me || i.id !== me.inspector_id);
}

function visitCard(visit, local) {
  const others = coInspectors(visit).map((i) => i.name).join("、") || "—";
  return h("a", { class: `card visit ${visit.status}`, href: `#/visit/${visit.id}`, "data-visit": visit.id },
    h("div", { class: "row" }, h("strong", { class: "time" }, `${timeText(visit.window_start)}–${timeText(visit.window_end)}`),
      h("span", { class: `badge ${visit.status}` }, statusOf(visit, local))),
    h("div", { class: "name" }, visit.enterprise_name || visit.uscc),
    h("div", { class: "meta address", "data-uscc": visit.uscc }),
    h("div", { class: "meta" }, `同行：${others}`),
    h("div", { class: "meta" }, `事项：${visit.items.map((i) => i.name).join("、") || "（服务类，无检查事项）"}`),
    visit.is_emergency ? h("div", { class: "meta warn" }, "突发事件检查") : null);
}

export async function visitsScreen() {
  const show = screen();
  show(h("h1", {}, "我的检查"), h("p", { class: "note" }, "正在载入…"));
  let data;
  try {
    data = await myVisits();
  } catch (error) {
    show(h("h1", {}, "我的检查"), h("p", { class: "error" }, errorText(error)), button("重试", visitsScreen));
    return;
  }
  const local = await localState();
  const today = dayKey(Date.now());
  const groups = new Map();
  for (const visit of data.visits) {
    const key = dayKey(visit.window_start);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(visit);
  }
  const sections = [...groups].map(([day, visits]) => h("section", {},
    h("h2", {}, day === today ? `今天 · ${dateText(visits[0].window_start)}` : dateText(visits[0].window_start)),
    visits.map((v) => visitCard(v, local))));
  show(
    h("h1", {}, "我的检查"),
    offlineNote(data.offline),
    sections.length ? sections : h("p", { class: "empty" }, "今天及以后没有安排给您的检查。"),
    h("div", { class: "actions" }, link("扫企业码签到", "#/scan", "primary big"), link("备案突发事件检查", "#/emergency", "secondary")),
  );
  prefetchCodes(data.visits.filter((v) => dayKey(v.window_start) === today && ["approved", "checked_in"].includes(v.status)));
  fillAddresses();
}

// Addresses come from the enterprise records, after the list is on screen (one request per enterprise).
async function fillAddresses() {
  const slots = [...document.querySelectorAll(".address[data-uscc]")];
  for (const uscc of new Set(slots.map((s) => s.dataset.uscc))) {
    const firm = await enterprise(uscc);
    if (!firm || !firm.address) continue;
    for (const slot of slots.filter((s) => s.dataset.uscc === uscc)) slot.textContent = `地址：${firm.address}`;
  }
}

// Today's codes are fetched while online so that the service worker can show them offline.
function prefetchCodes(visits) {
  if (!navigator.onLine) return;
  for (const visit of visits) api.blob(`/api/v1/visits/${visit.id}/code.png`).catch(() => null);
}

async function oneVisit(id) {
  try {
    return await api.getJson(`/api/v1/visits/${id}`);
  } catch (error) {
    if (!(error instanceof api.TransientError)) throw error;
    // Offline and never opened: the visit list (kept by the service worker) holds the same record.
    const { visits } = await myVisits();
    const visit = visits.find((v) => v.id === id);
    if (!visit) throw error;
    return { body: visit, offline: "list" };
  }
}

export async function visitScreen(id) {
  const show = screen();
  let data;
  try {
    data = await oneVisit(id);
  } catch (error) {
    show(h("h1", {}, "检查详情"), h("p", { class: "error" }, errorText(error)));
    return;
  }
  const visit = data.body;
  const local = await localState();
  const firm = await enterprise(visit.uscc);
  const scannedLocally = local.scanned.has(visit.uscc) && live(visit);
  const canCheckOut = (visit.status === "checked_in" || scannedLocally) && !local.checkedOut.has(visit.id);
  show(
    h("h1", {}, visit.enterprise_name || visit.uscc),
    offlineNote(data.offline),
    h("p", { class: `badge big ${visit.status}` }, statusOf(visit, local)),
    h("dl", { class: "facts" },
      h("dt", {}, "时间"), h("dd", {}, windowText(visit.window_start, visit.window_end)),
      h("dt", {}, "地址"), h("dd", {}, firm && firm.address ? firm.address : "—"),
      h("dt", {}, "信用代码"), h("dd", { class: "mono" }, visit.uscc),
      h("dt", {}, "单位"), h("dd", {}, visit.units.map((u) => u.name).join("、")),
      h("dt", {}, "检查人员"), h("dd", {}, visit.inspectors.map((i) => `${i.name}（${i.cert_no || "—"}）`).join("、")),
      visit.is_emergency ? [h("dt", {}, "类型"), h("dd", {}, "突发事件（先检查、后补批）")] : null,
      visit.result ? [h("dt", {}, "结果"), h("dd", {}, RESULT_TEXT[visit.result] || visit.result)] : null),
    h("h2", {}, "检查事项"),
    visit.items.length
      ? h("ul", { class: "items" }, visit.items.map((i) => h("li", {}, h("strong", {}, i.name), h("small", {}, i.legal_basis))))
      : h("p", { class: "note" }, "服务类活动，不得行使检查权力。"),
    h("div", { class: "actions" },
      ["approved", "checked_in", "filed"].includes(visit.status) && visit.status !== "filed"
        ? link("亮码（给企业扫）", `#/code/${visit.id}`, "primary big") : null,
      ["approved", "checked_in"].includes(visit.status) || (visit.status === "filed" && visit.is_emergency)
        ? link("扫企业码签到", "#/scan", "secondary big") : null,
      canCheckOut ? link("签退并记录结果", `#/checkout/${visit.id}`, "primary big") : null),
  );
}

export async function codeScreen(id) {
  const show = screen();
  const image = h("img", { class: "code-image", alt: "检查码", id: "visit-code" });
  const info = h("p", { class: "note" }, "请企业用手机相机扫描此码核验。");
  show(h("h1", {}, "检查码"), h("div", { class: "code-sheet" }, image), info, link("返回", `#/visit/${id}`, "secondary"));
  document.body.classList.add("code-mode");
  try {
    const [{ blob, fromCache }, code] = await Promise.all([
      api.blob(`/api/v1/visits/${id}/code.png`),
      api.getJson(`/api/v1/visits/${id}/code`).catch(() => null),
    ]);
    image.src = URL.createObjectURL(blob);
    if (code) info.textContent = `请企业用手机相机扫描此码核验。有效期至 ${windowText(code.body.not_before, code.body.expires_at).split("–").pop()}`;
    if (fromCache) info.append(h("br"), "（离线副本）");
  } catch (error) {
    image.replaceWith(h("p", { class: "error" }, errorText(error)));
  }
  try {
    if (navigator.wakeLock) await navigator.wakeLock.request("screen"); // keep the code on screen
  } catch {
    /* not allowed here: the screen may dim */
  }
}

export function scanInScreen() {
  scanScreen({
    title: "扫企业码签到",
    why: "签到需要使用相机扫描企业张贴的企业码，并记录您当前的位置（离企业超过300米会被标记，不会被拦下）。" +
      "点下面的按钮后，浏览器会询问是否允许使用相机和位置。",
    hint: "没有网络也可以扫：记录会先存在手机里，联网后自动补传。",
    onText: scannedEnterpriseCode,
  });
}

async function visitFor(uscc) {
  try {
    const { visits } = await myVisits();
    return visits.find((v) => v.uscc === uscc && live(v) && v.status !== "cancelled") || null;
  } catch {
    return null;
  }
}

async function scannedEnterpriseCode(text) {
  const show = screen();
  if (codeKind(text) === "V") {
    resultScreen({ tone: "amber", headline: "这是检查码", text: "检查码是给企业扫的。签到请扫描企业张贴的企业码。" }, show);
    return;
  }
  const claims = peek(text);
  if (!claims || claims.kind !== KIND_ENTERPRISE) {
    resultScreen({ tone: "red", headline: "不是企业码", text: "没有识别出本系统的企业码。请对准企业张贴的企业码再扫一次。" }, show);
    return;
  }
  show(h("h1", {}, "正在签到…"), h("p", { class: "note", role: "status" }, "正在取得位置"));
  const { coords, error: where } = await geo.position();
  const offlineNow = !navigator.onLine;
  const body = {
    content: text,
    client_event_id: `scan-${api.uuid()}`,
    ...(coords || {}),
    mock_location: false,
    device_time: new Date().toISOString(),
    ...(offlineNow ? { backfill_reason: BACKFILL_REASON } : {}),
  };
  const expected = await visitFor(claims.uscc);
  const firm = expected || !navigator.onLine ? null : await enterprise(claims.uscc);
  const name = expected ? expected.enterprise_name : (firm && firm.name) || claims.uscc;
  const event = await outbox.queueJson("scan", "/api/v1/scans", body, `扫码签到：${name}`, { uscc: claims.uscc });
  if (offlineNow) {
    resultScreen({
      tone: "amber", headline: "已保存，待联网补传",
      text: `手机现在没有网络。扫码时间和位置已记录${coords ? "" : `（${where}）`}，联网后自动补传并注明原因。`,
      visit: expected, allowCheckout: Boolean(expected),
    }, show);
    return;
  }
  const report = await outbox.sync();
  const answer = [...report.done, ...report.rejected, ...report.conflicts].find((e) => e.eventId === event.eventId);
  if (!answer) {
    resultScreen({ tone: "amber", headline: "已保存，待发送", text: `${report.stopped || "还没有发出"}。`, visit: expected,
      allowCheckout: Boolean(expected) }, show);
    return;
  }
  if (answer.state === "done") {
    const scan = answer.response;
    const far = scan.far_from_enterprise;
    resultScreen({
      tone: far ? "amber" : "green",
      headline: scan.kind === "arrival" ? "签到成功" : "在场确认",
      text: [
        scan.kind === "arrival" ? "已到达，检查开始。" : "本次检查已签到，这次记为在场确认。",
        scan.distance_m !== null && scan.distance_m !== undefined ? `距企业登记位置约 ${Math.round(scan.distance_m)} 米。` : "",
        far ? "距离企业超过300米：已标记，请确认是否在企业现场。" : "",
        coords ? "" : `未取得位置（${where}）。`,
      ].join(""),
      visitId: scan.visit_id,
      far,
    }, show);
    return;
  }
  const problem = answer.response || {};
  if (problem.code === "unfiled_visit") {
    unfiledScreen(claims.uscc, name, show);
    return;
  }
  resultScreen({ tone: "red", headline: "签到未成功", text: problem.detail || answer.error }, show);
}

function unfiledScreen(uscc, name, paint) {
  paint(
    h("div", { class: "verdict red", id: "verdict" },
      h("p", { class: "headline", id: "headline" }, "未备案"),
      h("p", { class: "reason" }, `${name}：没有安排您此时到这家企业的已备案、已批准检查。`)),
    h("div", { class: "card" },
      h("h2", {}, "接下来"),
      h("ol", {},
        h("li", {}, "请勿入企检查。本次扫码已被拒绝，并记录报送监督机构（司法局）。"),
        h("li", {}, "如果检查应已备案：请联系本单位计划人员核对时间和人员，备案并经负责人批准后再来。"),
        h("li", {}, "如遇突发事件（证据可能灭失等）：可当场备案突发事件检查，先检查、后补批（24小时内）。"))),
    h("div", { class: "actions" },
      link("备案突发事件检查", `#/emergency?uscc=${encodeURIComponent(uscc)}`, "primary big"),
      link("返回我的检查", "#/visits", "secondary")),
  );
}

function resultScreen({ tone, headline, text, visitId = null, visit = null, allowCheckout = false }, paint) {
  const id = visitId || (visit && visit.id);
  paint(
    h("div", { class: `verdict ${tone}`, id: "verdict" },
      h("p", { class: "headline", id: "headline" }, headline),
      h("p", { class: "reason", id: "reason" }, text)),
    visit ? h("p", { class: "note" }, `对应检查：${visit.enterprise_name}，${windowText(visit.window_start, visit.window_end)}`) : null,
    h("div", { class: "actions" },
      id && (visitId || allowCheckout) ? link("签退并记录结果", `#/checkout/${id}`, "primary big") : null,
      id ? link("查看检查", `#/visit/${id}`, "secondary") : null,
      link("返回我的检查", "#/visits", "secondary")),
  );
}

export async function checkoutScreen(id) {
  const show = screen();
  let visit = null;
  try {
    visit = (await oneVisit(id)).body;
  } catch (error) {
    show(h("h1", {}, "签退"), h("p", { class: "error" }, errorText(error)));
    return;
  }
  const photos = [];
  const list = h("ul", { class: "photos", id: "photo-list" });
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", multiple: true, id: "photo-input",
    class: "visually-hidden" });
  input.addEventListener("change", async () => {
    for (const file of input.files) {
      const sha256 = await outbox.sha256Hex(file);
      if (photos.some((p) => p.sha256 === sha256)) continue;
      photos.push({ file, sha256 });
      list.append(h("li", {}, h("img", { src: URL.createObjectURL(file), alt: "现场照片" }),
        h("small", { class: "mono" }, `SHA-256 ${shortHash(sha256)}`)));
    }
    input.value = "";
  });
  const results = Object.entries(RESULT_TEXT).map(([value, label], index) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "result", value, checked: index === 0 }), h("span", {}, label)));
  const findings = h("textarea", { id: "findings", rows: 4, maxlength: 5000, placeholder: "检查发现的问题、整改要求等" });
  const form = h("form", { class: "stack", id: "checkout-form", onsubmit: async (event) => {
    event.preventDefault();
    const result = form.querySelector("input[name=result]:checked").value;
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    for (const [index, photo] of photos.entries()) {
      await outbox.queuePhoto(id, photo.file, photo.file.name || `photo-${index + 1}.jpg`,
        `现场照片 ${index + 1}：${visit.enterprise_name}`);
    }
    const body = {
      client_event_id: `checkout-${api.uuid()}`, result, findings: findings.value.trim(),
      device_time: new Date().toISOString(),  // kept offline, it syncs later with the time it happened
    };
    await outbox.queueJson("checkout", `/api/v1/visits/${id}/checkout`, body,
      `签退：${visit.enterprise_name}（${RESULT_TEXT[result]}）`, { visitId: id });
    if (!navigator.onLine) {
      toast("已保存在手机上，联网后自动发送", "info");
      location.hash = "#/outbox";
      return;
    }
    const report = await outbox.sync();
    const failed = [...report.rejected, ...report.conflicts];
    if (failed.length) toast(`有 ${failed.length} 条未被接受，请查看待发送`, "error");
    else if (report.remaining) toast("已保存，待联网发送", "info");
    else toast("已签退", "ok");
    location.hash = report.remaining || failed.length ? "#/outbox" : `#/visit/${id}`;
  } },
  h("fieldset", {}, h("legend", {}, "检查结果"), results),
  field("检查发现", findings),
  h("div", {}, h("label", { class: "btn secondary", for: "photo-input" }, "拍照取证"), input, list,
    h("small", { class: "note" }, "照片的 SHA-256 在手机上计算，服务器收到后核对；定位等隐私信息会被去除。")),
  h("button", { type: "submit", class: "btn primary big" }, "签退"));
  show(h("h1", {}, `签退：${visit.enterprise_name}`), h("p", { class: "note" }, windowText(visit.window_start, visit.window_end)), form);
}

export async function emergencyScreen(params) {
  const show = screen();
  const session = api.currentSession();
  if (!navigator.onLine) {
    show(h("h1", {}, "备案突发事件检查"), h("p", { class: "error" }, "备案需要联网（系统要核对人员、事项和频次）。" +
      "没有网络时请先检查并保全证据，联网后在10日内补录扫码，注明原因。"));
    return;
  }
  show(h("h1", {}, "备案突发事件检查"), h("p", { class: "note" }, "正在载入本单位人员和事项…"));
  let inspectors;
  let items;
  try {
    [inspectors, items] = await Promise.all([
      api.call("GET", "/api/v1/inspectors?limit=200"),
      api.call("GET", `/api/v1/items?unit_code=${encodeURIComponent(session.unit_code)}&status=published&limit=200`),
    ]);
  } catch (error) {
    show(h("h1", {}, "备案突发事件检查"), h("p", { class: "error" }, errorText(error)));
    return;
  }
  const colleagues = inspectors.items.filter((i) => i.id !== session.inspector_id && !i.is_auxiliary && i.status === "valid");
  const uscc = h("input", { id: "em-uscc", required: true, maxlength: 18, autocapitalize: "characters",
    value: params.get("uscc") || "", class: "mono" });
  const partner = h("select", { id: "em-partner", required: true },
    h("option", { value: "" }, "请选择"), colleagues.map((i) => h("option", { value: i.id }, `${i.name}（${i.cert_no}）`)));
  const itemBoxes = items.items.map((i) => h("label", { class: "choice" },
    h("input", { type: "checkbox", name: "item", value: i.code }), h("span", {}, `${i.name}`)));
  const hours = h("select", { id: "em-hours" }, [1, 2, 4, 8].map((n) => h("option", { value: n, selected: n === 2 }, `${n} 小时`)));
  const reason = h("textarea", { id: "em-reason", required: true, rows: 3, placeholder: "例如：接群众举报，现场发现证据可能被转移" });
  const status = h("p", { role: "status", class: "note" });
  const form = h("form", { class: "stack", id: "emergency-form", onsubmit: async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll("input[name=item]:checked")].map((c) => c.value);
    const start = new Date(Date.now() - 60000);
    const body = {
      uscc: uscc.value.trim().toUpperCase(), unit_codes: [session.unit_code],
      inspector_ids: [session.inspector_id, Number(partner.value)], item_codes: chosen,
      window_start: start.toISOString(), window_end: new Date(start.getTime() + Number(hours.value) * 3600000).toISOString(),
      origin: "triggered", trigger_type: "emergency", trigger_reason: reason.value.trim(),
    };
    status.textContent = "正在备案…";
    try {
      const visit = await api.call("POST", "/api/v1/visits", { json: body });
      show(h("div", { class: "verdict amber", id: "verdict" },
        h("p", { class: "headline", id: "headline" }, "已备案突发检查"),
        h("p", { class: "reason" }, `检查 #${visit.id}：${visit.enterprise_name}。请在离开前扫企业码签到；单位负责人须在24小时内补批。`)),
      h("div", { class: "actions" }, link("扫企业码签到", "#/scan", "primary big"), link("查看检查", `#/visit/${visit.id}`, "secondary")));
    } catch (error) {
      status.textContent = errorText(error);
      status.className = "error";
    }
  } },
  field("企业统一社会信用代码", uscc, "扫过企业码时已自动填好"),
  field("同行执法人员", partner, "至少两名持证执法人员"),
  h("fieldset", {}, h("legend", {}, "检查事项"), itemBoxes),
  field("预计时长", hours),
  field("突发事件情况（必填）", reason),
  status,
  h("button", { type: "submit", class: "btn primary big" }, "备案"));
  show(h("h1", {}, "备案突发事件检查"), h("p", { class: "note" }, "先检查、后补批：现在备案，检查开始时间记为此刻。"), form);
}
