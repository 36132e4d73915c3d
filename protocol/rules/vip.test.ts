// Tests for VIP cards: purchase, renewal and window bonuses, the upgrade price difference, limits, gifts, extension, revert.
import { describe, expect, it } from "vitest";
import { DAY_MS } from "./time.js";
import { at, fullConfig } from "./test-fixtures.js";
import { expireVip, extendVip, giveVip, quoteVipPurchase, quoteVipUpgrade, vipActive, type VipMemberInput } from "./vip.js";

const config = fullConfig();
const T = at("2024-05-01T10:00");
const standard: VipMemberInput = { id: "m1", cardClass: "standard", cardValidUntil: null };
const goldVip = (expiresAt: number, paidFen = 36600, paidDays = 366): VipMemberInput => ({
  id: "m2",
  cardClass: "vip-gold",
  cardValidUntil: expiresAt,
  vip: { classId: "vip-gold", expiresAt, previousClass: "standard", previousValidUntil: at("2030-01-01"), paidFen, paidDays },
  planHistory: ["gold-1y"],
});

describe("buying and renewing", () => {
  it("opens VIP Gold for a year with the promotion-window bonus (30 days and a coupon pack)", () => {
    const q = quoteVipPurchase(config, standard, "gold-1y", T);
    expect(q).toMatchObject({ kind: "purchase", priceFen: 36600, bonusDays: 30, couponPackIds: ["pack-vip-60"] });
    expect(q.member).toMatchObject({
      cardClass: "vip-gold",
      cardValidUntil: T + 396 * DAY_MS,
      vip: { classId: "vip-gold", expiresAt: T + 396 * DAY_MS, previousClass: "standard", previousValidUntil: null, paidFen: 36600, paidDays: 366 },
      planHistory: ["gold-1y"],
    });
    expect(q.record).toEqual({
      memberId: "m1",
      kind: "purchase",
      planId: "gold-1y",
      classBefore: "standard",
      classAfter: "vip-gold",
      at: T,
      feeFen: 36600,
      expiresAt: T + 396 * DAY_MS,
      note: "bonus 30 days",
    });
  });
  it.each([
    ["outside the window: no bonus", standard, "gold-1y", at("2025-02-01T10:00"), "purchase", 0, []],
    ["an 'open' bonus is not given on renewal", goldVip(T + 10 * DAY_MS), "gold-1y", T, "renewal", 0, []],
    ["an 'open-or-renew' bonus is given on a first purchase", standard, "diamond-1m", T, "purchase", 22, []],
    ["a 'renew-before-expiry' bonus is not given on a first purchase", standard, "diamond-1y", T, "purchase", 0, []],
  ] as const)("%s", (_n, member, plan, when, kind, bonusDays, packs) => {
    const q = quoteVipPurchase(config, member, plan, when);
    expect([q.kind, q.bonusDays, q.couponPackIds]).toEqual([kind, bonusDays, packs]);
  });
  it("renewal adds the period to the current expiry", () => {
    const exp = T + 10 * DAY_MS;
    const q = quoteVipPurchase(config, goldVip(exp), "gold-1y", T);
    expect(q.member.vip).toMatchObject({ expiresAt: exp + 366 * DAY_MS, paidFen: 73200, paidDays: 732, previousClass: "standard" });
    expect(q.record.kind).toBe("renewal");
  });
  it("a renewal before expiry gets the renewal bonus", () => {
    const diamond: VipMemberInput = {
      ...goldVip(T + 5 * DAY_MS),
      cardClass: "vip-diamond",
      vip: { classId: "vip-diamond", expiresAt: T + 5 * DAY_MS, previousClass: "standard", paidFen: 58800, paidDays: 366 },
    };
    const q = quoteVipPurchase(config, diamond, "diamond-1y", T);
    expect(q).toMatchObject({ kind: "renewal", priceFen: 58800, bonusDays: 30, couponPackIds: ["pack-vip-60"] });
  });
  it("prices by the member's current class; the plan's upgrade scenario decides whether a VIP of another class may buy it", () => {
    // diamond-1y costs 558 for VIP Gold holders, but its upgrade scenario is 'difference': they upgrade by the difference instead.
    expect(() => quoteVipPurchase(config, goldVip(T + DAY_MS), "diamond-1y", T)).toThrow(expect.objectContaining({ code: "RULES_VIP_NOT_ALLOWED" }));
    const cfg = fullConfig((c) => void (c.vipPlans = c.vipPlans?.map((p) => (p.id === "diamond-1y" ? { ...p, upgrade: "repay" } : p))));
    // 升级场景 "VIP会员只能重新付费升级到当前VIP卡类": the full price is paid, and the difference is refused.
    expect(quoteVipPurchase(cfg, goldVip(T + DAY_MS), "diamond-1y", T).priceFen).toBe(55800);
    expect(() => quoteVipUpgrade(cfg, goldVip(T + DAY_MS), "diamond-1y", T)).toThrow(expect.objectContaining({ code: "RULES_VIP_NOT_ALLOWED" }));
  });
  it("defaults to the seed's shown choice: re-pay the full price", () => {
    const cfg = fullConfig(
      (c) =>
        void (c.vipPlans = c.vipPlans?.map((p) => {
          const { upgrade: _u, ...rest } = p;
          return rest;
        })),
    );
    expect(cfg.vipPlans.every((p) => p.upgrade === "repay")).toBe(true);
  });
  it("switching class by purchase starts a fresh period and keeps the pre-VIP class to revert to", () => {
    const q = quoteVipPurchase(config, goldVip(T + 50 * DAY_MS), "diamond-1m", T);
    expect(q.member.vip).toMatchObject({ classId: "vip-diamond", expiresAt: T + 53 * DAY_MS, previousClass: "standard" });
  });
  it("an expired VIP buys again from its original class", () => {
    const q = quoteVipPurchase(config, goldVip(T - DAY_MS), "diamond-1m", T);
    expect(q).toMatchObject({ kind: "purchase", priceFen: 10000 });
    expect(q.member.vip).toMatchObject({ previousClass: "standard", previousValidUntil: at("2030-01-01") });
  });
  it("limits once-per-member plans (bought or given)", () => {
    const once = quoteVipPurchase(config, standard, "gold-trial-7d", T).member;
    expect(() => quoteVipPurchase(config, { ...once, vip: null, cardClass: "standard" }, "gold-trial-7d", T)).toThrow(
      expect.objectContaining({ code: "RULES_VIP_LIMIT_REACHED" }),
    );
  });
  it("rejects unknown and disabled plans", () => {
    expect(() => quoteVipPurchase(config, standard, "nope", T)).toThrow(expect.objectContaining({ code: "RULES_UNKNOWN_PLAN", field: "planId" }));
    const off = fullConfig((c) => void (c.vipPlans = c.vipPlans?.map((p) => ({ ...p, enabled: false }))));
    expect(() => quoteVipPurchase(off, standard, "gold-1y", T)).toThrow(expect.objectContaining({ code: "RULES_VIP_NOT_ALLOWED" }));
  });
});

