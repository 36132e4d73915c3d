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
