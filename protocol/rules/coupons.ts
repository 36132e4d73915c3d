// Coupon validation, the stacking policy and the exact allocation of coupon discounts to cart lines.
import type { Channel, CouponDef, Product, RulesConfig } from "./config.js";
import { type CouponEntry, couponGroup, couponsById, inCompiledScope } from "./config-index-fast.js";
import { allocate, divRound } from "./money.js";
import type { AppliedCoupon, CouponRejection, HeldCoupon } from "./pricing-types.js";
import { inDayWindow, isBirthday } from "./time.js";

/** A cart line as coupons see it; `remaining` is what is still left of the line after earlier discounts. */
export interface CouponLine {
  index: number;
  product: Product;
  qty: number;
  memberUnitFen: number;
  remaining: number;
}

export interface CouponContext {
  config: RulesConfig;
  memberPresent: boolean;
  held: readonly HeldCoupon[];
  birthday: string | undefined;
  date: string;
  channel: Channel;
}

export interface CouponOutcome {
  applied: AppliedCoupon[];
  rejected: { instanceId: string; reason: CouponRejection }[];
  /** Per applied coupon, the fen given to each cart line (same order as `lines`). */
  allocations: { instanceId: string; perLine: number[] }[];
}

interface Candidate {
  held: HeldCoupon;
  def: CouponDef;
  entry: CouponEntry;
}

const PHASE: Record<CouponDef["kind"], number> = { "free-item": 0, "amount-off": 1, "percent-off": 2 };

export { couponGroup };

/** Canonical order of application: gift items, then amount-off (highest threshold first), then percent-off. */
function canonical(a: Candidate, b: Candidate): number {
  const pa = PHASE[a.def.kind];
  const pb = PHASE[b.def.kind];
  if (pa !== pb) return pa - pb;
  if (a.def.thresholdFen !== b.def.thresholdFen) return b.def.thresholdFen - a.def.thresholdFen;
  const va = a.def.kind === "percent-off" ? -(a.def.percent ?? 100) : (a.def.offFen ?? 0);
  const vb = b.def.kind === "percent-off" ? -(b.def.percent ?? 100) : (b.def.offFen ?? 0);
  if (va !== vb) return vb - va;
  if (a.held.expiresOn !== b.held.expiresOn) return a.held.expiresOn < b.held.expiresOn ? -1 : 1;
  return a.held.instanceId < b.held.instanceId ? -1 : a.held.instanceId > b.held.instanceId ? 1 : 0;
}

/** Whether a product is in a coupon's scope (the exact definition; the hot path uses the compiled scope of config-index-fast.ts). */
export function inCouponScope(def: CouponDef, p: Product): boolean {
  const s = def.scope;
  if (s.excludeSkus.includes(p.sku) || s.excludeCategories.includes(p.category)) return false;
  if (s.excludePromotional && p.promotional) return false;
  if (def.kind === "free-item") return p.sku === def.sku;
  const any = s.skus !== undefined || s.categories !== undefined || s.brands !== undefined;
  if (!any) return true;
  return (
    (s.skus?.includes(p.sku) ?? false) || (s.categories?.includes(p.category) ?? false) || (p.brand !== undefined && (s.brands?.includes(p.brand) ?? false))
  );
}

/** Whether the store-local `date` is a member day (会员日): it matches one of `points.multipliers.memberDays`. */
export function isMemberDay(config: RulesConfig, date: string): boolean {
  return config.points.multipliers.memberDays.some((md) => inDayWindow(date, md.days));
}

/** A cart as coupons see it, as parallel arrays by line position; `remaining` is what is left of each line after earlier discounts. */
export interface CouponCart {
  products: readonly Product[];
  qty: readonly number[];
  memberUnitFen: readonly number[];
  remaining: number[];
}

/** What one applied coupon gave: `shares[k]` fen to the line at position `lines[k]` (the lines in scope, ascending). */
export interface CouponGrant {
  instanceId: string;
  lines: number[];
  shares: number[];
}

/** The outcome by line position: `applied[].lines` are positions, and `grants[k]` is what `applied[k]` gave. */
export interface CouponResult {
  applied: AppliedCoupon[];
  rejected: { instanceId: string; reason: CouponRejection }[];
  grants: CouponGrant[];
}

