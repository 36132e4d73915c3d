// The staff page: PIN sign-in, pending photo checks (approve / reject), the customer's session, returns; live over server-sent events.
import { api, el, fmtTime, kids, live, yuan } from "./common.js";
import { beep, words } from "./words.js";

const $ = (id) => document.getElementById(id);
let stream = null;
let returnQty = new Map();

const REASONS = {
  "card-class": "card class 卡类",
  "secondary-card": "secondary card 副卡",
  "first-use-of-day": "first visit today 今日首次",
  random: "random check 随机抽查",
};

/** An error in plain words (zh-CN first, by code), next to the action that failed (or at the bottom). */
function fail(err, near) {
  const w = words(err.code || (err.status ? "INTERNAL" : "NETWORK"), err.reason);
  const box = near || $("error");
  box.textContent = `${w.zh} ${w.en}`;
  box.dataset.code = err.code || "";
  setTimeout(() => (box.textContent = ""), 8000);
}

async function call(method, path, body, near) {
  try {
    return await api(method, path, body ?? {});
  } catch (err) {
    if (err.status === 401) return signedOut();
    fail(err, near);
  }
}

/** Something needs staff: a tone, vibration where supported, and the tab title. */
function alertStaff(title) {
  beep("ring");
  if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
  document.title = `🔔 ${title}`;
}
let seenRequests = new Set();
let seenCall = 0;

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
  const err = el("div", { class: "field-error", "data-testid": "card-error", role: "alert" });
  const decide = (decision) =>
    call("POST", `/staff/verifications/${encodeURIComponent(p.requestId)}/decision`, { decision, note: note.value || undefined }, err);
  const photo =
    p.headshot === "on-file"
      ? el("img", { class: "photo", src: p.photoUrl, alt: `headshot of ${m.name}`, "data-testid": "headshot" })
      : el(
          "div",
          { class: "photo", "data-testid": "no-headshot" },
          p.headshot === "missing"
            ? "No headshot on file: check ID. The member was told to upload one. 无头像：请核对证件"
            : "Headshot on file, not on this kiosk yet: check ID. 头像未同步",
        );
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
        el("dt", {}, "Member 会员号"),
        el("dd", {}, m.memberId),
        el("dt", {}, "Card 卡号"),
        el("dd", {}, m.cardNo),
        el("dt", {}, "Card class 卡类"),
        el("dd", { "data-testid": "card-class" }, m.cardClass, m.vipExpired ? el("span", { class: "tag warn" }, "VIP expired") : null),
        el("dt", {}, "Valid until 有效期"),
        el("dd", { "data-testid": "expiry" }, m.validUntil ?? "no expiry 长期"),
        el("dt", {}, "Level 等级"),
        el("dd", {}, m.level),
        m.primaryMemberId ? [el("dt", {}, "Primary 主卡"), el("dd", {}, m.primaryMemberId)] : null,
        el("dt", {}, "Kiosk 设备"),
        el("dd", { "data-testid": "kiosk" }, p.kioskId),
        el("dt", {}, "Why 原因"),
        el("dd", {}, p.reasons.map((r) => REASONS[r] ?? r).join(", ")),
        el("dt", {}, "Time left 剩余"),
        el("dd", { class: "countdown-s", "data-deadline": String(Date.now() + p.secondsLeft * 1000) }, `${p.secondsLeft}s`),
      ),
      note,
      el(
        "div",
        { class: "actions" },
        el("button", { class: "ok", "data-testid": "approve", onclick: () => decide("approve") }, "Approve 通过"),
        el("button", { class: "danger", "data-testid": "reject", onclick: () => decide("reject") }, "Reject 拒绝"),
      ),
      err,
    ),
  );
}

