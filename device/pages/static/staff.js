// The staff page: PIN sign-in, pending photo checks (approve / reject), the customer's session, returns; live over server-sent events.
import { api, el, fmtTime, live, yuan } from "./common.js";

const $ = (id) => document.getElementById(id);
let stream = null;
let returnQty = new Map();

const REASONS = { "card-class": "card class 卡类", "secondary-card": "secondary card 副卡", "first-use-of-day": "first visit today 今日首次", random: "random check 随机抽查" };

function fail(err) {
  $("error").textContent = err.message;
  setTimeout(() => ($("error").textContent = ""), 6000);
}

async function call(method, path, body) {
  try {
    return await api(method, path, body ?? {});
  } catch (err) {
    if (err.status === 401) return signedOut();
    fail(err);
  }
}

function signedOut() {
  if (stream) stream.close();
  stream = null;
  $("app").classList.add("hidden");
  $("logout").classList.add("hidden");
  $("login").classList.remove("hidden");
  $("who").textContent = "";
}

function card(p) {
  const m = p.member;
  const note = el("input", { type: "text", placeholder: "Note 备注 (optional)", style: "width:100%" });
  const decide = (decision) => call("POST", `/staff/verifications/${encodeURIComponent(p.requestId)}/decision`, { decision, note: note.value || undefined });
  const photo =
    p.headshot === "on-file"
      ? el("img", { class: "photo", src: p.photoUrl, alt: `headshot of ${m.name}`, "data-testid": "headshot" })
      : el("div", { class: "photo", "data-testid": "no-headshot" }, p.headshot === "missing" ? "No headshot on file: check ID. The member was told to upload one. 无头像：请核对证件" : "Headshot on file, not on this kiosk yet: check ID. 头像未同步");
  return el(
    "div",
    { class: "card", "data-request": p.requestId },
    photo,
    el(
      "div",
      {},
      el("div", { style: "font-size:24px;font-weight:700" }, m.name, m.secondary ? el("span", { class: "tag" }, "secondary 副卡") : null),
      el(
        "dl",
        { class: "kv", style: "margin:10px 0" },
        el("dt", {}, "Member 会员号"), el("dd", {}, m.memberId),
        el("dt", {}, "Card 卡号"), el("dd", {}, m.cardNo),
        el("dt", {}, "Card class 卡类"), el("dd", { "data-testid": "card-class" }, m.cardClass, m.vipExpired ? el("span", { class: "tag warn" }, "VIP expired") : null),
        el("dt", {}, "Valid until 有效期"), el("dd", { "data-testid": "expiry" }, m.validUntil ?? "no expiry 长期"),
        el("dt", {}, "Level 等级"), el("dd", {}, m.level),
        m.primaryMemberId ? [el("dt", {}, "Primary 主卡"), el("dd", {}, m.primaryMemberId)] : null,
        el("dt", {}, "Kiosk 设备"), el("dd", { "data-testid": "kiosk" }, p.kioskId),
        el("dt", {}, "Why 原因"), el("dd", {}, p.reasons.map((r) => REASONS[r] ?? r).join(", ")),
        el("dt", {}, "Time left 剩余"), el("dd", { class: "countdown-s", "data-deadline": String(Date.now() + p.secondsLeft * 1000) }, `${p.secondsLeft}s`),
      ),
      note,
      el(
        "div",
        { class: "actions" },
        el("button", { class: "ok", "data-testid": "approve", onclick: () => decide("approve") }, "Approve 通过"),
        el("button", { class: "danger", "data-testid": "reject", onclick: () => decide("reject") }, "Reject 拒绝"),
      ),
    ),
  );
}

