// The hub's re-evaluation of kiosk facts with the shared rules: sales with the config version the kiosk used, returns from the sale's evaluation.
import type { ConfigContent, MemberRecord, ReturnFact, SaleFact } from "../protocol/messages.js";
import { priceSale } from "../protocol/sale-pricing.js";
import { isRulesError } from "../protocol/rules/errors.js";
import type { PricedCart } from "../protocol/rules/pricing-types.js";
import { settleTenders, type TenderPlan } from "../protocol/rules/tenders.js";
import { returnLines, type ReturnResult } from "../protocol/rules/returns.js";

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
  /** Points the rules would spend for the points-as-cash request (the kiosk's figure is what is debited). */
  pointsRedeemed: number;
  priced: PricedCart;
}

export function evaluateSale(content: ConfigContent, member: MemberRecord, sale: SaleFact, at: number): SaleEvaluation {
  try {
    const redeem = sale.pointsRedeemed ?? 0;
    // The points the kiosk spent were its to spend (authorised, or offline within limits): price with them available.
    const priced = priceSale(content, { ...member, pointsBalance: Math.max(member.pointsBalance, redeem) }, sale.lines, at, {
      coupons: sale.coupons ?? [],
      ...(redeem > 0 ? { pointsToRedeem: redeem } : {}),
    });
    return {
      subtotalFen: priced.totals.subtotalFen,
      totalFen: priced.totals.totalFen,
      savingsFen: priced.totals.savingsFen,
      pointsEarned: priced.totals.pointsEarned,
      pointsRedeemed: priced.totals.pointsRedeemed,
      priced,
    };
  } catch (err) {
    if (isRulesError(err)) throw new SaleRejected(`the rules refuse this sale: ${err.message}`);
    throw err;
  }
}

/**
 * The tender plan of a sale as it was paid: the balance part split as the kiosk recorded it (or by
 * the spend order), the rest external. Undefined when the plan does not fit the hub's priced cart
 * (a disagreement already recorded): the return then refunds the whole line price as one amount.
 */
export function saleTenders(content: ConfigContent, priced: PricedCart, sale: SaleFact): TenderPlan | undefined {
  const balance = sale.tenders.filter((t) => t.kind === "balance").reduce((s, t) => s + t.amountFen, 0);
  const split = sale.balanceSplit ?? { principalFen: balance, bonusFen: 0 };
  try {
    return settleTenders(content.rules, { cart: priced, balance: { principalFen: split.principalFen, bonusFen: split.bonusFen }, useBalanceFen: split.principalFen + split.bonusFen });
  } catch (err) {
    if (isRulesError(err)) return undefined;
    throw err;
  }
}

/** The hub's own figures for a return, from its evaluation of the sale and what was returned before. */
export function evaluateReturn(sale: { priced: PricedCart; tenders: TenderPlan | undefined }, ret: ReturnFact, previouslyReturned: Array<{ index: number; qty: number }>): ReturnResult {
  try {
    return returnLines({ cart: sale.priced, tenders: sale.tenders, lines: ret.lines.map((l) => ({ ...l })), previouslyReturned });
  } catch (err) {
    if (isRulesError(err)) throw new ReturnRejected(`the rules refuse this return: ${err.message}`);
    throw err;
  }
}
