// The rules part of the signed config bundle: zod schemas, inferred types, defaults and cross-checks.
import { z } from "zod";
import {
  BonusSchema,
  ChannelSchema,
  CHANNELS,
  DayWindowSchema,
  FenSchema,
  hasValidGtinCheckDigit,
  HolidayDateSchema,
  IdSchema,
  IsoDateSchema,
  MultiplierPercentSchema,
  PayPercentSchema,
  PointsRuleSchema,
  PointsSchema,
  PositiveFenSchema,
  RoundingModeSchema,
} from "./config-common.js";
import {
  CardClassSchema,
  ConsultantSettingsSchema,
  CouponPackSchema,
  PortraitThresholdsSchema,
  TopUpRuleSchema,
  TopUpSettingsSchema,
  PlusPlanSchema,
  VipPlanSchema,
} from "./config-members.js";
import { RulesError } from "./errors.js";
import { ScaleLabelConfigSchema } from "./scale-label.js";
import { DEFAULT_UTC_OFFSET_MINUTES } from "./time.js";

export * from "./config-common.js";
export * from "./config-members.js";

export const ProductSchema = z.strictObject({
  sku: IdSchema,
  /** EAN-8/UPC-A/EAN-13/GTIN-14 with a valid check digit; absent for items without a barcode. */
  barcode: z.string().refine(hasValidGtinCheckDigit, { message: "expected an EAN/UPC barcode with a valid check digit" }).optional(),
  name: z.string().min(1),
  category: IdSchema,
  brand: IdSchema.optional(),
  priceFen: FenSchema,
  /** Member price, for any member. */
  memberPriceFen: FenSchema.optional(),
  /** Price per card class id (VIP classes, or any class with its own price). */
  classPricesFen: z.record(IdSchema, FenSchema).default({}),
  /** PLUS price, used on the online channel for PLUS members. */
  plusPriceFen: FenSchema.optional(),
  /** The shelf price is already a promotion. */
  promotional: z.boolean().default(false),
  /** Sold only to paid members (an active VIP class or PLUS, seed 000): the kiosk refuses it to others. */
  paidMembersOnly: z.boolean().default(false),
  /** Special item: this rule wins over every other earning rule. */
  specialPoints: PointsRuleSchema.optional(),
});
export type Product = z.infer<typeof ProductSchema>;

export const DowngradeSchema = z.discriminatedUnion("kind", [
  /** Recompute the level from the upgrade metric earned over the validity window. */
  z.strictObject({ kind: z.literal("recompute") }),
  /** Drop to a named level. */
  z.strictObject({ kind: z.literal("to-level"), levelId: IdSchema }),
  /** Balance in [minFen, maxFen) gives levelId. */
  z.strictObject({
    kind: z.literal("by-balance"),
    ranges: z.array(z.strictObject({ minFen: FenSchema, maxFen: FenSchema.optional(), levelId: IdSchema })).min(1),
  }),
]);

export const LevelSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1),
  /** Percent paid on the whole store: 90 = 10% off. */
  discountPercent: PayPercentSchema.default(100),
  /** Per-category percents that replace `discountPercent`. */
  categoryDiscountPercent: z.record(IdSchema, PayPercentSchema).default({}),
  /** Categories with no level discount at all (e.g. infant formula). */
  excludedCategories: z.array(IdSchema).default([]),
  earnsPoints: z.boolean().default(true),
  /** Level points multiplier (150 = x1.5); its share of points is taken back on a return. */
  pointsMultiplierPercent: MultiplierPercentSchema.default(100),
  /** Default level for members registered at the till / online. */
  defaultFor: z.array(z.enum(["till", "online"])).default([]),
  /** Value of the chain's upgrade metric that reaches this level (fen for spend/top-up). */
  upgradeThreshold: z.number().int().nonnegative().optional(),
  /** Price of buying this level outright. */
  paidUpgradeFen: FenSchema.optional(),
  /** Given only on a paid upgrade. */
  paidUpgradeReward: BonusSchema.optional(),
  /** Days a level lasts once reached; checked the day after it ends. */
  validityDays: z.number().int().positive().optional(),
  downgrade: DowngradeSchema.optional(),
  benefits: z.string().default(""),
});
export type Level = z.infer<typeof LevelSchema>;

