// What the customer display and the staff page show: JSON views built from the kiosk's state (the pages only render them).
import type { ConfigContent, MemberRecord } from "../../protocol/messages.js";
import { localDate } from "../../protocol/rules/time.js";
import { maskCardNo, maskName } from "../printer/receipt.js";
import type { Kiosk } from "../kiosk.js";
import { effectiveCardClass } from "../session/verification-policy.js";
import type { ReturnState } from "../returns.js";
import type { StaffSession } from "../staff-auth.js";

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
  online: boolean;
  state: string;
  /** What the person at the kiosk should do next. */
  next: { tone: Tone; text: string };
  /** The last refusal (a bad scan, a declined payment), while it is recent. */
  notice?: { tone: Tone; code: string; text: string; at: number };
  member?: MemberView;
  verification?: { headshotOnFile: boolean; expiresAt: number; secondsLeft: number };
  cart?: {
    lines: Array<{ sku: string; name: string; qty: number; unitPriceFen: number; memberUnitPriceFen: number; lineTotalFen: number; savingsFen: number }>;
    totals: { itemCount: number; subtotalFen: number; memberSavingsFen: number; couponDiscountFen: number; totalFen: number; savingsFen: number; pointsCashFen: number; pointsRedeemed: number; payableFen: number; pointsEarned: number };
    coupons: Array<{ name: string; discountFen: number }>;
    usePoints: boolean;
    pointsOffer: { points: number; cashFen: number } | null;
    balanceCovers: boolean;
  };
  done?: { kind: "sale" | "claim"; receiptNo: string; totalFen: number; tenders: Array<{ label: string; amountFen: number }>; pointsEarned: number; pointsBalance?: number; balanceFen?: number; claimUrl?: string };
  gate?: { admitted: boolean; message: string; name?: string; validUntil?: string };
}

const NOTICE_MS = 8_000;

