// Tests for points as cash: ratio mode with caps, tiered mode, allowed days and channels, allocation to lines.
import { describe, expect, it } from "vitest";
import { priceCart } from "./pricing.js";
import type { CartLine, CartMember, PriceCartRequest } from "./pricing-types.js";
import { at, fullConfig } from "./test-fixtures.js";

// Full config: 1 point = 1 yuan, cap 100 yuan and 50% of the order, on the 1st and 15th and at weekends.
const config = fullConfig();
const member: CartMember = { id: "m", levelId: "normal", cardClass: "standard", pointsBalance: 400 };
const basket: CartLine[] = [
  { sku: "rice-5kg", qty: 2 },
  { sku: "diapers-l52", qty: 1 },
  { sku: "formula-900g", qty: 1 },
]; // 53680

function redeem(pointsToRedeem: PriceCartRequest["pointsToRedeem"], extra: Partial<PriceCartRequest> = {}, cfg = config) {
  return priceCart({ config: cfg, member, lines: basket, channel: "kiosk", at: at("2024-05-01T10:00"), pointsToRedeem, ...extra });
}

describe("ratio mode", () => {
  it.each([
    ["30 points pay 30 yuan", 30, {}, 30, 3000, null],
    ["capped at 100 yuan", 150, {}, 100, 10000, null],
    ["'max' uses the balance up to the cap", "max", {}, 100, 10000, null],
    ["'max' with a small balance", "max", { member: { ...member, pointsBalance: 40 } }, 40, 4000, null],
    ["the 50% cap on a small order: 12.50 -> 6 points for 6 yuan", 10, { lines: [{ sku: "milk-1l", qty: 1 }] }, 6, 600, null],
    ["more points than held", 500, {}, 0, 0, "insufficient-points"],
    ["'max' without a known balance", "max", { member: { ...member, pointsBalance: undefined } }, 0, 0, "balance-unknown"],
    ["a Thursday that is not the 1st or 15th", 30, { at: at("2024-05-02T10:00") }, 0, 0, "not-allowed-today"],
    ["a Saturday", 30, { at: at("2024-05-04T10:00") }, 30, 3000, null],
    ["a guest", 30, { member: null }, 0, 0, "no-member"],
  ] as const)("%s", (_n, req, extra, used, cashFen, rejected) => {
    const cart = redeem(req, extra as Partial<PriceCartRequest>);
    expect(cart.pointsRedemption).toEqual({ requested: req, used, cashFen, rejected });
    expect(cart.totals.pointsCashFen).toBe(cashFen);
    expect(cart.totals.payableFen).toBe(cart.totals.totalFen - cashFen);
  });
  it("with 30 points per yuan, never spends more points than the cash is worth", () => {
    const cfg = fullConfig((c) => void (c.points = { ...c.points, redemption: { mode: "ratio", pointsPerYuan: 30 } }));
    const cart = redeem(100, {}, cfg); // 100 points = 3.333 yuan -> 333 fen for 100 points (99.9 rounded up)
    expect(cart.pointsRedemption).toMatchObject({ used: 100, cashFen: 333 });
    const small = redeem(10, {}, cfg); // 10 points = 0.333 yuan -> 33 fen for 10 points (9.9 rounded up)
    expect(small.pointsRedemption).toMatchObject({ used: 10, cashFen: 33 });
  });
  it("allocates the cash and the points used to lines, and earns no points on the part paid with points", () => {
    const cart = redeem(100);
    expect(cart.lines.map((l) => l.pointsCashFen)).toEqual([2046, 2403, 5551]);
    expect(cart.lines.map((l) => l.pointsRedeemed)).toEqual([20, 24, 56]);
    expect(cart.lines.map((l) => l.payableFen)).toEqual([8934, 10497, 24249]);
    // formula 242.49/50 = 4.8498, diapers fixed 2, rice 89.34/100 = 0.8934: 7.743 -> 7
    expect(cart.totals.pointsEarned).toBe(7);
    const earnAll = fullConfig((c) => void (c.points = { ...c.points, options: { ...c.points?.options, earnOnPointsCash: true } }));
    expect(redeem(100, {}, earnAll).totals.pointsEarned).toBe(9); // 5.96 + 2 + 1.098
  });
  it("is not available when not configured, or on a channel not allowed", () => {
    const off = fullConfig((c) => void (c.points = { ...c.points, redemption: null }));
    expect(redeem(30, {}, off).pointsRedemption.rejected).toBe("not-enabled");
    const tillOnly = fullConfig((c) => void (c.points = { ...c.points, redemption: { mode: "ratio", pointsPerYuan: 1, channels: ["till"] } }));
    expect(redeem(30, {}, tillOnly).pointsRedemption.rejected).toBe("channel");
  });
});

describe("tiered mode", () => {
  const tiered = fullConfig(
    (c) =>
      void (c.points = {
        ...c.points,
        redemption: {
          mode: "tiered",
          capPercent: 50,
          tiers: [
            { points: 100, fen: 1000 },
            { points: 200, fen: 2500 },
            { points: 500, fen: 8000 },
          ],
        },
      }),
  );
  it.each([
    ["300 points: the 200-point tier", 300, {}, 200, 2500, null],
    ["'max' with 600 points: the 500-point tier", "max", { member: { ...member, pointsBalance: 600 } }, 500, 8000, null],
    ["99 points: no tier", 99, {}, 0, 0, "nothing-to-redeem"],
    [
      "a small order where no tier fits under the cap",
      500,
      { lines: [{ sku: "milk-1l", qty: 1 }], member: { ...member, pointsBalance: 600 } },
      0,
      0,
      "nothing-to-redeem",
    ],
  ] as const)("%s", (_n, req, extra, used, cashFen, rejected) => {
    expect(redeem(req, extra as Partial<PriceCartRequest>, tiered).pointsRedemption).toEqual({ requested: req, used, cashFen, rejected });
  });
});