export const LevelUpgradeRuleSchema = z.strictObject({
  /** One rule per chain: growth (at once, growth resets) or points, spend, top-up (from the next day). */
  metric: z.enum(["growth", "points", "spend", "top-up"]),
});

export const CouponScopeSchema = z.strictObject({
  skus: z.array(IdSchema).optional(),
  categories: z.array(IdSchema).optional(),
  brands: z.array(IdSchema).optional(),
  excludeSkus: z.array(IdSchema).default([]),
  excludeCategories: z.array(IdSchema).default([]),
  excludePromotional: z.boolean().default(false),
});

export const CouponDefSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1),
  /** amount-off: spend thresholdFen, take offFen off; percent-off: pay `percent`; free-item: one unit of `sku` free. */
  kind: z.enum(["amount-off", "percent-off", "free-item"]),
  origin: z.enum(["standard", "birthday", "gift", "channel", "pack"]).default("standard"),
  thresholdFen: FenSchema.default(0),
  offFen: FenSchema.optional(),
  percent: PayPercentSchema.optional(),
  maxOffFen: FenSchema.optional(),
  sku: IdSchema.optional(),
  freeQty: z.number().int().positive().default(1),
  scope: CouponScopeSchema.prefault({}),
  channels: z.array(ChannelSchema).default([...CHANNELS]),
  /** Usable only on the member's birthday (day) or in the birthday month. */
  birthdayOnly: z.enum(["no", "day", "month"]).default("no"),
  /**
   * Usable only on a member day (会员日, seed 000): a store-local day that matches one of
   * `points.multipliers.memberDays`, so the coupons follow the same days as the points multiplier.
   */
  memberDaysOnly: z.boolean().default(false),
  /** An exclusive coupon is only ever used alone. */
  exclusive: z.boolean().default(false),
  /** Stacking group; by default threshold / voucher / percent / gift from the kind. */
  group: IdSchema.optional(),
  /** Instances of this definition per order. */
  maxPerOrder: z.number().int().positive().default(1),
});
export type CouponDef = z.infer<typeof CouponDefSchema>;

export const CouponPolicySchema = z.strictObject({
  maxPerOrder: z.number().int().positive().default(10),
  /** Coupons per stacking group per order; a group not listed allows one. */
  maxPerGroup: z.record(IdSchema, z.number().int().positive()).default({}),
});

export const RedemptionSchema = z.strictObject({
  mode: z.enum(["ratio", "tiered"]),
  /** Ratio mode: whole points worth one yuan. */
  pointsPerYuan: z.number().int().positive().optional(),
  /** Ratio mode cap: an amount, and/or a percent of the order. */
  capFen: FenSchema.optional(),
  capPercent: PayPercentSchema.optional(),
  /** Smallest number of point units that may be used at once. */
  minPoints: PointsSchema.default(0),
  /** Tiered mode: spend exactly `points` for `fen` off; the largest affordable tier is used. */
  tiers: z.array(z.strictObject({ points: PointsSchema.min(1), fen: PositiveFenSchema })).default([]),
  window: DayWindowSchema.prefault({}),
  from: IsoDateSchema.optional(),
  to: IsoDateSchema.optional(),
  channels: z.array(ChannelSchema).default([...CHANNELS]),
});

