// Points earning: rule priority, options, multipliers and their combination, order-level rounding; yearly clear.
import type { Level, PointsRule, Product, RulesConfig } from "./config.js";
import { apportionBig, divRoundBig, lcmBig, toSafeNumber } from "./money.js";
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

/** Which rule gives a line its points: special item > item/category/brand rule > spend amount. */
export function pointsRuleFor(config: RulesConfig, line: EarnLine): { used: PointsRuleUsed; rule: PointsRule | null } {
  const p = line.product;
  if (p.specialPoints) return { used: "special", rule: p.specialPoints };
  const o = config.points.options;
  if (p.barcode === undefined && !o.noBarcodeItemsEarn) return { used: "none", rule: null };
  if (p.promotional && !o.promotionalItemsEarn) return { used: "none", rule: null };
  if (line.memberPriced && !o.memberPricedItemsEarn) return { used: "none", rule: null };
  if (line.campaign !== undefined && !o.campaignItemsEarn) return { used: "none", rule: null };
  const rules = config.points.itemRules;
  const item =
    rules.find((r) => r.sku === p.sku) ??
    rules.find((r) => r.category !== undefined && r.category === p.category) ??
    rules.find((r) => r.brand !== undefined && r.brand === p.brand);
  if (item) return { used: "item", rule: item.rule };
  const spend = config.points.spend;
  if (spend) return { used: "spend", rule: { kind: "per-amount", fenPerPoint: spend.fenPerPoint } };
  return { used: "none", rule: null };
}

interface Ratio {
  num: bigint;
  den: bigint;
}

/** Exact points of one line before multipliers, in point units. */
function basePoints(rule: PointsRule | null, line: EarnLine, decimals: number): Ratio {
  const scale = 10n ** BigInt(decimals);
  const amount = BigInt(line.amountFen);
  if (!rule) return { num: 0n, den: 1n };
  switch (rule.kind) {
    case "none":
      return { num: 0n, den: 1n };
    case "fixed":
      return { num: BigInt(rule.points) * BigInt(line.qty), den: 1n };
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

/**
 * Points for a whole cart. Each line's exact points (rule x multiplier) are summed, the order total
 * is rounded once (points.rounding, to point units), and the rounded total is split back over the
 * lines (each line gets its exact points rounded down or up, the largest fractions rounding up),
 * separately for the returnable part (base x level multiplier) and the event extras, so that line
 * points add up exactly to the order's points. `bigintOnly` skips the number fast path (tests compare both).
 */
export function earnPoints(lines: readonly EarnLine[], ctx: EarnContext, options: { bigintOnly?: boolean } = {}): EarnResult {
  const { config } = ctx;
  const levelPercent = ctx.level?.pointsMultiplierPercent ?? 100;
  const events = eventMultipliers(config, ctx.birthday, ctx.date);
  const combine = config.points.multipliers.combine;
  const mult = combineMultipliers(
    combine,
    levelPercent,
    events.map((e) => e.percent),
  );
  const multiplier: PointsMultiplierInfo = { levelPercent, events, combine, total: ratioString(mult) };
  const earns = ctx.memberPresent && (ctx.level?.earnsPoints ?? true);
  const chosen = lines.map((l) => (earns ? pointsRuleFor(config, l) : { used: "none" as const, rule: null }));
  // Plain numbers when every value stays exact (nearly every cart); the bigint arithmetic otherwise. Same results.
  const fast =
    options.bigintOnly === true
      ? undefined
      : fastEarn(
          chosen.map((c) => c.rule),
          lines,
          config.points.decimals,
          levelPercent,
          mult.num,
          mult.den,
          config.points.rounding,
        );
  if (fast) {
    const fastLines: EarnedLine[] = lines.map((_, i) => {
      const r = fast.retShares[i] ?? 0;
      return { rule: chosen[i]?.used ?? "none", returnable: r, points: r + (fast.extraShares[i] ?? 0) };
    });
    return { lines: fastLines, points: fast.tTot, returnable: fast.tRet, multiplier };
  }
  const bases = lines.map((l, i) => basePoints(chosen[i]?.rule ?? null, l, config.points.decimals));
  const lvl = BigInt(levelPercent);
  let d = 1n;
  for (const b of bases) d = lcmBig(lcmBig(d, b.den * 100n), b.den * mult.den);
  const ret = bases.map((b) => (b.num * lvl * d) / (b.den * 100n));
  const tot = bases.map((b) => (b.num * mult.num * d) / (b.den * mult.den));
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
  const out: EarnedLine[] = lines.map((_, i) => {
    const r = toSafeNumber(retShares[i] ?? 0n);
    return { rule: chosen[i]?.used ?? "none", returnable: r, points: r + toSafeNumber(extraShares[i] ?? 0n) };
  });
  return { lines: out, points: toSafeNumber(tTot), returnable: toSafeNumber(tRet), multiplier };
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
