// The customer display: renders the kiosk's session view (live over server-sent events), words every refusal by code (zh-CN first, English only where the store shows it), and sends the customer's choices.
import { api, bi, el, kids, live, say, setLanguages, yuan } from "./common.js";
import { doneView } from "./display-done.js";
import { beep, words } from "./words.js";

const $ = (id) => document.getElementById(id);
let view = null;
let busy = false;

async function act(method, path, body) {
  if (busy) return;
  busy = true;
  try {
    return await api(method, path, body);
  } catch (err) {
    showNotice(err.code || (err.status ? "INTERNAL" : "NETWORK"), err.reason);
  } finally {
    busy = false;
    // A touched button keeps no focus: a keyboard-wedge scan can never press it.
    if (document.activeElement instanceof HTMLElement && document.activeElement !== document.body) document.activeElement.blur();
  }
}

/** A refusal or notice: zh-CN first, English below (.en: not in a Chinese-only store), the code in small type for staff; announced (aria-live) and with a tone. */
function showNotice(code, reason, extra) {
  const w = words(code, reason);
  const n = $("notice");
  n.replaceChildren(
    ...kids(
      el("div", { class: "zh" }, w.zh, extra ? ` ${extra.zh}` : null),
      el("div", { class: "en" }, w.en, extra ? ` ${extra.en}` : null),
      el("div", { class: "code" }, reason ? `${code} · ${reason}` : code),
    ),
  );
  n.dataset.code = code;
  n.classList.remove("hidden");
  beep("error");
  clearTimeout(showNotice.t);
  showNotice.t = setTimeout(() => n.classList.add("hidden"), 8000);
}

function renderMember(m) {
  $("member").replaceChildren(
    ...kids(
      el("h2", {}, bi("会员", "Member")),
      el("div", { class: "member-name" }, m.name, m.secondary ? el("span", { class: "tag" }, bi("副卡", "Family card")) : null),
      el(
        "dl",
        { class: "kv" },
        el("dt", {}, bi("卡号", "Card")),
        el("dd", {}, m.cardNo),
        el("dt", {}, bi("等级", "Level")),
        el("dd", {}, m.level),
        el("dt", {}, bi("卡类", "Card class")),
        el(
          "dd",
          {},
          m.cardClass,
          m.vipExpired
            ? el("span", { class: "tag warn", "data-testid": "vip-expired" }, bi(`VIP已过期 ${m.validUntil ?? ""}，按${m.cardClass}会员价`, "VIP expired"))
            : null,
        ),
        m.validUntil && !m.vipExpired ? [el("dt", {}, bi("有效期", "Valid until")), el("dd", {}, m.validUntil)] : null,
        el("dt", {}, bi("积分", "Points")),
        el("dd", { "data-testid": "points-balance" }, String(m.pointsBalance)),
        el("dt", {}, bi("储值", "Balance")),
        el("dd", { "data-testid": "balance" }, yuan(m.balanceFen)),
        el("dt", {}, bi("优惠券", "Coupons")),
        el("dd", {}, String(m.couponsHeld)),
      ),
    ),
  );
}

/** Why a tender cannot be used, in words with its amounts. */
function why(t) {
  if (!t.why) return null;
  const w = words(t.why.code);
  const [zh, en] =
    t.why.shortFen !== undefined
      ? [`（还差 ${yuan(t.why.shortFen)}）`, ` (${yuan(t.why.shortFen)} short)`]
      : t.why.limitFen !== undefined
        ? [`（今日离线可用 ${yuan(t.why.limitFen)}）`, ` (${yuan(t.why.limitFen)} left offline today)`]
        : ["", ""];
  return el("div", { class: "why", "data-testid": `why-${t.key}` }, bi(`${w.zh}${zh}`, `${w.en}${en}`));
}

/** 0.750 kg × ¥15.80/kg (member ¥14.22/kg), or the price printed on a price label. */
function scaleText(s) {
  if (s.weightG === undefined) return bi(`称重标签 ${yuan(s.labelPriceFen ?? 0)}`, "Scale label");
  const kg = `${(s.weightG / 1000).toFixed(3)} kg × ${yuan(s.perUnitFen)}/kg`;
  return s.memberPerUnitFen < s.perUnitFen ? `${kg} · 会员 ${yuan(s.memberPerUnitFen)}/kg` : kg;
}

/** The button that opens the loose-item list, when the store offers one. */
function pickButton(v) {
  if (!v.picks || v.picks.length === 0) return null;
  return el("button", { class: "pick-open", "data-testid": "open-picks", onclick: () => renderPicks(v.picks) }, bi("选择散装商品", "Loose items (no label)"));
}

