// The hub's re-evaluation of kiosk facts with the shared rules: sales with the config version the kiosk used, returns from the sale's evaluation, and the bounds on what a sale may move.
import type { ConfigContent, MemberRecord, ReturnFact, SaleFact } from "../protocol/messages.js";
import { priceSale } from "../protocol/sale-pricing.js";
import { isRulesError } from "../protocol/rules/errors.js";
import type { PricedCart } from "../protocol/rules/pricing-types.js";
import { settleTenders, splitBalance, type StoredBalance, type TenderPlan } from "../protocol/rules/tenders.js";
import { returnLines, type ReturnResult } from "../protocol/rules/returns.js";

/** The largest amount of money one sale may move (any tender, and the hub's own total): 1,000,000.00 yuan. */
export const SALE_LIMIT_FEN = 100_000_000;
/** The most points one sale may spend or earn. */
export const SALE_POINTS_LIMIT = 100_000_000;

/** A fact the hub cannot apply (unknown member, product, config or sale): kept in the ledger for review. */
export class SaleRejected extends Error {
  readonly code: string = "SALE_REJECTED";
}

/** A return the hub cannot apply (unknown or rejected sale, wrong quantities). */
export class ReturnRejected extends SaleRejected {
  override readonly code: string = "RETURN_REJECTED";
}

export interface SaleEvaluation {
  subtotalFen: number;
  totalFen: number;
  savingsFen: number;
  pointsEarned: number;
  /** Points the rules spend for the points-as-cash request, at most what the hub allowed (this is what is debited). */
  pointsRedeemed: number;
  priced: PricedCart;
}

/**
 * Refuses a sale whose kiosk figures are absurd (beyond SALE_LIMIT_FEN / SALE_POINTS_LIMIT): no honest
 * kiosk makes them, and they must never reach a balance. Smaller over-claims are capped, not refused.
 */
export function checkSaleBounds(sale: SaleFact): void {
  const tendered = sale.tenders.reduce((s, t) => s + t.amountFen, 0);
  const h = sale.hints;
  const money = [tendered, h.subtotalFen, h.totalFen, h.savingsFen, sale.balanceSplit?.principalFen ?? 0, sale.balanceSplit?.bonusFen ?? 0];
  if (money.some((v) => v > SALE_LIMIT_FEN)) throw new SaleRejected(`amount beyond the per-sale limit of ${SALE_LIMIT_FEN} fen`);
  if ((sale.pointsRedeemed ?? 0) > SALE_POINTS_LIMIT || h.pointsEarned > SALE_POINTS_LIMIT) {
    throw new SaleRejected(`points beyond the per-sale limit of ${SALE_POINTS_LIMIT}`);
  }
}

/**
 * Prices the sale with the config version the kiosk used, spending at most `pointsToRedeem` points as
 * cash (the kiosk's request capped by what the hub allows; the rules cap it again for the cart).
 */
export function evaluateSale(
  content: ConfigContent,
  member: MemberRecord,
  sale: SaleFact,
  at: number,
  pointsToRedeem = sale.pointsRedeemed ?? 0,
): SaleEvaluation {
  try {
    const redeem = Math.max(0, Math.min(pointsToRedeem, sale.pointsRedeemed ?? 0));
    // The points were authorised (a hold, or the offline limit): price with them available.
    const priced = priceSale(content, { ...member, pointsBalance: Math.max(member.pointsBalance, redeem) }, sale.lines, at, {
      coupons: sale.coupons ?? [],
      linesChecked: true, // sale.lines passed SaleFactSchema at the MQTT boundary
      ...(redeem > 0 ? { pointsToRedeem: redeem } : {}),
    });
    const t = priced.totals;
    if (t.totalFen > SALE_LIMIT_FEN) throw new SaleRejected(`sale total ${t.totalFen} fen beyond the per-sale limit of ${SALE_LIMIT_FEN} fen`);
    if (t.pointsEarned > SALE_POINTS_LIMIT) throw new SaleRejected(`points beyond the per-sale limit of ${SALE_POINTS_LIMIT}`);
    return {
      subtotalFen: t.subtotalFen,
      totalFen: t.totalFen,
      savingsFen: t.savingsFen,
      pointsEarned: t.pointsEarned,
      pointsRedeemed: t.pointsRedeemed,
      priced,
    };
  } catch (err) {
    if (isRulesError(err)) throw new SaleRejected(`the rules refuse this sale: ${err.message}`);
    throw err;
  }
}

/**
 * How the hub takes `debitFen` from the member's stored value: principal and bonus by the spend order,
 * from the hub's own record of the member (the kiosk's balanceSplit is only compared). Bonus never goes
 * beyond the bonus the member has; an overdraft (offline approvals) is principal.
 */
export function hubBalanceSplit(content: ConfigContent, member: MemberRecord, debitFen: number): StoredBalance {
  const bonus = Math.min(Math.max(0, member.bonusBalanceFen), Math.max(0, member.balanceFen));
  const principal = Math.max(0, member.balanceFen - bonus);
  if (bonus === 0) return { principalFen: debitFen, bonusFen: 0 };
  const split = splitBalance(content.rules, debitFen, { principalFen: principal, bonusFen: bonus });
  return split.bonusFen > bonus ? { principalFen: debitFen - bonus, bonusFen: bonus } : split;
}

/**
 * The tender plan of a sale as the hub took it: `card` from a shopping card and `split` from the stored
 * value (what the hub debited), the rest of the payable amount external. Undefined when it does not fit
 * the priced cart: the return then refunds the line price as external money only (nothing goes back to
 * the balance or the card).
 */
export function saleTenders(content: ConfigContent, priced: PricedCart, split: StoredBalance, card?: { cardId: string; fen: number }): TenderPlan | undefined {
  try {
    const paidByCard = card && card.fen > 0 ? { shoppingCard: { cardId: card.cardId, balanceFen: card.fen }, useShoppingCardFen: card.fen } : {};
    return settleTenders(content.rules, { cart: priced, ...paidByCard, balance: split, useBalanceFen: split.principalFen + split.bonusFen });
  } catch (err) {
    if (isRulesError(err)) return undefined;
    throw err;
  }
}

/** The hub's own figures for a return, from its evaluation of the sale and what was returned before. */
export function evaluateReturn(
  sale: { priced: PricedCart; tenders: TenderPlan | undefined },
  ret: ReturnFact,
  previouslyReturned: Array<{ index: number; qty: number }>,
): ReturnResult {
  try {
    return returnLines({ cart: sale.priced, tenders: sale.tenders, lines: ret.lines.map((l) => ({ ...l })), previouslyReturned });
  } catch (err) {
    if (isRulesError(err)) throw new ReturnRejected(`the rules refuse this return: ${err.message}`);
    throw err;
  }
}
