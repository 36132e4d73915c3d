// Member portraits: one frequency portrait (the most frequent that matches) plus independent tags.
import { z } from "zod";
import type { PortraitThresholds } from "./config.js";
import { ChannelSchema, FenSchema, IsoDateSchema } from "./config-common.js";
import { RulesError } from "./errors.js";
import { addDays, daysBetween, type IsoDate } from "./time.js";

export const MemberHistorySchema = z.strictObject({
  cardIssuedOn: IsoDateSchema,
  /**
   * First day whose purchases the history holds, when later than the card's issue (members imported
   * from an old system: the import day). 'Lost' needs no purchase for the lost window counted from it.
   */
  knownSince: IsoDateSchema.optional(),
  purchases: z.array(z.strictObject({ date: IsoDateSchema, amountFen: FenSchema, channel: ChannelSchema.optional() })).default([]),
  returns: z.array(z.strictObject({ date: IsoDateSchema })).default([]),
  /** Lifetime spend; defaults to the sum of `purchases`. */
  lifetimeSpendFen: FenSchema.optional(),
  cumulativeTopUpFen: FenSchema.default(0),
  coupons: z.array(z.strictObject({ expiresOn: IsoDateSchema })).default([]),
  contacts: z.array(IsoDateSchema).default([]),
});
export type MemberHistory = z.input<typeof MemberHistorySchema>;

/** Ordered from the most frequent: the first that matches is the member's portrait. */
export const FREQUENCY_PORTRAITS = ["loyal", "highly-active", "active", "one-purchase", "sleeping", "lost"] as const;
export type FrequencyPortrait = (typeof FREQUENCY_PORTRAITS)[number] | "none";
export type PortraitTag = "new" | "return-prone" | "stored-value-lover" | "coupon-expiring" | "contacted";

export interface Portraits {
  frequency: FrequencyPortrait;
  tags: PortraitTag[];
  /** Purchases counted in the windows that decided the portrait. */
  counts: Record<string, number>;
}

/** Dates within the last `days` days, today included. */
function within(dates: readonly IsoDate[], today: IsoDate, days: number): number {
  const from = addDays(today, -(days - 1));
  let n = 0;
  for (const d of dates) if (d >= from && d <= today) n++;
  return n;
}

/**
 * Portraits on `today`. Windows of N days include today ("card issued within 30 days" includes the
 * day of issue). A member whose card is younger than the lost window and who has not bought yet is
 * not 'lost' (nor sleeping): they get no frequency portrait.
 */
export function memberPortraits(t: PortraitThresholds, history: MemberHistory, today: IsoDate): Portraits {
  const r = MemberHistorySchema.safeParse(history);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new RulesError("RULES_INVALID_INPUT", i?.message ?? "invalid history", ["history", ...(i?.path ?? []).map(String)].join("."));
  }
  const h = r.data;
  const dates = h.purchases.map((p) => p.date);
  const lifetime = h.lifetimeSpendFen ?? h.purchases.reduce((s, p) => s + p.amountFen, 0);
  const age = daysBetween(h.cardIssuedOn, today);
  const known = h.knownSince !== undefined && h.knownSince > h.cardIssuedOn ? daysBetween(h.knownSince, today) : age;
  const c = {
    loyal: within(dates, today, t.loyal.days),
    loyalAlt: within(dates, today, t.loyal.orDays),
    highlyActive: within(dates, today, t.highlyActive.days),
    active: within(dates, today, t.active.days),
    onePurchase: within(dates, today, t.onePurchaseDays),
    sleepingNone: within(dates, today, t.sleeping.noneInDays),
    sleepingSome: within(dates, today, t.sleeping.someInDays),
    lost: within(dates, today, t.lostDays),
  };
  const matches: Record<(typeof FREQUENCY_PORTRAITS)[number], boolean> = {
    loyal: (c.loyal >= t.loyal.minPurchases && lifetime >= t.loyal.minLifetimeSpendFen) || c.loyalAlt >= t.loyal.orMinPurchases,
    "highly-active": c.highlyActive >= t.highlyActive.minPurchases,
    active: c.active >= t.active.minPurchases,
    "one-purchase": c.onePurchase === 1,
    sleeping: c.sleepingNone === 0 && c.sleepingSome >= 1,
    lost: c.lost === 0 && known >= t.lostDays,
  };
  const frequency = FREQUENCY_PORTRAITS.find((p) => matches[p]) ?? "none";
  const tags: PortraitTag[] = [];
  if (age >= 0 && age < t.newDays) tags.push("new");
  if (
    within(
      h.returns.map((x) => x.date),
      today,
      t.returnProne.days,
    ) >= t.returnProne.minReturns
  )
    tags.push("return-prone");
  if (h.cumulativeTopUpFen >= t.storedValueLoverMinFen) tags.push("stored-value-lover");
  const lastCouponDay = addDays(today, t.couponExpiringDays - 1);
  if (h.coupons.some((x) => x.expiresOn >= today && x.expiresOn <= lastCouponDay)) tags.push("coupon-expiring");
  if (within(h.contacts, today, t.contactedDays) > 0) tags.push("contacted");
  return { frequency, tags, counts: c };
}
