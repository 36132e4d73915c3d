// Paying: stored value, a shopping card and points authorised online (or within the offline limits), the sale or claim committed, the receipt.
import { randomBytes, randomUUID } from "node:crypto";
import type { Logger } from "../../runtime/log.js";
import type { AuthRequest, AuthResponse, ClaimFact, ConfigContent, MemberRecord, SaleFact } from "../../protocol/messages.js";
import type { PricedCart } from "../../protocol/rules/pricing-types.js";
import { settleTenders, type TenderPlan } from "../../protocol/rules/tenders.js";
import { localDate } from "../../protocol/rules/time.js";
import { maskCardNo, maskName } from "../printer/receipt.js";
import type { ReceiptData } from "../printer/types.js";
import type { KioskStore, MemberEffect } from "../store.js";
import type { Timers } from "./timers.js";
import { CheckoutError, type CartLine, type CompletedClaim, type CompletedSale, type PayWith } from "./types.js";
import type { SessionQuote } from "./pricing.js";

export interface PaymentDeps {
  store: KioskStore;
  deviceId: string;
  log: Logger;
  timers: Timers;
  /** Asks the hub to hold the amounts; undefined when it does not answer within the deadline. */
  authorize: (req: AuthRequest, deadlineMs: number) => Promise<AuthResponse | undefined>;
}

export function maskCard(cardId: string): string {
  return cardId.length <= 4 ? "****" : `${"*".repeat(cardId.length - 4)}${cardId.slice(-4)}`;
}

/** The hub's answer, or undefined once the deadline (plus a margin) passes, whatever the transport does. */
async function askHub(deps: PaymentDeps, req: AuthRequest, deadlineMs: number): Promise<AuthResponse | undefined> {
  let guard: ReturnType<Timers["set"]> | undefined;
  const late = new Promise<undefined>((resolve) => {
    guard = deps.timers.set(() => resolve(undefined), deadlineMs + 250);
  });
  try {
    return await Promise.race([deps.authorize(req, deadlineMs).catch(() => undefined), late]);
  } finally {
    deps.timers.clear(guard);
  }
}

interface Authorisation {
  mode: "online" | "offline";
  offline?: { day: string; balanceFen: number; points: number; shoppingCardFen: number };
}

/** What the hub answers a declined hold with, as the kiosk's refusal and its words for the log. */
function declined(reason: AuthResponse["reason"]): { code: "POINTS_DECLINED" | "BALANCE_DECLINED" | "SHOPPING_CARD_DECLINED"; what: string } {
  if (reason === "insufficient-points") return { code: "POINTS_DECLINED", what: "points payment" };
  if (reason === "insufficient-shopping-card") return { code: "SHOPPING_CARD_DECLINED", what: "shopping-card payment" };
  return { code: "BALANCE_DECLINED", what: "stored-value payment" };
}

/**
 * Online authorisation of stored value, a shopping card and points, or the store's offline limits (per
 * member per local day, counted in offline_usage) when the hub does not answer in time.
 */
async function authorise(
  deps: PaymentDeps,
  config: ConfigContent,
  member: MemberRecord,
  requestId: string,
  balanceFen: number,
  points: number,
  at: number,
  card?: { cardId: string; amountFen: number },
): Promise<Authorisation> {
  const req: AuthRequest = { requestId, memberId: member.memberId, balanceFen, points, ...(card ? { shoppingCard: card } : {}) };
  const answer = await askHub(deps, req, config.device.authorisationTimeoutMs);
  if (answer && !answer.approved) {
    const { code, what } = declined(answer.reason);
    deps.log.warn({ code, member: member.memberId, reason: answer.reason }, `${what} declined by the hub`);
    throw new CheckoutError(code, `${what} declined (${answer.reason ?? "declined"})`);
  }
  if (answer) return { mode: "online" };
  const day = localDate(at, config.rules.utcOffsetMinutes);
  const used = deps.store.offlineUsage(member.memberId, day);
  const limits = config.device.offlineLimits;
  const cardFen = card?.amountFen ?? 0;
  if (
    used.balanceFen + balanceFen > limits.balanceFenPerMemberPerDay ||
    used.points + points > limits.pointsPerMemberPerDay ||
    used.shoppingCardFen + cardFen > limits.shoppingCardFenPerMemberPerDay
  ) {
    deps.log.warn({ used, balanceFen, points, cardFen, limits }, "offline limit reached");
    throw new CheckoutError("OFFLINE_LIMIT", "the hub cannot be reached and this payment is over the offline limit; please pay by card");
  }
  const local = deps.store.member(member.memberId) ?? member;
  if (balanceFen > local.balanceFen) throw new CheckoutError("BALANCE_INSUFFICIENT", "not enough stored value");
  if (points > local.pointsBalance) throw new CheckoutError("POINTS_DECLINED", "not enough points");
  if (card && cardFen > (local.shoppingCards.find((c) => c.cardId === card.cardId)?.balanceFen ?? 0))
    throw new CheckoutError("SHOPPING_CARD_INSUFFICIENT", "not enough on the shopping card");
  deps.log.warn(
    { member: member.memberId, amountFen: balanceFen, points, used: used.balanceFen, limit: limits.balanceFenPerMemberPerDay },
    "stored-value payment approved offline (hub unreachable)",
  );
  return { mode: "offline", offline: { day, balanceFen, points, shoppingCardFen: cardFen } };
}