describe("upgrade by price difference: (target daily price - current VIP daily price) x remaining days", () => {
  const byDifference = fullConfig((c) => void (c.vipPlans = c.vipPlans?.map((p) => ({ ...p, upgrade: "difference" }))));
  it.each([
    // VIP Gold paid 366 yuan for 366 days (1 yuan a day), 100 days left.
    ["diamond-1y at the VIP Gold price 558: (558/366 - 1) x 100 = 52.46 yuan", "diamond-1y", {}, 5246],
    ["diamond-1y at its base price 588: (588/366 - 1) x 100 = 60.66 yuan", "diamond-1y", { noClassPrice: true }, 6066],
    ["diamond-1m 100 yuan / 31 days: (3.2258 - 1) x 100 = 222.58 yuan", "diamond-1m", {}, 22258],
  ])("%s", (_n, plan, opts, price) => {
    // Both diamond plans set to the 'difference' scenario (in the example only diamond-1y is).
    const cfg = (opts as { noClassPrice?: boolean }).noClassPrice
      ? fullConfig((c) => void (c.vipPlans = c.vipPlans?.map((p) => ({ ...p, pricesByClass: {}, upgrade: "difference" }))))
      : byDifference;
    const q = quoteVipUpgrade(cfg, goldVip(T + 100 * DAY_MS), plan, T);
    expect(q.priceFen).toBe(price);
    expect(q.kind).toBe("upgrade");
    expect(q.member.vip).toMatchObject({ expiresAt: T + 100 * DAY_MS, classId: plan.startsWith("diamond") ? "vip-diamond" : "vip-gold" });
    expect(q.record).toMatchObject({ kind: "upgrade", classBefore: "vip-gold", feeFen: price, note: "100 days remaining" });
  });
  it("is never negative", () => {
    expect(quoteVipUpgrade(byDifference, goldVip(T + 100 * DAY_MS, 100000, 31), "diamond-1m", T).priceFen).toBe(0);
  });
  it("counts remaining whole store-local days", () => {
    // expires at 2024-05-11 09:00 local: 10 calendar days from 2024-05-01 10:00
    const q = quoteVipUpgrade(byDifference, goldVip(at("2024-05-11T09:00")), "diamond-1m", T);
    expect(q.record.note).toBe("10 days remaining");
  });
  it.each([
    ["not VIP", standard, "diamond-1m"],
    ["an expired VIP", goldVip(T - 1), "diamond-1m"],
    ["the same class", goldVip(T + DAY_MS), "gold-1y"],
  ])("refuses %s", (_n, member, plan) => {
    expect(() => quoteVipUpgrade(config, member, plan, T)).toThrow(expect.objectContaining({ code: "RULES_VIP_NOT_ALLOWED" }));
  });
});

