// Counter payments: money taken from the member's stored value or one of their shopping cards goes through the ledger (principal and bonus split by the rules); other methods are recorded only.
import { splitBalance } from "../../protocol/rules/tenders.js";
import type { RulesConfig } from "../../protocol/rules/config.js";
import type { BackofficeDeps } from "./deps.js";
import type { Payment } from "./schemas.js";
import type { Work } from "./work.js";
import { HubError } from "../errors.js";
import { shoppingCard } from "./stored-cards.js";

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

/**
 * Inside the caller's transaction: a shopping card (购物卡) pays first, `amountFen` of it or as much as it
 * has available (its balance less the money held for kiosk sales in flight) up to `payableFen`; a ledger
 * move on the card (reason shopping-card-spend, the operation's ref), so it is taken once. Returns what it paid.
 */
export function takeShoppingCardInTx(
  d: BackofficeDeps,
  w: Work,
  o: { memberId: string; cardId: string; amountFen?: number | undefined; payableFen: number; ref: string },
): { cardId: string; fen: number; balanceFen: number } {
  const card = shoppingCard(d, o.cardId);
  if (!card || card.memberId !== o.memberId) throw new HubError("NOT_FOUND", `member ${o.memberId} has no shopping card ${o.cardId}`);
  const available = Math.max(0, card.balanceFen - d.ledger.cardHeld(o.cardId));
  if (o.amountFen !== undefined && o.amountFen > o.payableFen)
    throw new HubError("INVALID_INPUT", `the shopping card cannot pay ${o.amountFen} fen of ${o.payableFen}`);
  const fen = o.amountFen ?? Math.min(available, o.payableFen);
  if (fen > available) throw new HubError("REFUSED", `the shopping card has ${available} fen available`, { reason: "INSUFFICIENT_BALANCE" });
  if (fen > 0) d.ledger.applyInTx({ memberId: o.memberId, reason: "shopping-card-spend", ref: o.ref, shoppingCard: { cardId: o.cardId, fen: -fen } }, w);
  return { cardId: o.cardId, fen, balanceFen: card.balanceFen - fen };
}
