// The phone app: boot, routes (#/…), the navigation of each role, the outbox screen and background sync.
import * as api from "./api.js";
import { engine } from "./ed25519.js";
import * as enterprise from "./enterprise.js";
import * as inspector from "./inspector.js";
import * as offline from "./offline.js";
import * as outbox from "./outbox.js";
import { stopScanning } from "./scan.js";
import { beginScreen, button, dateTimeText, errorText, field, h, screen, show, toast } from "./ui.js";

const SYNC_EVERY_MS = 30000;
let installPrompt = null;

const OUTBOX_STATE = { pending: "待发送", done: "已发送", rejected: "被拒绝", conflict: "冲突" };

function loginScreen() {
  const username = h("input", { id: "username", autocomplete: "username", required: true, autocapitalize: "none" });
  const password = h("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const status = h("p", { role: "status", class: "note" });
  const form = h("form", { class: "stack", id: "login-form", onsubmit: async (event) => {
    event.preventDefault();
    status.textContent = "正在登录…";
    try {
      await api.login(username.value.trim(), password.value);
      await clearApiCopies();
      location.hash = "#/";
      route();
      refreshKeys();
    } catch (error) {
      status.textContent = error.status === 401 ? "用户名或密码不对" : errorText(error);
      status.className = "error";
    }
  } },
  field("用户名", username), field("密码", password), status,
  h("button", { type: "submit", class: "btn primary big" }, "登录"));
  show(h("h1", {}, "登录"), h("p", { class: "note" }, "执法人员和企业使用。首次登录需要联网。"), form);
}

async function clearApiCopies() {
  // Another account's offline copies must never be shown: the service worker keeps them by URL only.
  if ("caches" in window) await caches.delete("ruqi-api");
}

async function outboxScreen() {
  const show = screen();
  const events = (await outbox.items()).reverse();
  const pending = events.filter((e) => e.state === "pending").length;
  show(
    h("h1", {}, "待发送"),
    h("p", { class: "note", id: "outbox-summary" }, pending ? `${pending} 条待发送${navigator.onLine ? "" : "（没有网络，联网后自动发送）"}` : "全部已发送"),
    button("立即同步", async () => {
      const report = await outbox.sync();
      toast(report.stopped || `已发送 ${report.done.length} 条`, report.stopped ? "error" : "ok");
      outboxScreen();
    }, "primary big", { id: "sync-now", disabled: !pending }),
    events.length ? h("ul", { class: "list", id: "outbox-list" }, events.map((e) => h("li", { class: `card outbox ${e.state}`, "data-state": e.state, "data-kind": e.kind },
      h("div", { class: "row" }, h("strong", {}, e.label), h("span", { class: `badge ${e.state}` }, OUTBOX_STATE[e.state] || e.state)),
      h("div", { class: "meta" }, `记录于 ${dateTimeText(e.createdAt)}${e.answeredAt ? ` · 发送于 ${dateTimeText(e.answeredAt)}` : ""}`),
      e.kind === "photo" ? h("div", { class: "meta mono" }, `SHA-256 ${e.sha256.slice(0, 16)}…`) : null,
      e.body && JSON.parse(e.body).backfill_reason ? h("div", { class: "meta" }, `补传原因：${JSON.parse(e.body).backfill_reason}`) : null,
      e.state !== "done" && e.error ? h("div", { class: "meta error" }, e.error) : null)))
      : h("p", { class: "empty" }, "没有记录。"),
  );
}

function meScreen() {
  const session = api.currentSession();
  const about = h("p", { class: "note", id: "about" });
  offline.cacheAsOf().then(async (asOf) => {
    about.textContent = `离线核验数据：${asOf ? `截至 ${dateTimeText(asOf)}` : "尚未下载"}；签名校验：${await engine() === "webcrypto" ? "浏览器内置" : "内置程序库"}`;
  });
  show(
    h("h1", {}, "我的"),
    h("dl", { class: "facts" },
      h("dt", {}, "账号"), h("dd", {}, session.username),
      session.unit_code ? [h("dt", {}, "单位"), h("dd", {}, session.unit_code)] : null,
      session.uscc ? [h("dt", {}, "信用代码"), h("dd", { class: "mono" }, session.uscc)] : null),
    about,
    h("div", { class: "actions" },
      installPrompt ? button("安装到桌面", async () => { installPrompt.prompt(); installPrompt = null; }, "primary") : null,
      button("更新离线核验数据", async () => {
        try {
          const report = await offline.refresh({ force: true });
          toast(`已更新：新增撤销 ${report.added} 条`, "ok");
          meScreen();
        } catch (error) {
          toast(errorText(error), "error");
        }
      }, "secondary"),
      button("退出登录", async () => {
        const pending = await outbox.pendingCount();
        if (pending && !confirm(`还有 ${pending} 条未发送，退出后要用同一账号登录才能发送。确定退出？`)) return;
        await api.logout();
        await clearApiCopies();
        location.hash = "#/login";
      }, "secondary")),
    h("p", { class: "note" }, "安装：安卓用浏览器菜单“添加到主屏幕/安装应用”；iPhone 用 Safari 的“分享 → 添加到主屏幕”。"),
  );
}

function otherRoleScreen() {
  show(h("h1", {}, "请用电脑访问"), h("p", {}, "手机应用供执法人员和企业使用。计划、审批和监督请在电脑上打开管理页面。"),
    button("退出登录", async () => { await api.logout(); location.hash = "#/login"; }, "secondary"));
}

const INSPECTOR_NAV = [["#/visits", "检查"], ["#/scan", "扫码"], ["#/outbox", "待发送"], ["#/me", "我的"]];
const ENTERPRISE_NAV = [["#/e", "首页"], ["#/scan", "核验"], ["#/e/history", "记录"], ["#/outbox", "待发送"], ["#/me", "我的"]];

function nav(session) {
  const bar = document.getElementById("nav");
  const items = !session ? [] : session.role === "inspector" ? INSPECTOR_NAV : session.role === "enterprise" ? ENTERPRISE_NAV : [];
  bar.hidden = !items.length;
  let here = location.hash.split("?")[0] || "#/";
  if (here === "#/" || here === "#") here = items.length ? items[0][0] : here;
  if (here.startsWith("#/visit/") || here.startsWith("#/code/") || here.startsWith("#/checkout/") || here === "#/emergency") {
    here = "#/visits";
  }
  bar.replaceChildren(...items.map(([href, label]) => h("a", { href, "aria-current": here === href || (href !== "#/e" && here.startsWith(href)) ? "page" : null }, label,
    href === "#/outbox" ? h("span", { class: "count", id: "outbox-count", hidden: true }) : null)));
  updateCount();
}

async function updateCount() {
  const badge = document.getElementById("outbox-count");
  if (!badge) return;
  const count = await outbox.pendingCount();
  badge.textContent = String(count);
  badge.hidden = count === 0;
}

function route() {
  beginScreen();
  stopScanning();
  document.body.classList.remove("code-mode");
  const session = api.currentSession();
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean);
  nav(session);
  if (!session || session.expired) {
    if (session && session.expired) toast("登录已过期，请重新登录");
    loginScreen();
    return;
  }
  const [first, second, third] = parts;
  if (first === "outbox") return outboxScreen();
  if (first === "me") return meScreen();
  if (session.role === "inspector") {
    if (!first || first === "visits") return inspector.visitsScreen();
    if (first === "visit") return inspector.visitScreen(Number(second));
    if (first === "scan") return inspector.scanInScreen();
    if (first === "code") return inspector.codeScreen(Number(second));
    if (first === "checkout") return inspector.checkoutScreen(Number(second));
    if (first === "emergency") return inspector.emergencyScreen(params);
  } else if (session.role === "enterprise") {
    if (!first || (first === "e" && !second)) return enterprise.homeScreen();
    if (first === "scan") return enterprise.verifyScanScreen();
    if (second === "upcoming") return enterprise.upcomingScreen();
    if (second === "history") return enterprise.historyScreen();
    if (second === "rate") return enterprise.rateScreen(Number(third));
    if (second === "complain") return enterprise.complainScreen(params);
    if (second === "complaints") return enterprise.complaintsScreen();
    if (second === "poster") return enterprise.posterScreen();
  } else {
    return otherRoleScreen();
  }
  location.hash = "#/";
  return undefined;
}

