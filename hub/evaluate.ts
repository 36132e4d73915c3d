// The hub's re-evaluation of a kiosk sale with the shared rules and the config version the kiosk used.
import type { ConfigContent, MemberRecord, SaleFact } from "../protocol/messages.js";
import { priceSale } from "../protocol/sale-pricing.js";
import { isRulesError } from "../protocol/rules/errors.js";

/** A sale the hub cannot apply (unknown member, product or config): kept in the ledger for review. */
export class SaleRejected extends Error {
  readonly code = "SALE_REJECTED";
}

export interface SaleEvaluation {
  subtotalFen: number;
  totalFen: number;
  savingsFen: number;
  pointsEarned: number;
}

export function evaluateSale(content: ConfigContent, member: MemberRecord, sale: SaleFact, at: number): SaleEvaluation {
  try {
    const priced = priceSale(content, member, sale.lines, at);
    return {
      subtotalFen: priced.totals.subtotalFen,
      totalFen: priced.totals.totalFen,
      savingsFen: priced.totals.savingsFen,
      pointsEarned: priced.totals.pointsEarned,
    };
  } catch (err) {
    if (isRulesError(err)) throw new SaleRejected(`the rules refuse this sale: ${err.message}`);
    throw err;
  }
}
