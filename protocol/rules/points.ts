// Points earning: rule priority, options, multipliers and their combination, order-level rounding; yearly clear.
import type { Level, PointsRule, Product, RulesConfig } from "./config.js";
import { apportionBig, divRoundBig, lcmBig, toSafeNumber } from "./money.js";
import { type ItemRuleIndex, itemRuleIndex, type RuleChoice } from "./config-index-fast.js";
import { fastEarn } from "./points-fast.js";
import type { PointsMultiplierInfo, PointsRuleUsed } from "./pricing-types.js";
import { daysBetween, inDateRange, inDayWindow, isBirthday, monthDay, type IsoDate } from "./time.js";

export { returnLines } from "./returns.js";
export type { ReturnInput, ReturnResult, ReturnedLine } from "./returns.js";

export interface EarnLine {
  product: Product;
  qty: number;
  /** The amount this line's points are computed on, in fen. */
  amountFen: number;
  /** Sold at a member price or a member discount. */
  memberPriced: boolean;
  campaign?: "group-buy" | "flash-sale" | undefined;
}

export interface EarnContext {
  config: RulesConfig;
  memberPresent: boolean;
  level: Level | undefined;
  birthday: string | undefined;
  date: IsoDate;
}

export interface EarnedLine {
  rule: PointsRuleUsed;
  points: number;
  /** The base and level-multiplier part, taken back on a return. */
  returnable: number;
}

export interface EarnResult {
  lines: EarnedLine[];
  points: number;
  returnable: number;
  multiplier: PointsMultiplierInfo;
}

const NO_RULE: RuleChoice = Object.freeze({ used: "none", rule: null });

/** pointsRuleFor by parts, with the config's rule index (no per-line allocation). */
function ruleChoice(config: RulesConfig, idx: ItemRuleIndex, p: Product, memberPriced: boolean, campaign: EarnLine["campaign"]): RuleChoice {
  if (p.specialPoints) return { used: "special", rule: p.specialPoints };
  const o = config.points.options;
  if (p.barcode === undefined && !o.noBarcodeItemsEarn) return NO_RULE;
  if (p.promotional && !o.promotionalItemsEarn) return NO_RULE;
  if (memberPriced && !o.memberPricedItemsEarn) return NO_RULE;
  if (campaign !== undefined && !o.campaignItemsEarn) return NO_RULE;
  const item = idx.bySku.get(p.sku) ?? idx.byCategory.get(p.category) ?? (p.brand !== undefined ? idx.byBrand.get(p.brand) : undefined);
  return item ?? idx.spend ?? NO_RULE;
}

/** Which rule gives a line its points: special item > item/category/brand rule > spend amount. The result is shared: do not change it. */
export function pointsRuleFor(config: RulesConfig, line: EarnLine): { used: PointsRuleUsed; rule: PointsRule | null } {
  return ruleChoice(config, itemRuleIndex(config), line.product, line.memberPriced, line.campaign);
}

interface Ratio {
  num: bigint;
  den: bigint;
}

/** Exact points of one line before multipliers, in point units. */
function basePoints(rule: PointsRule | null, amountFen: number, qty: number, decimals: number): Ratio {
  const scale = 10n ** BigInt(decimals);
  const amount = BigInt(amountFen);
  if (!rule) return { num: 0n, den: 1n };
  switch (rule.kind) {
    case "none":
      return { num: 0n, den: 1n };
    case "fixed":
      return { num: BigInt(rule.points) * BigInt(qty), den: 1n };
    case "percent":
      return { num: amount * BigInt(rule.percent) * scale, den: 10_000n };
    case "per-amount":
      return { num: amount * scale, den: BigInt(rule.fenPerPoint) };
  }
}

/** Birthday, holiday, period and member-day multipliers that apply on `date`. */
export function eventMultipliers(config: RulesConfig, birthday: string | undefined, date: IsoDate): { name: string; percent: number }[] {
  const m = config.points.multipliers;
  const out: { name: string; percent: number }[] = [];
  if (m.birthdayPercent !== undefined && birthday !== undefined && isBirthday(birthday, date, m.birthdayScope)) {
    out.push({ name: "birthday", percent: m.birthdayPercent });
  }
  for (const h of m.holidays) if (h.date === date || h.date === monthDay(date)) out.push({ name: h.name, percent: h.percent });
  for (const p of m.periods) if (inDateRange(date, p.from, p.to)) out.push({ name: p.name, percent: p.percent });
  for (const md of m.memberDays) if (inDayWindow(date, md.days)) out.push({ name: md.name, percent: md.percent });
  return out;
}

