// Tests for coupons: validity, scope, thresholds, the stacking policy and exact allocation to lines.
import { describe, expect, it } from "vitest";
import { priceCart } from "./pricing.js";
import type { CartMember, HeldCoupon, PriceCartRequest } from "./pricing-types.js";
import { at, fullConfig } from "./test-fixtures.js";

const config = fullConfig();
const T = at("2024-05-01T10:00");

function held(couponId: string, n = 1, expiresOn = "2024-12-31"): HeldCoupon[] {
  return Array.from({ length: n }, (_, i) => ({ instanceId: `${couponId}#${i + 1}`, couponId, expiresOn }));
}

const wallet: HeldCoupon[] = [
  ...held("c-100-20"),
  ...held("c-200-50"),
  ...held("c-formula-30"),
  ...held("c-birthday-20"),
  ...held("c-free-milk"),
  ...held("c-voucher-10", 3),
  ...held("c-vip-88"),
  { instanceId: "old#1", couponId: "c-100-20", expiresOn: "2024-04-30" },
  { instanceId: "future#1", couponId: "c-100-20", validFrom: "2024-06-01", expiresOn: "2024-12-31" },
  { instanceId: "ghost#1", couponId: "c-deleted", expiresOn: "2024-12-31" },
];
const member: CartMember = { id: "m1", levelId: "normal", cardClass: "standard", birthday: "05-20", couponsHeld: wallet };
// rice x2 at member price 10980, diapers 12900, formula 29800: 53680
const basket = [
  { sku: "rice-5kg", qty: 2 },
  { sku: "diapers-l52", qty: 1 },
  { sku: "formula-900g", qty: 1 },
];

function price(coupons: string[], extra: Partial<PriceCartRequest> = {}) {
  return priceCart({ config, member, lines: basket, channel: "kiosk", at: T, coupons, ...extra });
}

