// Tests for top-ups: the DOMAIN tiers (1000/100/95% ... 4000/400/80%), eligibility, VIP and level bonuses, amounts.
import { describe, expect, it } from "vitest";
import type { RulesConfigInput } from "./config.js";
import { evaluateTopUp, type TopUpRequest } from "./top-up.js";
import { at, fullConfig } from "./test-fixtures.js";

const config = fullConfig();
const T = at("2024-05-01T10:00"); // a Wednesday
const req = (amountFen: number, extra: Partial<TopUpRequest> = {}): TopUpRequest => ({
  member: { id: "m", levelId: "normal" },
  amountFen,
  channel: "till",
  at: T,
  ...extra,
});

describe("top-up tiers (DOMAIN 6)", () => {
  it.each([
    [100000, "t1000", 10000, "l95"],
    [200000, "t2000", 20000, "l90"],
    [300000, "t3000", 30000, "l85"],
    [400000, "t4000", 40000, "l80"],
  ])("top up %i fen: rule %s, bonus %i fen, level %s", (amount, rule, bonus, level) => {
    const r = evaluateTopUp(config, req(amount));
    expect(r).toMatchObject({ amountFen: amount, target: "balance", principalFen: amount, bonusFen: bonus, upgradeToLevelId: level, rule: { id: rule } });
  });
  it("the upgraded levels give 95/90/85/80 prices", () => {
    expect(config.levels.slice(1).map((l) => l.discountPercent)).toEqual([95, 90, 85, 80]);
  });
  it("never lowers a level", () => {
    const r = evaluateTopUp(config, req(100000, { member: { id: "m", levelId: "l85" } }));
    expect(r).toMatchObject({ bonusFen: 10000, upgradeToLevelId: null, notGiven: ["level l95: not above the member's level"] });
  });
  it("an amount without a rule is just credited", () => {
    const r = evaluateTopUp(config, req(50000));
    expect(r).toMatchObject({ principalFen: 50000, bonusFen: 0, rule: null, upgradeToLevelId: null });
  });
});

describe("eligibility and bonuses", () => {
  it("gives VIP (and points) with a top-up to a member who is not VIP", () => {
    expect(evaluateTopUp(config, req(10000))).toMatchObject({ vipPlanId: "diamond-7d", points: 10, rule: { id: "t100-vip" } });
  });
  it("does not give VIP to a VIP", () => {
    const r = evaluateTopUp(config, req(10000, { member: { id: "m", levelId: "normal", vipActive: true } }));
    expect(r).toMatchObject({ vipPlanId: null, points: 10, notGiven: ["vip diamond-7d: the member is already VIP"] });
  });
  it("once per member", () => {
    const r = evaluateTopUp(config, req(10000, { member: { id: "m", usedRuleIds: ["t100-vip"] } }));
    expect(r.rule).toBeNull();
    expect(r.ineligible).toContainEqual({ ruleId: "t100-vip", reason: "used" });
  });
  it("allowed days: weekend any-amount rule with 2% bonus", () => {
    expect(evaluateTopUp(config, req(50000)).ineligible).toContainEqual({ ruleId: "t-any-weekend", reason: "day" });
    expect(evaluateTopUp(config, req(50000, { at: at("2024-05-04T10:00") }))).toMatchObject({ rule: { id: "t-any-weekend" }, bonusFen: 1000 });
    // A fixed-amount tier beats the any-amount rule (higher requirement).
    expect(evaluateTopUp(config, req(100000, { at: at("2024-05-04T10:00") })).rule?.id).toBe("t1000");
    // ...unless the weekend rule is named.
    expect(evaluateTopUp(config, req(100000, { at: at("2024-05-04T10:00"), ruleId: "t-any-weekend" })).bonusFen).toBe(2000);
  });
  const only = (rule: Record<string, unknown>) => (c: RulesConfigInput) =>
    void (c.topUpRules = [{ id: "r", name: "r", amountFen: 10000, bonus: { balanceFen: 1 }, ...rule }]);
  it.each([
    ["stores", only({ stores: ["s1"] }), { storeId: "s2" }, "store"],
    ["levels", only({ levels: ["l90"] }), {}, "level"],
    ["channels", only({ channels: ["online"] }), {}, "channel"],
    ["dates", only({ from: "2024-06-01" }), {}, "dates"],
    ["the amount of a fixed rule", only({ amountFen: 20000 }), {}, "amount"],
  ] as const)("checks %s", (_n, patch, extra, reason) => {
    const cfg = fullConfig(patch);
    const r = evaluateTopUp(cfg, req(10000, extra));
    expect(r.ineligible).toEqual([{ ruleId: "r", reason }]);
    expect(() => evaluateTopUp(cfg, req(10000, { ...extra, ruleId: "r" }))).toThrow(
      expect.objectContaining({ code: "RULES_TOP_UP_NOT_ALLOWED", field: "ruleId" }),
    );
  });
  it("gives several bonuses of one rule at once, and tops up a shopping card", () => {
    const cfg = fullConfig(
      (c) =>
        void (c.topUpRules = [
          {
            id: "multi",
            name: "Card 500: 50 on the card, 20 points, two vouchers, a punch card",
            amountFen: 50000,
            target: "shopping-card",
            bonus: { shoppingCardFen: 5000, points: 20, coupons: [{ couponId: "c-voucher-10", count: 2 }], punchCards: [{ id: "car-wash", count: 1 }] },
          },
        ]),
    );
    expect(evaluateTopUp(cfg, req(50000))).toMatchObject({
      target: "shopping-card",
      principalFen: 0,
      shoppingCardFen: 55000,
      points: 20,
      coupons: [{ couponId: "c-voucher-10", count: 2 }],
      punchCards: [{ id: "car-wash", count: 1 }],
    });
  });
});

describe("amounts", () => {
  it.each([
    ["below the minimum", 50, "RULES_TOP_UP_NOT_ALLOWED"],
    ["not a multiple of 1 yuan", 10050, "RULES_TOP_UP_NOT_ALLOWED"],
    ["zero", 0, "RULES_INVALID_INPUT"],
    ["fractional fen", 100.5, "RULES_INVALID_INPUT"],
  ])("rejects an amount %s", (_n, amount, code) => {
    expect(() => evaluateTopUp(config, req(amount))).toThrow(expect.objectContaining({ code, field: "amountFen" }));
  });
  it("fixed amounts only", () => {
    const cfg = fullConfig((c) => void (c.topUp = { anyAmount: false }));
    expect(() => evaluateTopUp(cfg, req(50000))).toThrow(expect.objectContaining({ code: "RULES_TOP_UP_NOT_ALLOWED" }));
    expect(evaluateTopUp(cfg, req(200000)).rule?.id).toBe("t2000");
  });
  it("rejects an unknown rule", () => {
    expect(() => evaluateTopUp(config, req(10000, { ruleId: "zzz" }))).toThrow(expect.objectContaining({ code: "RULES_UNKNOWN_TOP_UP_RULE" }));
  });
});