function heldCoupons(member: MemberRecord, ids: readonly string[]): MemberEffect["coupons"] {
  return ids.flatMap((id) => {
    const c = member.coupons.find((h) => h.instanceId === id);
    return c ? [{ action: "use" as const, coupon: c }] : [];
  });
}

/**
 * Pays `quote` (external terminal, or stored value for the whole amount; points as cash when the quote
 * uses them) and commits the sale, its points, balance, coupons and outbox entry in one transaction.
 * With `shoppingCardId` the member's shopping card pays first, as much as it holds (tender order:
 * protocol/rules/tenders.ts); `payWith` then says how the rest is paid.
 */
export async function paySale(
  deps: PaymentDeps,
  config: ConfigContent,
  member: MemberRecord,
  lines: readonly CartLine[],
  quote: SessionQuote,
  payWith: Exclude<PayWith, "counter">,
  at: number,
  shoppingCardId?: string,
): Promise<Omit<CompletedSale, "receipt"> & { fact: SaleFact; tenders: TenderPlan }> {
  const priced = quote.priced;
  const t = priced.totals;
  const saleId = randomUUID();
  const local = deps.store.member(member.memberId) ?? member;
  const card = shoppingCardId === undefined ? undefined : local.shoppingCards.find((c) => c.cardId === shoppingCardId);
  if (shoppingCardId !== undefined && !card) throw new CheckoutError("SHOPPING_CARD_UNKNOWN", `the member has no shopping card ${shoppingCardId}`);
  // The shopping card first: what it holds (never below zero), up to the amount to pay.
  const useCard = card ? Math.max(0, Math.min(card.balanceFen, t.payableFen)) : 0;
  if (card && useCard === 0) throw new CheckoutError("SHOPPING_CARD_INSUFFICIENT", "the shopping card is empty");
  const rest = t.payableFen - useCard;
  // balance-card: what stored value there is (never below zero), the card terminal takes the rest.
  const useBalance = payWith === "balance" ? rest : payWith === "balance-card" ? Math.max(0, Math.min(local.balanceFen, rest)) : 0;
  const fact: SaleFact = {
    type: "sale",
    saleId,
    memberId: member.memberId,
    cardId: member.cardId,
    lines: lines.map((l) => ({ ...l })),
    hints: { subtotalFen: t.subtotalFen, totalFen: t.totalFen, savingsFen: t.savingsFen, pointsEarned: t.pointsEarned },
    tenders: [],
    offlineApproved: false,
    coupons: priced.appliedCoupons.map((c) => c.instanceId),
    pointsRedeemed: t.pointsRedeemed,
    // Opens the sale's e-receipt at the hub (printed in the receipt's QR); the sale id alone does not.
    receiptToken: randomBytes(16).toString("base64url"),
    // The store catalog version the quote was priced with (the same config object): the hub re-prices with it.
    ...(config.catalogVersion !== undefined ? { catalogVersion: config.catalogVersion } : {}),
  };
  const effect: MemberEffect = {
    memberId: member.memberId,
    pointsDelta: t.pointsEarned - t.pointsRedeemed,
    balanceDeltaFen: -useBalance,
    coupons: heldCoupons(member, fact.coupons ?? []),
    ...(card && useCard > 0 ? { shoppingCard: { cardId: card.cardId, deltaFen: -useCard } } : {}),
  };
  if (useBalance > 0 || t.pointsRedeemed > 0 || useCard > 0) {
    const cardHold = card && useCard > 0 ? { cardId: card.cardId, amountFen: useCard } : undefined;
    const auth = await authorise(deps, config, member, saleId, useBalance, t.pointsRedeemed, at, cardHold);
    fact.authorization = { requestId: saleId, mode: auth.mode };
    if (auth.offline) {
      fact.offlineApproved = true;
      effect.offline = auth.offline;
    }
  }
  // Principal and bonus as the rules split them; the hub's hold already covers the whole amount.
  const bonus = Math.min(local.bonusBalanceFen, Math.max(0, local.balanceFen));
  const principal = Math.max(local.balanceFen - bonus, useBalance - bonus, 0);
  const tenders = settleTenders(config.rules, {
    cart: priced,
    ...(card && useCard > 0 ? { shoppingCard: { cardId: card.cardId, balanceFen: useCard }, useShoppingCardFen: useCard } : {}),
    balance: { principalFen: principal, bonusFen: bonus },
    useBalanceFen: useBalance,
  });
  if (useBalance > 0) {
    fact.balanceSplit = { principalFen: tenders.balancePrincipalFen, bonusFen: tenders.balanceBonusFen };
    effect.bonusDeltaFen = -tenders.balanceBonusFen;
  }
  if (t.pointsCashFen > 0) fact.tenders.push({ kind: "points", amountFen: t.pointsCashFen });
  if (card && useCard > 0) fact.tenders.push({ kind: "shopping-card", amountFen: useCard, cardId: card.cardId });
  if (useBalance > 0) fact.tenders.push({ kind: "balance", amountFen: useBalance });
  if (tenders.externalFen > 0 || fact.tenders.length === 0) fact.tenders.push({ kind: "external", amountFen: tenders.externalFen });
  const entry = deps.store.appendSale(fact, at, config.version, effect, {
    saleId,
    memberId: member.memberId,
    cardId: member.cardId,
    at,
    priced,
    tenders,
    coupons: (effect.coupons ?? []).map((c) => c.coupon),
  });
  deps.log.info({ sale: saleId, seq: entry.seq, totalFen: t.totalFen, points: t.pointsEarned, coupons: fact.coupons?.length ?? 0 }, "sale committed");
  return { saleId, seq: entry.seq, member, priced, fact, tenders };
}