/** The loose-item list: one big button each (name, price per piece); a tap adds one and closes the list. */
function renderPicks(picks) {
  const box = $("picks");
  const close = () => box.classList.add("hidden");
  box.replaceChildren(
    el(
      "div",
      { class: "box picks-box", role: "dialog", "aria-label": say("散装商品", "loose items") },
      el("h2", {}, bi("选择散装商品", "Choose a loose item")),
      el("p", {}, bi("没有称重标签的商品，按件计价", "Items without a label, priced per piece")),
      el(
        "div",
        { class: "pick-grid" },
        picks.map((p) =>
          el(
            "button",
            {
              "data-testid": `pick-${p.sku}`,
              onclick: async () => {
                close();
                await act("POST", "/session/pick", { sku: p.sku });
              },
            },
            el("span", { class: "pick-name" }, p.name),
            el("span", { class: "pick-price" }, bi(`${yuan(p.priceFen)} / 件`, "each")),
          ),
        ),
      ),
      el("div", { class: "actions", style: "justify-content:center" }, el("button", { "data-testid": "close-picks", onclick: close }, bi("关闭", "Close"))),
    ),
  );
  box.classList.remove("hidden");
}

function renderCart(v) {
  const c = v.cart;
  const paying = v.state === "paying";
  if (!c) {
    $("cart").replaceChildren(
      ...kids(el("h2", {}, bi("购物车", "Cart")), el("p", { class: "empty" }, bi("购物车为空，请扫描商品", "Your cart is empty")), pickButton(v)),
    );
    renderPaybar([
      el(
        "div",
        { class: "pay-buttons" },
        el("button", { class: "danger", "data-testid": "cancel", onclick: () => act("POST", "/session/cancel", {}) }, bi("取消", "Cancel")),
      ),
    ]);
    return;
  }
  const rows = c.lines.map((l) =>
    el(
      "tr",
      { "data-sku": l.sku, "data-key": l.key },
      el("td", { class: "name" }, l.name, l.scale ? el("div", { class: "weight", "data-testid": "weight" }, scaleText(l.scale)) : null),
      el(
        "td",
        {},
        el(
          "span",
          { class: "qty" },
          el(
            "button",
            {
              class: "step",
              "aria-label": "one less",
              disabled: paying,
              onclick: () => act("PUT", `/session/lines/${encodeURIComponent(l.key)}`, { qty: l.qty - 1 }),
            },
            "−",
          ),
          el("span", { "data-testid": "qty" }, String(l.qty)),
          el(
            "button",
            {
              class: "step",
              "aria-label": "one more",
              disabled: paying,
              onclick: () => act("PUT", `/session/lines/${encodeURIComponent(l.key)}`, { qty: l.qty + 1 }),
            },
            "+",
          ),
        ),
      ),
      el(
        "td",
        { class: "num" },
        ...kids(l.memberUnitPriceFen < l.unitPriceFen ? el("span", { class: "strike" }, yuan(l.unitPriceFen)) : null, yuan(l.memberUnitPriceFen)),
      ),
      el("td", { class: "num" }, ...kids(yuan(l.lineTotalFen), l.savingsFen > 0 ? el("div", { class: "save" }, `省 −${yuan(l.savingsFen)}`) : null)),
      el(
        "td",
        {},
        el(
          "button",
          { class: "step", "aria-label": "remove", disabled: paying, onclick: () => act("DELETE", `/session/lines/${encodeURIComponent(l.key)}`) },
          "×",
        ),
      ),
    ),
  );
  const t = c.totals;
  const offer = c.pointsOffer;
  $("cart").replaceChildren(
    ...kids(
      el("h2", {}, bi(`购物车 · ${t.itemCount} 件`, `Cart · ${t.itemCount} item(s)`)),
      pickButton(v),
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
            el("th", {}, bi("数量", "Qty")),
            el("th", { class: "num" }, bi("会员价", "Price")),
            el("th", { class: "num" }, bi("小计", "Total")),
            el("th", {}, ""),
          ),
        ),
        el("tbody", {}, rows),
      ),
      c.coupons.length
        ? el(
            "div",
            { class: "coupons", "data-testid": "coupons" },
            c.coupons.map((x) => el("div", { class: "coupon" }, el("span", {}, bi("券", "Coupon"), ` · ${x.name}`), el("span", {}, `−${yuan(x.discountFen)}`))),
          )
        : null,
      el(
        "div",
        { class: "totals" },
        el("span", {}, bi("原价", "Subtotal")),
        el("span", { class: "num" }, yuan(t.subtotalFen)),
        el("span", {}, bi("已优惠", "You save")),
        el("span", { class: "num ok", "data-testid": "savings" }, `−${yuan(t.savingsFen)}`),
        t.pointsCashFen > 0
          ? [el("span", {}, bi(`积分抵现 (${t.pointsRedeemed})`, "Points")), el("span", { class: "num ok" }, `−${yuan(t.pointsCashFen)}`)]
          : null,
        el("span", {}, bi("本单积分", "Points to earn")),
        el("span", { class: "num", "data-testid": "points-earn" }, `+${t.pointsEarned}`),
      ),
      offer || c.usePoints
        ? el(
            "label",
            { class: "toggle" },
            el("input", {
              type: "checkbox",
              "data-testid": "use-points",
              checked: c.usePoints,
              disabled: paying,
              onchange: (e) => act("POST", "/session/points", { use: e.target.checked }),
            }),
            offer
              ? bi(`积分抵现：用 ${offer.points} 积分抵 ${yuan(offer.cashFen)}`, `Use ${offer.points} points for ${yuan(offer.cashFen)}`)
              : bi("积分抵现", "Use points"),
          )
        : null,
    ),
  );
  const tn = c.tenders;
  renderPaybar([
    el("div", { class: "pay-total" }, el("span", {}, bi("应付", "To pay")), el("span", { class: "big num", "data-testid": "total" }, yuan(t.payableFen))),
    el(
      "div",
      { class: "pay-buttons" },
      el(
        "button",
        {
          class: "primary",
          "data-testid": "pay-balance",
          disabled: paying || !tn.balance.available,
          onclick: () => act("POST", "/session/finish", { payWith: "balance" }),
        },
        bi("储值支付", "Stored value"),
        ` (${yuan(v.member.balanceFen)})`,
      ),
      tn.balanceCard.available
        ? el(
            "button",
            {
              class: "primary",
              "data-testid": "pay-balance-card",
              disabled: paying,
              onclick: () => act("POST", "/session/finish", { payWith: "balance-card" }),
            },
            bi(`储值 ${yuan(Math.max(0, v.member.balanceFen))} + 银行卡`, "Stored value + card"),
          )
        : null,
      ...(c.shoppingCards ?? []).map((sc) =>
        el(
          "button",
          {
            class: "primary",
            "data-testid": `pay-shopping-card-${sc.cardId}`,
            disabled: paying || !sc.available,
            onclick: () => act("POST", "/session/finish", { payWith: "external", shoppingCardId: sc.cardId }),
          },
          sc.covers
            ? bi(`购物卡 ****${sc.last4} (${yuan(sc.balanceFen)})`, `Shopping card ****${sc.last4}`)
            : bi(`购物卡 ****${sc.last4} ${yuan(sc.payFen)} + 银行卡`, `Shopping card ****${sc.last4} + bank card`),
        ),
      ),
      el(
        "button",
        { class: "primary", "data-testid": "pay-card", disabled: paying, onclick: () => act("POST", "/session/finish", { payWith: "external" }) },
        bi("银行卡", "Bank card"),
      ),
      el(
        "button",
        { "data-testid": "pay-counter", disabled: paying, onclick: () => act("POST", "/session/finish", { payWith: "counter" }) },
        bi("到收银台付款", "Pay at the counter"),
      ),
      el("button", { class: "danger", "data-testid": "cancel", disabled: paying, onclick: () => act("POST", "/session/cancel", {}) }, bi("取消", "Cancel")),
    ),
    why({ ...tn.balance, key: "balance" }),
    ...(c.shoppingCards ?? []).map((sc) => why({ ...sc, key: `shopping-card-${sc.cardId}` })),
  ]);
}

