// Tests for points gifts: points for a gift and points + cash, stock, per-member limit, validity and redemption days, stores.
import { describe, expect, it } from "vitest";
import { quoteGiftRedemption, type PointsGiftInput } from "./points-gifts.js";

const cup: PointsGiftInput = { id: "cup", name: "保温杯 Thermos cup", points: 500 };
const base = { qty: 1, storeId: "s1", date: "2024-06-15", memberPoints: 1200, memberRedeemed: 0 };

describe("points gifts", () => {
  it("points for a gift (积分兑换): 500 points, no cash; two units 1000", () => {
    expect(quoteGiftRedemption({ ...base, gift: cup })).toEqual({ ok: true, points: 500, cashFen: 0, stockAfter: null });
    expect(quoteGiftRedemption({ ...base, gift: cup, qty: 2 })).toMatchObject({ ok: true, points: 1000 });
  });
  it("points + cash (积分换购): 300 points + 9.90 yuan a unit", () => {
    expect(quoteGiftRedemption({ ...base, qty: 3, gift: { ...cup, points: 300, cashFen: 990 } })).toEqual({
      ok: true,
      points: 900,
      cashFen: 2970,
      stockAfter: null,
    });
  });
  it.each([
    ["not enough points", { memberPoints: 499 }, {}, "INSUFFICIENT_POINTS"],
    ["out of stock", { qty: 3 }, { stock: 2 }, "GIFT_OUT_OF_STOCK"],
    ["the member's limit", { memberRedeemed: 1 }, { perMemberLimit: 1 }, "GIFT_LIMIT_REACHED"],
    ["before its validity", {}, { from: "2024-07-01" }, "GIFT_NOT_VALID_TODAY"],
    ["after its validity", {}, { to: "2024-06-14" }, "GIFT_NOT_VALID_TODAY"],
    // 2024-06-15 is a Saturday (6), the 15th.
    ["not a redemption weekday", {}, { days: { weekdays: [1, 2, 3] } }, "GIFT_NOT_VALID_TODAY"],
    ["another store", {}, { stores: ["s2"] }, "GIFT_NOT_IN_STORE"],
    ["switched off", {}, { enabled: false }, "GIFT_DISABLED"],
  ] as const)("refuses %s", (_n, over, gift, reason) => {
    expect(quoteGiftRedemption({ ...base, ...over, gift: { ...cup, ...(gift as Partial<PointsGiftInput>) } })).toMatchObject({ ok: false, reason });
  });
  it("allows the redemption days and stock it has", () => {
    expect(quoteGiftRedemption({ ...base, gift: { ...cup, stock: 1, perMemberLimit: 2, days: { weekdays: [6], daysOfMonth: [1] } } })).toEqual({
      ok: true,
      points: 500,
      cashFen: 0,
      stockAfter: 0,
    });
  });
  it("rejects bad input", () => {
    expect(() => quoteGiftRedemption({ ...base, qty: 0, gift: cup })).toThrow(expect.objectContaining({ code: "RULES_INVALID_INPUT" }));
    expect(() => quoteGiftRedemption({ ...base, gift: { ...cup, points: 0 } })).toThrow(expect.objectContaining({ code: "RULES_INVALID_INPUT" }));
  });
});
