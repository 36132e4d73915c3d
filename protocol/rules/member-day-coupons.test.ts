// Tests for member-day coupons (会员日券, seed 000): a `memberDaysOnly` coupon works only on the rules' member days, store-local.
import { describe, expect, it } from "vitest";
import { isMemberDay } from "./coupons.js";
import { priceCart } from "./pricing.js";
import type { CartMember } from "./pricing-types.js";
import { at, fullConfig } from "./test-fixtures.js";

// Every Wednesday and the 8th of each month are member days: points x2, and the member-day coupon works.
const config = fullConfig((c) => {
  c.points = {
    ...c.points,
    multipliers: { ...c.points?.multipliers, memberDays: [{ name: "会员日", days: { weekdays: [3], daysOfMonth: [8] }, percent: 200 }] },
  };
  c.coupons = [...(c.coupons ?? []), { id: "c-md-15", name: "会员日满100减15", kind: "amount-off", thresholdFen: 10000, offFen: 1500, memberDaysOnly: true }];
});
const member: CartMember = {
  id: "m1",
  levelId: "normal",
  cardClass: "standard",
  couponsHeld: [{ instanceId: "md#1", couponId: "c-md-15", expiresOn: "2024-12-31" }],
};
// Rice x4 at the member price 54.90: 219.60.
const lines = [{ sku: "rice-5kg", qty: 4 }];
const price = (when: number) => priceCart({ config, member, lines, channel: "kiosk", at: when, coupons: ["md#1"] });

describe("member-day coupons (会员日券)", () => {
  it.each([
    ["Wednesday 2024-05-15 00:00 local", at("2024-05-15T00:00"), "2024-05-15"],
    ["Wednesday 2024-05-15 23:59 local", at("2024-05-15T23:59"), "2024-05-15"],
    ["Monday the 8th (2024-07-08) 00:00 local", at("2024-07-08T00:00"), "2024-07-08"],
  ])("applies on a member day: %s", (_n, when, day) => {
    const cart = price(when);
    expect(cart.localDate).toBe(day);
    expect(cart.rejectedCoupons).toEqual([]);
    expect(cart.appliedCoupons).toEqual([
      { instanceId: "md#1", couponId: "c-md-15", name: "会员日满100减15", kind: "amount-off", discountFen: 1500, lines: [0] },
    ]);
    expect(cart.totals).toMatchObject({ subtotalFen: 23960, memberSavingsFen: 2000, couponDiscountFen: 1500, totalFen: 20460 });
    // The points multiplier of the same member day still applies: 204.60 yuan = 2.046 points, x2 = 4.09, floor 4.
    expect(cart.pointsMultiplier.events).toEqual([{ name: "会员日", percent: 200 }]);
    expect(cart.totals.pointsEarned).toBe(4);
  });

  it.each([
    ["Tuesday 2024-05-14 23:59 local, one minute before the Wednesday", at("2024-05-14T23:59"), "2024-05-14"],
    ["Thursday 2024-05-16 00:00 local, just after it", at("2024-05-16T00:00"), "2024-05-16"],
    ["Sunday 2024-07-07 23:59 local, the day before the 8th", at("2024-07-07T23:59"), "2024-07-07"],
  ])("is not applied, with the reason not-member-day, on %s", (_n, when, day) => {
    const cart = price(when);
    expect(cart.localDate).toBe(day);
    expect(cart.appliedCoupons).toEqual([]);
    expect(cart.rejectedCoupons).toEqual([{ instanceId: "md#1", reason: "not-member-day" }]);
    expect(cart.totals).toMatchObject({ couponDiscountFen: 0, totalFen: 21960 });
    // No member day: no multiplier either (219.60 yuan = 2 points).
    expect(cart.pointsMultiplier.events).toEqual([]);
    expect(cart.totals.pointsEarned).toBe(2);
  });

  it("uses the store-local day, not the UTC day (utcOffsetMinutes 480)", () => {
    expect(config.utcOffsetMinutes).toBe(480);
    // Wednesday 00:00 in the store is Tuesday 16:00 UTC.
    expect(price(Date.UTC(2024, 4, 14, 16, 0)).appliedCoupons.map((a) => a.instanceId)).toEqual(["md#1"]);
    expect(price(Date.UTC(2024, 4, 14, 15, 59, 59, 999)).rejectedCoupons).toEqual([{ instanceId: "md#1", reason: "not-member-day" }]);
    // Wednesday 23:59:59.999 local is Wednesday 15:59 UTC; Thursday 00:00 local (Wednesday 16:00 UTC) is not a member day.
    expect(price(Date.UTC(2024, 4, 15, 15, 59, 59, 999)).appliedCoupons).toHaveLength(1);
    expect(price(Date.UTC(2024, 4, 15, 16, 0)).rejectedCoupons).toEqual([{ instanceId: "md#1", reason: "not-member-day" }]);
    // A store at UTC+0 with the same rules: the same instants fall on other days.
    const london = { ...config, utcOffsetMinutes: 0 };
    const l = (when: number) => priceCart({ config: london, member, lines, channel: "kiosk", at: when, coupons: ["md#1"] });
    expect(l(Date.UTC(2024, 4, 14, 23, 59)).rejectedCoupons).toEqual([{ instanceId: "md#1", reason: "not-member-day" }]);
    expect(l(Date.UTC(2024, 4, 15, 0, 0)).appliedCoupons).toHaveLength(1);
  });

  it("is checked with the other validity rules: an expired member-day coupon is expired, not not-member-day", () => {
    const old = { ...member, couponsHeld: [{ instanceId: "md#1", couponId: "c-md-15", expiresOn: "2024-05-01" }] };
    const cart = priceCart({ config, member: old, lines, channel: "kiosk", at: at("2024-05-14T10:00"), coupons: ["md#1"] });
    expect(cart.rejectedCoupons).toEqual([{ instanceId: "md#1", reason: "expired" }]);
  });

  it("leaves coupons without memberDaysOnly usable every day (the default is false)", () => {
    expect(config.coupons.find((c) => c.id === "c-100-20")?.memberDaysOnly).toBe(false);
    const m = { ...member, couponsHeld: [{ instanceId: "plain#1", couponId: "c-100-20", expiresOn: "2024-12-31" }] };
    const cart = priceCart({ config, member: m, lines, channel: "kiosk", at: at("2024-05-14T10:00"), coupons: ["plain#1"] });
    expect(cart.appliedCoupons.map((a) => a.discountFen)).toEqual([2000]);
  });

  it("isMemberDay matches any member day's weekdays, days of the month or dates", () => {
    expect(["2024-05-15", "2024-07-08", "2024-05-08"].map((d) => isMemberDay(config, d))).toEqual([true, true, true]);
    expect(["2024-05-14", "2024-05-16", "2024-07-07", "2024-07-09"].map((d) => isMemberDay(config, d))).toEqual([false, false, false, false]);
    expect(isMemberDay(fullConfig(), "2024-05-15")).toBe(false);
  });

  it("refuses a member-day coupon in a config with no member days", () => {
    expect(() =>
      fullConfig((c) => {
        c.coupons = [...(c.coupons ?? []), { id: "c-md", name: "会员日券", kind: "amount-off", offFen: 500, memberDaysOnly: true }];
      }),
    ).toThrow(expect.objectContaining({ code: "RULES_INVALID_CONFIG", field: expect.stringMatching(/^coupons\.\d+\.memberDaysOnly$/) }));
  });
});
