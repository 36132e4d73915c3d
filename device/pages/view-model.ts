// What the customer display and the staff page show: JSON views built from the kiosk's state (the pages only render them).
import type { ConfigContent, MemberRecord } from "../../protocol/messages.js";
import { localDate } from "../../protocol/rules/time.js";
import { formatTime, maskCardNo, maskName } from "../printer/receipt.js";
import type { Kiosk } from "../kiosk.js";
import { lineKey, pickList } from "../session/cart.js";
import { effectiveCardClass } from "../session/verification-policy.js";
import type { ReturnState } from "../returns.js";
import type { StaffSession } from "../staff-auth.js";
import type { DisplayLanguages } from "../../protocol/device-policy.js";
import { qrPath, scaleView, shoppingCardChoices, storeTimeZone, tenderChoices } from "./display-parts.js";
import { append, gateSaid, languagesOf, said, splitZhEn, type Said } from "./view-text.js";

export type Tone = "info" | "ok" | "warn" | "error";

export interface MemberView {
  name: string;
  cardNo: string;
  level: string;
  cardClass: string;
  vipExpired: boolean;
  /** Last valid day (store-local) of a VIP / paid class. */
  validUntil?: string;
  pointsBalance: number;
  balanceFen: number;
  couponsHeld: number;
  secondary: boolean;
}

function className(config: ConfigContent, id: string): string {
  return config.rules.cardClasses.find((c) => c.id === id)?.name ?? id;
}

function memberView(config: ConfigContent, m: MemberRecord, at: number, mask: boolean): MemberView {
  const eff = effectiveCardClass(config.rules, m, at);
  return {
    name: mask ? maskName(m.name) : m.name,
    cardNo: maskCardNo(m.cardId),
    level: config.rules.levels.find((l) => l.id === m.levelId)?.name ?? m.levelId,
    cardClass: className(config, eff.classId),
    vipExpired: eff.vipExpired,
    ...(m.vipExpiresAt !== undefined ? { validUntil: localDate(m.vipExpiresAt - 1, config.rules.utcOffsetMinutes) } : {}),
    pointsBalance: m.pointsBalance,
    balanceFen: m.balanceFen,
    couponsHeld: m.coupons.length,
    secondary: m.primaryMemberId !== undefined,
  };
}

export interface DisplayView {
  at: number;
  deviceId: string;
  storeName: string;
  mode: "checkout" | "gate" | "returns";
  /** The store's device.display.languages: "zh" the pages show Chinese only, "zh+en" Chinese with English. */
  languages: DisplayLanguages;
  online: boolean;
  state: string;
  /** What the person at the kiosk should do next: zh and en halves, and both in `text`. */
  next: { tone: Tone } & Said;
  /** The last refusal (a bad scan, a declined payment), while it is recent; the page words it by code (static/words.js). */
  notice?: { tone: Tone; code: string; reason?: string; text: string; at: number };
  /** The customer pressed "call staff" and nobody has answered yet. */
  staffCall?: { at: number };
  member?: MemberView;
  verification?: { headshotOnFile: boolean; expiresAt: number; secondsLeft: number };
  cart?: {
    lines: Array<{
      /** What PUT/DELETE /session/lines/:key take: the sku, or scale-<label> for a scale-label line. */
      key: string;
      sku: string;
      name: string;
      qty: number;
      unitPriceFen: number;
      memberUnitPriceFen: number;
      lineTotalFen: number;
      savingsFen: number;
      /** A scale-label line: the weight (grams) and the per-kg list and member prices, or the label's price. */
      scale?: { weightG?: number; labelPriceFen?: number; perUnitFen: number; memberPerUnitFen: number };
    }>;
    totals: {
      itemCount: number;
      subtotalFen: number;
      memberSavingsFen: number;
      couponDiscountFen: number;
      totalFen: number;
      savingsFen: number;
      pointsCashFen: number;
      pointsRedeemed: number;
      payableFen: number;
      pointsEarned: number;
    };
    coupons: Array<{ name: string; discountFen: number }>;
    usePoints: boolean;
    pointsOffer: { points: number; cashFen: number } | null;
    balanceCovers: boolean;
    /** Each way to pay, and why it cannot be used now (a refusal code the page words, with amounts). */
    tenders: Record<"balance" | "balanceCard" | "card" | "counter", { available: boolean; why?: { code: string; shortFen?: number; limitFen?: number } }>;
    /** The member's shopping cards (购物卡) that hold money: each pays `payFen` first, the bank card the rest (`covers`: nothing is left). */
    shoppingCards: Array<{
      cardId: string;
      last4: string;
      balanceFen: number;
      payFen: number;
      covers: boolean;
      available: boolean;
      why?: { code: string; limitFen?: number };
    }>;
  };
  /** After paying no balances or names are shown (the next shopper may be behind): only what this sale did. */
  done?: {
    kind: "sale" | "claim";
    receiptNo: string;
    totalFen: number;
    tenders: Array<{ label: string; amountFen: number }>;
    pointsEarned: number;
    claimUrl?: string;
    /** The claim ticket's QR as an SVG path (viewBox 0 0 size size) and its expiry in store time. */
    claimQr?: { size: number; path: string };
    claimExpires?: string;
  };
  /** message: the gate's own (English) words; zh / en: what the screen shows. */
  gate?: { admitted: boolean; message: string; zh: string; en: string; name?: string; validUntil?: string };
  /** Loose items without a label the customer may pick on screen while shopping (store policy device.loosePickList). */
  picks?: Array<{ sku: string; name: string; priceFen: number }>;
}