export function displayView(kiosk: Kiosk): DisplayView {
  const config = kiosk.sync.current;
  const at = kiosk.clock.now();
  const base = {
    at,
    deviceId: kiosk.deviceId,
    storeName: config?.device.storeName ?? "Member Store",
    online: kiosk.sync.connected,
  };
  const last = kiosk.lastScan;
  const notice =
    last && last.outcome.kind === "refused" && at - last.at < NOTICE_MS
      ? { notice: { tone: "error" as Tone, code: last.outcome.code, text: last.outcome.message, at: last.at } }
      : {};
  if (!config) return { ...base, mode: "checkout", state: "starting", next: { tone: "warn", text: "The kiosk is starting: waiting for the store's settings." } };
  if (kiosk.returns.active) {
    return { ...base, ...notice, mode: "returns", state: kiosk.returns.current.name, next: { tone: "info", text: "Staff are doing a return on this kiosk. 员工退货中" } };
  }
  if (kiosk.gate.active) {
    const g = kiosk.gate.last;
    if (!g) return { ...base, ...notice, mode: "gate", state: "idle", next: { tone: "info", text: "Show your member code to enter. 请出示会员码入场" } };
    const member = g.memberId ? kiosk.store.member(g.memberId) : undefined;
    return {
      ...base,
      mode: "gate",
      state: g.admitted ? "admitted" : "refused",
      next: { tone: g.admitted ? "ok" : "error", text: g.message },
      gate: {
        admitted: g.admitted,
        message: g.message,
        ...(member ? { name: maskName(member.name) } : {}),
        ...(g.validUntil !== undefined ? { validUntil: localDate(g.validUntil - 1, config.rules.utcOffsetMinutes) } : {}),
      },
    };
  }
  const s = kiosk.checkout.current;
  const view: DisplayView = { ...base, ...notice, mode: "checkout", state: s.name, next: { tone: "info", text: "Scan your member code to start. 请扫描会员码" } };
  if (s.name === "idle") return view;
  if (s.name === "cancelled") {
    view.next = { tone: s.reason === "customer" ? "info" : "warn", text: s.message };
    if (s.member) view.member = memberView(config, s.member, at, true);
    return view;
  }
  const member = kiosk.store.member(s.member.memberId) ?? s.member;
  view.member = memberView(config, member, at, true);
  if (s.name === "verifying") {
    const v = s.verification;
    view.verification = { headshotOnFile: v.headshotOnFile, expiresAt: v.expiresAt, secondsLeft: Math.max(0, Math.ceil((v.expiresAt - at) / 1000)) };
    view.next = v.headshotOnFile
      ? { tone: "info", text: "Please wait: a staff member will check your photo. 请稍候，工作人员正在核验" }
      : { tone: "warn", text: "You have no headshot on file: please upload one in the member app. A staff member will check your ID now. 请在会员App上传头像" };
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
        ...(r.points ? { pointsBalance: r.points.balance } : {}),
        ...(r.storedValueBalanceFen !== null ? { balanceFen: r.storedValueBalanceFen } : {}),
      };
      view.next = { tone: "ok", text: "Paid. Thank you! Please take your receipt. 支付成功，谢谢光临" };
    } else {
      const c = s.outcome.claim;
      view.done = { kind: "claim", receiptNo: c.receipt.receiptNo, totalFen: c.receipt.totalFen, tenders: [], pointsEarned: c.priced.totals.pointsEarned, claimUrl: c.receipt.eReceiptUrl };
      view.next = { tone: "ok", text: "Take your ticket to a staffed till to pay. 请持小票到人工收银台付款" };
    }
    return view;
  }
  // shopping or paying
  let quote;
  try {
    quote = kiosk.checkout.sessionQuote();
  } catch {
    quote = undefined;
  }
  if (quote) {
    const p = quote.priced;
    const t = p.totals;
    view.cart = {
      lines: p.lines.map((l) => ({ sku: l.sku, name: l.name, qty: l.qty, unitPriceFen: l.unitPriceFen, memberUnitPriceFen: l.memberUnitPriceFen, lineTotalFen: l.lineTotalFen, savingsFen: l.savingsFen })),
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
    };
  }
  if (s.name === "paying") view.next = { tone: "info", text: "Paying, please wait… 支付中" };
  else if (s.lines.length === 0) view.next = { tone: "info", text: "Scan your first item. 请扫描商品" };
  else view.next = { tone: "info", text: "Scan more items, or choose how to pay. 继续扫描或选择支付方式" };
  if (member.coupons.length > 0 && view.cart && view.cart.coupons.length === 0) view.next.text += " (none of your coupons applies to this cart yet)";
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
  online: boolean;
  staff: { staffId: string; name: string; roles: string[] };
  pending: VerificationCard[];
  session: { state: string; member?: string; items?: number; totalFen?: number };
  returns: StaffReturnView;
  recent: Array<{ requestId: string; staffId: string; decision: string; member: string; at: number }>;
}

export type StaffReturnView =
  | { state: "idle" }
  | { state: "awaiting-receipt" }
  | { state: "selecting"; saleId: string; receiptNo: string; soldAt: number; member?: string; lines: Array<{ index: number; name: string; sold: number; returned: number; lineTotalFen: number }> }
  | { state: "done"; returnId: string; refundFen: number; toBalanceFen: number; externalFen: number; pointsGivenBack: number; pointsTakenBack: number; couponsRestored: number };

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
      member: { ...memberView(config, m, at, false), memberId: m.memberId, status: m.status, ...(m.primaryMemberId ? { primaryMemberId: m.primaryMemberId } : {}) },
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
    online: kiosk.sync.connected,
    staff: { staffId: staff.staffId, name: staff.name, roles: staff.roles },
    pending,
    session,
    returns: returnView(kiosk, kiosk.returns.current),
    recent: kiosk.recentDecisions.slice(-10).reverse(),
  };
}