describe("coupons", () => {
  it("takes spend-200-get-50 off and allocates it to lines by largest remainder", () => {
    const cart = price(["c-200-50#1"]);
    expect(cart.appliedCoupons).toEqual([
      { instanceId: "c-200-50#1", couponId: "c-200-50", name: "Spend 200 get 50 off", kind: "amount-off", discountFen: 5000, lines: [0, 1, 2] },
    ]);
    expect(cart.lines.map((l) => l.orderDiscountFen)).toEqual([1023, 1201, 2776]);
    expect(cart.totals).toMatchObject({ subtotalFen: 54680, memberSavingsFen: 1000, couponDiscountFen: 5000, totalFen: 48680 });
  });

  it.each([
    ["an expired coupon", ["old#1"], "expired"],
    ["a coupon not yet valid", ["future#1"], "not-yet-valid"],
    ["a coupon not held", ["someone-else#1"], "not-held"],
    ["a coupon whose definition is gone", ["ghost#1"], "unknown-coupon"],
    ["a category coupon under its threshold (formula 298 < 300)", ["c-formula-30#1"], "below-threshold"],
  ])("rejects %s", (_n, ids, reason) => {
    const cart = price(ids);
    expect(cart.appliedCoupons).toEqual([]);
    expect(cart.rejectedCoupons).toEqual([{ instanceId: ids[0], reason }]);
    expect(cart.totals.couponDiscountFen).toBe(0);
  });

  it("rejects a coupon used twice in one request", () => {
    expect(price(["c-100-20#1", "c-100-20#1"]).rejectedCoupons).toEqual([{ instanceId: "c-100-20#1", reason: "duplicate" }]);
  });

  it("needs a member", () => {
    const cart = priceCart({ config, member: null, lines: basket, channel: "kiosk", at: T, coupons: ["c-100-20#1"] });
    expect(cart.rejectedCoupons).toEqual([{ instanceId: "c-100-20#1", reason: "no-member" }]);
  });

  it("scopes a category coupon to its category only", () => {
    const cart = priceCart({ config, member, lines: [...basket, { sku: "formula-900g", qty: 1 }], channel: "kiosk", at: T, coupons: ["c-formula-30#1"] });
    expect(cart.appliedCoupons[0]).toMatchObject({ discountFen: 3000, lines: [2, 3] });
    expect(cart.lines.map((l) => l.orderDiscountFen)).toEqual([0, 0, 1500, 1500]);
  });

  it("birthday coupons work in the birthday month only, and skip excluded categories", () => {
    const ok = price(["c-birthday-20#1"]);
    expect(ok.appliedCoupons[0]?.discountFen).toBe(2000);
    expect(ok.lines[2]?.orderDiscountFen).toBe(0); // infant formula excluded from this coupon
    const june = price(["c-birthday-20#1"], { member: { ...member, birthday: "06-01" } });
    expect(june.rejectedCoupons).toEqual([{ instanceId: "c-birthday-20#1", reason: "not-birthday" }]);
  });

  it("a free-item coupon takes one unit of that item off", () => {
    const cart = priceCart({
      config,
      member,
      lines: [
        { sku: "milk-1l", qty: 2 },
        { sku: "rice-5kg", qty: 1 },
      ],
      channel: "kiosk",
      at: T,
      coupons: ["c-free-milk#1"],
    });
    expect(cart.appliedCoupons[0]).toMatchObject({ kind: "free-item", discountFen: 1250, lines: [0] });
    expect(cart.lines[0]?.lineTotalFen).toBe(1250);
    expect(price(["c-free-milk#1"]).rejectedCoupons).toEqual([{ instanceId: "c-free-milk#1", reason: "not-applicable" }]);
  });

  describe("stacking policy", () => {
    it("one coupon per stacking group: the higher threshold is applied first", () => {
      const cart = price(["c-100-20#1", "c-200-50#1"]);
      expect(cart.appliedCoupons.map((c) => c.instanceId)).toEqual(["c-200-50#1"]);
      expect(cart.rejectedCoupons).toEqual([{ instanceId: "c-100-20#1", reason: "group-limit" }]);
    });
    it("coupons of different groups combine, in canonical order (gift, amount-off by threshold, percent)", () => {
      const cart = priceCart({
        config,
        member,
        lines: [...basket, { sku: "milk-1l", qty: 1 }],
        channel: "kiosk",
        at: T,
        coupons: ["c-voucher-10#1", "c-birthday-20#1", "c-free-milk#1", "c-200-50#1"],
      });
      expect(cart.appliedCoupons.map((c) => [c.couponId, c.discountFen])).toEqual([
        ["c-free-milk", 1250],
        ["c-200-50", 5000],
        ["c-birthday-20", 2000],
        ["c-voucher-10", 1000],
      ]);
      expect(cart.totals.couponDiscountFen).toBe(9250);
    });
    it("thresholds are checked on what is left after earlier coupons", () => {
      // 10980 + 12900 = 23880; after 50 off: 18880 < 20000 would fail, but 200-50 goes first; 100-20 is in the same group.
      const cfg = fullConfig((c) => void (c.couponPolicy = { maxPerGroup: { threshold: 2 } }));
      const lines = [
        { sku: "rice-5kg", qty: 2 },
        { sku: "diapers-l52", qty: 1 },
      ];
      const cart = priceCart({ config: cfg, member, lines, channel: "kiosk", at: T, coupons: ["c-100-20#1", "c-200-50#1"] });
      expect(cart.appliedCoupons.map((c) => c.couponId)).toEqual(["c-200-50", "c-100-20"]);
      expect(cart.totals.couponDiscountFen).toBe(7000);
      const small = priceCart({
        config: cfg,
        member,
        lines: [
          { sku: "rice-5kg", qty: 2 },
          { sku: "milk-1l", qty: 8 },
        ],
        channel: "kiosk",
        at: T,
        coupons: ["c-100-20#1", "c-200-50#1"],
      });
      // 10980 + 10000 = 20980 -> 50 off -> 15980 >= 10000 -> 20 off
      expect(small.totals.couponDiscountFen).toBe(7000);
      const tiny = priceCart({ config: cfg, member, lines: [{ sku: "milk-1l", qty: 12 }], channel: "kiosk", at: T, coupons: ["c-100-20#1", "c-200-50#1"] });
      // 15000: 200-50 below threshold, 100-20 applies
      expect(tiny.appliedCoupons.map((c) => c.couponId)).toEqual(["c-100-20"]);
      expect(tiny.rejectedCoupons).toEqual([{ instanceId: "c-200-50#1", reason: "below-threshold" }]);
    });
    it("limits instances of one coupon per order", () => {
      const cart = price(["c-voucher-10#1", "c-voucher-10#2", "c-voucher-10#3"]);
      const cfg = fullConfig((c) => void (c.couponPolicy = { maxPerGroup: { voucher: 5 } }));
      expect(cart.appliedCoupons).toHaveLength(2);
      expect(cart.rejectedCoupons).toEqual([{ instanceId: "c-voucher-10#3", reason: "per-coupon-limit" }]);
      const again = priceCart({ config: cfg, member, lines: basket, channel: "kiosk", at: T, coupons: ["c-voucher-10#1", "c-voucher-10#2", "c-voucher-10#3"] });
      expect(again.rejectedCoupons[0]?.reason).toBe("per-coupon-limit");
    });
    it("limits coupons per order", () => {
      const cfg = fullConfig((c) => void (c.couponPolicy = { maxPerOrder: 1 }));
      const cart = priceCart({ config: cfg, member, lines: basket, channel: "kiosk", at: T, coupons: ["c-birthday-20#1", "c-200-50#1"] });
      expect(cart.appliedCoupons.map((c) => c.couponId)).toEqual(["c-200-50"]);
      expect(cart.rejectedCoupons).toEqual([{ instanceId: "c-birthday-20#1", reason: "order-limit" }]);
    });
    it("an exclusive coupon is used alone, when it gives more than the others together", () => {
      // 12% of 53680 = 6442 > 5000
      const cart = price(["c-200-50#1", "c-vip-88#1"]);
      expect(cart.appliedCoupons.map((c) => [c.couponId, c.discountFen])).toEqual([["c-vip-88", 6442]]);
      expect(cart.rejectedCoupons).toEqual([{ instanceId: "c-200-50#1", reason: "exclusive" }]);
      // 5000 + 2000 + 1000 = 8000 > 6442
      const other = price(["c-200-50#1", "c-vip-88#1", "c-birthday-20#1", "c-voucher-10#1"]);
      expect(other.appliedCoupons.map((c) => c.couponId)).toEqual(["c-200-50", "c-birthday-20", "c-voucher-10"]);
      expect(other.rejectedCoupons).toEqual([{ instanceId: "c-vip-88#1", reason: "exclusive" }]);
    });
    it("respects a coupon's channels", () => {
      expect(price(["c-vip-88#1"], { channel: "online" }).rejectedCoupons).toEqual([{ instanceId: "c-vip-88#1", reason: "channel" }]);
    });
    it("gives the same result whatever the order of the request", () => {
      const ids = ["c-voucher-10#2", "c-birthday-20#1", "c-200-50#1", "c-100-20#1", "c-voucher-10#1"];
      const a = price(ids);
      const b = price([...ids].reverse());
      expect(b.appliedCoupons).toEqual(a.appliedCoupons);
      expect(b.lines).toEqual(a.lines);
      expect(b.totals).toEqual(a.totals);
    });
    it("never discounts a line below zero", () => {
      const cart = priceCart({ config, member, lines: [{ sku: "milk-1l", qty: 1 }], channel: "kiosk", at: T, coupons: ["c-voucher-10#1", "c-voucher-10#2"] });
      expect(cart.lines[0]?.lineTotalFen).toBe(0);
      expect(cart.totals.couponDiscountFen).toBe(1250);
      // The second voucher covers only what is left (no change is given for a voucher).
      expect(cart.appliedCoupons.map((c) => c.discountFen)).toEqual([1000, 250]);
      const third = priceCart({ config, member, lines: [{ sku: "milk-1l", qty: 1 }], channel: "kiosk", at: T, coupons: ["c-free-milk#1", "c-voucher-10#1"] });
      expect(third.rejectedCoupons).toEqual([{ instanceId: "c-voucher-10#1", reason: "not-applicable" }]);
    });
  });
});
