// The staff page: PIN sign-in, pending photo checks (approve / reject), the customer's session, returns; live over server-sent events; zh-CN first, English where the store shows it.
import { api, bi, el, fmtTime, kids, live, say, setLanguages, yuan } from "./common.js";
import { beep, stateWords, words } from "./words.js";

const $ = (id) => document.getElementById(id);
let stream = null;
let returnQty = new Map();

/** Why a member is checked: [中文, English]. */
const REASONS = {
  "card-class": ["卡类", "card class"],
  "secondary-card": ["副卡", "secondary card"],
  "first-use-of-day": ["今日首次", "first visit today"],
  random: ["随机抽查", "random check"],
};

/** An error in plain words (zh-CN first, by code), next to the action that failed (or at the bottom). */
function fail(err, near) {
  const w = words(err.code || (err.status ? "INTERNAL" : "NETWORK"), err.reason);
  const box = near || $("error");
  box.replaceChildren(...bi(w.zh, w.en));
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
  const note = el("input", { type: "text", placeholder: say("备注（可选）", "Note (optional)"), style: "width:100%" });
  const err = el("div", { class: "field-error", "data-testid": "card-error", role: "alert" });
  const decide = (decision) =>
    call("POST", `/staff/verifications/${encodeURIComponent(p.requestId)}/decision`, { decision, note: note.value || undefined }, err);
  const photo =
    p.headshot === "on-file"
      ? el("img", { class: "photo", src: p.photoUrl, alt: say(`${m.name} 的头像`, `headshot of ${m.name}`), "data-testid": "headshot" })
      : el(
          "div",
          { class: "photo", "data-testid": "no-headshot" },
          p.headshot === "missing"
            ? bi("无头像：请核对证件（已提醒会员上传头像）", "No headshot on file: check ID. The member was told to upload one.")
            : bi("头像尚未同步到本机：请核对证件", "Headshot on file, not on this kiosk yet: check ID."),
        );
  return el(
    "div",
    { class: "card", "data-request": p.requestId },
    photo,
    el(
      "div",
      {},
      el("div", { style: "font-size:24px;font-weight:700" }, m.name, m.secondary ? el("span", { class: "tag" }, bi("副卡", "secondary")) : null),
      el(
        "dl",
        { class: "kv", style: "margin:10px 0" },
        el("dt", {}, bi("会员号", "Member")),
        el("dd", {}, m.memberId),
        el("dt", {}, bi("卡号", "Card")),
        el("dd", {}, m.cardNo),
        el("dt", {}, bi("卡类", "Card class")),
        el("dd", { "data-testid": "card-class" }, m.cardClass, m.vipExpired ? el("span", { class: "tag warn" }, bi("VIP已过期", "VIP expired")) : null),
        el("dt", {}, bi("有效期", "Valid until")),
        el("dd", { "data-testid": "expiry" }, m.validUntil ?? bi("长期", "no expiry")),
        el("dt", {}, bi("等级", "Level")),
        el("dd", {}, m.level),
        m.primaryMemberId ? [el("dt", {}, bi("主卡", "Primary")), el("dd", {}, m.primaryMemberId)] : null,
        el("dt", {}, bi("设备", "Kiosk")),
        el("dd", { "data-testid": "kiosk" }, p.kioskId),
        el("dt", {}, bi("原因", "Why")),
        el(
          "dd",
          {},
          p.reasons.map((r, i) => [i > 0 ? "、" : null, REASONS[r] ? bi(...REASONS[r]) : r]),
        ),
        el("dt", {}, bi("剩余", "Time left")),
        el("dd", { class: "countdown-s", "data-deadline": String(Date.now() + p.secondsLeft * 1000) }, `${p.secondsLeft}s`),
      ),
      note,
      el(
        "div",
        { class: "actions" },
        el("button", { class: "ok", "data-testid": "approve", onclick: () => decide("approve") }, bi("通过", "Approve")),
        el("button", { class: "danger", "data-testid": "reject", onclick: () => decide("reject") }, bi("拒绝", "Reject")),
      ),
      err,
    ),
  );
}