function renderReturns(r) {
  const box = $("returns");
  const head = el("h2", {}, "Returns 退货");
  if (r.state === "idle") {
    box.replaceChildren(
      head,
      el("p", { class: "empty" }, "Start a return, then hold the receipt's QR code to the kiosk camera."),
      el("button", { class: "primary", "data-testid": "start-return", onclick: () => call("POST", "/staff/returns/start") }, "Start return 开始退货"),
    );
    return;
  }
  const cancel = el("button", { onclick: () => call("POST", "/staff/returns/cancel") }, "Close 关闭");
  if (r.state === "awaiting-receipt") {
    const input = el("input", { type: "text", placeholder: "or type the receipt number 小票号", "data-testid": "receipt-input" });
    const err = el("div", { class: "field-error", role: "alert" });
    box.replaceChildren(
      head,
      el("p", {}, "请扫描小票二维码 Hold the receipt's QR code to the kiosk camera…"),
      el(
        "div",
        { class: "actions" },
        input,
        el("button", { onclick: () => call("POST", "/staff/returns/receipt", { text: input.value }, err) }, "Load 查询"),
        cancel,
      ),
      err,
    );
    return;
  }
  if (r.state === "done") {
    returnQty = new Map();
    box.replaceChildren(
      head,
      el(
        "div",
        { class: "totals", "data-testid": "return-done" },
        el("span", {}, "Refund 退款"),
        el("span", { class: "num" }, yuan(r.refundFen)),
        el("span", {}, "To stored value 退回储值"),
        el("span", { class: "num" }, yuan(r.toBalanceFen)),
        el("span", {}, "Pay back by card/cash 现金/银行卡退款"),
        el("span", { class: "num" }, yuan(r.externalFen)),
        el("span", {}, "Points back / taken 积分退回/扣回"),
        el("span", { class: "num" }, `+${r.pointsGivenBack} / −${r.pointsTakenBack}`),
      ),
      cancel,
    );
    return;
  }
  const rows = r.lines.map((l) => {
    const left = l.sold - l.returned;
    const input = el("input", {
      type: "number",
      min: "0",
      max: String(left),
      value: String(returnQty.get(l.index) ?? 0),
      style: "width:80px",
      disabled: left === 0,
      "data-index": String(l.index),
      oninput: (e) => returnQty.set(l.index, Number(e.target.value)),
    });
    return el(
      "tr",
      {},
      el("td", {}, l.name),
      el("td", { class: "num" }, `${l.returned}/${l.sold}`),
      el("td", { class: "num" }, yuan(l.lineTotalFen)),
      el("td", {}, input),
    );
  });
  const chosen = () => [...returnQty].filter(([, q]) => q > 0).map(([index, qty]) => ({ index, qty }));
  const preview = el("div", { class: "totals", "data-testid": "return-preview" });
  const err = el("div", { class: "field-error", "data-testid": "return-error", role: "alert" });
  const confirmBtn = el(
    "button",
    { class: "danger", "data-testid": "confirm-return", disabled: true, onclick: () => call("POST", "/staff/returns/confirm", { lines: chosen() }, err) },
    "Confirm return 确认退货",
  );
  // Step 1: what the return will do, in money (points given back shown as their cash value); step 2: confirm once.
  const showPreview = async () => {
    if (chosen().length === 0) return fail({ code: "RETURN_INVALID" }, err);
    const p = await call("POST", "/staff/returns/preview", { lines: chosen() }, err);
    if (!p) return;
    const t = p.totals;
    preview.replaceChildren(
      el("span", {}, "退款合计 Refund"),
      el("span", { class: "num", "data-testid": "preview-refund" }, yuan(t.refundFen)),
      el("span", {}, "退回储值 To stored value"),
      el("span", { class: "num" }, yuan(t.principalFen + t.bonusFen)),
      el("span", {}, "店员退款(卡/现金) Pay back by card/cash"),
      el("span", { class: "num" }, yuan(t.externalFen)),
      el("span", {}, `退回积分 Points back (${t.pointsGivenBack} 分)`),
      el("span", { class: "num", "data-testid": "preview-points-cash" }, yuan(t.pointsCashFen)),
      el("span", {}, "扣回积分 Points taken back"),
      el("span", { class: "num" }, `−${t.pointsTakenBack}`),
    );
    confirmBtn.disabled = false;
  };
  box.replaceChildren(
    head,
    el("p", {}, `Receipt ${r.receiptNo} · ${r.member ?? ""}`),
    el(
      "table",
      {},
      el(
        "thead",
        {},
        el("tr", {}, el("th", {}, "Item"), el("th", { class: "num" }, "Returned"), el("th", { class: "num" }, "Paid"), el("th", {}, "Return qty")),
      ),
      el("tbody", {}, rows),
    ),
    preview,
    el(
      "div",
      { class: "actions" },
      el("button", { class: "primary", "data-testid": "preview-return", onclick: showPreview }, "Check refund 核对退款"),
      confirmBtn,
      cancel,
    ),
    err,
  );
}

