// zod building blocks shared by the back-office routes: ids, money, dates, payments, paging.
import { z } from "zod";
import { isIsoDate } from "../../protocol/rules/time.js";

export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -");
export const CardId = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "1-32 letters, digits, _ or -");
/** An Ed25519 public key, base64url (43 characters). */
export const PublicKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "an Ed25519 public key in base64url (43 characters)");
export const IsoDate = z.string().refine(isIsoDate, { message: "expected a date YYYY-MM-DD" });
export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected a month YYYY-MM");
export const Fen = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const PositiveFen = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const Reason = z.string().trim().min(1, "a reason is required").max(500);
export const Note = z.string().max(500);
export const EpochMs = z.number().int().min(0).max(253_402_300_799_999);

/** How a counter payment was made; `balance` takes it from the member's stored value. */
export const PaymentSchema = z.strictObject({
  method: z.enum(["cash", "card", "wechat", "alipay", "balance", "other"]),
  /** The till's or the payment provider's transaction reference. */
  reference: z.string().max(128).optional(),
});
export type Payment = z.output<typeof PaymentSchema>;

export const MemberParams = z.strictObject({ id: Id });

/** Query integers arrive as strings. */
export const QueryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const Limit = QueryInt(1, 1000).default(100);
export const Period = z.enum(["day", "month", "quarter", "year"]);
export type PeriodKind = z.output<typeof Period>;