/** The bottom bar: always on screen (position fixed); the call-staff button is always there. */
function renderPaybar(parts) {
  const called = Boolean(view?.staffCall);
  $("paybar").replaceChildren(
    ...kids(
      parts,
      el(
        "div",
        { class: "help" },
        el(
          "button",
          { class: called ? "called" : "", "data-testid": "call-staff", onclick: () => act("POST", "/session/call-staff", {}).then((r) => r && beep("ring")) },
          called ? bi("已呼叫店员，请稍候", "Staff called") : bi("呼叫店员", "Call staff"),
        ),
      ),
    ),
  );
}

function render(v) {
  view = v;
  setLanguages(v.languages);
  document.title = say("会员自助结账", "Member kiosk");
  $("store").textContent = v.storeName;
  $("kiosk").replaceChildren(...kids(`${v.deviceId} · `, v.online ? bi("在线", "online") : bi("离线（限额内可用）", "offline")));
  $("online").className = v.online ? "dot on" : "dot";
  const next = $("next");
  next.replaceChildren(...bi(v.next.zh, v.next.en));
  next.className = `next ${v.next.tone}`;
  if (document.body.dataset.state !== v.state) $("notice").classList.add("hidden");
  document.body.dataset.state = v.state;
  if (v.notice && Date.now() - v.notice.at < 8000 && showNotice.last !== v.notice.at) {
    showNotice.last = v.notice.at;
    showNotice(v.notice.code, v.notice.reason);
  }
  $("attract").classList.toggle("hidden", !(v.mode === "checkout" && v.state === "idle"));
  const gate = $("gate");
  gate.classList.toggle("hidden", !v.gate);
  if (v.gate) {
    gate.replaceChildren(
      ...kids(
        el("div", { class: v.gate.admitted ? "gate-ok" : "gate-no" }, v.gate.admitted ? bi("✓ 欢迎光临", "Welcome") : bi("✗ 无法入场", "Not admitted")),
        v.gate.name ? el("div", { style: "font-size:28px" }, v.gate.name) : null,
        el("div", { style: "margin-top:8px" }, bi(v.gate.zh, v.gate.en)),
      ),
    );
  }
  const showBody = Boolean(v.member) && (v.state === "shopping" || v.state === "paying" || v.state === "verifying");
  $("body").classList.toggle("hidden", !showBody);
  if (v.member && showBody) renderMember(v.member);
  if (showBody) renderCart(v);
  else renderPaybar([]);
  if (!v.picks) $("picks").classList.add("hidden");
  $("done").classList.toggle("hidden", !v.done);
  if (v.done) $("done").replaceChildren(...doneView(v.done));
  const overlay = $("verify");
  overlay.classList.toggle("hidden", !v.verification);
  if (v.verification) {
    const left = v.verification.secondsLeft;
    overlay.replaceChildren(
      el(
        "div",
        { class: "box" },
        el("h2", {}, v.verification.headshotOnFile ? bi("人工核验", "Photo check") : bi("请上传头像", "Please upload a headshot")),
        el("p", {}, bi(v.next.zh, v.next.en)),
        el("div", { class: "countdown", "data-deadline": String(Date.now() + left * 1000) }, `${left}s`),
        el(
          "div",
          { class: "actions", style: "justify-content:center" },
          el("button", { onclick: () => act("POST", "/session/cancel", {}) }, bi("取消", "Cancel")),
        ),
      ),
    );
  }
}

