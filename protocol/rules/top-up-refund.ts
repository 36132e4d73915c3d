// Refund of a top-up's balance principal: how much, and the principal / bonus / points split (the policy is "the bonus follows the principal kept").
import { RulesError } from "./errors.js";

export interface TopUpRefundInput {
  /** The top-up: principal credited to the balance, its bonus and points, and what earlier refunds took. */
  topUp: { principalFen: number; bonusFen: number; points: number; refundedPrincipalFen: number; refundedBonusFen: number; refundedPoints: number };
  /** The member now: principal and bonus on the balance, points. */
  member: { principalFen: number; bonusFen: number; pointsBalance: number };
  /** Principal to refund; absent = "the rest": the top-up's unrefunded principal, at most the principal still on the balance. */
  requestFen?: number | undefined;
}

export interface TopUpRefundQuote {
  /** Principal taken off the balance. */
  principalFen: number;
  /** Bonus due back (the refunded principal's share), and how it is settled: */
  bonusDueFen: number;
  /** taken off the balance, */
  bonusBackFen: number;
  /** already spent, so deducted from the money paid out. */
  bonusSpentFen: number;
  pointsDue: number;
  /** Points taken back (as far as the member has them); the rest is not chased. */
  pointsBack: number;
  /** Money paid out: principal - bonus already spent. */
  cashBackFen: number;
  /** Of this top-up, principal the member keeps (spent or still on the balance) and the bonus that goes with it. */
  keptPrincipalFen: number;
  keptBonusFen: number;
}

export type TopUpRefundRefusal = "ALREADY_REFUNDED" | "REFUND_TOO_LARGE" | "NOTHING_LEFT" | "BONUS_SPENT";

export type TopUpRefundResult = { ok: true; quote: TopUpRefundQuote } | { ok: false; reason: TopUpRefundRefusal; message: string };

const refuse = (reason: TopUpRefundRefusal, message: string): TopUpRefundResult => ({ ok: false, reason, message });

/**
 * The split policy (explicit, seed 001 充值规则 leaves it to the store): **the bonus follows the
 * principal the member keeps**. Of a top-up of P principal with B bonus, a member who keeps K of the
 * principal (spent or left on the balance, i.e. not refunded) keeps `floor(B x K / P)` of the bonus
 * and of the points. Refunding R of principal makes the rest of the bonus due back: what is still on
 * the balance is taken back, what was already spent is deducted from the money paid out. So
 * "top up 1000 + 100 bonus, spend 550 (proportional: 500 principal + 50 bonus), refund the rest"
 * pays out 500 and takes back the 50 bonus left: the member kept 500 principal and its 50 bonus.
 * A refund never exceeds the principal still on the balance ("the rest" is capped there).
 * Bad numbers throw RULES_INVALID_INPUT; business refusals come back as `{ ok: false, reason }`.
 */
export function quoteTopUpRefund(input: TopUpRefundInput): TopUpRefundResult {
  const { topUp: t, member: m } = input;
  const fields: Array<[string, Record<string, number>]> = [
    ["topUp", t],
    ["member", m],
    ["", { requestFen: input.requestFen ?? 0 }],
  ];
  for (const [prefix, o] of fields) {
    for (const [k, v] of Object.entries(o)) {
      if (!Number.isSafeInteger(v)) throw new RulesError("RULES_INVALID_INPUT", "expected integer fen and points", prefix === "" ? k : `${prefix}.${k}`);
    }
  }
  const remaining = t.principalFen - t.refundedPrincipalFen;
  if (remaining <= 0) return refuse("ALREADY_REFUNDED", "this top-up is fully refunded");
  const onBalance = Math.max(0, m.principalFen);
  const amount = input.requestFen ?? Math.min(remaining, onBalance);
  if (amount <= 0) return refuse("NOTHING_LEFT", "no principal is left on the balance to refund");
  if (amount > remaining) return refuse("REFUND_TOO_LARGE", `at most ${remaining} fen of this top-up can be refunded`);
  if (amount > onBalance) return refuse("REFUND_TOO_LARGE", `only ${onBalance} fen of principal is left on the balance`);
  const kept = remaining - amount;
  const share = (total: number): number => (t.principalFen === 0 ? 0 : Math.floor((total * kept) / t.principalFen));
  const bonusDueFen = Math.max(0, t.bonusFen - t.refundedBonusFen - share(t.bonusFen));
  const pointsDue = Math.max(0, t.points - t.refundedPoints - share(t.points));
  const bonusBackFen = Math.min(bonusDueFen, Math.max(0, m.bonusFen));
  const bonusSpentFen = bonusDueFen - bonusBackFen;
  if (bonusSpentFen > amount) return refuse("BONUS_SPENT", "the bonus already spent exceeds the refund");
  const quote: TopUpRefundQuote = {
    principalFen: amount,
    bonusDueFen,
    bonusBackFen,
    bonusSpentFen,
    pointsDue,
    pointsBack: Math.min(pointsDue, Math.max(0, m.pointsBalance)),
    cashBackFen: amount - bonusSpentFen,
    keptPrincipalFen: t.principalFen - t.refundedPrincipalFen - amount,
    keptBonusFen: share(t.bonusFen),
  };
  return { ok: true, quote };
}
