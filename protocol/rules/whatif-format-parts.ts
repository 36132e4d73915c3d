// Plain-text lines of the what-if's consultant reward and top-up refund parts.
import type { ConsultantReward } from "./consultant.js";
import type { WhatIfConsultantReport, WhatIfTopUpRefundReport } from "./whatif-parts.js";

/** Fen as yuan with two decimals: 12345 -> "123.45", -5 -> "-0.05". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const a = Math.abs(fen);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

const signed = (fen: number): string => (fen < 0 ? yuan(fen) : `+${yuan(fen)}`);
const pct = (p: number): string => `x${p / 100}`;

function month(w: ConsultantReward): string {
  const side = w.reachedTarget ? `target reached, +${yuan(w.excessBonusFen)} excess bonus` : `-${yuan(w.deductionFen)} shortfall deduction`;
  return `counted ${yuan(w.countedFen)} of ${yuan(w.targetFen)}, reward ${yuan(w.rewardFen)} (${side})`;
}

export function consultantLines(c: WhatIfConsultantReport): string[] {
  const out = [`Consultant${c.consultantId ? ` ${c.consultantId}` : ""}: month so far ${month(c.before)}`];
  const s = c.sale;
  if (s && c.withSale) {
    out.push(
      `  cart ${yuan(s.amountFen)} (${s.kind} ${pct(s.multiplierPercent)}, ${s.channel} ${pct(s.channelPercent)}) counts ${yuan(s.countedFen)}; reward for the cart ${signed(c.rewardForCartFen ?? 0)}`,
      `  with the cart: ${month(c.withSale)}`,
    );
  }
  const r = c.return;
  if (r && c.withReturn) {
    out.push(
      `  return ${yuan(r.amountFen)} takes back ${yuan(-r.countedFen)} counted; reward for the return ${signed(c.rewardForReturnFen ?? 0)}`,
      `  with the return: ${month(c.withReturn)}`,
    );
  }
  return out;
}

export function topUpRefundLines(t: WhatIfTopUpRefundReport): string[] {
  const what = `top-up ${yuan(t.topUp.principalFen)} + ${yuan(t.topUp.bonusFen)} bonus${t.topUp.points ? ` + ${t.topUp.points} points` : ""}`;
  if (!t.ok) return [`Top-up refund (${what}): refused, ${t.reason} (${t.message})`];
  const q = t.quote;
  return [
    `Top-up refund (${what}, ${t.requestFen === null ? "the unspent rest" : `asked ${yuan(t.requestFen)}`}):`,
    `  principal refunded  ${yuan(q.principalFen)}`,
    `  bonus taken back    ${yuan(q.bonusDueFen)} (${yuan(q.bonusBackFen)} off the balance, ${yuan(q.bonusSpentFen)} already spent: deducted from the payout)`,
    `  points taken back   ${q.pointsBack}${q.pointsBack < q.pointsDue ? ` of ${q.pointsDue} due (the rest is not chased)` : ""}`,
    `  paid out            ${yuan(q.cashBackFen)}`,
    `  member keeps        ${yuan(q.keptPrincipalFen)} principal and its ${yuan(q.keptBonusFen)} bonus`,
  ];
}
