// The store staff page: signs in once (the same staff id and PIN on every kiosk of the store), then follows each kiosk's staff view with its own bearer token; a kiosk that does not answer is shown as unreachable.
import { bi, el, say, setLanguages, yuan } from "./common.js";
import { beep, stateWords, words } from "./words.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
/** deviceId -> { url, token, view, error }; the PIN is not kept once every kiosk was signed in to. */
let kiosks = new Map();
let timer = null;
let lastCalls = new Set();

async function callKiosk(base, method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(4000),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data.message || res.statusText), { status: res.status, code: data.error });
  return data;
}

function card(id, k) {
  const v = k.view;
  if (!v) {
    const w = words(k.error === "STAFF_AUTH_REQUIRED" ? "STAFF_AUTH_REQUIRED" : "NETWORK");
    return el(
      "section",
      { class: "card panel", "data-testid": `kiosk-${id}`, "data-reachable": "no" },
      el("h2", {}, `${id} · `, bi("无法连接", "Unreachable")),
      el(
        "p",
        {},
        k.error === "STAFF_AUTH_REQUIRED" ? bi(w.zh, w.en) : bi("请检查该自助机是否开机并连接店内网络", "Check the kiosk is on and on the store network"),
      ),
    );
  }
  const s = v.session;
  const st = stateWords(s.state);
  return el(
    "section",
    { class: "card panel", "data-testid": `kiosk-${id}`, "data-reachable": "yes" },
    el("h2", {}, `${id} · `, bi(st.zh, st.en)),
    el("div", { class: "meta" }, v.online ? bi("总部在线", "Hub online") : bi("总部离线（本机仍可用）", "Hub offline, kiosk still works")),
    s.member ? el("div", {}, bi("顾客", "Customer"), `：${s.member}`, s.items !== undefined ? [` · ${s.items} 件`, bi("", "items")] : null) : null,
    v.staffCall
      ? el(
          "div",
          { class: "notice", "data-testid": `call-${id}`, role: "alert" },
          el("div", { class: "zh" }, bi(`${id} 顾客呼叫店员`, "A customer is calling")),
          el("button", { class: "primary", "data-testid": `answer-${id}`, onclick: () => act(id, "/staff/call/answer") }, bi("我来处理", "I'm coming")),
        )
      : null,
    v.pending.length > 0
      ? el(
          "div",
          { class: "notice", "data-testid": `pending-${id}` },
          bi(`待核验 ${v.pending.length}`, "Photo check waiting"),
          `：${v.pending.map((p) => p.member.name).join("、")} `,
          el("a", { href: `${k.url}/ui/staff`, target: "_blank", rel: "noopener" }, bi("打开核验页", "Open the check")),
        )
      : null,
    v.returns && v.returns.state !== "idle"
      ? el("div", {}, bi("退货中", "Return in progress"), "（", bi(stateWords(v.returns.state).zh, stateWords(v.returns.state).en), "）")
      : null,
    s.state === "shopping" || s.state === "verifying"
      ? el(
          "button",
          { class: "danger small", "data-testid": `cancel-${id}`, onclick: () => act(id, "/staff/session/cancel") },
          bi("取消该顾客结账", "Cancel checkout"),
        )
      : null,
    s.totalFen !== undefined ? el("div", {}, yuan(s.totalFen)) : null,
  );
}

function render() {
  const ids = [...kiosks.keys()].sort();
  $("kiosks").replaceChildren(...ids.map((id) => card(id, kiosks.get(id))));
  const calls = new Set(ids.filter((id) => kiosks.get(id).view?.staffCall));
  for (const id of calls) if (!lastCalls.has(id)) beep("ring");
  lastCalls = calls;
  document.title = calls.size > 0 ? `🔔 ${[...calls].join(", ")}` : say("本店全部自助机", "Store kiosks · staff");
}

async function act(id, path) {
  const k = kiosks.get(id);
  try {
    await callKiosk(k.base, "POST", path, k.token, {});
  } catch (err) {
    k.error = err.code || "NETWORK";
  }
  await poll();
}

async function poll() {
  await Promise.all(
    [...kiosks.values()].map(async (k) => {
      try {
        k.view = await callKiosk(k.base, "GET", "/staff/view", k.token);
        k.error = undefined;
      } catch (err) {
        k.view = undefined;
        k.error = err.code || "NETWORK";
      }
    }),
  );
  render();
}

async function signIn(staffId, pin) {
  const me = await callKiosk("", "POST", "/staff/login", undefined, { staffId, pin });
  const store = await callKiosk("", "GET", "/staff/store", me.token);
  setLanguages(store.languages);
  $("store").replaceChildren(`${store.storeName} · `, ...bi("本店自助机", "Store kiosks"));
  kiosks = new Map([[store.self, { url: location.origin, base: "", token: me.token }]]);
  for (const k of store.kiosks) {
    if (k.deviceId === store.self) continue;
    const base = k.url.replace(/\/$/, "");
    const entry = { url: base, base, token: undefined };
    kiosks.set(k.deviceId, entry);
    try {
      entry.token = (await callKiosk(base, "POST", "/staff/login", undefined, { staffId, pin })).token;
    } catch (err) {
      entry.error = err.code || "NETWORK";
    }
  }
  $("who").textContent = me.name;
  $("login").classList.add("hidden");
  $("app").classList.remove("hidden");
  $("logout").classList.remove("hidden");
  await poll();
  timer = setInterval(poll, POLL_MS);
}

// The store's languages as served (data-languages on <html>): the sign-in form's placeholders.
setLanguages(document.documentElement.dataset.languages);

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const pin = $("pin");
  try {
    await signIn($("staffId").value.trim(), pin.value);
  } catch (err) {
    const w = words(err.code || "NETWORK");
    $("loginError").replaceChildren(...bi(w.zh, w.en));
  } finally {
    pin.value = "";
  }
});

$("logout").addEventListener("click", async () => {
  clearInterval(timer);
  await Promise.all([...kiosks.values()].map((k) => (k.token ? callKiosk(k.base, "POST", "/staff/logout", k.token, {}).catch(() => undefined) : undefined)));
  kiosks = new Map();
  $("app").classList.add("hidden");
  $("logout").classList.add("hidden");
  $("login").classList.remove("hidden");
});
