// The enterprise's screens: scan a visitor's code, upcoming visits (检查预告), history, rating, complaints, poster.
import * as api from "./api.js";
import * as offline from "./offline.js";
import * as outbox from "./outbox.js";
import { scanScreen } from "./scan.js";
import { codeKind, tokenText } from "./tokens.js";
import {
  COMPLAINT_KINDS, COMPLAINT_STATUS, RESULT_TEXT, STATUS_TEXT, button, dateText, dateTimeText, errorText, field, h,
  link, offlineNote, show, toast, windowText,
  screen,
} from "./ui.js";

export function homeScreen() {
  const session = api.currentSession();
  show(
    h("h1", {}, "企业"),
    h("p", { class: "note mono" }, session.uscc),
    h("div", { class: "tiles" },
      link("扫检查码核验", "#/scan", "tile primary"),
      link("检查预告", "#/e/upcoming", "tile"),
      link("检查记录与评价", "#/e/history", "tile"),
      link("投诉与进度", "#/e/complaints", "tile"),
      link("打印企业码", "#/e/poster", "tile")),
    h("p", { class: "note" }, "执法人员来访时，请扫描其出示的检查码：核验是否已备案、人员和事项是否相符。没有网络也能核验（用手机里缓存的密钥和撤销清单）。"),
  );
}

export function verifyScanScreen() {
  scanScreen({
    title: "扫检查码核验",
    why: "核验需要使用相机扫描检查人员出示的检查码。点下面的按钮后，浏览器会询问是否允许使用相机。",
    hint: "没有网络时，手机用缓存的密钥和撤销清单离线核验，并注明状态截至何时。",
    onText: verifyCode,
  });
}

async function verifyCode(text) {
  const show = screen();
  const session = api.currentSession();
  if (codeKind(text) === "E") {
    verdictScreen({ tone: "amber", headline: "这是企业码", reason: "企业码供执法人员签到用。请扫描检查人员出示的检查码。" }, text, show);
    return;
  }
  show(h("h1", {}, "正在核验…"));
  const token = tokenText(text);
  if (navigator.onLine) {
    try {
      const path = `/api/v1/public/verify/${encodeURIComponent(token)}?uscc=${encodeURIComponent(session.uscc)}`;
      const result = await api.call("GET", path, { auth: false, cache: "no-store" });
      verdictScreen(result, text, show);
      return;
    } catch (error) {
      if (error instanceof api.ApiError) {
        verdictScreen({ tone: "red", headline: "无法核验", reason: errorText(error) }, text, show);
        return;
      }
      // no answer: fall through to the offline verdict
    }
  }
  const verdict = await offline.verifyOffline(text, { uscc: session.uscc });
  const claims = verdict.claims;
  verdictScreen({
    tone: verdict.valid ? "green" : verdict.outcome === "valid" || verdict.outcome === "unknown_key" ? "amber" : "red",
    headline: verdict.headline,
    reason: verdict.reason,
    detail: verdict.message,
    offline: true,
    claims: claims && claims.kind === 1 ? claims : null,
  }, text, show);
}

