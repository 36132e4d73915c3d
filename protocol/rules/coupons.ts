// Coupon validation, the stacking policy and the exact allocation of coupon discounts to cart lines.
import type { Channel, CouponDef, Product, RulesConfig } from "./config.js";
import { allocate, divRound, sum } from "./money.js";
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
}

const PHASE: Record<CouponDef["kind"], number> = { "free-item": 0, "amount-off": 1, "percent-off": 2 };

export function couponGroup(def: CouponDef): string {
  if (def.group !== undefined) return def.group;
  if (def.kind === "free-item") return "gift";
  if (def.kind === "percent-off") return "percent";
  return def.thresholdFen > 0 ? "threshold" : "voucher";
}

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

function validate(id: string, ctx: CouponContext, seen: Set<string>): Candidate | CouponRejection {
  if (seen.has(id)) return "duplicate";
  seen.add(id);
  if (!ctx.memberPresent) return "no-member";
  const held = ctx.held.find((h) => h.instanceId === id);
  if (!held) return "not-held";
  const def = ctx.config.coupons.find((d) => d.id === held.couponId);
  if (!def) return "unknown-coupon";
  if (held.validFrom !== undefined && ctx.date < held.validFrom) return "not-yet-valid";
  if (ctx.date > held.expiresOn) return "expired";
  if (!def.channels.includes(ctx.channel)) return "channel";
  if (def.birthdayOnly !== "no" && (ctx.birthday === undefined || !isBirthday(ctx.birthday, ctx.date, def.birthdayOnly))) return "not-birthday";
  if (def.memberDaysOnly && !isMemberDay(ctx.config, ctx.date)) return "not-member-day";
  return { held, def };
}

/** Whether the store-local `date` is a member day (会员日): it matches one of `points.multipliers.memberDays`. */
export function isMemberDay(config: RulesConfig, date: string): boolean {
  return config.points.multipliers.memberDays.some((md) => inDayWindow(date, md.days));
}

/** The discount one coupon gives on the current remaining amounts, or why it gives none. */
function discountOf(def: CouponDef, lines: readonly CouponLine[], scoped: readonly number[], config: RulesConfig): number | CouponRejection {
  let base = 0;
  for (const i of scoped) base += lines[i]?.remaining ?? 0;
  if (scoped.length === 0 || base === 0) return "not-applicable";
  if (base < def.thresholdFen) return "below-threshold";
  let d: number;
  if (def.kind === "amount-off") d = def.offFen ?? 0;
  else if (def.kind === "percent-off") d = divRound(base * (100 - (def.percent ?? 100)), 100, config.rounding.mode);
  else {
    const unit = Math.min(...scoped.map((i) => lines[i]?.memberUnitFen ?? 0));
    const units = Math.min(def.freeQty, sum(scoped.map((i) => lines[i]?.qty ?? 0)));
    d = unit * units;
  }
  if (def.maxOffFen !== undefined) d = Math.min(d, def.maxOffFen);
  d = Math.min(d, base);
  return d > 0 ? d : "not-applicable";
}

interface RunResult {
  total: number;
  outcome: CouponOutcome;
}

/** Applies candidates in canonical order to a copy of the lines, enforcing the stacking limits. */
function run(cands: readonly Candidate[], lines: readonly CouponLine[], config: RulesConfig): RunResult {
  const work = lines.map((l) => ({ index: l.index, product: l.product, qty: l.qty, memberUnitFen: l.memberUnitFen, remaining: l.remaining }));
  const outcome: CouponOutcome = { applied: [], rejected: [], allocations: [] };
  const perDef = new Map<string, number>();
  const perGroup = new Map<string, number>();
  let total = 0;
  for (const c of [...cands].sort(canonical)) {
    const group = couponGroup(c.def);
    const reject = (reason: CouponRejection): void => {
      outcome.rejected.push({ instanceId: c.held.instanceId, reason });
    };
    if (outcome.applied.length >= config.couponPolicy.maxPerOrder) {
      reject("order-limit");
      continue;
    }
    if ((perDef.get(c.def.id) ?? 0) >= c.def.maxPerOrder) {
      reject("per-coupon-limit");
      continue;
    }
    if ((perGroup.get(group) ?? 0) >= (config.couponPolicy.maxPerGroup[group] ?? 1)) {
      reject("group-limit");
      continue;
    }
    const scoped: number[] = [];
    for (let i = 0; i < work.length; i++) {
      const l = work[i];
      if (l && inCouponScope(c.def, l.product) && l.remaining > 0) scoped.push(i);
    }
    const d = discountOf(c.def, work, scoped, config);
    if (typeof d === "string") {
      reject(d);
      continue;
    }
    const weights: number[] = [];
    for (const i of scoped) weights.push(work[i]?.remaining ?? 0);
    const shares = allocate(d, weights);
    const perLine = new Array<number>(work.length).fill(0);
    const given: number[] = [];
    for (let k = 0; k < scoped.length; k++) {
      const li = scoped[k] as number;
      const s = shares[k] ?? 0;
      perLine[li] = s;
      const w = work[li];
      if (w) w.remaining -= s;
      if (s > 0) given.push(w?.index ?? li);
    }
    perDef.set(c.def.id, (perDef.get(c.def.id) ?? 0) + 1);
    perGroup.set(group, (perGroup.get(group) ?? 0) + 1);
    total += d;
    outcome.applied.push({
      instanceId: c.held.instanceId,
      couponId: c.def.id,
      name: c.def.name,
      kind: c.def.kind,
      discountFen: d,
      lines: given,
    });
    outcome.allocations.push({ instanceId: c.held.instanceId, perLine });
  }
  return { total, outcome };
}

/**
 * Validates and applies the requested coupons (see docs/rules.md, "Stacking policy").
 * Mutates `lines[i].remaining` by the amounts given to each line.
 */
export function applyCoupons(requested: readonly string[], lines: CouponLine[], ctx: CouponContext): CouponOutcome {
  const rejected: CouponOutcome["rejected"] = [];
  const valid: Candidate[] = [];
  const seen = new Set<string>();
  for (const id of requested) {
    const v = validate(id, ctx, seen);
    if (typeof v === "string") rejected.push({ instanceId: id, reason: v });
    else valid.push(v);
  }
  const plain = valid.filter((c) => !c.def.exclusive);
  const exclusive = valid.filter((c) => c.def.exclusive).sort(canonical);
  // The non-exclusive set, then each exclusive coupon alone: the largest total discount wins (ties: earlier).
  const options: Candidate[][] = [plain, ...exclusive.map((c) => [c])];
  let best: { run: RunResult; set: Candidate[] } | undefined;
  for (const set of options) {
    if (set.length === 0 && best) continue;
    const r = run(set, lines, ctx.config);
    if (!best || r.total > best.run.total) best = { run: r, set };
  }
  const chosen = best ?? { run: run([], lines, ctx.config), set: [] };
  const inSet = new Set(chosen.set.map((c) => c.held.instanceId));
  for (const c of valid) if (!inSet.has(c.held.instanceId)) rejected.push({ instanceId: c.held.instanceId, reason: "exclusive" });
  for (const a of chosen.run.outcome.allocations)
    a.perLine.forEach((s, i) => {
      const l = lines[i];
      if (l) l.remaining -= s;
    });
  const order = new Map(requested.map((id, i) => [id, i]));
  const allRejected = [...rejected, ...chosen.run.outcome.rejected].sort((a, b) => (order.get(a.instanceId) ?? 0) - (order.get(b.instanceId) ?? 0));
  return { applied: chosen.run.outcome.applied, rejected: allRejected, allocations: chosen.run.outcome.allocations };
}