function validate(id: string, ctx: CouponContext, seen: string[], defs: Map<string, CouponEntry>): Candidate | CouponRejection {
  if (seen.includes(id)) return "duplicate";
  seen.push(id);
  if (!ctx.memberPresent) return "no-member";
  let held: HeldCoupon | undefined;
  for (const h of ctx.held)
    if (h.instanceId === id) {
      held = h;
      break;
    }
  if (!held) return "not-held";
  const entry = defs.get(held.couponId);
  if (!entry) return "unknown-coupon";
  const def = entry.def;
  if (held.validFrom !== undefined && ctx.date < held.validFrom) return "not-yet-valid";
  if (ctx.date > held.expiresOn) return "expired";
  if (!def.channels.includes(ctx.channel)) return "channel";
  if (def.birthdayOnly !== "no" && (ctx.birthday === undefined || !isBirthday(ctx.birthday, ctx.date, def.birthdayOnly))) return "not-birthday";
  if (def.memberDaysOnly && !isMemberDay(ctx.config, ctx.date)) return "not-member-day";
  return { held, def, entry };
}

/** The discount one coupon gives on the remaining amounts `work` of the lines in `scoped`, or why it gives none. */
function discountOf(def: CouponDef, cart: CouponCart, work: readonly number[], scoped: readonly number[], config: RulesConfig): number | CouponRejection {
  let base = 0;
  for (const i of scoped) base += work[i] as number;
  if (scoped.length === 0 || base === 0) return "not-applicable";
  if (base < def.thresholdFen) return "below-threshold";
  let d: number;
  if (def.kind === "amount-off") d = def.offFen ?? 0;
  else if (def.kind === "percent-off") d = divRound(base * (100 - (def.percent ?? 100)), 100, config.rounding.mode);
  else {
    let unit = Number.POSITIVE_INFINITY;
    let qty = 0;
    for (const i of scoped) {
      unit = Math.min(unit, cart.memberUnitFen[i] as number);
      qty += cart.qty[i] as number;
    }
    d = unit * Math.min(def.freeQty, qty);
  }
  if (def.maxOffFen !== undefined) d = Math.min(d, def.maxOffFen);
  d = Math.min(d, base);
  return d > 0 ? d : "not-applicable";
}

interface RunResult extends CouponResult {
  total: number;
  /** What is left of each line after this run's coupons. */
  work: number[];
}

function count(xs: readonly string[], x: string): number {
  let k = 0;
  for (const y of xs) if (y === x) k++;
  return k;
}

/** A sorted copy (insertion sort: a few coupons; canonical is a total order on distinct instances). */
function sortedCanonical(cands: readonly Candidate[]): Candidate[] {
  const out: Candidate[] = [];
  for (const c of cands) {
    let j = out.push(c) - 1;
    while (j > 0 && canonical(out[j - 1] as Candidate, c) > 0) {
      out[j] = out[j - 1] as Candidate;
      j--;
    }
    out[j] = c;
  }
  return out;
}

/** Applies candidates in canonical order to a copy of the remaining amounts, enforcing the stacking limits. */
function run(cands: readonly Candidate[], cart: CouponCart, config: RulesConfig): RunResult {
  const n = cart.products.length;
  const work = cart.remaining.slice();
  const out: RunResult = { applied: [], rejected: [], grants: [], total: 0, work };
  const usedDefs: string[] = [];
  const usedGroups: string[] = [];
  const sorted = cands.length > 1 ? sortedCanonical(cands) : cands;
  for (const c of sorted) {
    const { def, entry } = c;
    const instanceId = c.held.instanceId;
    let why: CouponRejection | undefined;
    if (out.applied.length >= config.couponPolicy.maxPerOrder) why = "order-limit";
    else if (count(usedDefs, def.id) >= def.maxPerOrder) why = "per-coupon-limit";
    else if (count(usedGroups, entry.group) >= (config.couponPolicy.maxPerGroup[entry.group] ?? 1)) why = "group-limit";
    if (why !== undefined) {
      out.rejected.push({ instanceId, reason: why });
      continue;
    }
    const scoped: number[] = [];
    for (let i = 0; i < n; i++) if ((work[i] as number) > 0 && inCompiledScope(entry, cart.products[i] as Product)) scoped.push(i);
    const d = discountOf(def, cart, work, scoped, config);
    if (typeof d === "string") {
      out.rejected.push({ instanceId, reason: d });
      continue;
    }
    const weights = new Array<number>(scoped.length);
    for (let k = 0; k < scoped.length; k++) weights[k] = work[scoped[k] as number] as number;
    const shares = allocate(d, weights);
    const given: number[] = [];
    for (let k = 0; k < scoped.length; k++) {
      const li = scoped[k] as number;
      const s = shares[k] as number;
      work[li] = (work[li] as number) - s;
      if (s > 0) given.push(li);
    }
    usedDefs.push(def.id);
    usedGroups.push(entry.group);
    out.total += d;
    out.applied.push({ instanceId, couponId: def.id, name: def.name, kind: def.kind, discountFen: d, lines: given });
    out.grants.push({ instanceId, lines: scoped, shares });
  }
  return out;
}

