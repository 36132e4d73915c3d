// Property tests (fast-check): non-negative amounts, exact allocations, exact reversal of whole orders, determinism.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocate, apportionBig } from "./money.js";
import { priceCart } from "./pricing.js";
import type { PriceCartInput, PricedCart } from "./pricing-types.js";
import { returnLines } from "./returns.js";
import { settleTenders, type TenderPlan } from "./tenders.js";
import { at, fullConfig } from "./test-fixtures.js";

const configs = [
  fullConfig(),
  fullConfig((c) => void (c.rounding = { mode: "half-even", discountBasis: "line", cashUnitFen: 10 })),
  fullConfig((c) => {
    c.points = {
      ...c.points,
      decimals: 2,
      rounding: "half-up",
      multipliers: { ...c.points?.multipliers, combine: "multiplicative" },
      redemption: { mode: "ratio", pointsPerYuan: 7, capPercent: 100 },
    };
    c.storedValue = { spendOrder: "bonus-first" };
    c.couponPolicy = { maxPerGroup: { threshold: 3, voucher: 3 } };
  }),
];
const skus = configs[0]!.catalog.map((p) => p.sku);
const couponIds = configs[0]!.coupons.map((c) => c.id);
const days = Array.from({ length: 366 }, (_, i) => i);

const cartInput = fc.record({
  cfg: fc.integer({ min: 0, max: configs.length - 1 }),
  lines: fc.array(fc.record({ sku: fc.constantFrom(...skus), qty: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 30 }),
  member: fc.option(
    fc.record({
      levelId: fc.constantFrom("normal", "l95", "l90", "l85", "l80"),
      cardClass: fc.constantFrom("standard", "vip-gold", "vip-diamond"),
      isPlus: fc.boolean(),
      birthday: fc.constantFrom("05-01", "10-01", "06-03", "12-25"),
      pointsBalance: fc.integer({ min: 0, max: 2000 }),
      held: fc.subarray(couponIds),
    }),
    { nil: null },
  ),
  use: fc.subarray(couponIds.flatMap((id) => [`${id}#1`, `${id}#2`])),
  points: fc.option(fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constant("max" as const)), { nil: undefined }),
  channel: fc.constantFrom("kiosk" as const, "till" as const, "online" as const),
  day: fc.constantFrom(...days),
  balance: fc.record({ principalFen: fc.integer({ min: 0, max: 200000 }), bonusFen: fc.integer({ min: 0, max: 20000 }) }),
  useShare: fc.integer({ min: 0, max: 100 }),
});

type Arb = typeof cartInput extends fc.Arbitrary<infer T> ? T : never;

function build(a: Arb): PriceCartInput {
  const date = new Date(Date.UTC(2024, 0, 1) + a.day * 86_400_000).toISOString().slice(0, 10);
  return {
    config: configs[a.cfg]!,
    lines: a.lines,
    channel: a.channel,
    at: at(`${date}T11:00`),
    coupons: a.use,
    pointsToRedeem: a.points,
    member: a.member && {
      id: "m",
      levelId: a.member.levelId,
      cardClass: a.member.cardClass,
      baseCardClass: "standard",
      vipExpiresAt: at("2024-07-01"),
      isPlus: a.member.isPlus,
      birthday: a.member.birthday,
      pointsBalance: a.member.pointsBalance,
      couponsHeld: a.member.held.flatMap((couponId) => [1, 2].map((n) => ({ instanceId: `${couponId}#${n}`, couponId, expiresOn: "2024-12-31" }))),
    },
  };
}