function verdictScreen(result, scanned, paint) {
  const visit = result.visit;
  const tone = result.tone || (result.valid ? "green" : "red");
  const parts = [
    h("div", { class: `verdict ${tone}`, id: "verdict" },
      h("p", { class: "headline", id: "headline" }, result.headline),
      result.reason ? h("p", { class: "reason", id: "reason" }, result.reason) : null),
    result.offline ? h("p", { class: "note", id: "offline-verdict" }, `离线核验：${result.detail}`) : null,
    !result.offline && result.detail ? h("p", { class: "note" }, result.detail) : null,
  ];
  if (visit) {
    parts.push(h("dl", { class: "facts" },
      h("dt", {}, "企业"), h("dd", {}, visit.enterprise_name),
      h("dt", {}, "时间"), h("dd", {}, visit.window_text),
      h("dt", {}, "状态"), h("dd", { id: "visit-status" }, visit.status_text),
      h("dt", {}, "类型"), h("dd", {}, visit.kind_text),
      h("dt", {}, "单位"), h("dd", {}, visit.units.map((u) => u.name + (u.lead ? "（牵头）" : "")).join("、"))));
    parts.push(h("h2", {}, "检查人员"), h("ul", { class: "people" }, visit.inspectors.map((i) =>
      h("li", {}, h("strong", {}, i.name), ` 执法证号 ${i.cert_no}`))));
    if (visit.items.length) {
      parts.push(h("h2", {}, "检查事项与依据"), h("ul", { class: "items" }, visit.items.map((i) =>
        h("li", {}, h("strong", {}, i.name), h("small", {}, i.legal_basis)))));
    }
  } else if (result.claims) {
    parts.push(h("dl", { class: "facts" },
      h("dt", {}, "检查"), h("dd", {}, `#${result.claims.visitId}`),
      h("dt", {}, "有效"), h("dd", {}, windowText(result.claims.notBefore, result.claims.expiresAt)),
      h("dt", {}, "执法证号"), h("dd", {}, result.claims.certNumbers.join("、")),
      h("dt", {}, "事项编码"), h("dd", {}, result.claims.itemCodes.join("、"))));
  }
  if (result.rights) parts.push(h("details", { class: "card" }, h("summary", {}, "您的权利"), h("p", {}, result.rights)));
  parts.push(h("div", { class: "actions" },
    result.can_rate && visit ? link("评价这次检查", `#/e/rate/${visit.visit_id}`, "primary big") : null,
    link("投诉", `#/e/complain?token=${encodeURIComponent(tokenText(scanned))}`, result.valid ? "secondary" : "danger big"),
    link("再扫一个", "#/scan", "secondary")));
  paint(parts);
}

export async function upcomingScreen() {
  const show = screen();
  show(h("h1", {}, "检查预告"), h("p", { class: "note" }, "正在载入…"));
  try {
    const { body, offline: copy } = await api.getJson("/api/v1/my/upcoming");
    const ics = new URL(body.ics_url, location.href);
    show(
      h("h1", {}, "检查预告"),
      offlineNote(copy),
      h("p", { class: "note" }, "已公布的计划检查（规上企业月公示）。临时检查不提前告知。"),
      body.visits.length ? h("ul", { class: "list" }, body.visits.map((v) => h("li", { class: "card" },
        h("strong", {}, v.window_start === v.window_end ? dateText(v.window_start) : `${dateText(v.window_start)} – ${dateText(v.window_end)}`),
        h("div", {}, v.units.join("、") + (v.joint ? "（联合检查，进一次门）" : "")),
        h("div", { class: "meta" }, v.items.join("、")),
        h("div", { class: "meta" }, v.onsite ? "现场检查" : "非现场检查"))))
        : h("p", { class: "empty" }, "暂无已公布的计划检查。"),
      h("h2", {}, "订阅到手机日历"),
      h("p", { class: "note" }, "此链接只属于贵企业，请勿转发。"),
      h("div", { class: "actions" },
        link("添加到日历", `webcal://${ics.host}${ics.pathname}${ics.search}`, "secondary"),
        button("复制链接", async () => {
          try {
            await navigator.clipboard.writeText(ics.href);
            toast("已复制", "ok");
          } catch {
            toast(ics.href);
          }
        }, "secondary"),
      ),
    );
  } catch (error) {
    show(h("h1", {}, "检查预告"), h("p", { class: "error" }, errorText(error)));
  }
}