function render(v) {
  if (v.signedOut) return signedOut();
  $("store").textContent = `${v.storeName} · staff 员工`;
  $("who").textContent = `${v.staff.name} (${v.staff.staffId}) · kiosk ${v.deviceId} · ${v.online ? "online" : "offline"}`;
  $("online").className = v.online ? "dot on" : "dot";
  const fresh = v.pending.filter((p) => !seenRequests.has(p.requestId));
  seenRequests = new Set(v.pending.map((p) => p.requestId));
  if (fresh.length) alertStaff("新的核验 New photo check");
  if (v.staffCall && v.staffCall.at !== seenCall) {
    seenCall = v.staffCall.at;
    alertStaff("顾客呼叫 Customer needs help");
  }
  if (!fresh.length && !v.staffCall) document.title = "Staff · member kiosk 员工核验";
  $("call").replaceChildren(
    ...(v.staffCall
      ? [
          el(
            "div",
            { class: "alert-call", "data-testid": "staff-call", role: "alert" },
            `🔔 ${v.staffCall.kioskId} 顾客呼叫店员 (${fmtTime(v.staffCall.at)}) Customer needs help`,
            el("button", { class: "ok", "data-testid": "answer-call", onclick: () => call("POST", "/staff/call/answer") }, "我来处理 On my way"),
          ),
        ]
      : []),
  );
  $("pending").replaceChildren(
    ...(v.pending.length ? v.pending.map(card) : [el("p", { class: "empty", "data-testid": "none-pending" }, "Nothing to check. 暂无待核验")]),
  );
  const s = v.session;
  $("session").replaceChildren(
    ...kids(
      el("h2", {}, "Customer session 顾客会话"),
      el(
        "dl",
        { class: "kv" },
        el("dt", {}, "State 状态"),
        el("dd", { "data-testid": "session-state" }, s.state),
        s.member ? [el("dt", {}, "Member 会员"), el("dd", {}, s.member)] : null,
        s.items !== undefined ? [el("dt", {}, "Items 件数"), el("dd", {}, String(s.items))] : null,
      ),
      ["verifying", "shopping"].includes(s.state)
        ? el("div", { class: "actions" }, el("button", { class: "danger", onclick: () => call("POST", "/staff/session/cancel") }, "Cancel session 取消会话"))
        : null,
    ),
  );
  renderReturns(v.returns);
  $("recent").replaceChildren(
    ...(v.recent.length
      ? v.recent.map((d) =>
          el(
            "div",
            { "data-testid": "decision" },
            `${fmtTime(d.at)} · ${d.member} · `,
            el("span", { class: `tag ${d.decision === "approved" ? "ok" : "err"}` }, d.decision),
            ` by ${d.staffId}`,
          ),
        )
      : [el("p", { class: "empty" }, "None yet.")]),
  );
}

function signedIn() {
  $("login").classList.add("hidden");
  $("app").classList.remove("hidden");
  $("logout").classList.remove("hidden");
  if (stream) stream.close();
  stream = live("/staff/events", render, (up) => {
    if (!up) $("online").className = "dot";
  });
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
    const w = words(err.code || "NETWORK");
    $("loginError").textContent = `${w.zh} ${w.en}`;
  }
});
$("logout").addEventListener("click", async () => {
  await api("POST", "/staff/logout", {}).catch(() => undefined);
  signedOut();
});

api("GET", "/staff/me").then(signedIn, signedOut);