function renderReturns(r) {
  const box = $("returns");
  const head = el("h2", {}, bi("退货", "Returns"));
  if (r.state === "idle") {
    box.replaceChildren(
      head,
      el("p", { class: "empty" }, bi("先点“开始退货”，再将小票二维码对准本机摄像头", "Start a return, then hold the receipt's QR code to the kiosk camera.")),
      el("button", { class: "primary", "data-testid": "start-return", onclick: () => call("POST", "/staff/returns/start") }, bi("开始退货", "Start return")),
    );
    return;
  }
  const cancel = el("button", { onclick: () => call("POST", "/staff/returns/cancel") }, bi("关闭", "Close"));
  if (r.state === "awaiting-receipt") {
    const input = el("input", { type: "text", placeholder: say("或输入小票号", "or type the receipt number"), "data-testid": "receipt-input" });
    const err = el("div", { class: "field-error", role: "alert" });
    box.replaceChildren(
      head,
      el("p", {}, bi("请将小票二维码对准本机摄像头…", "Hold the receipt's QR code to the kiosk camera…")),
      el(
        "div",
        { class: "actions" },
        input,
        el("button", { onclick: () => call("POST", "/staff/returns/receipt", { text: input.value }, err) }, bi("查询", "Load")),
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
        el("span", {}, bi("退款", "Refund")),
        el("span", { class: "num" }, yuan(r.refundFen)),
        el("span", {}, bi("退回储值", "To stored value")),
        el("span", { class: "num" }, yuan(r.toBalanceFen)),
        el("span", {}, bi("现金/银行卡退款", "Pay back by card/cash")),
        el("span", { class: "num" }, yuan(r.externalFen)),
        el("span", {}, bi("积分退回/扣回", "Points back / taken")),
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
    bi("确认退货", "Confirm return"),
  );
  // Step 1: what the return will do, in money (points given back shown as their cash value); step 2: confirm once.
  const showPreview = async () => {
    if (chosen().length === 0) return fail({ code: "RETURN_INVALID" }, err);
    const p = await call("POST", "/staff/returns/preview", { lines: chosen() }, err);
    if (!p) return;
    const t = p.totals;
    preview.replaceChildren(
      el("span", {}, bi("退款合计", "Refund")),
      el("span", { class: "num", "data-testid": "preview-refund" }, yuan(t.refundFen)),
      el("span", {}, bi("退回储值", "To stored value")),
      el("span", { class: "num" }, yuan(t.principalFen + t.bonusFen)),
      el("span", {}, bi("店员退款(卡/现金)", "Pay back by card/cash")),
      el("span", { class: "num" }, yuan(t.externalFen)),
      el("span", {}, bi(`退回积分（${t.pointsGivenBack} 分）`, "Points back")),
      el("span", { class: "num", "data-testid": "preview-points-cash" }, yuan(t.pointsCashFen)),
      el("span", {}, bi("扣回积分", "Points taken back")),
      el("span", { class: "num" }, `−${t.pointsTakenBack}`),
    );
    confirmBtn.disabled = false;
  };
  box.replaceChildren(
    head,
    el("p", {}, bi("小票", "Receipt"), ` ${r.receiptNo} · ${r.member ?? ""}`),
    el(
      "table",
      {},
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", {}, bi("商品", "Item")),
          el("th", { class: "num" }, bi("已退", "Returned")),
          el("th", { class: "num" }, bi("实付", "Paid")),
          el("th", {}, bi("退货数量", "Return qty")),
        ),
      ),
      el("tbody", {}, rows),
    ),
    preview,
    el(
      "div",
      { class: "actions" },
      el("button", { class: "primary", "data-testid": "preview-return", onclick: showPreview }, bi("核对退款", "Check refund")),
      confirmBtn,
      cancel,
    ),
    err,
  );
}

function render(v) {
  if (v.signedOut) return signedOut();
  setLanguages(v.languages);
  $("store").replaceChildren(`${v.storeName} · `, ...bi("员工", "staff"));
  $("who").replaceChildren(
    `${v.staff.name} (${v.staff.staffId}) · `,
    ...bi("设备", "kiosk"),
    ` ${v.deviceId} · `,
    ...(v.online ? bi("在线", "online") : bi("离线", "offline")),
  );
  $("online").className = v.online ? "dot on" : "dot";
  const fresh = v.pending.filter((p) => !seenRequests.has(p.requestId));
  seenRequests = new Set(v.pending.map((p) => p.requestId));
  if (fresh.length) alertStaff(say("新的核验", "New photo check"));
  if (v.staffCall && v.staffCall.at !== seenCall) {
    seenCall = v.staffCall.at;
    alertStaff(say("顾客呼叫", "Customer needs help"));
  }
  if (!fresh.length && !v.staffCall) document.title = say("员工核验", "Staff · member kiosk");
  $("call").replaceChildren(
    ...(v.staffCall
      ? [
          el(
            "div",
            { class: "alert-call", "data-testid": "staff-call", role: "alert" },
            bi(`🔔 ${v.staffCall.kioskId} 顾客呼叫店员 (${fmtTime(v.staffCall.at)})`, "Customer needs help"),
            el("button", { class: "ok", "data-testid": "answer-call", onclick: () => call("POST", "/staff/call/answer") }, bi("我来处理", "On my way")),
          ),
        ]
      : []),
  );
  $("pending").replaceChildren(
    ...(v.pending.length ? v.pending.map(card) : [el("p", { class: "empty", "data-testid": "none-pending" }, bi("暂无待核验", "Nothing to check."))]),
  );
  const s = v.session;
  $("session").replaceChildren(
    ...kids(
      el("h2", {}, bi("顾客会话", "Customer session")),
      el(
        "dl",
        { class: "kv" },
        el("dt", {}, bi("状态", "State")),
        el("dd", { "data-testid": "session-state", "data-state": s.state }, bi(stateWords(s.state).zh, stateWords(s.state).en)),
        s.member ? [el("dt", {}, bi("会员", "Member")), el("dd", {}, s.member)] : null,
        s.items !== undefined ? [el("dt", {}, bi("件数", "Items")), el("dd", {}, String(s.items))] : null,
      ),
      ["verifying", "shopping"].includes(s.state)
        ? el(
            "div",
            { class: "actions" },
            el("button", { class: "danger", onclick: () => call("POST", "/staff/session/cancel") }, bi("取消会话", "Cancel session")),
          )
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
            el(
              "span",
              { class: `tag ${d.decision === "approved" ? "ok" : "err"}` },
              d.decision === "approved" ? bi("已通过", "approved") : bi("已拒绝", "rejected"),
            ),
            " · ",
            bi("店员", "by"),
            ` ${d.staffId}`,
          ),
        )
      : [el("p", { class: "empty" }, bi("暂无", "None yet."))]),
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
    $("loginError").replaceChildren(...bi(w.zh, w.en));
  }
});
$("logout").addEventListener("click", async () => {
  await api("POST", "/staff/logout", {}).catch(() => undefined);
  signedOut();
});

// The store's languages as served (data-languages on <html>) until the first view: the sign-in form's placeholders.
setLanguages(document.documentElement.dataset.languages);
api("GET", "/staff/me").then(signedIn, signedOut);
