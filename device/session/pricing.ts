// The session's price: member prices, the best valid coupon combination under the stacking policy, points as cash.
//
// The rules engine applies the coupons it is given (docs/rules.md, stacking policy); choosing which of
// the member's coupons to give it is the kiosk's job. Adding a coupon can lower another one's discount
// (thresholds are checked on what is left), so the search prices every combination the stacking
// limits allow, up to MAX_COMBINATIONS; past that it keeps the best coupons of each group by their
// discount alone. The cheapest total wins; ties go to fewer coupons, then to the coupons that expire first.
import type { ConfigContent, MemberRecord } from "../../protocol/messages.js";
import { priceSale, type SaleLine } from "../../protocol/sale-pricing.js";
import type { PricedCart } from "../../protocol/rules/pricing-types.js";
import type { CouponDef, RulesConfig } from "../../protocol/rules/config.js";
import { couponGroup, inCouponScope } from "../../protocol/rules/coupons.js";
import { localDate } from "../../protocol/rules/time.js";

/** Upper bound on the combinations priced for one cart (each is one priceCart call). */
export const MAX_COMBINATIONS = 128;

export interface SessionQuote {
  priced: PricedCart;
  /** Coupon instances used (the sale fact carries them; the hub prices with the same ones). */
  coupons: string[];
  /** Coupons the member holds that could apply to this cart, and how many combinations were priced. */
  couponsConsidered: number;
  combinationsPriced: number;
  /** What opting in to points as cash would give now (null: not possible today or nothing to redeem). */
  pointsOffer: { points: number; cashFen: number } | null;
}

type HeldCoupon = MemberRecord["coupons"][number];
interface Candidate {
  held: HeldCoupon;
  def: CouponDef;
  alone: number;
}

/** Held coupons that are valid today on the kiosk and touch at least one line of the cart. */
function candidates(rules: RulesConfig, member: MemberRecord, lines: readonly SaleLine[], date: string): Array<{ held: HeldCoupon; def: CouponDef }> {
  const products = lines.flatMap((l) => rules.catalog.filter((p) => p.sku === l.sku));
  const out: Array<{ held: HeldCoupon; def: CouponDef }> = [];
  const perDef = new Map<string, number>();
  // Sooner expiry first: of interchangeable instances, use the ones that would be lost first.
  const held = [...member.coupons].sort((a, b) => (a.expiresOn < b.expiresOn ? -1 : a.expiresOn > b.expiresOn ? 1 : a.instanceId < b.instanceId ? -1 : 1));
  for (const h of held) {
    const def = rules.coupons.find((d) => d.id === h.couponId);
    if (!def || !def.channels.includes("kiosk")) continue;
    if ((h.validFrom !== undefined && date < h.validFrom) || date > h.expiresOn) continue;
    if (!products.some((p) => inCouponScope(def, p))) continue;
    const n = perDef.get(def.id) ?? 0;
    if (n >= def.maxPerOrder) continue;
    perDef.set(def.id, n + 1);
    out.push({ held: h, def });
  }
  return out;
}

function better(a: { priced: PricedCart; ids: string[]; expiry: string }, b: { priced: PricedCart; ids: string[]; expiry: string } | undefined): boolean {
  if (!b) return true;
  if (a.priced.totals.totalFen !== b.priced.totals.totalFen) return a.priced.totals.totalFen < b.priced.totals.totalFen;
  if (a.ids.length !== b.ids.length) return a.ids.length < b.ids.length;
  return a.expiry < b.expiry;
}

/** Combinations of non-exclusive candidates that respect the order, per-definition and per-group limits. */
function* combinations(list: readonly Candidate[], rules: RulesConfig): Generator<Candidate[]> {
  const groupLimit = (g: string): number => rules.couponPolicy.maxPerGroup[g] ?? 1;
  const chosen: Candidate[] = [];
  const perGroup = new Map<string, number>();
  function* walk(i: number): Generator<Candidate[]> {
    if (i === list.length) {
      if (chosen.length > 0) yield [...chosen];
      return;
    }
    const c = list[i]!;
    const g = couponGroup(c.def);
    if (chosen.length < rules.couponPolicy.maxPerOrder && (perGroup.get(g) ?? 0) < groupLimit(g)) {
      chosen.push(c);
      perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
      yield* walk(i + 1);
      chosen.pop();
      perGroup.set(g, (perGroup.get(g) ?? 1) - 1);
    }
    yield* walk(i + 1);
  }
  yield* walk(0);
}

