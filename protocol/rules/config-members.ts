// Zod schemas for the member-facing parts of the rules config: card classes, VIP and PLUS plans, top-ups, portraits, consultants.
import { z } from "zod";
import {
  BonusSchema,
  ChannelSchema,
  CHANNELS,
  DayWindowSchema,
  FenSchema,
  IdSchema,
  IsoDateSchema,
  MultiplierPercentSchema,
  PayPercentSchema,
  PositiveFenSchema,
} from "./config-common.js";

export const CardClassSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1),
  /** A VIP class is bought or given for a period and reverts on expiry. */
  vip: z.boolean().default(false),
  /** Percent paid on the whole store for this class (90 = 10% off); products' classPricesFen also apply. */
  discountPercent: PayPercentSchema.optional(),
});
export type CardClass = z.infer<typeof CardClassSchema>;

export const CouponPackSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1),
  coupons: z.array(z.strictObject({ couponId: IdSchema, count: z.number().int().positive().default(1) })).min(1),
  /** Days each coupon of the pack stays valid from issue. */
  validDays: z.number().int().positive().default(30),
});
export type CouponPack = z.infer<typeof CouponPackSchema>;

/** A paid plan's promotion bonus (VIP and PLUS plans, seed 000 额外赠送 / 赠送前提): days and coupon packs for a purchase inside [from, to] (store-local dates). */
export const PlanBonusSchema = z.strictObject({
  from: IsoDateSchema.optional(),
  to: IsoDateSchema.optional(),
  extraDays: z.number().int().nonnegative().default(0),
  couponPackIds: z.array(IdSchema).default([]),
  /** open: only when opening (not a member of the paid tier now); open-or-renew: any purchase (购买即赠送); renew-before-expiry: only a renewal while still active (未到期前续费). */
  when: z.enum(["open", "open-or-renew", "renew-before-expiry"]).default("open-or-renew"),
});
export type PlanBonus = z.infer<typeof PlanBonusSchema>;

export const VipPlanSchema = z.strictObject({
  id: IdSchema,
  /** The VIP card class the plan sells. */
  classId: IdSchema,
  /** 1 month = 31 days, 1 year = 366 days. */
  periodDays: z.number().int().positive(),
  priceFen: FenSchema,
  /** Price by the member's current card class; falls back to priceFen. */
  pricesByClass: z.record(IdSchema, FenSchema).default({}),
  /** Bonus for buying or renewing inside a promotion window. */
  bonus: PlanBonusSchema.optional(),
  /**
   * How a VIP of another class moves to this plan's class (seed 000, 升级场景):
   * 'repay' = only by buying this plan at its full price (a fresh period; the rest of the old VIP is dropped),
   * 'difference' = only by paying the difference and keeping the expiry (quoteVipUpgrade).
   */
  upgrade: z.enum(["repay", "difference"]).default("repay"),
  /** Each member may buy or be given this plan once. */
  oncePerMember: z.boolean().default(false),
  enabled: z.boolean().default(true),
});
export type VipPlan = z.infer<typeof VipPlanSchema>;

/** A PLUS plan (seed 000, PLUS会员定价): the online-only paid tier for a period, priced by the member's card class, with a promotion bonus. */
export const PlusPlanSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1),
  description: z.string().default(""),
  /** 1 month = 31 days, 1 quarter = 93 days, 1 year = 366 days (as the vendor). */
  periodDays: z.number().int().positive().max(3660),
  /** The default price ((默认) in 卡类专享售价). */
  priceFen: FenSchema,
  /** Price by the member's card class (卡类专享售价); falls back to priceFen. */
  pricesByClass: z.record(IdSchema, FenSchema).default({}),
  bonus: PlanBonusSchema.optional(),
  enabled: z.boolean().default(true),
});
export type PlusPlan = z.infer<typeof PlusPlanSchema>;

export const TopUpSettingsSchema = z.strictObject({
  /** false = only the fixed amounts of the rules may be topped up. */
  anyAmount: z.boolean().default(true),
  minFen: PositiveFenSchema.default(1),
  /** Amounts must be a multiple of this (1 = any). */
  multipleOfFen: PositiveFenSchema.default(1),
});