// Countdown between server updates.
setInterval(() => {
  const c = document.querySelector(".countdown");
  if (c) c.textContent = `${Math.max(0, Math.ceil((Number(c.dataset.deadline) - Date.now()) / 1000))}s`;
}, 500);

// A hand scanner in keyboard mode types the code and Enter into whatever has focus. The display has no
// keyboard for customers, so every key is taken here first (capture phase) and its default action is
// cancelled: Enter or Space can never press a focused button ("Pay at the counter", "Cancel").
let typed = "";
let lastKey = 0;
const isTextField = (t) => t instanceof HTMLInputElement && ["text", "search", "number", "password"].includes(t.type);
for (const type of ["keypress", "keyup"])
  window.addEventListener(
    type,
    (e) => {
      if (!isTextField(e.target)) e.preventDefault();
    },
    true,
  );
window.addEventListener(
  "keydown",
  (e) => {
    if (isTextField(e.target)) return;
    e.preventDefault();
    e.stopPropagation();
    const now = Date.now();
    if (now - lastKey > 1000) typed = "";
    lastKey = now;
    if (e.key === "Enter") {
      const text = typed.trim();
      typed = "";
      if (text.length >= 4)
        api("POST", "/session/scan", { text })
          .then((o) => o.kind === "refused" && showNotice(o.code, o.reason))
          .catch((err) => showNotice(err.code || "NETWORK", err.reason));
    } else if (e.key.length === 1) typed += e.key;
  },
  true,
);

live("/session/events", render, (up) => {
  if (!up && view) $("kiosk").replaceChildren(...kids(`${view.deviceId} · `, bi("重新连接中…", "reconnecting…")));
});