const NOTICE_MS = 8_000;

export function displayView(kiosk: Kiosk): DisplayView {
  const config = kiosk.sync.current;
  const at = kiosk.clock.now();
  const base = {
    at,
    deviceId: kiosk.deviceId,
    storeName: config?.device.storeName ?? "Member Store",
    languages: languagesOf(config),
    online: kiosk.sync.connected,
  };
  const last = kiosk.lastScan;
  const notice =
    last && last.outcome.kind === "refused" && at - last.at < NOTICE_MS
      ? {
          notice: {
            tone: "error" as Tone,
            code: last.outcome.code,
            ...(last.outcome.reason ? { reason: last.outcome.reason } : {}),
            text: last.outcome.message,
            at: last.at,
          },
        }
      : {};
  const call =
    kiosk.staffCall && kiosk.staffCall.answeredAt === undefined && at - kiosk.staffCall.at < 10 * 60_000 ? { staffCall: { at: kiosk.staffCall.at } } : {};
  Object.assign(base, call);
  if (!config)
    return {
      ...base,
      mode: "checkout",
      state: "starting",
      next: { tone: "warn", ...said("设备正在启动，请稍候", "The kiosk is starting: waiting for the store's settings.") },
    };
  if (kiosk.returns.active) {
    return {
      ...base,
      ...notice,
      mode: "returns",
      state: kiosk.returns.current.name,
      next: { tone: "info", ...said("员工退货中，请稍候", "Staff are doing a return on this kiosk.") },
    };
  }
  if (kiosk.gate.active) {
    const g = kiosk.gate.last;
    if (!g) return { ...base, ...notice, mode: "gate", state: "idle", next: { tone: "info", ...said("请出示会员码入场", "Show your member code to enter.") } };
    const member = g.memberId ? kiosk.store.member(g.memberId) : undefined;
    const validUntil = g.validUntil !== undefined ? localDate(g.validUntil - 1, config.rules.utcOffsetMinutes) : undefined;
    const words = gateSaid(g, validUntil);
    return {
      ...base,
      mode: "gate",
      state: g.admitted ? "admitted" : "refused",
      next: { tone: g.admitted ? "ok" : "error", ...words },
      gate: {
        admitted: g.admitted,
        message: g.message,
        zh: words.zh,
        en: words.en,
        ...(member ? { name: maskName(member.name) } : {}),
        ...(validUntil !== undefined ? { validUntil } : {}),
      },
    };
  }
  const s = kiosk.checkout.current;
  const view: DisplayView = {
    ...base,
    ...notice,
    mode: "checkout",
    state: s.name,
    next: { tone: "info", ...said("请出示会员码开始", "Scan your member code to start.") },
  };
  if (s.name === "idle") return view;
  if (s.name === "cancelled") {
    view.next = { tone: s.reason === "customer" ? "info" : "warn", ...splitZhEn(s.message) };
    if (s.member) view.member = memberView(config, s.member, at, true);
    return view;
  }
  const member = kiosk.store.member(s.member.memberId) ?? s.member;
  view.member = memberView(config, member, at, true);
  if (s.name === "verifying") {
    const v = s.verification;
    view.verification = { headshotOnFile: v.headshotOnFile, expiresAt: v.expiresAt, secondsLeft: Math.max(0, Math.ceil((v.expiresAt - at) / 1000)) };
    view.next = v.headshotOnFile
      ? { tone: "info", ...said("请稍候，工作人员正在核验", "Please wait: a staff member will check your photo.") }
      : {
          tone: "warn",
          ...said(
            "您还没有头像，请在会员App上传；工作人员将核对您的证件",
            "You have no headshot on file: please upload one in the member app. A staff member will check your ID now.",
          ),
        };
    return view;
  }
  if (s.name === "done") {
    if (s.outcome.kind === "sale") {
      const r = s.outcome.sale.receipt;
      view.done = {
        kind: "sale",
        receiptNo: r.receiptNo,
        totalFen: r.totalFen,
        tenders: r.tenders.map((t) => ({ label: t.label, amountFen: t.amountFen })),
        pointsEarned: s.outcome.sale.priced.totals.pointsEarned,
      };
      view.next = { tone: "ok", ...said("支付成功，请取走小票，谢谢光临", "Paid. Thank you! Please take your receipt.") };
    } else {
      const c = s.outcome.claim;
      view.done = {
        kind: "claim",
        receiptNo: c.receipt.receiptNo,
        totalFen: c.receipt.totalFen,
        tenders: [],
        pointsEarned: c.priced.totals.pointsEarned,
        claimUrl: c.receipt.eReceiptUrl,
        claimQr: qrPath(c.receipt.eReceiptUrl),
        claimExpires: formatTime(c.expiresAt, storeTimeZone(config)).slice(0, 16),
      };
      view.next = { tone: "ok", ...said("请持小票到人工收银台付款，付款后积分入账", "Take your ticket to a staffed till to pay; points are added once paid.") };
    }
    return view;
  }
  // shopping or paying
  let quote: ReturnType<Kiosk["checkout"]["sessionQuote"]>;
  try {
    quote = kiosk.checkout.sessionQuote();
  } catch {
    quote = undefined;
  }
  if (quote) {
    const p = quote.priced;
    const t = p.totals;
    view.cart = {
      // Lines at member prices with member savings only: coupons are shown once, below (not again in each line).
      lines: p.lines.map((l) => ({
        key: lineKey({ sku: l.sku, scaleLabel: l.scale?.label }),
        ...(l.scale ? { scale: scaleView(l.scale) } : {}),
        sku: l.sku,
        name: l.name,
        qty: l.qty,
        unitPriceFen: l.unitPriceFen,
        memberUnitPriceFen: l.memberUnitPriceFen,
        lineTotalFen: l.lineMemberFen,
        savingsFen: l.memberSavingsFen,
      })),
      totals: {
        itemCount: t.itemCount,
        subtotalFen: t.subtotalFen,
        memberSavingsFen: t.memberSavingsFen,
        couponDiscountFen: t.couponDiscountFen,
        totalFen: t.totalFen,
        savingsFen: t.savingsFen,
        pointsCashFen: t.pointsCashFen,
        pointsRedeemed: t.pointsRedeemed,
        payableFen: t.payableFen,
        pointsEarned: t.pointsEarned,
      },
      coupons: p.appliedCoupons.map((c) => ({ name: c.name, discountFen: c.discountFen })),
      usePoints: s.usePoints,
      pointsOffer: quote.pointsOffer,
      balanceCovers: member.balanceFen >= t.payableFen,
      tenders: tenderChoices(kiosk, config, member, t.payableFen, at),
      shoppingCards: shoppingCardChoices(kiosk, config, member, t.payableFen, at),
    };
  }
  const picks = pickList(config);
  if (s.name === "shopping" && picks.length > 0) view.picks = picks.map((p) => ({ sku: p.sku, name: p.name, priceFen: p.priceFen }));
  if (s.name === "paying") view.next = { tone: "info", ...said("支付中，请稍候", "Paying, please wait…") };
  else if (s.lines.length === 0) view.next = { tone: "info", ...said("请扫描商品", "Scan your first item.") };
  else view.next = { tone: "info", ...said("继续扫描或选择支付方式", "Scan more items, or choose how to pay.") };
  if (member.coupons.length > 0 && view.cart && view.cart.coupons.length === 0)
    view.next = { tone: view.next.tone, ...append(view.next, "（优惠券暂不适用）", " (none of your coupons applies yet)") };
  return view;
}