export const TopUpRuleSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1),
  /** Store ids; absent = every store. */
  stores: z.array(IdSchema).optional(),
  /** Level ids; absent = every level. */
  levels: z.array(IdSchema).optional(),
  channels: z.array(ChannelSchema).default([...CHANNELS]),
  target: z.enum(["balance", "shopping-card"]).default("balance"),
  /** A fixed amount: the rule applies to exactly this amount. */
  amountFen: PositiveFenSchema.optional(),
  /** Any amount from this up. Used when amountFen is absent. */
  minAmountFen: PositiveFenSchema.optional(),
  from: IsoDateSchema.optional(),
  to: IsoDateSchema.optional(),
  days: DayWindowSchema.prefault({}),
  oncePerMember: z.boolean().default(false),
  bonus: BonusSchema.extend({
    /** Give this VIP plan (only to members who are not VIP; without the plan's purchase bonus). */
    vipPlanId: IdSchema.optional(),
    /** Upgrade the member to this level (never a downgrade). */
    upgradeToLevelId: IdSchema.optional(),
    /** Bonus balance as a percent of the amount topped up (added to balanceFen). */
    balancePercent: z.number().int().min(0).max(1000).optional(),
  }).prefault({}),
});
export type TopUpRule = z.infer<typeof TopUpRuleSchema>;

const Days = z.number().int().positive();
const Count = z.number().int().positive();

/** Store-set thresholds of the member portraits; defaults follow the vendor's example. */
export const PortraitThresholdsSchema = z.strictObject({
  newDays: Days.default(30),
  lostDays: Days.default(180),
  sleeping: z.strictObject({ noneInDays: Days.default(90), someInDays: Days.default(180) }).prefault({}),
  onePurchaseDays: Days.default(90),
  active: z.strictObject({ days: Days.default(90), minPurchases: Count.default(2) }).prefault({}),
  highlyActive: z.strictObject({ days: Days.default(90), minPurchases: Count.default(6) }).prefault({}),
  loyal: z
    .strictObject({
      days: Days.default(365),
      minPurchases: Count.default(12),
      minLifetimeSpendFen: FenSchema.default(500_000),
      /** Or: orMinPurchases within orDays, whatever the lifetime spend. */
      orDays: Days.default(90),
      orMinPurchases: Count.default(15),
    })
    .prefault({}),
  returnProne: z.strictObject({ days: Days.default(90), minReturns: Count.default(3) }).prefault({}),
  storedValueLoverMinFen: PositiveFenSchema.default(100_000),
  couponExpiringDays: Days.default(7),
  contactedDays: Days.default(30),
});
export type PortraitThresholds = z.infer<typeof PortraitThresholdsSchema>;

export const ConsultantSettingsSchema = z.strictObject({
  multipliers: z
    .strictObject({
      newFirstPurchase: MultiplierPercentSchema.default(200),
      newRepeatPurchase: MultiplierPercentSchema.default(250),
      lostWonBack: MultiplierPercentSchema.default(300),
      sleepingReactivated: MultiplierPercentSchema.default(200),
      other: MultiplierPercentSchema.default(100),
    })
    .prefault({}),
  channelPercent: z.strictObject({ inStore: MultiplierPercentSchema.default(90), online: MultiplierPercentSchema.default(100) }).prefault({}),
  monthlyTargetFen: FenSchema.default(20_000_000),
  targetBonusFen: FenSchema.default(100_000),
  shortfallDeductPercent: z.number().int().min(0).max(100).default(1),
  excessBonusPercent: z.number().int().min(0).max(100).default(10),
  /** Days that make a member new / lost / sleeping for the reward multipliers. */
  newMemberDays: Days.default(30),
  lostDays: Days.default(180),
  sleepingDays: Days.default(90),
});
export type ConsultantSettings = z.infer<typeof ConsultantSettingsSchema>;