function networkState() {
  const online = navigator.onLine;
  const badge = document.getElementById("network");
  badge.textContent = online ? "在线" : "离线";
  badge.className = online ? "net online" : "net offline";
}

async function syncInBackground() {
  const session = api.currentSession();
  if (!navigator.onLine || !session || session.expired || !(await outbox.pendingCount())) return;
  const report = await outbox.sync();
  if (report.done.length) toast(`已补传 ${report.done.length} 条记录`, "ok");
  if (report.rejected.length || report.conflicts.length) toast("有记录未被接受，请查看待发送", "error");
  if (location.hash.startsWith("#/outbox")) outboxScreen();
}

async function refreshKeys() {
  if (!navigator.onLine) return;
  try {
    await offline.refresh();
  } catch {
    /* offline or server busy: the cache stays as it was */
  }
}

async function boot() {
  await api.loadSession();
  outbox.onChange(updateCount);
  window.addEventListener("hashchange", route);
  window.addEventListener("online", () => { networkState(); syncInBackground(); refreshKeys(); });
  window.addEventListener("offline", networkState);
  window.addEventListener("beforeinstallprompt", (event) => { event.preventDefault(); installPrompt = event; });
  setInterval(syncInBackground, SYNC_EVERY_MS);
  networkState();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js", { scope: "./" }).catch((error) => console.warn("service worker", error));
  }
  route();
  refreshKeys();
  syncInBackground();
  document.documentElement.dataset.ready = "true"; // for the tests: the app has booted
}

boot();
