// Points for gifts (积分兑换) and points + cash (积分换购): a gift rule and whether a member may redeem it, for how many points and how much cash.
import { z } from "zod";
import { DayWindowSchema, FenSchema, IdSchema, IsoDateSchema } from "./config-common.js";
import { RulesError } from "./errors.js";
import { inDateRange, inDayWindow, type IsoDate } from "./time.js";

export const PointsGiftSchema = z.strictObject({
  id: IdSchema,
  name: z.string().trim().min(1).max(100),
  /** The goods handed over (optional: a service or a voucher needs none). */
  sku: IdSchema.optional(),
  /** Points per unit (point units, as points.decimals). */
  points: z.number().int().positive().max(100_000_000),
  /** Cash per unit on top of the points: 0 = points for a gift (积分兑换), more = points + cash (积分换购). */
  cashFen: FenSchema.max(100_000_000).default(0),
  /** Units left; null = unlimited. */
  stock: z.number().int().nonnegative().max(10_000_000).nullable().default(null),
  /** Units one member may redeem over the gift's life; null = no limit. */
  perMemberLimit: z.number().int().positive().max(10_000).nullable().default(null),
  /** Validity, store-local dates, both included. */
  from: IsoDateSchema.optional(),
  to: IsoDateSchema.optional(),
  /** Seed 001 兑换时间设置: given dates, days of the month, weekdays (any list; none = every day). */
  days: DayWindowSchema.prefault({}),
  /** Store ids; absent = every store. */
  stores: z.array(IdSchema).max(500).optional(),
  enabled: z.boolean().default(true),
});
export type PointsGift = z.output<typeof PointsGiftSchema>;
export type PointsGiftInput = z.input<typeof PointsGiftSchema>;

export type GiftRefusal = "GIFT_DISABLED" | "GIFT_NOT_IN_STORE" | "GIFT_NOT_VALID_TODAY" | "GIFT_OUT_OF_STOCK" | "GIFT_LIMIT_REACHED" | "INSUFFICIENT_POINTS";

export interface GiftRedemptionInput {
  gift: PointsGiftInput;
  qty: number;
  storeId: string;
  date: IsoDate;
  memberPoints: number;
  /** Units the member already redeemed of this gift (not counting reversed ones). */
  memberRedeemed: number;
}

export type GiftRedemptionResult =
  | { ok: true; points: number; cashFen: number; stockAfter: number | null }
  | { ok: false; reason: GiftRefusal; message: string };

/**
 * Whether a member may redeem `qty` units of a gift today at a store, and the points and cash it
 * takes: `points x qty` and `cashFen x qty`. Checked in this order: enabled, store, validity and
 * redemption days, stock, the member's limit, the member's points. Reversing a redemption gives the
 * points (and the stock) back once; that bookkeeping is the caller's.
 */
export function quoteGiftRedemption(input: GiftRedemptionInput): GiftRedemptionResult {
  const parsed = PointsGiftSchema.safeParse(input.gift);
  if (!parsed.success) throw new RulesError("RULES_INVALID_INPUT", parsed.error.issues[0]?.message ?? "invalid gift", "gift");
  const g = parsed.data;
  if (!Number.isSafeInteger(input.qty) || input.qty < 1 || input.qty > 1000) throw new RulesError("RULES_INVALID_INPUT", "qty must be 1-1000", "qty");
  const no = (reason: GiftRefusal, message: string): GiftRedemptionResult => ({ ok: false, reason, message });
  if (!g.enabled) return no("GIFT_DISABLED", `gift '${g.id}' is switched off`);
  if (g.stores !== undefined && !g.stores.includes(input.storeId)) return no("GIFT_NOT_IN_STORE", `gift '${g.id}' is not offered at store ${input.storeId}`);
  if (!inDateRange(input.date, g.from, g.to) || !inDayWindow(input.date, g.days))
    return no("GIFT_NOT_VALID_TODAY", `gift '${g.id}' cannot be redeemed on ${input.date}`);
  if (g.stock !== null && g.stock < input.qty) return no("GIFT_OUT_OF_STOCK", `only ${g.stock} of gift '${g.id}' left`);
  if (g.perMemberLimit !== null && input.memberRedeemed + input.qty > g.perMemberLimit)
    return no("GIFT_LIMIT_REACHED", `a member may redeem gift '${g.id}' ${g.perMemberLimit} times; ${input.memberRedeemed} already`);
  const points = g.points * input.qty;
  if (input.memberPoints < points) return no("INSUFFICIENT_POINTS", `needs ${points} points, the member has ${input.memberPoints}`);
  return { ok: true, points, cashFen: g.cashFen * input.qty, stockAfter: g.stock === null ? null : g.stock - input.qty };
}
