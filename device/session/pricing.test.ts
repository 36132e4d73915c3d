// The best coupon combination under the stacking policy, and the points-as-cash offer.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { ConfigContentSchema, MemberRecordSchema, type MemberRecord } from "../../protocol/messages.js";
import { generateKeyPair } from "../../protocol/signing.js";
import { MAX_COMBINATIONS, chooseCoupons, quoteSession } from "./pricing.js";

const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const demo = JSON.parse(readFileSync(new URL("../../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;

function config(coupons: unknown[], extra: Record<string, unknown> = {}) {
  return ConfigContentSchema.parse({ version: 1, chainId: "c", storeId: "s", issuedAt: T0, rules: { ...demo, coupons, ...extra }, device: {} });
}

function member(held: Array<[string, string, string?]>, patch: Record<string, unknown> = {}): MemberRecord {
  return MemberRecordSchema.parse({
    memberId: "m1",
    cardId: "C1",
    name: "x",
    levelId: "normal",
    cardClass: "standard",
    cardPublicKey: generateKeyPair().publicKey,
    status: "active",
    pointsBalance: 0,
    balanceFen: 0,
    coupons: held.map(([instanceId, couponId, expiresOn]) => ({ instanceId, couponId, expiresOn: expiresOn ?? "2026-12-31" })),
    ...patch,
  });
}

const T200 = { id: "t200", name: "200-50", kind: "amount-off", thresholdFen: 20000, offFen: 5000 };
const T100 = { id: "t100", name: "100-60", kind: "amount-off", thresholdFen: 10000, offFen: 6000 };
const V5 = { id: "v5", name: "voucher 5", kind: "amount-off", offFen: 500 };
const GIFT_MILK = { id: "milk-free", name: "free milk", kind: "free-item", sku: "milk-1l" };
const EXCL = { id: "excl", name: "exclusive 70", kind: "amount-off", thresholdFen: 10000, offFen: 7000, exclusive: true };
const FORMULA = [{ sku: "formula-900g", qty: 1 }];

describe("chooseCoupons", () => {
  it("takes the better threshold coupon even when the engine's canonical order would take the other first", () => {
    const c = config([T200, T100, V5]);
    const r = chooseCoupons(
      c,
      member([
        ["a", "t200"],
        ["b", "t100"],
        ["c", "v5"],
      ]),
      FORMULA,
      T0,
    );
    expect(r.coupons.sort()).toEqual(["b", "c"]);
    expect(r.priced.totals.couponDiscountFen).toBe(6500);
  });

  it("leaves out a coupon that would push another below its threshold", () => {
    const c = config([GIFT_MILK, { id: "t110", name: "110-30", kind: "amount-off", thresholdFen: 11000, offFen: 3000 }]);
    const m = member([
      ["g", "milk-free"],
      ["t", "t110"],
    ]);
    // Diapers 129.00 + milk 12.50: the free milk leaves 129.00, still over 110, so both apply.
    const roomy = chooseCoupons(
      c,
      m,
      [
        { sku: "diapers-l52", qty: 1 },
        { sku: "milk-1l", qty: 1 },
      ],
      T0,
    );
    expect(roomy.coupons.sort()).toEqual(["g", "t"]);
    expect(roomy.priced.totals.couponDiscountFen).toBe(3000 + 1250);
    // Rice 2 x 54.90 + milk 12.50: the free milk (applied first) would leave 109.80, under 110: the 30 off alone is better.
    const tight = chooseCoupons(
      c,
      m,
      [
        { sku: "rice-5kg", qty: 2 },
        { sku: "milk-1l", qty: 1 },
      ],
      T0,
    );
    expect(tight.coupons).toEqual(["t"]);
    expect(tight.priced.totals.couponDiscountFen).toBe(3000);
  });

  it("prefers an exclusive coupon when it beats every stackable set, and the reverse", () => {
    const c = config([T100, V5, EXCL]);
    const m = member([
      ["b", "t100"],
      ["c", "v5"],
      ["x", "excl"],
    ]);
    expect(chooseCoupons(c, m, FORMULA, T0).coupons).toEqual(["x"]);
    const c2 = config([T100, V5, { ...EXCL, offFen: 6000 }]);
    expect(chooseCoupons(c2, m, FORMULA, T0).coupons.sort()).toEqual(["b", "c"]);
  });

  it("ignores expired, not yet valid and out-of-scope coupons, and uses the instance that expires first", () => {
    const dairy = { id: "dairy", name: "dairy 10% off", kind: "percent-off", percent: 90, scope: { categories: ["dairy"] } };
    const c = config([V5, dairy]);
    const m = member([
      ["late", "v5", "2026-12-31"],
      ["soon", "v5", "2026-11-30"],
      ["old", "v5", "2026-11-21"],
      ["d", "dairy"],
    ]);
    const r = chooseCoupons(c, m, FORMULA, T0);
    expect(r.coupons).toEqual(["soon"]);
    expect(r.considered).toBe(1);
  });

  it("prices a bounded number of combinations however many coupons the member holds", () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ id: `g${i}`, name: `g${i}`, kind: "amount-off", offFen: 100 + i, group: `grp${i}` }));
    const c = config(many, { couponPolicy: { maxPerOrder: 12 } });
    const m = member(many.map((d) => [`i${d.id}`, d.id] as [string, string]));
    const r = chooseCoupons(c, m, FORMULA, T0);
    expect(r.combinations).toBeLessThanOrEqual(1 + 12 + MAX_COMBINATIONS + 1);
    expect(r.coupons).toHaveLength(12); // the greedy fallback takes the best of every group
  });
});

describe("quoteSession", () => {
  it("offers points as cash and uses them only when the member opts in", () => {
    const c = config([], { points: { spend: { fenPerPoint: 10000 }, redemption: { mode: "ratio", pointsPerYuan: 100, capPercent: 50 } } });
    const m = member([], { pointsBalance: 2550 });
    const off = quoteSession(c, m, FORMULA, T0, false);
    // 100 points a yuan, up to half the order: all 2550 points, for 25.50.
    expect(off.pointsOffer).toEqual({ points: 2550, cashFen: 2550 });
    expect(off.priced.totals.pointsRedeemed).toBe(0);
    const on = quoteSession(c, m, FORMULA, T0, true);
    expect(on.priced.totals).toMatchObject({ pointsRedeemed: 2550, pointsCashFen: 2550, payableFen: 29800 - 2550 });
    expect(quoteSession(config([]), m, FORMULA, T0, true).pointsOffer).toBeNull();
  });
});
