// Input schema and output types of priceCart: the member, the cart lines and the priced receipt.
import { z } from "zod";
import { ChannelSchema, EpochMsSchema, IdSchema, IsoDateSchema, MonthDaySchema, PointsSchema } from "./config-common.js";
import type { Channel, RulesConfig } from "./config.js";
import type { PriceSource } from "./unit-price.js";

export const HeldCouponSchema = z.strictObject({
  /** This one coupon (a member can hold several of one definition). */
  instanceId: IdSchema,
  couponId: IdSchema,
  validFrom: IsoDateSchema.optional(),
  /** Last day the coupon can be used (inclusive, store-local). */
  expiresOn: IsoDateSchema,
});
export type HeldCoupon = z.infer<typeof HeldCouponSchema>;

export const CartMemberSchema = z.strictObject({
  id: IdSchema,
  levelId: IdSchema.optional(),
  /** Current card class id (may be a VIP class). */
  cardClass: IdSchema.optional(),
  /** Class to price with once the VIP class has expired (the class held before the VIP). */
  baseCardClass: IdSchema.optional(),
  /** When the VIP class stops (epoch ms, exclusive); absent = no expiry. */
  vipExpiresAt: EpochMsSchema.optional(),
  isPlus: z.boolean().default(false),
  birthday: MonthDaySchema.optional(),
  couponsHeld: z.array(HeldCouponSchema).default([]),
  /** Points available, in point units; needed to redeem 'max'. */
  pointsBalance: PointsSchema.optional(),
});
export type CartMember = z.input<typeof CartMemberSchema>;

export const CartLineSchema = z
  .strictObject({
    sku: IdSchema.optional(),
    barcode: z.string().min(1).optional(),
    /** An in-store scale label as scanned (13 digits): read with the config's scaleLabels; qty counts identical labelled packs. */
    scaleLabel: z
      .string()
      .regex(/^\d{13}$/)
      .optional(),
    qty: z.number().int().positive().max(100_000),
    /** Group buys and flash sales earn points only if configured. */
    campaign: z.enum(["group-buy", "flash-sale"]).optional(),
  })
  .refine((l) => [l.sku, l.barcode, l.scaleLabel].filter((x) => x !== undefined).length === 1, { message: "give exactly one of sku, barcode or scaleLabel" });
export type CartLine = z.input<typeof CartLineSchema>;

/** A cart without its config: what a kiosk, the hub or the what-if tool sends. */
export const PriceCartRequestSchema = z.strictObject({
  member: CartMemberSchema.nullable().default(null),
  lines: z.array(CartLineSchema).min(1).max(1000),
  channel: ChannelSchema,
  /** The time of the sale, epoch ms. */
  at: EpochMsSchema,
  /** Coupon instance ids the member wants to use. */
  coupons: z.array(IdSchema).default([]),
  /** Points to spend as cash (point units), or 'max' for as many as allowed. */
  pointsToRedeem: z.union([PointsSchema, z.literal("max")]).optional(),
});
export type PriceCartRequest = z.input<typeof PriceCartRequestSchema>;

export interface PriceCartInput extends PriceCartRequest {
  config: RulesConfig;
}

export interface LineAllocation {
  /** `coupon:<instanceId>`, `cash-rounding` or `points-cash`. */
  source: string;
  fen: number;
}

export type PointsRuleUsed = "special" | "item" | "spend" | "none";

export interface PricedLine {
  index: number;
  sku: string;
  barcode: string | null;
  name: string;
  category: string;
  qty: number;
  unitPriceFen: number;
  memberUnitPriceFen: number;
  priceSource: PriceSource;
  /** unitPriceFen x qty. */
  lineBaseFen: number;
  /** After member / class / PLUS / level pricing. */
  lineMemberFen: number;
  memberSavingsFen: number;
  /** Coupons and cash rounding given to this line (the allocations of order-level discounts). */
  allocations: LineAllocation[];
  orderDiscountFen: number;
  /** The line's price: lineMemberFen - orderDiscountFen. */
  lineTotalFen: number;
  savingsFen: number;
  /** Share of the points-as-cash tender, and the points it used. */
  pointsCashFen: number;
  pointsRedeemed: number;
  /** Left to pay by balance or external payment. */
  payableFen: number;
  pointsRule: PointsRuleUsed;
  pointsEarned: number;
  /** The part of pointsEarned taken back on a return (base and level multiplier). */
  pointsReturnable: number;
  /**
   * Set for a scale-label line: what the label said. unitPriceFen / memberUnitPriceFen are then one
   * labelled pack (qty counts identical packs); perUnit* are the per-kg prices of a weight label, or
   * the product's price a price label was taken in proportion to.
   */
  scale?: { label: string; plu: string; weightG?: number; labelPriceFen?: number; perUnitFen: number; memberPerUnitFen: number };
}

export interface AppliedCoupon {
  instanceId: string;
  couponId: string;
  name: string;
  kind: "amount-off" | "percent-off" | "free-item";
  discountFen: number;
  lines: number[];
}

export type CouponRejection =
  | "duplicate"
  | "no-member"
  | "not-held"
  | "unknown-coupon"
  | "not-yet-valid"
  | "expired"
  | "channel"
  | "not-birthday"
  /** A `memberDaysOnly` coupon on a store-local day that is not one of the rules' member days. */
  | "not-member-day"
  | "exclusive"
  | "per-coupon-limit"
  | "group-limit"
  | "order-limit"
  | "below-threshold"
  | "not-applicable";

export type RedemptionRejection =
  | "no-member"
  | "not-enabled"
  | "channel"
  | "not-allowed-today"
  | "balance-unknown"
  | "insufficient-points"
  | "below-minimum"
  | "nothing-to-redeem";

export interface PointsMultiplierInfo {
  levelPercent: number;
  /** Birthday, holidays and periods that apply, by name. */
  events: { name: string; percent: number }[];
  combine: "additive" | "multiplicative" | "highest";
  /** Overall multiplier as a decimal string, e.g. "2.5". */
  total: string;
}

export interface PricedCart {
  memberId: string | null;
  channel: Channel;
  at: number;
  localDate: string;
  lines: PricedLine[];
  appliedCoupons: AppliedCoupon[];
  rejectedCoupons: { instanceId: string; reason: CouponRejection }[];
  pointsRedemption: {
    requested: number | "max" | null;
    used: number;
    cashFen: number;
    rejected: RedemptionRejection | null;
  };
  pointsMultiplier: PointsMultiplierInfo;
  totals: {
    itemCount: number;
    subtotalFen: number;
    memberSavingsFen: number;
    couponDiscountFen: number;
    cashRoundingFen: number;
    /** Order-level discounts: coupons and cash rounding. */
    discountFen: number;
    /** subtotal - member savings - discount. */
    totalFen: number;
    /** memberSavings + discount. */
    savingsFen: number;
    pointsCashFen: number;
    pointsRedeemed: number;
    /** totalFen - pointsCashFen: what balance and external payment must cover. */
    payableFen: number;
    pointsEarned: number;
    pointsReturnable: number;
  };
}
