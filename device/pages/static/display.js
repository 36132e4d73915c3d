// The customer display: renders the kiosk's session view (live over server-sent events) and sends the customer's choices.
import { api, el, live, yuan } from "./common.js";

const $ = (id) => document.getElementById(id);
let view = null;
let busy = false;

async function act(method, path, body) {
  if (busy) return;
  busy = true;
  try {
    await api(method, path, body);
  } catch (err) {
    showNotice(err.message);
  } finally {
    busy = false;
  }
}

function showNotice(text) {
  const n = $("notice");
  n.textContent = text;
  n.classList.remove("hidden");
  clearTimeout(showNotice.t);
  showNotice.t = setTimeout(() => n.classList.add("hidden"), 6000);
}

function renderMember(m) {
  const box = $("member");
  box.replaceChildren(
    el("h2", {}, "Member 会员"),
    el("div", { style: "font-size:26px;font-weight:700;margin-bottom:10px" }, m.name, m.secondary ? el("span", { class: "tag" }, "Family card 副卡") : null),
    el(
      "dl",
      { class: "kv" },
      el("dt", {}, "Card 卡号"), el("dd", {}, m.cardNo),
      el("dt", {}, "Level 等级"), el("dd", {}, m.level),
      el("dt", {}, "Card class 卡类"),
      el("dd", {}, m.cardClass, m.vipExpired ? el("span", { class: "tag warn", "data-testid": "vip-expired" }, `VIP expired ${m.validUntil ?? ""}, member prices of ${m.cardClass}`) : null),
      m.validUntil && !m.vipExpired ? [el("dt", {}, "Valid until 有效期"), el("dd", {}, m.validUntil)] : null,
      el("dt", {}, "Points 积分"), el("dd", { "data-testid": "points-balance" }, String(m.pointsBalance)),
      el("dt", {}, "Balance 储值"), el("dd", { "data-testid": "balance" }, yuan(m.balanceFen)),
      el("dt", {}, "Coupons 优惠券"), el("dd", {}, String(m.couponsHeld)),
    ),
  );
}

function renderCart(v) {
  const box = $("cart");
  const c = v.cart;
  const paying = v.state === "paying";
  if (!c) {
    box.replaceChildren(el("h2", {}, "Cart 购物车"), el("p", { class: "empty" }, "Your cart is empty. 购物车为空"), el("div", { class: "actions" }, el("button", { class: "danger", "data-testid": "cancel", onclick: () => act("POST", "/session/cancel", {}) }, "Cancel 取消")));
    return;
  }
  const rows = c.lines.map((l) =>
    el(
      "tr",
      { "data-sku": l.sku },
      el("td", {}, l.name),
      el(
        "td",
        {},
        el(
          "span",
          { class: "qty" },
          el("button", { class: "small", "aria-label": "one less", disabled: paying, onclick: () => act("PUT", `/session/lines/${encodeURIComponent(l.sku)}`, { qty: l.qty - 1 }) }, "−"),
          el("span", { "data-testid": "qty" }, String(l.qty)),
          el("button", { class: "small", "aria-label": "one more", disabled: paying, onclick: () => act("PUT", `/session/lines/${encodeURIComponent(l.sku)}`, { qty: l.qty + 1 }) }, "+"),
        ),
      ),
      el("td", { class: "num" }, l.memberUnitPriceFen < l.unitPriceFen ? el("span", { class: "strike" }, yuan(l.unitPriceFen)) : null, yuan(l.memberUnitPriceFen)),
      el("td", { class: "num" }, yuan(l.lineTotalFen), l.savingsFen > 0 ? el("div", { class: "save" }, `saved ${yuan(l.savingsFen)}`) : null),
      el("td", {}, el("button", { class: "small", "aria-label": "remove", disabled: paying, onclick: () => act("DELETE", `/session/lines/${encodeURIComponent(l.sku)}`) }, "×")),
    ),
  );
  const t = c.totals;
  const offer = c.pointsOffer;
  box.replaceChildren(
    el("h2", {}, `Cart 购物车 · ${t.itemCount} item(s)`),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Item 商品"), el("th", {}, "Qty 数量"), el("th", { class: "num" }, "Member price 会员价"), el("th", { class: "num" }, "Total 小计"), el("th", {}, ""))), el("tbody", {}, rows)),
    c.coupons.length ? el("div", { style: "margin-top:10px", "data-testid": "coupons" }, c.coupons.map((x) => el("div", { class: "coupon" }, el("span", {}, `券 Coupon · ${x.name}`), el("span", {}, `−${yuan(x.discountFen)}`)))) : null,
    el(
      "div",
      { class: "totals" },
      el("span", {}, "Subtotal 原价"), el("span", { class: "num" }, yuan(t.subtotalFen)),
      el("span", {}, "You save 已优惠"), el("span", { class: "num ok", "data-testid": "savings" }, `−${yuan(t.savingsFen)}`),
      t.pointsCashFen > 0 ? [el("span", {}, `Points 积分抵现 (${t.pointsRedeemed})`), el("span", { class: "num ok" }, `−${yuan(t.pointsCashFen)}`)] : null,
      el("span", { class: "big" }, "To pay 应付"), el("span", { class: "big num", "data-testid": "total" }, yuan(t.payableFen)),
      el("span", {}, "Points to earn 本单积分"), el("span", { class: "num", "data-testid": "points-earn" }, `+${t.pointsEarned}`),
    ),
    offer || c.usePoints
      ? el(
          "label",
          { class: "toggle" },
          el("input", { type: "checkbox", "data-testid": "use-points", checked: c.usePoints, disabled: paying, onchange: (e) => act("POST", "/session/points", { use: e.target.checked }) }),
          offer ? `Use ${offer.points} points for ${yuan(offer.cashFen)} 积分抵现` : "Use points 积分抵现",
        )
      : null,
    el(
      "div",
      { class: "actions" },
      el("button", { class: "primary", "data-testid": "pay-balance", disabled: paying || !c.balanceCovers, onclick: () => act("POST", "/session/finish", { payWith: "balance" }) }, `Stored value 储值支付 (${yuan(v.member.balanceFen)})`),
      el("button", { class: "primary", "data-testid": "pay-counter", disabled: paying, onclick: () => act("POST", "/session/finish", { payWith: "counter" }) }, "Pay at the counter 到柜台付款"),
      el("button", { "data-testid": "pay-card", disabled: paying, onclick: () => act("POST", "/session/finish", { payWith: "external" }) }, "Bank card 银行卡"),
      el("button", { class: "danger", "data-testid": "cancel", disabled: paying, onclick: () => act("POST", "/session/cancel", {}) }, "Cancel 取消"),
    ),
  );
}

