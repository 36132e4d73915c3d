// Zod building blocks shared by the rules config schemas: fen, percents, dates, channels, day windows, points rules.
import { z } from "zod";
import { ROUNDING_MODES } from "./money.js";
import { isIsoDate } from "./time.js";

export const FenSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A positive amount of fen. */
export const PositiveFenSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** An integer percent of the price that is paid: 90 means 10% off. */
export const PayPercentSchema = z.number().int().min(0).max(100);
/** A multiplier written as an integer percent: 150 means x1.5. */
export const MultiplierPercentSchema = z.number().int().min(0).max(100_000);
/** An amount of points, as an integer number of point units (see `points.decimals`). */
export const PointsSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const IdSchema = z.string().min(1).max(128);
/** An instant in epoch milliseconds, between 1970 and the year 9999. */
export const EpochMsSchema = z.number().int().min(0).max(253_402_300_799_999);
export const RoundingModeSchema = z.enum(ROUNDING_MODES);

export const IsoDateSchema = z.string().refine(isIsoDate, { message: "expected a date YYYY-MM-DD" });
export const MonthDaySchema = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: "expected a month and day MM-DD" });
/** A holiday: a fixed 'MM-DD' every year, or one 'YYYY-MM-DD'. */
export const HolidayDateSchema = z.union([IsoDateSchema, MonthDaySchema]);

export const CHANNELS = ["kiosk", "till", "online"] as const;
export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

export const DayWindowSchema = z.strictObject({
  dates: z.array(IsoDateSchema).optional(),
  daysOfMonth: z.array(z.number().int().min(1).max(31)).optional(),
  /** ISO weekdays, 1 = Monday ... 7 = Sunday. */
  weekdays: z.array(z.number().int().min(1).max(7)).optional(),
});

/** How one product earns points. Point amounts are in point units. */
export const PointsRuleSchema = z.discriminatedUnion("kind", [
  /** Earns nothing. */
  z.strictObject({ kind: z.literal("none") }),
  /** A fixed number of points per unit sold. */
  z.strictObject({ kind: z.literal("fixed"), points: PointsSchema }),
  /** A percent of the amount paid, in yuan, as points: 5 on a 100-yuan line gives 5 points. */
  z.strictObject({ kind: z.literal("percent"), percent: z.number().int().min(0).max(10_000) }),
  /** One point per `fenPerPoint` fen paid (10000 = 100 yuan per point). */
  z.strictObject({ kind: z.literal("per-amount"), fenPerPoint: PositiveFenSchema }),
]);
export type PointsRule = z.infer<typeof PointsRuleSchema>;

/** Something given to a member: by a top-up, a paid level upgrade or a VIP purchase. */
export const BonusSchema = z.strictObject({
  /** Bonus stored value (tracked apart from principal). */
  balanceFen: FenSchema.optional(),
  points: PointsSchema.optional(),
  coupons: z.array(z.strictObject({ couponId: IdSchema, count: z.number().int().positive().default(1) })).optional(),
  couponPackIds: z.array(IdSchema).optional(),
  /** Value put on a shopping card. */
  shoppingCardFen: FenSchema.optional(),
  punchCards: z.array(z.strictObject({ id: IdSchema, count: z.number().int().positive().default(1) })).optional(),
});
export type Bonus = z.infer<typeof BonusSchema>;

/** GS1 check digit test for EAN-8, UPC-A, EAN-13 and GTIN-14. */
export function hasValidGtinCheckDigit(code: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(code)) return false;
  const digits = [...code].map(Number);
  const check = digits.pop();
  let s = 0;
  digits.reverse().forEach((d, i) => {
    s += d * (i % 2 === 0 ? 3 : 1);
  });
  return (10 - (s % 10)) % 10 === check;
}
