// Tests for PLUS plans with the seed's figures (PLUS会员定价): purchase and renewal, bonus days by window and condition, price by card class, config cross-checks.
import { describe, expect, it } from "vitest";
import { parseRulesConfig, type RulesConfigInput } from "./config.js";
import { quotePlusPurchase, type PlusMemberInput } from "./plus.js";
import { at } from "./test-fixtures.js";
import { DAY_MS } from "./time.js";

// Seed 000: 1年 100.00 +30 days, 1季 30.00 +6 days (购买即赠送), 1月 15.00 +2 days only when renewing before expiry
// (PLUS会员在未到期前续费时才赠送), bonus window 2019-03-12 00:00 to 2020-12-31 00:00 (last whole day 2020-12-30);
// 【1年】卡类专享售价: (默认) 100.00, 03 钻石卡 0.01, 01 普通卡 1.00.
const window = { from: "2019-03-12", to: "2020-12-30" };
const input = (): RulesConfigInput => ({
  cardClasses: [
    { id: "01", name: "普通卡" },
    { id: "02", name: "金卡" },
    { id: "03", name: "钻石卡" },
  ],
  plusPlans: [
    {
      id: "plus-1y",
      name: "1年",
      description: "这是年卡",
      periodDays: 366,
      priceFen: 10000,
      pricesByClass: { "03": 1, "01": 100 },
      bonus: { ...window, extraDays: 30 },
    },
    { id: "plus-1q", name: "1季", description: "这是季卡", periodDays: 93, priceFen: 3000, bonus: { ...window, extraDays: 6 } },
    { id: "plus-1m", name: "1月", description: "这是月卡", periodDays: 31, priceFen: 1500, bonus: { ...window, extraDays: 2, when: "renew-before-expiry" } },
    { id: "plus-old", name: "old", periodDays: 31, priceFen: 1, enabled: false },
  ],
});
const config = parseRulesConfig(input());
const T = at("2020-06-01T10:00");
const gold: PlusMemberInput = { id: "m1", cardClass: "02" };
const plusUntil = (expiresAt: number, cardClass = "02"): PlusMemberInput => ({ id: "m1", cardClass, plus: { since: at("2020-01-01T09:00"), expiresAt } });

