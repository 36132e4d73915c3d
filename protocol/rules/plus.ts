// PLUS plans (online-only paid tier, seed 000 PLUS会员定价): the quote of a purchase or renewal, priced by the member's card class, with the plan's promotion bonus.
import { z } from "zod";
import type { PlusPlan, RulesConfig } from "./config.js";
import { EpochMsSchema, IdSchema } from "./config-common.js";
import { RulesError } from "./errors.js";
import { planBonusApplies, planPriceFor } from "./paid-plans.js";
import { DAY_MS, localDate, type EpochMs } from "./time.js";

export const PlusMemberSchema = z.strictObject({
  id: IdSchema,
  /** Card class now (the price of a plan depends on it). */
  cardClass: IdSchema,
  /** The PLUS the member has or had (active while `at < expiresAt`); null = never PLUS. */
  plus: z.strictObject({ since: EpochMsSchema, expiresAt: EpochMsSchema }).nullable().default(null),
});
export type PlusMember = z.output<typeof PlusMemberSchema>;
export type PlusMemberInput = z.input<typeof PlusMemberSchema>;

export interface PlusQuote {
  /** `renewal` while PLUS is active (the period is added to the expiry), else `purchase` (from now). */
  kind: "purchase" | "renewal";
  planId: string;
  priceFen: number;
  /** The card class the price was taken for. */
  cardClass: string;
  bonusDays: number;
  couponPackIds: string[];
  /** The PLUS state after the purchase. */
  since: EpochMs;
  expiresAt: EpochMs;
  /** The expiry before (null when opening). */
  previousExpiresAt: EpochMs | null;
}

function parse(member: PlusMemberInput): PlusMember {
  const r = PlusMemberSchema.safeParse(member);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new RulesError("RULES_INVALID_INPUT", i?.message ?? "invalid member", ["member", ...(i?.path ?? []).map(String)].join("."));
}

/** The plan `planId`; unknown or disabled plans are refused (field `planId`). */
export function findPlusPlan(config: RulesConfig, planId: string): PlusPlan {
  const p = config.plusPlans.find((x) => x.id === planId);
  if (!p) throw new RulesError("RULES_UNKNOWN_PLAN", `no PLUS plan '${planId}'`, "planId");
  if (!p.enabled) throw new RulesError("RULES_PLUS_NOT_ALLOWED", `PLUS plan '${planId}' is disabled`, "planId");
  return p;
}

/**
 * Buying `planId` at `at`. While PLUS is active it is a **renewal**: the period (and any bonus days)
 * is added to the current expiry and `since` stays; otherwise a **purchase** from `at` (a lapsed PLUS
 * opens again). The price is the plan's price for the member's card class, else its default. Bonus
 * days and coupon packs apply when the store-local date is inside the bonus window and its condition
 * holds (`open`: purchase only, `renew-before-expiry`: renewal only, `open-or-renew`: both).
 */
export function quotePlusPurchase(config: RulesConfig, member: PlusMemberInput, planId: string, at: EpochMs): PlusQuote {
  const m = parse(member);
  const plan = findPlusPlan(config, planId);
  const active = m.plus !== null && at < m.plus.expiresAt;
  const b = plan.bonus;
  const bonus = planBonusApplies(b, localDate(at, config.utcOffsetMinutes), active) ? b : undefined;
  const bonusDays = bonus?.extraDays ?? 0;
  const start = active && m.plus ? m.plus.expiresAt : at;
  return {
    kind: active ? "renewal" : "purchase",
    planId: plan.id,
    priceFen: planPriceFor(plan, m.cardClass),
    cardClass: m.cardClass,
    bonusDays,
    couponPackIds: bonus ? [...bonus.couponPackIds] : [],
    since: active && m.plus ? m.plus.since : at,
    expiresAt: start + (plan.periodDays + bonusDays) * DAY_MS,
    previousExpiresAt: active && m.plus ? m.plus.expiresAt : null,
  };
}
