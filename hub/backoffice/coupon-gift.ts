// The shape of a coupon gift (one coupon of the rules count times, or a pack), shared by settings and coupon issuing.
import { z } from "zod";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -");

/** One coupon of the rules (count times, valid validDays from issue) or a pack of the rules (its own validity). */
export const CouponGiftSchema = z.union([
  z.strictObject({ couponId: Id, count: z.number().int().min(1).max(20).default(1), validDays: z.number().int().min(1).max(3660).default(30) }),
  z.strictObject({ packId: Id }),
]);
export type CouponGift = z.output<typeof CouponGiftSchema>;