/** The best valid coupon combination for this cart, priced. */
export function chooseCoupons(
  content: ConfigContent,
  member: MemberRecord,
  lines: readonly SaleLine[],
  at: number,
): { priced: PricedCart; coupons: string[]; considered: number; combinations: number } {
  const rules = content.rules;
  const price = (ids: string[]): PricedCart => priceSale(content, member, lines, at, { coupons: ids, linesChecked: true }); // lines from the cart edits (device/session/cart.ts)
  const base = price([]);
  let count = 1;
  const cands: Candidate[] = [];
  for (const c of candidates(rules, member, lines, localDate(at, rules.utcOffsetMinutes))) {
    const alone = price([c.held.instanceId]);
    count++;
    if (alone.appliedCoupons.length === 1) cands.push({ ...c, alone: base.totals.totalFen - alone.totals.totalFen });
  }
  let best: { priced: PricedCart; ids: string[]; expiry: string } = { priced: base, ids: [], expiry: "" };
  const consider = (set: Candidate[]): void => {
    const ids = set.map((c) => c.held.instanceId);
    const priced = price(ids);
    count++;
    // A set the engine trims (a coupon dropped to zero by an earlier one) is still valid: keep what it applied.
    const applied = priced.appliedCoupons.map((a) => a.instanceId);
    const expiry = set
      .map((c) => c.held.expiresOn)
      .sort()
      .join(",");
    const cand = { priced, ids: applied, expiry };
    if (better(cand, best)) best = cand;
  };
  cands.sort((a, b) => b.alone - a.alone);
  const exclusive = cands.filter((c) => c.def.exclusive);
  const plain = cands.filter((c) => !c.def.exclusive);
  for (const c of exclusive) consider([c]);
  let tried = 0;
  let exhausted = true;
  for (const set of combinations(plain, rules)) {
    if (tried >= MAX_COMBINATIONS) {
      exhausted = false;
      break;
    }
    consider(set);
    tried++;
  }
  if (!exhausted) {
    // Too many to price them all: the best of each group by its discount alone.
    const taken = new Map<string, number>();
    const greedy = plain.filter((c) => {
      const g = couponGroup(c.def);
      const n = taken.get(g) ?? 0;
      if (n >= (rules.couponPolicy.maxPerGroup[g] ?? 1)) return false;
      taken.set(g, n + 1);
      return true;
    });
    consider(greedy.slice(0, rules.couponPolicy.maxPerOrder));
  }
  const chosen = best;
  return { priced: chosen.priced, coupons: chosen.ids, considered: cands.length, combinations: count };
}

/** The session's full quote: best coupons, then points as cash when the member opted in (or the offer if not). */
export function quoteSession(content: ConfigContent, member: MemberRecord, lines: readonly SaleLine[], at: number, usePoints: boolean): SessionQuote {
  const best = chooseCoupons(content, member, lines, at);
  const withPoints =
    content.rules.points.redemption && member.pointsBalance > 0
      ? priceSale(content, member, lines, at, { coupons: best.coupons, pointsToRedeem: member.pointsBalance })
      : undefined;
  const offer =
    withPoints && withPoints.totals.pointsRedeemed > 0 ? { points: withPoints.totals.pointsRedeemed, cashFen: withPoints.totals.pointsCashFen } : null;
  return {
    priced: usePoints && withPoints && offer ? withPoints : best.priced,
    coupons: best.coupons,
    couponsConsidered: best.considered,
    combinationsPriced: best.combinations + (withPoints ? 1 : 0),
    pointsOffer: offer,
  };
}