/**
 * The overall multiplier. With L the level percent and E the event percents:
 * additive L + sum(E - 100); multiplicative L x prod(E / 100); highest max(L, E...).
 * Event percents are at least 100, so the result is never below the level multiplier.
 */
export function combineMultipliers(combine: PointsMultiplierInfo["combine"], levelPercent: number, events: readonly number[]): Ratio {
  if (combine === "additive") return { num: BigInt(levelPercent + events.reduce((s, e) => s + e - 100, 0)), den: 100n };
  if (combine === "highest") return { num: BigInt(Math.max(levelPercent, ...events)), den: 100n };
  let num = BigInt(levelPercent);
  let den = 100n;
  for (const e of events) {
    num *= BigInt(e);
    den *= 100n;
  }
  return { num, den };
}

function ratioString(r: Ratio): string {
  const scaled = divRoundBig(r.num * 10_000n, r.den, "half-up");
  const whole = scaled / 10_000n;
  const frac = (scaled % 10_000n).toString().padStart(4, "0").replace(/0+$/, "");
  return frac === "" ? whole.toString() : `${whole.toString()}.${frac}`;
}

/** The overall points multiplier of a cart; cached per (multipliers section, level percent, date, birthday). */
interface MultiplierEntry {
  levelPercent: number;
  events: { name: string; percent: number }[];
  combine: PointsMultiplierInfo["combine"];
  total: string;
  num: bigint;
  den: bigint;
}

/** Per multipliers section: the last entry asked for (carts come in runs of one day and one level) and the others, by key. */
interface MultiplierCache {
  last: MultiplierEntry | undefined;
  lastKey: { levelPercent: number; date: IsoDate; birthday: string | undefined };
  byKey: Map<string, MultiplierEntry>;
}

const multiplierCache = new WeakMap<RulesConfig["points"]["multipliers"], MultiplierCache>();

function multiplierOf(config: RulesConfig, levelPercent: number, birthday: string | undefined, date: IsoDate): MultiplierEntry {
  const m = config.points.multipliers;
  let cache = multiplierCache.get(m);
  if (!cache) {
    cache = { last: undefined, lastKey: { levelPercent: 0, date: "", birthday: undefined }, byKey: new Map() };
    multiplierCache.set(m, cache);
  }
  const lk = cache.lastKey;
  const last = cache.last;
  if (last && last.combine === m.combine && lk.levelPercent === levelPercent && lk.date === date && lk.birthday === birthday) return last;
  const key = `${levelPercent}|${date}|${birthday === undefined ? "-" : `+${birthday}`}`;
  let entry = cache.byKey.get(key);
  if (!entry || entry.combine !== m.combine) {
    const events = eventMultipliers(config, birthday, date);
    const mult = combineMultipliers(
      m.combine,
      levelPercent,
      events.map((e) => e.percent),
    );
    entry = { levelPercent, events, combine: m.combine, total: ratioString(mult), num: mult.num, den: mult.den };
    if (cache.byKey.size >= 256) cache.byKey.clear();
    cache.byKey.set(key, entry);
  }
  cache.last = entry;
  cache.lastKey = { levelPercent, date, birthday };
  return entry;
}

/** A cart's lines as parallel arrays (position i = line i), what {@link earnPointsOf} reads. */
export interface EarnCart {
  products: readonly Product[];
  qty: readonly number[];
  amountFen: readonly number[];
  memberPriced: readonly boolean[];
  campaign: readonly EarnLine["campaign"][];
}

/** Points of a cart by line position: the rule used, the points and the returnable part of each line. */
export interface CartEarnResult {
  used: PointsRuleUsed[];
  points: number[];
  returnable: number[];
  totalPoints: number;
  totalReturnable: number;
  multiplier: PointsMultiplierInfo;
}