function renderReturns(r) {
  const box = $("returns");
  const head = el("h2", {}, "Returns 退货");
  if (r.state === "idle") {
    box.replaceChildren(head, el("p", { class: "empty" }, "Start a return, then hold the receipt's QR code to the kiosk camera."), el("button", { class: "primary", "data-testid": "start-return", onclick: () => call("POST", "/staff/returns/start") }, "Start return 开始退货"));
    return;
  }
  const cancel = el("button", { onclick: () => call("POST", "/staff/returns/cancel") }, "Close 关闭");
  if (r.state === "awaiting-receipt") {
    const input = el("input", { type: "text", placeholder: "or type the receipt number 小票号", "data-testid": "receipt-input" });
    box.replaceChildren(head, el("p", {}, "Hold the receipt's QR code to the kiosk camera… 请扫描小票二维码"), el("div", { class: "actions" }, input, el("button", { onclick: () => call("POST", "/staff/returns/receipt", { text: input.value }) }, "Load 查询"), cancel));
    return;
  }
  if (r.state === "done") {
    returnQty = new Map();
    box.replaceChildren(
      head,
      el("div", { class: "totals", "data-testid": "return-done" },
        el("span", {}, "Refund 退款"), el("span", { class: "num" }, yuan(r.refundFen)),
        el("span", {}, "To stored value 退回储值"), el("span", { class: "num" }, yuan(r.toBalanceFen)),
        el("span", {}, "Pay back by card/cash 现金/银行卡退款"), el("span", { class: "num" }, yuan(r.externalFen)),
        el("span", {}, "Points back / taken 积分退回/扣回"), el("span", { class: "num" }, `+${r.pointsGivenBack} / −${r.pointsTakenBack}`),
      ),
      cancel,
    );
    return;
  }
  const rows = r.lines.map((l) => {
    const left = l.sold - l.returned;
    const input = el("input", { type: "number", min: "0", max: String(left), value: String(returnQty.get(l.index) ?? 0), style: "width:80px", disabled: left === 0, oninput: (e) => returnQty.set(l.index, Number(e.target.value)) });
    return el("tr", {}, el("td", {}, l.name), el("td", { class: "num" }, `${l.returned}/${l.sold}`), el("td", { class: "num" }, yuan(l.lineTotalFen)), el("td", {}, input));
  });
  const chosen = () => [...returnQty].filter(([, q]) => q > 0).map(([index, qty]) => ({ index, qty }));
  const preview = el("div", { class: "totals" });
  box.replaceChildren(
    head,
    el("p", {}, `Receipt ${r.receiptNo} · ${r.member ?? ""}`),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Item"), el("th", { class: "num" }, "Returned"), el("th", { class: "num" }, "Paid"), el("th", {}, "Return qty"))), el("tbody", {}, rows)),
    preview,
    el(
      "div",
      { class: "actions" },
      el("button", { onclick: async () => { const p = await call("POST", "/staff/returns/preview", { lines: chosen() }); if (p) preview.replaceChildren(el("span", {}, "Refund 退款"), el("span", { class: "num" }, yuan(p.totals.refundFen)), el("span", {}, "Points 积分"), el("span", { class: "num" }, `${p.totals.netPoints}`)); } }, "Preview 预览"),
      el("button", { class: "danger", "data-testid": "confirm-return", onclick: () => call("POST", "/staff/returns/confirm", { lines: chosen() }) }, "Confirm return 确认退货"),
      cancel,
    ),
  );
}

function render(v) {
  if (v.signedOut) return signedOut();
  $("store").textContent = `${v.storeName} · staff 员工`;
  $("who").textContent = `${v.staff.name} (${v.staff.staffId}) · kiosk ${v.deviceId} · ${v.online ? "online" : "offline"}`;
  $("online").className = v.online ? "dot on" : "dot";
  $("pending").replaceChildren(...(v.pending.length ? v.pending.map(card) : [el("p", { class: "empty", "data-testid": "none-pending" }, "Nothing to check. 暂无待核验")]));
  const s = v.session;
  $("session").replaceChildren(
    el("h2", {}, "Customer session 顾客会话"),
    el("dl", { class: "kv" }, el("dt", {}, "State 状态"), el("dd", { "data-testid": "session-state" }, s.state), s.member ? [el("dt", {}, "Member 会员"), el("dd", {}, s.member)] : null, s.items !== undefined ? [el("dt", {}, "Items 件数"), el("dd", {}, String(s.items))] : null),
    ["verifying", "shopping"].includes(s.state) ? el("div", { class: "actions" }, el("button", { class: "danger", onclick: () => call("POST", "/staff/session/cancel") }, "Cancel session 取消会话")) : null,
  );
  renderReturns(v.returns);
  $("recent").replaceChildren(
    ...(v.recent.length
      ? v.recent.map((d) => el("div", { "data-testid": "decision" }, `${fmtTime(d.at)} · ${d.member} · `, el("span", { class: `tag ${d.decision === "approved" ? "ok" : "err"}` }, d.decision), ` by ${d.staffId}`))
      : [el("p", { class: "empty" }, "None yet.")]),
  );
}

function signedIn() {
  $("login").classList.add("hidden");
  $("app").classList.remove("hidden");
  $("logout").classList.remove("hidden");
  if (stream) stream.close();
  stream = live("/staff/events", render, (up) => { if (!up) $("online").className = "dot"; });
}

setInterval(() => {
  for (const c of document.querySelectorAll(".countdown-s")) c.textContent = `${Math.max(0, Math.ceil((Number(c.dataset.deadline) - Date.now()) / 1000))}s`;
}, 500);

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await api("POST", "/staff/login", { staffId: $("staffId").value.trim(), pin: $("pin").value });
    $("pin").value = "";
    $("loginError").textContent = "";
    signedIn();
  } catch (err) {
    $("loginError").textContent = err.message;
  }
});
$("logout").addEventListener("click", async () => {
  await api("POST", "/staff/logout", {}).catch(() => undefined);
  signedOut();
});

api("GET", "/staff/me").then(signedIn, signedOut);