export async function historyScreen() {
  const show = screen();
  show(h("h1", {}, "检查记录"), h("p", { class: "note" }, "正在载入…"));
  try {
    const { body, offline: copy } = await api.getJson("/api/v1/visits?limit=50");
    const rated = new Set((await outbox.items()).filter((e) => e.kind === "rating" && e.state !== "rejected").map((e) => e.visitId));
    show(
      h("h1", {}, "检查记录"),
      offlineNote(copy),
      body.items.length ? h("ul", { class: "list" }, body.items.map((v) => h("li", { class: "card", "data-visit": v.id },
        h("div", { class: "row" }, h("strong", {}, dateText(v.window_start)), h("span", { class: `badge ${v.status}` }, STATUS_TEXT[v.status] || v.status)),
        h("div", {}, v.units.map((u) => u.name).join("、")),
        h("div", { class: "meta" }, v.items.map((i) => i.name).join("、") || "服务类活动"),
        v.result ? h("div", { class: "meta" }, `结果：${RESULT_TEXT[v.result] || v.result}${v.findings ? `，${v.findings}` : ""}`) : null,
        v.status === "checked_out"
          ? (rated.has(v.id) ? h("div", { class: "meta ok" }, "已评价") : link("评价", `#/e/rate/${v.id}`, "secondary small"))
          : null)))
        : h("p", { class: "empty" }, "还没有检查记录。"),
    );
  } catch (error) {
    show(h("h1", {}, "检查记录"), h("p", { class: "error" }, errorText(error)));
  }
}

export function rateScreen(id) {
  const stars = [1, 2, 3, 4, 5].map((n) => h("label", { class: "star" },
    h("input", { type: "radio", name: "score", value: n, required: true }), h("span", {}, `${n}分`)));
  const comment = h("textarea", { id: "rate-comment", rows: 3, maxlength: 1000, placeholder: "可选：说说这次检查" });
  const form = h("form", { class: "stack", id: "rate-form", onsubmit: async (event) => {
    event.preventDefault();
    const score = Number(form.querySelector("input[name=score]:checked").value);
    const body = { score, comment: comment.value.trim(), client_event_id: `rating-${api.uuid()}` };
    await outbox.queueJson("rating", `/api/v1/visits/${id}/rating`, body, `评价检查 #${id}：${score}分`, { visitId: Number(id) });
    await sendNow("评价已提交");
    location.hash = "#/e/history";
  } },
  h("fieldset", { class: "stars" }, h("legend", {}, "评分（1–5）"), stars),
  field("评价内容", comment),
  h("button", { type: "submit", class: "btn primary big" }, "提交评价"));
  show(h("h1", {}, "评价检查"), h("p", { class: "note" }, "评价是匿名的：被检查单位看不到是谁评价、评了多少分，只有监督机构（司法局）能看到。"), form);
}

async function sendNow(doneText) {
  if (!navigator.onLine) {
    toast("已保存在手机上，联网后自动发送");
    return;
  }
  const report = await outbox.sync();
  if (report.rejected.length || report.conflicts.length) toast("有记录未被接受，请查看待发送", "error");
  else if (report.remaining) toast("已保存，待联网发送");
  else toast(doneText, "ok");
}

export function complainScreen(params) {
  const kind = h("select", { id: "complaint-kind" }, COMPLAINT_KINDS.map(([value, label]) => h("option", { value }, label)));
  const description = h("textarea", { id: "complaint-description", required: true, rows: 4, maxlength: 2000 });
  const contact = h("input", { id: "complaint-contact", maxlength: 200, placeholder: "可选：电话", inputmode: "tel" });
  const token = params.get("token");
  if (token) kind.value = "unfiled_inspection";
  const form = h("form", { class: "stack", id: "complaint-form", onsubmit: async (event) => {
    event.preventDefault();
    const body = { kind: kind.value, description: description.value.trim(), contact: contact.value.trim(),
      client_event_id: `complaint-${api.uuid()}`, ...(token ? { token } : {}) };
    await outbox.queueJson("complaint", "/api/v1/complaints", body, `投诉：${kind.selectedOptions[0].textContent}`);
    await sendNow("投诉已受理：可在“投诉与进度”查看编号、查询码和处理进度");
    location.hash = "#/e/complaints";
  } },
  field("投诉类型", kind),
  field("情况说明", description),
  field("联系方式", contact),
  token ? h("p", { class: "note" }, "将附上刚才扫描的检查码。") : null,
  h("button", { type: "submit", class: "btn primary big" }, "提交投诉"));
  show(h("h1", {}, "投诉"), h("p", { class: "note" }, "由司法行政部门（行政执法监督机构）受理，30日内反馈。投诉不影响您的任何权利。"), form);
}