/** Tender words on paper (Chinese; the printer adds English when its layout asks). */
const TENDER_LABEL = { external: "其他支付", balance: "储值支付", points: "积分抵现", "shopping-card": "购物卡支付" } as const;

/** The member line as docs/hardware.md describes it: masked card number, masked name, level name. */
export function receiptMember(config: ConfigContent, member: MemberRecord): NonNullable<ReceiptData["member"]> {
  const level = config.rules.levels.find((l) => l.id === member.levelId)?.name;
  return {
    maskedCardNo: maskCardNo(member.cardId),
    ...(member.name ? { maskedName: maskName(member.name) } : {}),
    ...(level ? { level: level.slice(0, 32) } : {}),
  };
}

/** Lines at member prices with their member savings; coupons and rounding are printed once, from the totals. */
export function receiptLines(priced: PricedCart): Pick<ReceiptData, "lines" | "coupons" | "roundingFen"> {
  return {
    lines: priced.lines.map((l) => ({
      name: l.name,
      qty: l.qty,
      unitPriceFen: l.unitPriceFen,
      memberUnitPriceFen: l.memberUnitPriceFen,
      lineTotalFen: l.lineMemberFen,
      savingsFen: l.memberSavingsFen,
      ...(l.scale?.weightG !== undefined ? { weight: { grams: l.scale.weightG, perKgFen: l.scale.perUnitFen, memberPerKgFen: l.scale.memberPerUnitFen } } : {}),
    })),
    coupons: priced.appliedCoupons.map((c) => ({ name: c.name, amountFen: c.discountFen })),
    roundingFen: priced.totals.cashRoundingFen,
  };
}

