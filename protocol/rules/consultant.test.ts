// Tests for consultant rewards: the vendor's worked figures, multipliers, target, shortfall deduction and excess bonus.
import { describe, expect, it } from "vitest";
import { parseRulesConfig } from "./config.js";
import { classifyConsultantSale, consultantReward } from "./consultant.js";

const s = parseRulesConfig({}).consultant;

describe("counted amounts", () => {
  it.each([
    // The vendor's screenshots: in-store sales to existing members count x0.9.
    [20720, "other", "till", 18648],
    [29400, "other", "kiosk", 26460],
    [5000, "other", "till", 4500],
    [35800, "other", "till", 32220],
    [10000, "new-first", "online", 20000],
    [10000, "new-repeat", "till", 22500],
    [10000, "lost-won-back", "online", 30000],
    [10000, "sleeping-reactivated", "kiosk", 18000],
    [-10000, "other", "till", -9000],
  ] as const)("%i fen, %s, %s -> %i", (amountFen, kind, channel, counted) => {
    expect(consultantReward(s, [{ amountFen, kind, channel }]).countedFen).toBe(counted);
  });
});

describe("returns take back exactly what their sale earned (seed 002: no purchase, no reward)", () => {
  const sale = { amountFen: 20720, kind: "new-first", channel: "till" } as const; // 207.20 yuan x2 (new, first) x0.9 (store) = 372.96
  const ret = (amountFen: number, returnedBeforeFen = 0) => ({ ...sale, amountFen, returnOf: { saleAmountFen: 20720, returnedBeforeFen } });
  it("a fully returned sale nets 0, not 207.20 x 0.9 less", () => {
    const r = consultantReward(s, [sale, ret(-20720)]);
    expect(r.lines.map((l) => l.countedFen)).toEqual([37296, -37296]);
    expect(r.countedFen).toBe(0);
  });
  it("partial returns telescope: together they take back the sale's counted amount exactly, whatever the rounding", () => {
    // 3 returns of 1 fen, 3333 fen and the rest, each rounded on its own, sum to exactly -37296.
    const r = consultantReward(s, [sale, ret(-1), ret(-3333, 1), ret(-17386, 3334)]);
    expect(r.countedFen).toBe(0);
    expect(r.lines[1]!.countedFen).toBe(-2); // 1 fen x 1.8 = 1.8 -> 2
  });
  it("a return in a later month, alone, takes back what it earned (a regular x0.9 member's 50 yuan)", () => {
    expect(
      consultantReward(s, [{ amountFen: -5000, kind: "other", channel: "kiosk", returnOf: { saleAmountFen: 5000, returnedBeforeFen: 0 } }]).countedFen,
    ).toBe(-4500);
  });
  it("never takes back more than the sale, and refuses a positive return", () => {
    expect(consultantReward(s, [ret(-5000, 20000)]).countedFen).toBe(-1296); // only 720 fen were left: 720 x 1.8
    expect(() => consultantReward(s, [ret(100)])).toThrow(expect.objectContaining({ code: "RULES_INVALID_INPUT" }));
  });
});

describe("monthly reward (target 200000 yuan, bonus 1000 yuan)", () => {
  it.each([
    ["exactly on target", 20_000_000, 100_000, 0, 0],
    ["50000 yuan short: 1% of it deducted", 15_000_000, 50_000, 50_000, 0],
    ["50000 yuan over: 10% of it added", 25_000_000, 600_000, 0, 500_000],
    ["far short: never below zero", 0, 0, 200_000, 0],
  ])("%s", (_n, counted, reward, deduction, excess) => {
    const r = consultantReward(s, [{ amountFen: counted, kind: "other", channel: "online" }]);
    expect(r).toMatchObject({ countedFen: counted, rewardFen: reward, deductionFen: deduction, excessBonusFen: excess, reachedTarget: counted >= 20_000_000 });
  });
});

describe("classifying a sale", () => {
  it.each([
    ["new member, first purchase", "2024-04-20", [], "new-first"],
    ["new member, repeat", "2024-04-20", ["2024-04-25"], "new-repeat"],
    ["old member back after 200 days", "2022-01-01", ["2023-10-01"], "lost-won-back"],
    ["old member who never bought", "2022-01-01", [], "lost-won-back"],
    ["old member back after 100 days", "2022-01-01", ["2024-01-20"], "sleeping-reactivated"],
    ["regular", "2022-01-01", ["2024-04-21"], "other"],
  ] as const)("%s", (_n, cardIssuedOn, previousPurchaseDates, kind) => {
    expect(classifyConsultantSale(s, { cardIssuedOn, previousPurchaseDates }, "2024-05-01")).toBe(kind);
  });
});
