// Tests for returns: exact reversal per line and per tender, partial quantities in steps, points taken back and kept.
import { describe, expect, it } from "vitest";
import { priceCart } from "./pricing.js";
import { returnLines } from "./returns.js";
import { settleTenders } from "./tenders.js";
import { at, fullConfig } from "./test-fixtures.js";

const config = fullConfig();
// Gold (x1.5) on the member's birthday (x2, additive: x2.5), a coupon, 100 points as cash, part balance.
const cart = priceCart({
  config,
  member: {
    id: "m",
    levelId: "l90",
    cardClass: "standard",
    birthday: "05-01",
    pointsBalance: 500,
    couponsHeld: [{ instanceId: "k1", couponId: "c-200-50", expiresOn: "2024-12-31" }],
  },
  lines: [
    { sku: "rice-5kg", qty: 3 },
    { sku: "diapers-l52", qty: 2 },
    { sku: "formula-900g", qty: 1 },
    { sku: "yogurt-6", qty: 5 },
  ],
  channel: "kiosk",
  at: at("2024-05-01T10:00"),
  coupons: ["k1"],
  pointsToRedeem: 100,
});
const tenders = settleTenders(config, { cart, balance: { principalFen: 30000, bonusFen: 3000 }, useBalanceFen: 20000 });

describe("returnLines", () => {
  it("the sale used a coupon, points cash, balance and external payment, and earned birthday extras", () => {
    expect(cart.totals.couponDiscountFen).toBe(5000);
    expect(cart.totals.pointsCashFen).toBe(10000);
    expect(cart.totals.pointsEarned).toBeGreaterThan(cart.totals.pointsReturnable);
    expect(tenders.externalFen).toBeGreaterThan(0);
  });

  it("returning one whole line gives back exactly what that line got", () => {
    const line = cart.lines[2]!;
    const t = tenders.lines[2]!;
    const r = returnLines({ cart, tenders, lines: [{ index: 2 }] });
    expect(r.lines).toEqual([
      {
        index: 2,
        qty: 1,
        refundFen: line.lineTotalFen,
        moneyFen: line.payableFen,
        pointsCashFen: line.pointsCashFen,
        principalFen: t.principalFen,
        bonusFen: t.bonusFen,
        externalFen: t.externalFen,
        pointsGivenBack: line.pointsRedeemed,
        pointsTakenBack: line.pointsReturnable,
        pointsKept: line.pointsEarned - line.pointsReturnable,
      },
    ]);
    expect(r.wholeOrderReturned).toBe(false);
    expect(r.couponsRestorable).toEqual([]);
    expect(r.totals.netPoints).toBe(line.pointsRedeemed - line.pointsReturnable);
  });

  it("returning the whole order in two steps restores every tender and the points exactly", () => {
    const first = returnLines({ cart, tenders, lines: [{ index: 0, qty: 1 }, { index: 3 }] });
    const second = returnLines({
      cart,
      tenders,
      lines: [{ index: 0 }, { index: 1 }, { index: 2 }],
      previouslyReturned: [
        { index: 0, qty: 1 },
        { index: 3, qty: 5 },
      ],
    });
    const both = (k: "principalFen" | "bonusFen" | "externalFen" | "pointsCashFen" | "moneyFen" | "pointsGivenBack" | "pointsTakenBack" | "pointsKept") =>
      first.totals[k] + second.totals[k];
    expect(both("principalFen")).toBe(tenders.balancePrincipalFen);
    expect(both("bonusFen")).toBe(tenders.balanceBonusFen);
    expect(both("externalFen")).toBe(tenders.externalFen);
    expect(both("pointsCashFen")).toBe(cart.totals.pointsCashFen);
    expect(both("moneyFen")).toBe(cart.totals.payableFen);
    expect(both("pointsGivenBack")).toBe(cart.totals.pointsRedeemed);
    expect(both("pointsTakenBack")).toBe(cart.totals.pointsReturnable);
    expect(both("pointsKept")).toBe(cart.totals.pointsEarned - cart.totals.pointsReturnable);
    expect(second.wholeOrderReturned).toBe(true);
    expect(second.couponsRestorable).toEqual(["k1"]);
  });

  it("returns units one at a time, adding up to the line exactly, each unit near its share", () => {
    const line = cart.lines[3]!; // yogurt x5
    let previouslyReturned: { index: number; qty: number }[] = [];
    const steps = [];
    for (let i = 0; i < 5; i++) {
      const r = returnLines({ cart, tenders, lines: [{ index: 3, qty: 1 }], previouslyReturned });
      steps.push(r.lines[0]!);
      previouslyReturned = [{ index: 3, qty: i + 1 }];
    }
    expect(steps.reduce((s, x) => s + x.refundFen, 0)).toBe(line.lineTotalFen);
    expect(steps.reduce((s, x) => s + x.externalFen, 0)).toBe(tenders.lines[3]?.externalFen);
    expect(steps.reduce((s, x) => s + x.pointsTakenBack, 0)).toBe(line.pointsReturnable);
    for (const s of steps) expect(Math.abs(s.refundFen * 5 - line.lineTotalFen)).toBeLessThan(5);
  });

  it("without a tender plan, the money comes back as one amount", () => {
    const r = returnLines({ cart, lines: [{ index: 1 }] });
    expect(r.lines[0]).toMatchObject({ moneyFen: cart.lines[1]?.payableFen, externalFen: cart.lines[1]?.payableFen, principalFen: 0, bonusFen: 0 });
  });

  it.each([
    ["a line not in the sale", { lines: [{ index: 9 }] }, "lines.0.index"],
    ["a line listed twice", { lines: [{ index: 1 }, { index: 1 }] }, "lines.1.index"],
    ["more units than sold", { lines: [{ index: 0, qty: 4 }] }, "lines.0.qty"],
    ["more units than left", { lines: [{ index: 0, qty: 2 }], previouslyReturned: [{ index: 0, qty: 2 }] }, "lines.0.qty"],
    ["a line already returned", { lines: [{ index: 2 }], previouslyReturned: [{ index: 2, qty: 1 }] }, "lines.0.qty"],
    ["zero units", { lines: [{ index: 0, qty: 0 }] }, "lines.0.qty"],
    ["a wrong earlier return", { lines: [{ index: 0 }], previouslyReturned: [{ index: 0, qty: 7 }] }, "previouslyReturned.0"],
  ])("rejects %s", (_n, patch, field) => {
    expect(() => returnLines({ cart, tenders, ...patch })).toThrow(expect.objectContaining({ code: "RULES_INVALID_RETURN", field }));
  });
});