/** The sale's e-receipt address as its QR carries it: `<receiptUrlBase><saleId>.<token>` (the hub opens it only with the token). */
export function saleReceiptUrl(config: ConfigContent, saleId: string, token: string | undefined): string {
  return `${config.device.receiptUrlBase}${saleId}${token ? `.${token}` : ""}`;
}

export function saleReceipt(
  config: ConfigContent,
  deviceId: string,
  sale: { saleId: string; seq: number; member: MemberRecord; priced: PricedCart; fact: SaleFact; at: number },
  after: MemberRecord,
): ReceiptData {
  const t = sale.priced.totals;
  const usedBalance = sale.fact.tenders.some((x) => x.kind === "balance");
  return {
    kind: "sale",
    storeName: config.device.storeName,
    kioskId: deviceId,
    receiptNo: `${deviceId}-${sale.seq}`,
    time: sale.at,
    member: receiptMember(config, sale.member),
    ...receiptLines(sale.priced),
    totalFen: t.totalFen,
    points: { earned: t.pointsEarned, balance: after.pointsBalance },
    tenders: sale.fact.tenders.map((x) => ({
      method: x.kind,
      label:
        x.kind === "balance" && sale.fact.offlineApproved
          ? "储值支付(离线)"
          : x.kind === "points"
            ? `积分抵现(${sale.fact.pointsRedeemed ?? 0}分)`
            : x.kind === "shopping-card" && x.cardId
              ? `购物卡(${x.cardId.slice(-4)})`
              : TENDER_LABEL[x.kind],
      amountFen: x.amountFen,
    })),
    // A member without stored value gets no "储值余额 ￥0.00" line.
    storedValueBalanceFen: usedBalance || after.balanceFen !== 0 ? after.balanceFen : null,
    eReceiptUrl: saleReceiptUrl(config, sale.saleId, sale.fact.receiptToken),
  };
}

/** The text a staffed till scans from a claim ticket's QR code. */
export function claimUrl(config: ConfigContent, claimId: string): string {
  return `${config.device.receiptUrlBase}claim/${claimId}`;
}

/**
 * Pay at the counter: the priced cart (member prices and coupons, no points as cash) is recorded as a
 * claim and printed as a ticket; nothing moves until a staffed till takes the money.
 */
export function commitClaim(
  deps: PaymentDeps,
  config: ConfigContent,
  member: MemberRecord,
  lines: readonly CartLine[],
  quote: SessionQuote,
  at: number,
): CompletedClaim {
  const priced = quote.priced;
  const t = priced.totals;
  const claimId = randomUUID();
  const expiresAt = at + config.device.claims.validMinutes * 60_000;
  const fact: ClaimFact = {
    type: "claim",
    claimId,
    memberId: member.memberId,
    cardId: member.cardId,
    lines: lines.map((l) => ({ ...l })),
    coupons: priced.appliedCoupons.map((c) => c.instanceId),
    hints: { subtotalFen: t.subtotalFen, totalFen: t.totalFen, savingsFen: t.savingsFen, pointsEarned: t.pointsEarned },
    expiresAt,
    ...(config.catalogVersion !== undefined ? { catalogVersion: config.catalogVersion } : {}),
  };
  const entry = deps.store.appendFact(fact, at, config.version);
  deps.log.info({ claim: claimId, seq: entry.seq, totalFen: t.totalFen }, "claim ticket issued (pay at the counter)");
  const receipt: ReceiptData = {
    storeName: config.device.storeName,
    kioskId: deps.deviceId,
    receiptNo: `CLAIM-${deps.deviceId}-${entry.seq}`,
    time: at,
    kind: "claim",
    member: receiptMember(config, member),
    ...receiptLines(priced),
    totalFen: t.totalFen,
    points: null,
    tenders: [{ method: "counter", label: "到收银台付款", amountFen: t.totalFen }],
    storedValueBalanceFen: null,
    eReceiptUrl: claimUrl(config, claimId),
    // Printed in the printer's (store) time zone, like the header.
    validUntil: expiresAt,
    footer: ["本票未付款，积分在收银台付款后计入", "Not paid: points are added once paid at the till"],
  };
  return { claimId, seq: entry.seq, member, priced, receipt, expiresAt };
}