const isExclusive = (c: Candidate): boolean => c.def.exclusive;
const isPlain = (c: Candidate): boolean => !c.def.exclusive;

/**
 * Validates and applies the requested coupons (see docs/rules.md, "Stacking policy") to a cart given
 * by line position, and sets `cart.remaining` to what is left of each line.
 */
export function applyCouponsTo(requested: readonly string[], cart: CouponCart, ctx: CouponContext): CouponResult {
  const defs = couponsById(ctx.config);
  const rejected: CouponResult["rejected"] = [];
  const valid: Candidate[] = [];
  const seen: string[] = [];
  let exclusives = 0;
  for (const id of requested) {
    const v = validate(id, ctx, seen, defs);
    if (typeof v === "string") rejected.push({ instanceId: id, reason: v });
    else {
      valid.push(v);
      if (v.def.exclusive) exclusives++;
    }
  }
  let chosen: RunResult;
  if (exclusives === 0) chosen = run(valid, cart, ctx.config);
  else {
    // The non-exclusive set, then each exclusive coupon alone: the largest total discount wins (ties: earlier).
    const plain = valid.filter(isPlain);
    let best = run(plain, cart, ctx.config);
    let set: readonly Candidate[] = plain;
    for (const c of valid.filter(isExclusive).sort(canonical)) {
      const r = run([c], cart, ctx.config);
      if (r.total > best.total) {
        best = r;
        set = [c];
      }
    }
    chosen = best;
    for (const c of valid) if (!set.includes(c)) rejected.push({ instanceId: c.held.instanceId, reason: "exclusive" });
  }
  for (let i = 0; i < chosen.work.length; i++) cart.remaining[i] = chosen.work[i] as number;
  let allRejected = rejected.length === 0 ? chosen.rejected : [...rejected, ...chosen.rejected];
  if (allRejected.length > 1) {
    // In the order requested (a repeated id sorts by its last request), stable.
    const order = new Map(requested.map((id, i) => [id, i]));
    allRejected = allRejected.sort((a, b) => (order.get(a.instanceId) ?? 0) - (order.get(b.instanceId) ?? 0));
  }
  return { applied: chosen.applied, rejected: allRejected, grants: chosen.grants };
}

/**
 * Validates and applies the requested coupons (see docs/rules.md, "Stacking policy").
 * Mutates `lines[i].remaining` by the amounts given to each line.
 */
export function applyCoupons(requested: readonly string[], lines: CouponLine[], ctx: CouponContext): CouponOutcome {
  const cart: CouponCart = {
    products: lines.map((l) => l.product),
    qty: lines.map((l) => l.qty),
    memberUnitFen: lines.map((l) => l.memberUnitFen),
    remaining: lines.map((l) => l.remaining),
  };
  const r = applyCouponsTo(requested, cart, ctx);
  lines.forEach((l, i) => {
    l.remaining = cart.remaining[i] as number;
  });
  for (const a of r.applied) a.lines = a.lines.map((pos) => lines[pos]?.index ?? pos);
  const allocations = r.grants.map((g) => {
    const perLine = new Array<number>(lines.length).fill(0);
    g.lines.forEach((pos, k) => {
      perLine[pos] = g.shares[k] ?? 0;
    });
    return { instanceId: g.instanceId, perLine };
  });
  return { applied: r.applied, rejected: r.rejected, allocations };
}