export async function complaintsScreen() {
  const show = screen();
  show(h("h1", {}, "投诉与进度"), h("p", { class: "note" }, "正在载入…"));
  try {
    const { body, offline: copy } = await api.getJson("/api/v1/complaints?limit=50");
    // The tracking code is given once, in the receipt; this phone keeps the receipts its outbox received.
    const tracking = new Map((await outbox.items())
      .filter((e) => e.kind === "complaint" && e.response && e.response.tracking_code)
      .map((e) => [e.response.reference, e.response]));
    show(
      h("h1", {}, "投诉与进度"),
      offlineNote(copy),
      link("我要投诉", "#/e/complain", "primary big"),
      body.items.length ? h("ul", { class: "list" }, body.items.map((c) => h("li", { class: "card" },
        h("div", { class: "row" }, h("strong", { class: "mono" }, c.reference),
          h("span", { class: `badge ${c.overdue ? "late" : c.status}` }, COMPLAINT_STATUS[c.status] || c.status)),
        h("div", {}, (COMPLAINT_KINDS.find(([k]) => k === c.kind) || [c.kind, c.kind])[1]),
        h("div", { class: "meta" }, c.description),
        h("div", { class: "meta" }, `受理 ${dateTimeText(c.received_at)} · 应于 ${dateText(c.due_at)} 前反馈${c.overdue ? "（已超期）" : ""}`),
        tracking.has(c.reference) ? h("div", { class: "meta tracking" }, "查询码 ",
          h("a", { class: "mono", href: tracking.get(c.reference).tracking_url, rel: "noopener" }, tracking.get(c.reference).tracking_code),
          "（只在本机显示；凭此码无需登录即可查询办理结果）") : null,
        h("details", { ontoggle: (e) => loadSteps(e.target, c.id) }, h("summary", {}, "处理进度"), h("ol", { class: "steps" })))))
        : h("p", { class: "empty" }, "没有投诉。"),
    );
  } catch (error) {
    show(h("h1", {}, "投诉与进度"), h("p", { class: "error" }, errorText(error)));
  }
}

async function loadSteps(details, id) {
  const list = details.querySelector("ol");
  if (!details.open || list.childElementCount) return;
  try {
    const detail = (await api.getJson(`/api/v1/complaints/${id}`)).body;
    list.replaceChildren(...detail.steps.map((s) => h("li", {}, `${dateTimeText(s.at)} ${COMPLAINT_STATUS[s.status] || s.status}`,
      s.note ? `：${s.note}` : "")));
  } catch (error) {
    list.replaceChildren(h("li", { class: "error" }, errorText(error)));
  }
}

export async function posterScreen() {
  const show = screen();
  const session = api.currentSession();
  const image = h("img", { class: "code-image", alt: "企业码", id: "enterprise-code" });
  const name = h("p", { class: "poster-name" }, session.uscc);
  show(
    h("div", { class: "poster" },
      h("p", { class: "poster-title" }, "扫码入企"),
      name,
      image,
      h("p", { class: "poster-text" }, "执法人员入企检查，请先扫此码签到"),
      h("p", { class: "poster-small" }, "未经备案的检查，企业可拒绝并投诉")),
    h("div", { class: "actions no-print" }, button("打印", () => window.print(), "primary big")),
  );
  try {
    const [{ blob }, firm] = await Promise.all([
      api.blob(`/api/v1/enterprises/${encodeURIComponent(session.uscc)}/code.png`),
      api.getJson(`/api/v1/enterprises/${encodeURIComponent(session.uscc)}`).catch(() => null),
    ]);
    image.src = URL.createObjectURL(blob);
    if (firm) name.textContent = firm.body.name;
  } catch (error) {
    image.replaceWith(h("p", { class: "error" }, errorText(error)));
  }
}
