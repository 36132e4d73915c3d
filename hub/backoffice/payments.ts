// Counter payments: money taken from the member's stored value goes through the ledger (principal and bonus split by the rules); other methods are recorded only.
import { splitBalance } from "../../protocol/rules/tenders.js";
import type { RulesConfig } from "../../protocol/rules/config.js";
import type { BackofficeDeps } from "./deps.js";
import type { Payment } from "./schemas.js";
import type { Work } from "./work.js";

export interface PaymentTaken {
  method: Payment["method"];
  reference: string | null;
  amountFen: number;
  /** Parts of the stored value used (0 unless the method is `balance`). */
  principalFen: number;
  bonusFen: number;
}

/** Inside the caller's transaction: takes `amountFen` by `payment`; a balance payment is a ledger move under (reason, ref). */
export function takePaymentInTx(
  d: BackofficeDeps,
  w: Work,
  o: { memberId: string; amountFen: number; payment: Payment; rules: RulesConfig; reason: string; ref: string },
): PaymentTaken {
  const base = { method: o.payment.method, reference: o.payment.reference ?? null, amountFen: o.amountFen, principalFen: 0, bonusFen: 0 };
  if (o.payment.method !== "balance" || o.amountFen === 0) return base;
  const b = d.ledger.balances(o.memberId);
  const split = splitBalance(o.rules, Math.min(o.amountFen, Math.max(0, b.balanceFen)), { principalFen: b.principalFen, bonusFen: b.bonusFen });
  // If the balance does not cover the amount, the ledger refuses (INSUFFICIENT_BALANCE).
  const shortfall = o.amountFen - split.principalFen - split.bonusFen;
  d.ledger.applyInTx({ memberId: o.memberId, reason: o.reason, ref: o.ref, principalFen: -(split.principalFen + shortfall), bonusFen: -split.bonusFen }, w);
  return { ...base, principalFen: split.principalFen + shortfall, bonusFen: split.bonusFen };
}