/** {@link earnPoints} on parallel arrays (what priceCart calls). */
export function earnPointsOf(cart: EarnCart, ctx: EarnContext, bigintOnly = false): CartEarnResult {
  const { config } = ctx;
  const n = cart.products.length;
  const levelPercent = ctx.level?.pointsMultiplierPercent ?? 100;
  const me = multiplierOf(config, levelPercent, ctx.birthday, ctx.date);
  const events: { name: string; percent: number }[] = [];
  for (const e of me.events) events.push({ name: e.name, percent: e.percent });
  const multiplier: PointsMultiplierInfo = { levelPercent, events, combine: me.combine, total: me.total };
  const earns = ctx.memberPresent && (ctx.level?.earnsPoints ?? true);
  const idx = itemRuleIndex(config);
  const used = new Array<PointsRuleUsed>(n);
  const rules = new Array<PointsRule | null>(n);
  for (let i = 0; i < n; i++) {
    const c = earns ? ruleChoice(config, idx, cart.products[i] as Product, cart.memberPriced[i] === true, cart.campaign[i]) : NO_RULE;
    used[i] = c.used;
    rules[i] = c.rule;
  }
  // Plain numbers when every value stays exact (nearly every cart); the bigint arithmetic otherwise. Same results.
  const fast = bigintOnly ? undefined : fastEarn(rules, cart.qty, cart.amountFen, config.points.decimals, levelPercent, me.num, me.den, config.points.rounding);
  if (fast) {
    const points = new Array<number>(n);
    for (let i = 0; i < n; i++) points[i] = (fast.retShares[i] as number) + (fast.extraShares[i] as number);
    return { used, points, returnable: fast.retShares, totalPoints: fast.tTot, totalReturnable: fast.tRet, multiplier };
  }
  const bases = rules.map((r, i) => basePoints(r, cart.amountFen[i] as number, cart.qty[i] as number, config.points.decimals));
  const lvl = BigInt(levelPercent);
  let d = 1n;
  for (const b of bases) d = lcmBig(lcmBig(d, b.den * 100n), b.den * me.den);
  const ret = bases.map((b) => (b.num * lvl * d) / (b.den * 100n));
  const tot = bases.map((b) => (b.num * me.num * d) / (b.den * me.den));
  const sumRet = ret.reduce((s, x) => s + x, 0n);
  const sumTot = tot.reduce((s, x) => s + x, 0n);
  const mode = config.points.rounding;
  const tRet = divRoundBig(sumRet, d, mode);
  const tTot = divRoundBig(sumTot, d, mode);
  const retShares = apportionBig(tRet, ret, d);
  const extraShares = apportionBig(
    tTot - tRet,
    tot.map((t, i) => t - (ret[i] ?? 0n)),
    d,
  );
  const returnable = new Array<number>(n);
  const points = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const r = toSafeNumber(retShares[i] ?? 0n);
    returnable[i] = r;
    points[i] = r + toSafeNumber(extraShares[i] ?? 0n);
  }
  return { used, points, returnable, totalPoints: toSafeNumber(tTot), totalReturnable: toSafeNumber(tRet), multiplier };
}

/**
 * Points for a whole cart. Each line's exact points (rule x multiplier) are summed, the order total
 * is rounded once (points.rounding, to point units), and the rounded total is split back over the
 * lines (each line gets its exact points rounded down or up, the largest fractions rounding up),
 * separately for the returnable part (base x level multiplier) and the event extras, so that line
 * points add up exactly to the order's points. `bigintOnly` skips the number fast path (tests compare both).
 */
export function earnPoints(lines: readonly EarnLine[], ctx: EarnContext, options: { bigintOnly?: boolean } = {}): EarnResult {
  const r = earnPointsOf(
    {
      products: lines.map((l) => l.product),
      qty: lines.map((l) => l.qty),
      amountFen: lines.map((l) => l.amountFen),
      memberPriced: lines.map((l) => l.memberPriced),
      campaign: lines.map((l) => l.campaign),
    },
    ctx,
    options.bigintOnly === true,
  );
  const out: EarnedLine[] = r.used.map((rule, i) => ({ rule, returnable: r.returnable[i] ?? 0, points: r.points[i] ?? 0 }));
  return { lines: out, points: r.totalPoints, returnable: r.totalReturnable, multiplier: r.multiplier };
}

export type YearlyClearAction = "none" | "warn" | "clear";

/**
 * What the yearly points clear asks for on a store-local date: 'clear' on 1 January (points reset
 * at 00:00), 'warn' from 16 to 31 December (the clear cannot be undone), otherwise 'none'.
 */
export function yearlyClearAction(config: RulesConfig, date: IsoDate): { action: YearlyClearAction; clearOn: IsoDate | null } {
  if (!config.points.yearlyClear) return { action: "none", clearOn: null };
  const md = monthDay(date);
  const year = Number(date.slice(0, 4));
  if (md === "01-01") return { action: "clear", clearOn: date };
  if (md >= "12-16") return { action: "warn", clearOn: `${year + 1}-01-01` };
  return { action: "none", clearOn: `${year + 1}-01-01` };
}

/** Days left until the next clear (0 on 1 January). */
export function daysUntilYearlyClear(date: IsoDate): number {
  const next = monthDay(date) === "01-01" ? date : `${Number(date.slice(0, 4)) + 1}-01-01`;
  return daysBetween(date, next);
}
