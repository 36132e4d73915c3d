// Tests for refunding a top-up's rest: the policy "the bonus follows the principal kept", with the example (1000 + 100, spend 550).
import { describe, expect, it } from "vitest";
import { parseRulesConfig } from "./config.js";
import { splitBalance } from "./tenders.js";
import { quoteTopUpRefund } from "./top-up-refund.js";

const topUp = { principalFen: 100_000, bonusFen: 10_000, points: 100, refundedPrincipalFen: 0, refundedBonusFen: 0, refundedPoints: 0 };

/** The member's balance after spending 550 yuan of 1000 + 100 with the given spend order. */
function afterSpending(spendOrder: "proportional" | "principal-first" | "bonus-first") {
  const config = parseRulesConfig({ storedValue: { spendOrder } });
  const used = splitBalance(config, 55_000, { principalFen: 100_000, bonusFen: 10_000 });
  return { principalFen: 100_000 - used.principalFen, bonusFen: 10_000 - used.bonusFen, pointsBalance: 100 };
}

describe("refund of the rest of a top-up: 1000 + 100 bonus, 550 spent", () => {
  it.each([
    // proportional: 550 = 500 principal + 50 bonus; the member kept 500 and its 50 bonus: 500 back, the 50 left taken back.
    ["proportional", 50_000, 5_000, 5_000, 0, 50_000],
    // bonus first: 550 = 100 bonus + 450 principal; 550 left is refunded; 55 of bonus was due back but spent: 495 paid out.
    ["bonus-first", 55_000, 5_500, 0, 5_500, 49_500],
    // principal first: 550 principal; 450 refunded with its 45 bonus; the member keeps 55 bonus for the 550 kept.
    ["principal-first", 45_000, 4_500, 4_500, 0, 45_000],
  ] as const)("%s spend order", (order, principal, due, back, spent, cash) => {
    const member = afterSpending(order);
    const r = quoteTopUpRefund({ topUp, member });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.quote).toMatchObject({ principalFen: principal, bonusDueFen: due, bonusBackFen: back, bonusSpentFen: spent, cashBackFen: cash });
    // Whatever the order: what the member got (550 spent + what stays on the balance) less what they paid net
    // (1000 - paid out) is exactly the bonus share of the principal they kept.
    const stays = member.principalFen - r.quote.principalFen + (member.bonusFen - r.quote.bonusBackFen);
    expect(55_000 + stays - (100_000 - r.quote.cashBackFen)).toBe(r.quote.keptBonusFen);
    expect(r.quote.keptBonusFen + r.quote.bonusDueFen).toBe(10_000);
    expect(r.quote.pointsDue).toBe(100 - Math.floor((100 * r.quote.keptPrincipalFen) / 100_000));
  });
  it("refuses more than is left on the balance, an empty balance, and a second refund of everything", () => {
    const member = afterSpending("proportional");
    expect(quoteTopUpRefund({ topUp, member, requestFen: 100_000 })).toMatchObject({ ok: false, reason: "REFUND_TOO_LARGE" });
    expect(quoteTopUpRefund({ topUp, member, requestFen: 100_001 })).toMatchObject({ ok: false, reason: "REFUND_TOO_LARGE" });
    expect(quoteTopUpRefund({ topUp, member: { principalFen: 0, bonusFen: 0, pointsBalance: 0 } })).toMatchObject({ ok: false, reason: "NOTHING_LEFT" });
    expect(quoteTopUpRefund({ topUp: { ...topUp, refundedPrincipalFen: 100_000 }, member })).toMatchObject({ ok: false, reason: "ALREADY_REFUNDED" });
    expect(() => quoteTopUpRefund({ topUp: { ...topUp, bonusFen: 0.5 }, member })).toThrow(expect.objectContaining({ code: "RULES_INVALID_INPUT" }));
  });
  it("two partial refunds add up to one full refund", () => {
    const member = { principalFen: 100_000, bonusFen: 10_000, pointsBalance: 100 };
    const first = quoteTopUpRefund({ topUp, member, requestFen: 33_333 });
    if (!first.ok) throw new Error(first.message);
    const q1 = first.quote;
    const second = quoteTopUpRefund({
      topUp: { ...topUp, refundedPrincipalFen: q1.principalFen, refundedBonusFen: q1.bonusDueFen, refundedPoints: q1.pointsDue },
      member: { principalFen: member.principalFen - q1.principalFen, bonusFen: member.bonusFen - q1.bonusBackFen, pointsBalance: 100 - q1.pointsBack },
    });
    if (!second.ok) throw new Error(second.message);
    expect(q1.principalFen + second.quote.principalFen).toBe(100_000);
    expect(q1.bonusBackFen + second.quote.bonusBackFen).toBe(10_000);
    expect(q1.pointsBack + second.quote.pointsBack).toBe(100);
  });
});