describe("PLUS purchase and renewal", () => {
  it("opens a year from now with the window's 30 days, at the default price for a class without its own", () => {
    expect(quotePlusPurchase(config, gold, "plus-1y", T)).toEqual({
      kind: "purchase",
      planId: "plus-1y",
      priceFen: 10000,
      cardClass: "02",
      bonusDays: 30,
      couponPackIds: [],
      since: T,
      expiresAt: T + 396 * DAY_MS,
      previousExpiresAt: null,
    });
    expect(quotePlusPurchase(config, gold, "plus-1q", T)).toMatchObject({ priceFen: 3000, bonusDays: 6, expiresAt: T + 99 * DAY_MS });
  });

  it("prices by the member's card class: 钻石卡 0.01, 普通卡 1.00, others the default 100.00", () => {
    expect(quotePlusPurchase(config, { id: "m", cardClass: "03" }, "plus-1y", T).priceFen).toBe(1);
    expect(quotePlusPurchase(config, { id: "m", cardClass: "01" }, "plus-1y", T).priceFen).toBe(100);
    expect(quotePlusPurchase(config, { id: "m", cardClass: "02" }, "plus-1y", T).priceFen).toBe(10000);
    // A plan without class prices charges every class its price.
    expect(quotePlusPurchase(config, { id: "m", cardClass: "03" }, "plus-1q", T).priceFen).toBe(3000);
  });

  it("renews an active PLUS from its current expiry, keeping since", () => {
    const expiry = at("2020-06-20T00:00");
    const q = quotePlusPurchase(config, plusUntil(expiry), "plus-1q", T);
    expect(q).toMatchObject({ kind: "renewal", since: at("2020-01-01T09:00"), previousExpiresAt: expiry, bonusDays: 6, expiresAt: expiry + 99 * DAY_MS });
  });

  it("a lapsed PLUS opens again from now", () => {
    const q = quotePlusPurchase(config, plusUntil(T - 1), "plus-1q", T);
    expect(q).toMatchObject({ kind: "purchase", since: T, previousExpiresAt: null, expiresAt: T + 99 * DAY_MS });
  });

  it("the monthly plan's 2 days only for a renewal before expiry", () => {
    expect(quotePlusPurchase(config, gold, "plus-1m", T)).toMatchObject({ kind: "purchase", bonusDays: 0, expiresAt: T + 31 * DAY_MS });
    expect(quotePlusPurchase(config, plusUntil(T - DAY_MS), "plus-1m", T)).toMatchObject({ kind: "purchase", bonusDays: 0 });
    const expiry = T + 3 * DAY_MS;
    expect(quotePlusPurchase(config, plusUntil(expiry), "plus-1m", T)).toMatchObject({ kind: "renewal", bonusDays: 2, expiresAt: expiry + 33 * DAY_MS });
  });

  it("bonus days only inside the window (store-local dates, both ends included)", () => {
    expect(quotePlusPurchase(config, gold, "plus-1y", at("2019-03-11T23:59")).bonusDays).toBe(0);
    expect(quotePlusPurchase(config, gold, "plus-1y", at("2019-03-12T00:00")).bonusDays).toBe(30);
    expect(quotePlusPurchase(config, gold, "plus-1y", at("2020-12-30T23:59")).bonusDays).toBe(30);
    const late = at("2020-12-31T00:00");
    expect(quotePlusPurchase(config, gold, "plus-1y", late)).toMatchObject({ bonusDays: 0, expiresAt: late + 366 * DAY_MS });
  });

  it("refuses unknown and disabled plans, and a bad member", () => {
    expect(() => quotePlusPurchase(config, gold, "nope", T)).toThrow(expect.objectContaining({ code: "RULES_UNKNOWN_PLAN", field: "planId" }));
    expect(() => quotePlusPurchase(config, gold, "plus-old", T)).toThrow(expect.objectContaining({ code: "RULES_PLUS_NOT_ALLOWED", field: "planId" }));
    expect(() => quotePlusPurchase(config, { id: "m", cardClass: "" }, "plus-1y", T)).toThrow(
      expect.objectContaining({ code: "RULES_INVALID_INPUT", field: "member.cardClass" }),
    );
  });
});

describe("plusPlans config", () => {
  const withPatch = (patch: (c: RulesConfigInput) => void): RulesConfigInput => {
    const c = input();
    patch(c);
    return c;
  };
  it.each([
    [
      "a price for an unknown card class",
      (c: RulesConfigInput) => void (c.plusPlans![0]!.pricesByClass = { platinum: 1 }),
      "plusPlans.0.pricesByClass.platinum",
    ],
    ["a duplicate plan id", (c: RulesConfigInput) => void c.plusPlans!.push({ ...c.plusPlans![1]! }), "plusPlans.4"],
    ["an unknown coupon pack", (c: RulesConfigInput) => void (c.plusPlans![1]!.bonus = { couponPackIds: ["x"] }), "plusPlans.1.bonus.couponPackIds.0"],
    [
      "a window ending before it starts",
      (c: RulesConfigInput) => void (c.plusPlans![1]!.bonus = { from: "2020-02-01", to: "2020-01-01" }),
      "plusPlans.1.bonus.to",
    ],
    ["a negative price", (c: RulesConfigInput) => void (c.plusPlans![1]!.priceFen = -1), "plusPlans.1.priceFen"],
    ["an unknown condition", (c: RulesConfigInput) => void (c.plusPlans![1]!.bonus = { when: "always" as never }), "plusPlans.1.bonus.when"],
  ])("rejects %s, naming the field", (_name, patch, field) => {
    expect(() => parseRulesConfig(withPatch(patch))).toThrow(expect.objectContaining({ code: "RULES_INVALID_CONFIG", field }));
  });
  it("fills the defaults", () => {
    expect(config.plusPlans[1]).toMatchObject({ pricesByClass: {}, enabled: true, bonus: { when: "open-or-renew", couponPackIds: [] } });
    expect(parseRulesConfig({}).plusPlans).toEqual([]);
  });
});