export interface VerificationCard {
  requestId: string;
  kioskId: string;
  reasons: string[];
  requestedAt: number;
  expiresAt: number;
  secondsLeft: number;
  member: MemberView & { memberId: string; status: string; primaryMemberId?: string };
  /** on-file: the photo is here; missing: none on file (the member was told to upload one); not-downloaded: on file at HQ, not on this kiosk yet. */
  headshot: "on-file" | "missing" | "not-downloaded";
  photoUrl?: string;
}

export interface StaffView {
  at: number;
  deviceId: string;
  storeName: string;
  /** The store's device.display.languages (see DisplayView). */
  languages: DisplayLanguages;
  online: boolean;
  staff: { staffId: string; name: string; roles: string[] };
  pending: VerificationCard[];
  session: { state: string; member?: string; items?: number; totalFen?: number };
  returns: StaffReturnView;
  recent: Array<{ requestId: string; staffId: string; decision: string; member: string; at: number }>;
  /** A customer pressed "call staff" at this kiosk and nobody has answered yet. */
  staffCall?: { kioskId: string; at: number };
}

export type StaffReturnView =
  | { state: "idle" }
  | { state: "awaiting-receipt" }
  | {
      state: "selecting";
      saleId: string;
      receiptNo: string;
      soldAt: number;
      member?: string;
      lines: Array<{ index: number; name: string; sold: number; returned: number; lineTotalFen: number }>;
    }
  | {
      state: "done";
      returnId: string;
      refundFen: number;
      toBalanceFen: number;
      externalFen: number;
      pointsGivenBack: number;
      pointsTakenBack: number;
      couponsRestored: number;
    };