export const PointsConfigSchema = z.strictObject({
  /** Decimals of a point: amounts are integers of 10^-decimals points. 0 = round points to integers. */
  decimals: z.number().int().min(0).max(2).default(0),
  /** Rounding of an order's earned points (applied once per order). */
  rounding: RoundingModeSchema.default("floor"),
  /** Spend-amount rule: one point per fenPerPoint fen. null = no spend-amount points. */
  spend: z.strictObject({ fenPerPoint: PositiveFenSchema }).nullable().prefault({ fenPerPoint: 100 }),
  /** Item and category rules; a sku rule wins over a category rule, which wins over a brand rule. */
  itemRules: z
    .array(
      z.strictObject({
        sku: IdSchema.optional(),
        category: IdSchema.optional(),
        brand: IdSchema.optional(),
        rule: PointsRuleSchema,
      }),
    )
    .default([]),
  options: z
    .strictObject({
      noBarcodeItemsEarn: z.boolean().default(false),
      promotionalItemsEarn: z.boolean().default(true),
      memberPricedItemsEarn: z.boolean().default(true),
      /** Group buys and flash sales (lines marked with a campaign). */
      campaignItemsEarn: z.boolean().default(false),
      /** Whether the part paid with points-as-cash earns points. */
      earnOnPointsCash: z.boolean().default(false),
    })
    .prefault({}),
  multipliers: z
    .strictObject({
      birthdayPercent: MultiplierPercentSchema.min(100).optional(),
      birthdayScope: z.enum(["day", "month"]).default("day"),
      holidays: z.array(z.strictObject({ name: z.string().min(1), date: HolidayDateSchema, percent: MultiplierPercentSchema.min(100) })).default([]),
      periods: z
        .array(z.strictObject({ name: z.string().min(1), from: IsoDateSchema, to: IsoDateSchema, percent: MultiplierPercentSchema.min(100) }))
        .default([]),
      /** Member days (会员日, seed 000): a repeating day (weekdays and/or days of the month, or given dates) with a multiplier. */
      memberDays: z
        .array(
          z
            .strictObject({ name: z.string().min(1), days: DayWindowSchema, percent: MultiplierPercentSchema.min(100) })
            .refine((d) => (d.days.weekdays?.length ?? 0) + (d.days.daysOfMonth?.length ?? 0) + (d.days.dates?.length ?? 0) > 0, {
              message: "a member day needs weekdays, days of the month or dates",
            }),
        )
        .max(20)
        .default([]),
      /** How the level multiplier and the event multipliers combine (docs/rules.md). */
      combine: z.enum(["additive", "multiplicative", "highest"]).default("additive"),
    })
    .prefault({}),
  redemption: RedemptionSchema.nullable().default(null),
  /** Clear all points at 00:00 on 1 January; warn from 16 December. */
  yearlyClear: z.boolean().default(false),
});
export type PointsConfig = z.infer<typeof PointsConfigSchema>;

export const RoundingConfigSchema = z.strictObject({
  /** Rounding of percent discounts and other fen divisions. */
  mode: RoundingModeSchema.default("half-up"),
  /** Percent discounts are rounded per unit (then times qty) or once per line. */
  discountBasis: z.enum(["unit", "line"]).default("unit"),
  /** The amount to pay is rounded down to this unit (1 = none, 10 = drop fen, 100 = drop jiao). */
  cashUnitFen: z.union([z.literal(1), z.literal(10), z.literal(100)]).default(1),
});

export const PricingOptionsSchema = z.strictObject({
  /** Whether level and card-class percent discounts apply to promotional items. */
  percentDiscountOnPromotional: z.boolean().default(false),
});

export const StoredValueSchema = z.strictObject({
  /** Which part of the balance pays first: proportional keeps principal and bonus in ratio. */
  spendOrder: z.enum(["proportional", "principal-first", "bonus-first"]).default("proportional"),
});

/** The rules config without the checks between sections (RulesConfigSchema adds them). */
export const RulesConfigShape = z.strictObject({
  /** Store's offset from UTC, used to turn instants into local days. */
  utcOffsetMinutes: z.number().int().min(-720).max(840).default(DEFAULT_UTC_OFFSET_MINUTES),
  catalog: z.array(ProductSchema).default([]),
  /** Levels, lowest first. */
  levels: z.array(LevelSchema).default([]),
  levelUpgrade: LevelUpgradeRuleSchema.nullable().default(null),
  points: PointsConfigSchema.prefault({}),
  coupons: z.array(CouponDefSchema).default([]),
  couponPolicy: CouponPolicySchema.prefault({}),
  couponPacks: z.array(CouponPackSchema).default([]),
  rounding: RoundingConfigSchema.prefault({}),
  pricing: PricingOptionsSchema.prefault({}),
  storedValue: StoredValueSchema.prefault({}),
  cardClasses: z.array(CardClassSchema).default([]),
  vipPlans: z.array(VipPlanSchema).default([]),
  /** PLUS plans (protocol/rules/plus.ts): bought at the counter, priced by card class. */
  plusPlans: z.array(PlusPlanSchema).default([]),
  topUp: TopUpSettingsSchema.prefault({}),
  topUpRules: z.array(TopUpRuleSchema).default([]),
  portraitThresholds: PortraitThresholdsSchema.prefault({}),
  consultant: ConsultantSettingsSchema.prefault({}),
  /** In-store scale labels and the loose-item pick list (protocol/rules/scale-label.ts); null = no scale labels. */
  scaleLabels: ScaleLabelConfigSchema.nullable().default(null),
});

