// Per-config look-up tables for the pricing hot path (levels, card classes, coupons, points item rules), built once and cached by the identity of the config's arrays.
import type { CardClass, CouponDef, Level, PointsRule, Product, RulesConfig } from "./config.js";
import type { PointsRuleUsed } from "./pricing-types.js";

// Like the catalog index (unit-price.ts), these assume a config is not changed in place once it has
// priced a cart: a new config version is parsed into new objects, and so gets new tables.

/** A coupon scope with its lists as sets (null when a list is absent or, for exclusions, empty). */
export interface CompiledScope {
  skus: ReadonlySet<string> | null;
  categories: ReadonlySet<string> | null;
  brands: ReadonlySet<string> | null;
  /** Whether any of skus, categories, brands is given (an empty list counts as given). */
  limited: boolean;
  excludeSkus: ReadonlySet<string> | null;
  excludeCategories: ReadonlySet<string> | null;
  excludePromotional: boolean;
}

export interface CouponEntry {
  def: CouponDef;
  /** couponGroup(def). */
  group: string;
  scope: CompiledScope;
}

/** Which rule gives a line its points (shared, read-only). */
export interface RuleChoice {
  readonly used: PointsRuleUsed;
  readonly rule: PointsRule | null;
}

/** points.itemRules by what they match (the first rule wins, as with a linear search), and the spend rule. */
export interface ItemRuleIndex {
  bySku: Map<string, RuleChoice>;
  byCategory: Map<string, RuleChoice>;
  byBrand: Map<string, RuleChoice>;
  spend: RuleChoice | null;
  /** What the index was built from (rebuilt when either is replaced). */
  rules: RulesConfig["points"]["itemRules"];
  spendDef: RulesConfig["points"]["spend"];
}

const setOf = (xs: readonly string[] | undefined): ReadonlySet<string> | null => (xs === undefined ? null : new Set(xs));
const setOfNonEmpty = (xs: readonly string[]): ReadonlySet<string> | null => (xs.length === 0 ? null : new Set(xs));

/** The stacking group of a coupon: its own, or gift / percent / threshold / voucher by kind. */
export function couponGroup(def: CouponDef): string {
  if (def.group !== undefined) return def.group;
  if (def.kind === "free-item") return "gift";
  if (def.kind === "percent-off") return "percent";
  return def.thresholdFen > 0 ? "threshold" : "voucher";
}

export function compileScope(def: CouponDef): CompiledScope {
  const s = def.scope;
  return {
    skus: setOf(s.skus),
    categories: setOf(s.categories),
    brands: setOf(s.brands),
    limited: s.skus !== undefined || s.categories !== undefined || s.brands !== undefined,
    excludeSkus: setOfNonEmpty(s.excludeSkus),
    excludeCategories: setOfNonEmpty(s.excludeCategories),
    excludePromotional: s.excludePromotional,
  };
}

/** inCouponScope on a compiled scope: same answer for every product. */
export function inCompiledScope(e: CouponEntry, p: Product): boolean {
  const s = e.scope;
  if (s.excludeSkus?.has(p.sku) === true || s.excludeCategories?.has(p.category) === true) return false;
  if (s.excludePromotional && p.promotional) return false;
  if (e.def.kind === "free-item") return p.sku === e.def.sku;
  if (!s.limited) return true;
  return s.skus?.has(p.sku) === true || s.categories?.has(p.category) === true || (p.brand !== undefined && s.brands?.has(p.brand) === true);
}

function byId<T extends { id: string }>(cache: WeakMap<readonly T[], Map<string, T>>, xs: readonly T[]): Map<string, T> {
  let m = cache.get(xs);
  if (m) return m;
  m = new Map();
  for (const x of xs) if (!m.has(x.id)) m.set(x.id, x);
  cache.set(xs, m);
  return m;
}

const levelCache = new WeakMap<readonly Level[], Map<string, Level>>();
const classCache = new WeakMap<readonly CardClass[], Map<string, CardClass>>();
const couponCache = new WeakMap<readonly CouponDef[], Map<string, CouponEntry>>();
const itemRuleCache = new WeakMap<RulesConfig["points"], ItemRuleIndex>();

/** Levels by id (the first of an id, as `find` gives). */
export const levelsById = (config: RulesConfig): Map<string, Level> => byId(levelCache, config.levels);
/** Card classes by id. */
export const cardClassesById = (config: RulesConfig): Map<string, CardClass> => byId(classCache, config.cardClasses);

/** Coupon definitions by id, with their group and compiled scope. */
export function couponsById(config: RulesConfig): Map<string, CouponEntry> {
  const defs = config.coupons;
  let m = couponCache.get(defs);
  if (m) return m;
  m = new Map();
  for (const def of defs) if (!m.has(def.id)) m.set(def.id, { def, group: couponGroup(def), scope: compileScope(def) });
  couponCache.set(defs, m);
  return m;
}

/** The points rule look-ups of a config, by the identity of its `points` section. */
export function itemRuleIndex(config: RulesConfig): ItemRuleIndex {
  const points = config.points;
  let idx = itemRuleCache.get(points);
  if (idx && idx.rules === points.itemRules && idx.spendDef === points.spend) return idx;
  const spend = points.spend;
  idx = {
    bySku: new Map(),
    byCategory: new Map(),
    byBrand: new Map(),
    spend: spend ? Object.freeze({ used: "spend", rule: Object.freeze({ kind: "per-amount", fenPerPoint: spend.fenPerPoint }) }) : null,
    rules: points.itemRules,
    spendDef: spend,
  };
  for (const r of points.itemRules) {
    const choice: RuleChoice = Object.freeze({ used: "item", rule: r.rule });
    if (r.sku !== undefined && !idx.bySku.has(r.sku)) idx.bySku.set(r.sku, choice);
    if (r.category !== undefined && !idx.byCategory.has(r.category)) idx.byCategory.set(r.category, choice);
    if (r.brand !== undefined && !idx.byBrand.has(r.brand)) idx.byBrand.set(r.brand, choice);
  }
  itemRuleCache.set(points, idx);
  return idx;
}