function renderDone(v) {
  const d = v.done;
  $("done").replaceChildren(
    el("h2", {}, d.kind === "sale" ? "Receipt 小票" : "Claim ticket 付款单"),
    el("div", { class: "totals" },
      el("span", {}, "Receipt no. 单号"), el("span", { class: "num", "data-testid": "receipt-no" }, d.receiptNo),
      el("span", { class: "big" }, d.kind === "sale" ? "Paid 已付" : "To pay at the counter 柜台应付"), el("span", { class: "big num", "data-testid": "done-total" }, yuan(d.totalFen)),
      d.tenders.map((t) => [el("span", {}, t.label), el("span", { class: "num" }, yuan(t.amountFen))]),
      d.kind === "sale" ? [el("span", {}, "Points earned 获得积分"), el("span", { class: "num" }, `+${d.pointsEarned}`)] : null,
      d.pointsBalance !== undefined ? [el("span", {}, "Points balance 积分余额"), el("span", { class: "num" }, String(d.pointsBalance))] : null,
      d.balanceFen !== undefined ? [el("span", {}, "Stored value left 储值余额"), el("span", { class: "num" }, yuan(d.balanceFen))] : null,
    ),
  );
}

function render(v) {
  view = v;
  $("store").textContent = v.storeName;
  $("kiosk").textContent = `${v.deviceId} · ${v.online ? "online" : "offline (selling within limits)"}`;
  $("online").className = v.online ? "dot on" : "dot";
  const next = $("next");
  next.textContent = v.next.text;
  next.className = `next ${v.next.tone}`;
  if (document.body.dataset.state !== v.state) $("notice").classList.add("hidden");
  document.body.dataset.state = v.state;
  if (v.notice && Date.now() - v.notice.at < 8000 && showNotice.last !== v.notice.at) {
    showNotice.last = v.notice.at;
    showNotice(v.notice.text);
  }
  const gate = $("gate");
  gate.classList.toggle("hidden", !v.gate);
  if (v.gate) {
    gate.replaceChildren(
      el("div", { style: `font-size:64px;font-weight:700;color:${v.gate.admitted ? "var(--ok)" : "var(--err)"}` }, v.gate.admitted ? "✓ Welcome 欢迎光临" : "✗ Not admitted 无法入场"),
      v.gate.name ? el("div", { style: "font-size:28px" }, v.gate.name) : null,
      el("div", { style: "font-size:22px;margin-top:8px" }, v.gate.message),
    );
  }
  const showBody = Boolean(v.member) && (v.state === "shopping" || v.state === "paying" || v.state === "verifying");
  $("body").classList.toggle("hidden", !showBody);
  if (v.member) renderMember(v.member);
  if (showBody) renderCart(v);
  $("done").classList.toggle("hidden", !v.done);
  if (v.done) renderDone(v);
  const overlay = $("verify");
  overlay.classList.toggle("hidden", !v.verification);
  if (v.verification) {
    const left = v.verification.secondsLeft;
    overlay.replaceChildren(
      el(
        "div",
        { class: "box" },
        el("h2", {}, v.verification.headshotOnFile ? "Photo check 人工核验" : "Please upload a headshot 请上传头像"),
        el("p", { style: "font-size:22px" }, v.next.text),
        el("div", { class: "countdown", "data-deadline": String(Date.now() + left * 1000) }, `${left}s`),
        el("div", { class: "actions", style: "justify-content:center" }, el("button", { onclick: () => act("POST", "/session/cancel", {}) }, "Cancel 取消")),
      ),
    );
  }
}

// Countdown between server updates.
setInterval(() => {
  const c = document.querySelector(".countdown");
  if (c) c.textContent = `${Math.max(0, Math.ceil((Number(c.dataset.deadline) - Date.now()) / 1000))}s`;
}, 500);

// A hand scanner in keyboard mode types the code and Enter: send it as a scan.
let typed = "";
let lastKey = 0;
document.addEventListener("keydown", (e) => {
  if (e.target instanceof HTMLInputElement) return;
  const now = Date.now();
  if (now - lastKey > 1000) typed = "";
  lastKey = now;
  if (e.key === "Enter") {
    const text = typed.trim();
    typed = "";
    if (text.length >= 4) api("POST", "/session/scan", { text }).then((o) => o.kind === "refused" && showNotice(o.message)).catch((err) => showNotice(err.message));
  } else if (e.key.length === 1) typed += e.key;
});

live("/session/events", render, (up) => {
  if (!up && view) $("kiosk").textContent = `${view.deviceId} · reconnecting…`;
});