/** The rules config; references between sections (levels, coupons, packs, classes, plans) are checked too. */
export const RulesConfigSchema = RulesConfigShape.superRefine((cfg, ctx) => {
  crossCheck(cfg, (path, message) => ctx.addIssue({ code: "custom", message, path: path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)) }));
});

export type RulesConfig = z.infer<typeof RulesConfigSchema>;
/** What a config file may contain before defaults are filled in. */
export type RulesConfigInput = z.input<typeof RulesConfigSchema>;

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join(".");
}

/** Validates `input` against a schema; the error names the first bad field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, code: "RULES_INVALID_CONFIG" | "RULES_INVALID_INPUT", prefix = ""): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue ? [...issue.path] : [];
  if (issue?.code === "unrecognized_keys" && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  const field = [prefix, issuePath(path)].filter((s) => s !== "").join(".");
  throw new RulesError(code, issue?.message ?? "invalid", field === "" ? undefined : field);
}

/**
 * Parses and cross-checks a rules config (schema, unique ids, references between sections).
 * Accepts either the rules object itself or a bundle body with a `rules` property.
 */
export function parseRulesConfig(input: unknown): RulesConfig {
  const body = typeof input === "object" && input !== null && "rules" in input ? (input as { rules: unknown }).rules : input;
  return parseWith(RulesConfigSchema, body, "RULES_INVALID_CONFIG", body === input ? "" : "rules");
}

export type Report = (path: string, message: string) => void;

function unique<T>(items: readonly T[], key: (t: T) => string | undefined, field: string, bad: Report): Set<string> {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    const k = key(it);
    if (k === undefined) return;
    if (seen.has(k)) bad(`${field}.${i}`, `duplicate '${k}'`);
    seen.add(k);
  });
  return seen;
}