describe("gifts, extension and expiry", () => {
  it("a top-up gives VIP only to a member who is not VIP, without the purchase bonus", () => {
    const q = giveVip(config, standard, "diamond-7d", T, "top-up");
    expect(q).toMatchObject({ kind: "gift", priceFen: 0, bonusDays: 0, couponPackIds: [] });
    expect(q.member).toMatchObject({ cardClass: "vip-diamond", vip: { expiresAt: T + 7 * DAY_MS, previousClass: "standard", paidFen: 0 } });
    expect(q.record).toMatchObject({ kind: "gift", feeFen: 0, note: "given by top-up" });
    expect(() => giveVip(config, goldVip(T + DAY_MS), "diamond-1m", T, "top-up")).toThrow(expect.objectContaining({ code: "RULES_VIP_NOT_ALLOWED" }));
    expect(() => giveVip(config, q.member, "diamond-7d", T + 8 * DAY_MS, "top-up")).toThrow(expect.objectContaining({ code: "RULES_VIP_LIMIT_REACHED" }));
  });
  it("staff extend a VIP with a reason", () => {
    const exp = T + 10 * DAY_MS;
    const r = extendVip(goldVip(exp), exp + 30 * DAY_MS, "store closed for renovation", T);
    expect(r.member.vip?.expiresAt).toBe(exp + 30 * DAY_MS);
    expect(r.member.cardValidUntil).toBe(exp + 30 * DAY_MS);
    expect(r.record).toMatchObject({ kind: "extension", feeFen: 0, note: "store closed for renovation" });
    expect(() => extendVip(goldVip(exp), exp + DAY_MS, " ", T)).toThrow(expect.objectContaining({ field: "reason" }));
    expect(() => extendVip(goldVip(exp), exp - DAY_MS, "x", T)).toThrow(expect.objectContaining({ field: "newExpiresAt" }));
  });
  it("on expiry the card reverts to its previous class and validity", () => {
    const exp = T + 10 * DAY_MS;
    expect(expireVip(goldVip(exp), exp - 1)).toBeNull();
    expect(vipActive(goldVip(exp), exp - 1)).toBe(true);
    expect(vipActive(goldVip(exp), exp)).toBe(false);
    const r = expireVip(goldVip(exp), exp);
    expect(r?.member).toMatchObject({ cardClass: "standard", cardValidUntil: at("2030-01-01"), vip: null, planHistory: ["gold-1y"] });
    expect(r?.record).toMatchObject({ kind: "revert", classBefore: "vip-gold", classAfter: "standard" });
  });
  it("rejects a malformed member naming the field", () => {
    expect(() => quoteVipPurchase(config, { id: "x" } as VipMemberInput, "gold-1y", T)).toThrow(
      expect.objectContaining({ code: "RULES_INVALID_INPUT", field: "member.cardClass" }),
    );
  });
});