function returnView(kiosk: Kiosk, r: ReturnState): StaffReturnView {
  switch (r.name) {
    case "idle":
    case "awaiting-receipt":
      return { state: r.name };
    case "selecting":
      return {
        state: "selecting",
        saleId: r.sale.saleId,
        receiptNo: `${kiosk.deviceId}-${r.sale.seq}`,
        soldAt: r.sale.at,
        ...(r.member ? { member: `${r.member.name} (${r.member.memberId})` } : {}),
        lines: r.lines.map((l) => ({ index: l.index, name: l.name, sold: l.sold, returned: l.returned, lineTotalFen: l.lineTotalFen })),
      };
    case "done": {
      const t = r.completed.result.totals;
      return {
        state: "done",
        returnId: r.completed.returnId,
        refundFen: t.refundFen,
        toBalanceFen: t.principalFen + t.bonusFen,
        externalFen: t.externalFen,
        pointsGivenBack: t.pointsGivenBack,
        pointsTakenBack: t.pointsTakenBack,
        couponsRestored: r.completed.couponsRestored.length,
      };
    }
  }
}

export function staffView(kiosk: Kiosk, staff: StaffSession): StaffView {
  const config = kiosk.sync.current;
  const at = kiosk.clock.now();
  const pending: VerificationCard[] = [];
  const v = kiosk.checkout.pendingVerification();
  if (v && config) {
    const m = kiosk.store.member(v.member.memberId) ?? v.member;
    const hash = m.headshotHash;
    const headshot = !hash ? "missing" : kiosk.store.photo(hash) ? "on-file" : "not-downloaded";
    pending.push({
      requestId: v.verification.requestId,
      kioskId: kiosk.deviceId,
      reasons: v.verification.reasons,
      requestedAt: v.verification.requestedAt,
      expiresAt: v.verification.expiresAt,
      secondsLeft: Math.max(0, Math.ceil((v.verification.expiresAt - at) / 1000)),
      member: {
        ...memberView(config, m, at, false),
        memberId: m.memberId,
        status: m.status,
        ...(m.primaryMemberId ? { primaryMemberId: m.primaryMemberId } : {}),
      },
      headshot,
      ...(headshot === "on-file" ? { photoUrl: `/staff/verifications/${encodeURIComponent(v.verification.requestId)}/photo` } : {}),
    });
  }
  const s = kiosk.checkout.current;
  const session: StaffView["session"] = { state: s.name };
  if ("member" in s && s.member) session.member = `${s.member.name} (${s.member.memberId})`;
  if ("lines" in s) session.items = s.lines.reduce((n, l) => n + l.qty, 0);
  return {
    at,
    deviceId: kiosk.deviceId,
    storeName: config?.device.storeName ?? "Member Store",
    languages: languagesOf(config),
    online: kiosk.sync.connected,
    staff: { staffId: staff.staffId, name: staff.name, roles: staff.roles },
    pending,
    session,
    returns: returnView(kiosk, kiosk.returns.current),
    recent: kiosk.recentDecisions.slice(-10).reverse(),
    ...(kiosk.staffCall && kiosk.staffCall.answeredAt === undefined ? { staffCall: { kioskId: kiosk.deviceId, at: kiosk.staffCall.at } } : {}),
  };
}