function plan(a: Arb, cart: PricedCart): TenderPlan {
  const cfg = configs[a.cfg]!;
  const available = a.balance.principalFen + a.balance.bonusFen;
  const use = Math.min(available, Math.floor((cart.totals.payableFen * a.useShare) / 100));
  return settleTenders(cfg, { cart, balance: a.balance, useBalanceFen: use });
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const RUNS = { numRuns: 300 };

describe("pricing properties", () => {
  it("no total or line goes below zero, and every amount is an integer", () => {
    fc.assert(
      fc.property(cartInput, (a) => {
        const cart = priceCart(build(a));
        for (const l of cart.lines) {
          expect(l.lineMemberFen).toBeGreaterThanOrEqual(0);
          expect(l.lineMemberFen).toBeLessThanOrEqual(l.lineBaseFen);
          expect(l.lineTotalFen).toBeGreaterThanOrEqual(0);
          expect(l.payableFen).toBeGreaterThanOrEqual(0);
          for (const v of [l.lineTotalFen, l.payableFen, l.pointsEarned, l.pointsRedeemed]) expect(Number.isSafeInteger(v)).toBe(true);
        }
        for (const v of Object.values(cart.totals)) {
          expect(Number.isSafeInteger(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });

  it("allocations add up exactly to the order-level amounts and the totals", () => {
    fc.assert(
      fc.property(cartInput, (a) => {
        const cart = priceCart(build(a));
        const t = cart.totals;
        expect(sum(cart.lines.map((l) => l.lineTotalFen))).toBe(t.totalFen);
        expect(sum(cart.lines.map((l) => l.payableFen))).toBe(t.payableFen);
        expect(sum(cart.lines.map((l) => l.pointsCashFen))).toBe(t.pointsCashFen);
        expect(sum(cart.lines.map((l) => l.pointsRedeemed))).toBe(t.pointsRedeemed);
        expect(sum(cart.lines.map((l) => l.pointsEarned))).toBe(t.pointsEarned);
        expect(sum(cart.lines.map((l) => l.pointsReturnable))).toBe(t.pointsReturnable);
        expect(sum(cart.lines.map((l) => l.orderDiscountFen))).toBe(t.discountFen);
        expect(t.totalFen).toBe(t.subtotalFen - t.memberSavingsFen - t.discountFen);
        for (const c of cart.appliedCoupons) {
          const given = sum(cart.lines.flatMap((l) => l.allocations.filter((x) => x.source === `coupon:${c.instanceId}`).map((x) => x.fen)));
          expect(given).toBe(c.discountFen);
        }
        const tp = plan(a, cart);
        expect(tp.balancePrincipalFen + tp.balanceBonusFen + tp.externalFen).toBe(t.payableFen);
        for (const l of tp.lines) expect(l.principalFen + l.bonusFen + l.externalFen).toBe(cart.lines[l.index]?.payableFen);
        expect(sum(tp.lines.map((l) => l.principalFen))).toBe(tp.balancePrincipalFen);
        expect(sum(tp.lines.map((l) => l.bonusFen))).toBe(tp.balanceBonusFen);
      }),
      RUNS,
    );
  });

  it("returning a whole order, in any steps, restores balances, points and payments exactly", () => {
    const steps = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(cartInput, steps, (a, cuts) => {
        const cart = priceCart(build(a));
        const tenders = plan(a, cart);
        const done = new Map<number, number>();
        const totals = { principal: 0, bonus: 0, external: 0, cash: 0, given: 0, taken: 0, kept: 0, refund: 0 };
        for (let s = 0; s <= cuts.length; s++) {
          const last = s === cuts.length;
          const lines = cart.lines
            .map((l) => {
              const left = l.qty - (done.get(l.index) ?? 0);
              const q = last ? left : Math.min(left, (cuts[s]! + l.index) % (l.qty + 1));
              return { index: l.index, qty: q };
            })
            .filter((l) => l.qty > 0);
          if (lines.length === 0) continue;
          const r = returnLines({ cart, tenders, lines, previouslyReturned: [...done].map(([index, qty]) => ({ index, qty })) });
          for (const l of r.lines) {
            expect(
              Math.min(l.principalFen, l.bonusFen, l.externalFen, l.pointsCashFen, l.pointsGivenBack, l.pointsTakenBack, l.pointsKept),
            ).toBeGreaterThanOrEqual(0);
            done.set(l.index, (done.get(l.index) ?? 0) + l.qty);
          }
          totals.principal += r.totals.principalFen;
          totals.bonus += r.totals.bonusFen;
          totals.external += r.totals.externalFen;
          totals.cash += r.totals.pointsCashFen;
          totals.given += r.totals.pointsGivenBack;
          totals.taken += r.totals.pointsTakenBack;
          totals.kept += r.totals.pointsKept;
          totals.refund += r.totals.refundFen;
          if (last) expect(r.wholeOrderReturned).toBe(true);
        }
        expect(totals).toEqual({
          principal: tenders.balancePrincipalFen,
          bonus: tenders.balanceBonusFen,
          external: tenders.externalFen,
          cash: cart.totals.pointsCashFen,
          given: cart.totals.pointsRedeemed,
          taken: cart.totals.pointsReturnable,
          kept: cart.totals.pointsEarned - cart.totals.pointsReturnable,
          refund: cart.totals.totalFen,
        });
      }),
      { numRuns: 200 },
    );
  });

  it("same input, same output; and the order of requested coupons does not matter", () => {
    fc.assert(
      fc.property(cartInput, (a) => {
        const input = build(a);
        const once = priceCart(input);
        expect(priceCart(structuredClone(input))).toEqual(once);
        const reversed = priceCart({ ...input, coupons: [...(input.coupons ?? [])].reverse() });
        const byId = (r: PricedCart["rejectedCoupons"]) => [...r].sort((x, y) => (x.instanceId < y.instanceId ? -1 : 1));
        expect({ ...reversed, rejectedCoupons: byId(reversed.rejectedCoupons) }).toEqual({ ...once, rejectedCoupons: byId(once.rejectedCoupons) });
        expect(JSON.parse(JSON.stringify(once))).toEqual(once);
      }),
      RUNS,
    );
  });
});

describe("arithmetic properties", () => {
  it("allocate: shares add up, each within one unit of its exact share", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 1_000_000 }), (w, t) => {
        const W = sum(w);
        fc.pre(W > 0);
        const shares = allocate(t, w);
        expect(sum(shares)).toBe(t);
        for (const [i, s] of shares.entries()) expect(Math.abs(s - (t * (w[i] ?? 0)) / W)).toBeLessThan(1);
        if (t <= W) for (const [i, s] of shares.entries()) expect(s).toBeLessThanOrEqual(w[i] ?? 0);
      }),
    );
  });
  it("apportion: each share is its quota rounded down or up", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 997 }), (q, den) => {
        const quotas = q.map(BigInt);
        const total = quotas.reduce((s, x) => s + x, 0n) / BigInt(den);
        const shares = apportionBig(total, quotas, BigInt(den));
        expect(shares.reduce((s, x) => s + x, 0n)).toBe(total);
        shares.forEach((s, i) => {
          const exact = (quotas[i] ?? 0n) / BigInt(den);
          expect(s === exact || s === exact + 1n).toBe(true);
        });
      }),
    );
  });
});