/** The checks between sections of a rules config (RulesConfigSchema runs them); each problem is reported with its dotted path. */
export function crossCheck(cfg: z.output<typeof RulesConfigShape>, bad: Report): void {
  unique(cfg.catalog, (p) => p.sku, "catalog", bad);
  unique(cfg.catalog, (p) => p.barcode, "catalog", bad);
  const levels = unique(cfg.levels, (l) => l.id, "levels", bad);
  const coupons = unique(cfg.coupons, (c) => c.id, "coupons", bad);
  const packs = unique(cfg.couponPacks, (p) => p.id, "couponPacks", bad);
  const classes = unique(cfg.cardClasses, (c) => c.id, "cardClasses", bad);
  const plans = unique(cfg.vipPlans, (p) => p.id, "vipPlans", bad);
  unique(cfg.topUpRules, (r) => r.id, "topUpRules", bad);
  const skus = new Set(cfg.catalog.map((p) => p.sku));
  const checkBonus = (b: z.infer<typeof BonusSchema> | undefined, field: string): void => {
    for (const [i, c] of (b?.coupons ?? []).entries()) if (!coupons.has(c.couponId)) bad(`${field}.coupons.${i}.couponId`, `unknown coupon '${c.couponId}'`);
    for (const [i, id] of (b?.couponPackIds ?? []).entries()) if (!packs.has(id)) bad(`${field}.couponPackIds.${i}`, `unknown coupon pack '${id}'`);
  };
  cfg.levels.forEach((l, i) => {
    checkBonus(l.paidUpgradeReward, `levels.${i}.paidUpgradeReward`);
    const d = l.downgrade;
    if (d?.kind === "to-level" && !levels.has(d.levelId)) bad(`levels.${i}.downgrade.levelId`, `unknown level '${d.levelId}'`);
    if (d?.kind === "by-balance") {
      for (const [j, r] of d.ranges.entries()) if (!levels.has(r.levelId)) bad(`levels.${i}.downgrade.ranges.${j}.levelId`, `unknown level '${r.levelId}'`);
    }
    if (d && d.kind !== "recompute" && cfg.levelUpgrade?.metric === "growth")
      bad(`levels.${i}.downgrade.kind`, "with growth-value upgrades only 'recompute' downgrades are supported");
    if (d && l.validityDays === undefined) bad(`levels.${i}.validityDays`, "a downgrade needs validityDays");
  });
  cfg.coupons.forEach((c, i) => {
    if (c.kind === "amount-off" && c.offFen === undefined) bad(`coupons.${i}.offFen`, "an amount-off coupon needs offFen");
    if (c.kind === "percent-off" && c.percent === undefined) bad(`coupons.${i}.percent`, "a percent-off coupon needs percent");
    if (c.kind === "free-item" && (c.sku === undefined || !skus.has(c.sku))) bad(`coupons.${i}.sku`, "a free-item coupon needs a catalog sku");
    if (c.memberDaysOnly && cfg.points.multipliers.memberDays.length === 0)
      bad(`coupons.${i}.memberDaysOnly`, "a member-day coupon needs member days (points.multipliers.memberDays)");
  });
  for (const [i, p] of cfg.couponPacks.entries()) {
    for (const [j, c] of p.coupons.entries()) if (!coupons.has(c.couponId)) bad(`couponPacks.${i}.coupons.${j}.couponId`, `unknown coupon '${c.couponId}'`);
  }
  cfg.vipPlans.forEach((p, i) => {
    if (!classes.has(p.classId)) bad(`vipPlans.${i}.classId`, `unknown card class '${p.classId}'`);
    if (cfg.cardClasses.find((c) => c.id === p.classId)?.vip !== true) bad(`vipPlans.${i}.classId`, `card class '${p.classId}' is not a VIP class`);
    for (const [j, id] of (p.bonus?.couponPackIds ?? []).entries())
      if (!packs.has(id)) bad(`vipPlans.${i}.bonus.couponPackIds.${j}`, `unknown coupon pack '${id}'`);
  });
  unique(cfg.plusPlans, (p) => p.id, "plusPlans", bad);
  cfg.plusPlans.forEach((p, i) => {
    for (const c of Object.keys(p.pricesByClass)) if (!classes.has(c)) bad(`plusPlans.${i}.pricesByClass.${c}`, `unknown card class '${c}'`);
    checkBonus(p.bonus, `plusPlans.${i}.bonus`);
    if (p.bonus?.from !== undefined && p.bonus.to !== undefined && p.bonus.from > p.bonus.to)
      bad(`plusPlans.${i}.bonus.to`, "the window ends before it starts");
  });
  cfg.topUpRules.forEach((r, i) => {
    checkBonus(r.bonus, `topUpRules.${i}.bonus`);
    if (r.bonus.vipPlanId !== undefined && !plans.has(r.bonus.vipPlanId)) bad(`topUpRules.${i}.bonus.vipPlanId`, `unknown VIP plan '${r.bonus.vipPlanId}'`);
    if (r.bonus.upgradeToLevelId !== undefined && !levels.has(r.bonus.upgradeToLevelId))
      bad(`topUpRules.${i}.bonus.upgradeToLevelId`, `unknown level '${r.bonus.upgradeToLevelId}'`);
    for (const [j, id] of (r.levels ?? []).entries()) if (!levels.has(id)) bad(`topUpRules.${i}.levels.${j}`, `unknown level '${id}'`);
  });
  for (const [plu, sku] of Object.entries(cfg.scaleLabels?.plus ?? {})) {
    if (plu.length !== cfg.scaleLabels?.pluDigits) bad(`scaleLabels.plus.${plu}`, `a PLU has ${cfg.scaleLabels?.pluDigits} digits`);
    if (!skus.has(sku)) bad(`scaleLabels.plus.${plu}`, `unknown sku '${sku}'`);
  }
  (cfg.scaleLabels?.pickList ?? []).forEach((sku, i) => {
    const p = cfg.catalog.find((x) => x.sku === sku);
    if (!p) bad(`scaleLabels.pickList.${i}`, `unknown sku '${sku}'`);
    else if (p.barcode !== undefined) bad(`scaleLabels.pickList.${i}`, `'${sku}' has a barcode: scan it instead of picking it`);
  });
  const red = cfg.points.redemption;
  if (red?.mode === "ratio" && red.pointsPerYuan === undefined) bad("points.redemption.pointsPerYuan", "ratio mode needs pointsPerYuan");
  if (red?.mode === "tiered" && red.tiers.length === 0) bad("points.redemption.tiers", "tiered mode needs at least one tier");
  cfg.points.itemRules.forEach((r, i) => {
    const n = [r.sku, r.category, r.brand].filter((x) => x !== undefined).length;
    if (n !== 1) bad(`points.itemRules.${i}`, "give exactly one of sku, category, brand");
  });
}
