// Paid VIP cards: purchase and renewal with promotion bonuses, price-difference upgrade, gifts, extension, revert on expiry.
import { z } from "zod";
import type { RulesConfig, VipPlan } from "./config.js";
import { EpochMsSchema, FenSchema, IdSchema } from "./config-common.js";
import { RulesError } from "./errors.js";
import { divRoundBig, toSafeNumber } from "./money.js";
import { planBonusApplies, planPriceFor } from "./paid-plans.js";
import { DAY_MS, daysBetween, localDate, type EpochMs } from "./time.js";

export const VipMemberSchema = z.strictObject({
  id: IdSchema,
  /** Card class now (a VIP class while VIP). */
  cardClass: IdSchema,
  /** Card validity (epoch ms, exclusive); null = no expiry. */
  cardValidUntil: EpochMsSchema.nullable().default(null),
  vip: z
    .strictObject({
      classId: IdSchema,
      expiresAt: EpochMsSchema,
      /** Class and validity to go back to when the VIP ends. */
      previousClass: IdSchema,
      previousValidUntil: EpochMsSchema.nullable().default(null),
      /** What the current VIP cost and for how many days: its daily price. */
      paidFen: FenSchema.default(0),
      paidDays: z.number().int().positive(),
    })
    .nullable()
    .default(null),
  /** Plans already bought or given (for once-per-member plans). */
  planHistory: z.array(IdSchema).default([]),
});
export type VipMember = z.output<typeof VipMemberSchema>;
export type VipMemberInput = z.input<typeof VipMemberSchema>;

export type VipRecordKind = "purchase" | "renewal" | "upgrade" | "gift" | "extension" | "revert";

/** One line of the VIP purchase record: every purchase, gift, extension and revert. */
export interface VipRecord {
  memberId: string;
  kind: VipRecordKind;
  planId: string | null;
  classBefore: string;
  classAfter: string;
  at: EpochMs;
  feeFen: number;
  expiresAt: EpochMs | null;
  note: string;
}

export interface VipQuote {
  kind: "purchase" | "renewal" | "upgrade" | "gift";
  priceFen: number;
  bonusDays: number;
  couponPackIds: string[];
  member: VipMember;
  record: VipRecord;
}

function parse(member: VipMemberInput): VipMember {
  const r = VipMemberSchema.safeParse(member);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new RulesError("RULES_INVALID_INPUT", i?.message ?? "invalid member", ["member", ...(i?.path ?? []).map(String)].join("."));
}

export function vipActive(member: VipMemberInput, at: EpochMs): boolean {
  const m = parse(member);
  return m.vip !== null && at < m.vip.expiresAt;
}

function findPlan(config: RulesConfig, planId: string): VipPlan {
  const p = config.vipPlans.find((x) => x.id === planId);
  if (!p) throw new RulesError("RULES_UNKNOWN_PLAN", `no VIP plan '${planId}'`, "planId");
  if (!p.enabled) throw new RulesError("RULES_VIP_NOT_ALLOWED", `VIP plan '${planId}' is disabled`, "planId");
  return p;
}

/** The member after an expired VIP has reverted (unchanged if not expired). */
function reverted(m: VipMember, at: EpochMs): VipMember {
  if (!m.vip || at < m.vip.expiresAt) return m;
  return { ...m, cardClass: m.vip.previousClass, cardValidUntil: m.vip.previousValidUntil, vip: null };
}

function checkOnce(m: VipMember, plan: VipPlan): void {
  if (plan.oncePerMember && m.planHistory.includes(plan.id))
    throw new RulesError("RULES_VIP_LIMIT_REACHED", `plan '${plan.id}' can be bought or given once per member`, "planId");
}

/**
 * Buying a plan. An active VIP of the same class renews: the new period (and any bonus days) is
 * added to the current expiry. Anyone else opens: the period starts now; an active VIP of another
 * class may switch by full re-payment only when the plan's `upgrade` is 'repay', and loses the rest of
 * the old VIP (with 'difference' it must use {@link quoteVipUpgrade}: keep the expiry, pay the difference). The price is the plan's price
 * for the member's current class. Bonus days and coupon packs apply inside the plan's window,
 * depending on `bonus.when`.
 */
export function quoteVipPurchase(config: RulesConfig, member: VipMemberInput, planId: string, at: EpochMs): VipQuote {
  const before = parse(member);
  const plan = findPlan(config, planId);
  checkOnce(before, plan);
  const m = reverted(before, at);
  const active = m.vip !== null;
  const renewing = m.vip?.classId === plan.classId;
  if (active && !renewing && plan.upgrade === "difference")
    throw new RulesError(
      "RULES_VIP_NOT_ALLOWED",
      `a VIP of another class moves to '${plan.id}' by paying the difference (upgrade), not by buying it`,
      "planId",
    );
  const priceFen = planPriceFor(plan, m.cardClass);
  const b = plan.bonus;
  const bonusApplies = planBonusApplies(b, localDate(at, config.utcOffsetMinutes), renewing);
  const bonusDays = bonusApplies ? b.extraDays : 0;
  const days = plan.periodDays + bonusDays;
  const start = renewing && m.vip ? m.vip.expiresAt : at;
  const expiresAt = start + days * DAY_MS;
  const base = m.vip ?? { previousClass: m.cardClass, previousValidUntil: m.cardValidUntil };
  const paid =
    renewing && m.vip ? { paidFen: m.vip.paidFen + priceFen, paidDays: m.vip.paidDays + plan.periodDays } : { paidFen: priceFen, paidDays: plan.periodDays };
  const next: VipMember = {
    ...m,
    cardClass: plan.classId,
    cardValidUntil: expiresAt,
    vip: { classId: plan.classId, expiresAt, previousClass: base.previousClass, previousValidUntil: base.previousValidUntil, ...paid },
    planHistory: [...m.planHistory, plan.id],
  };
  const kind = renewing ? "renewal" : "purchase";
  return {
    kind,
    priceFen,
    bonusDays,
    couponPackIds: bonusApplies ? [...b.couponPackIds] : [],
    member: next,
    record: {
      memberId: m.id,
      kind,
      planId: plan.id,
      classBefore: before.cardClass,
      classAfter: plan.classId,
      at,
      feeFen: priceFen,
      expiresAt,
      note: bonusDays > 0 ? `bonus ${bonusDays} days` : "",
    },
  };
}

/** Whole store-local days from `at` to the VIP expiry. */
export function remainingVipDays(config: RulesConfig, expiresAt: EpochMs, at: EpochMs): number {
  return Math.max(0, daysBetween(localDate(at, config.utcOffsetMinutes), localDate(expiresAt, config.utcOffsetMinutes)));
}

/**
 * Upgrade an active VIP to the class of `planId`, keeping the expiry (only for plans with
 * `upgrade: "difference"`):
 * `(target daily price - current VIP daily price) x remaining days`, where the target daily price is
 * the plan's price over its days and the current one what the member paid over its days. Computed
 * exactly and rounded once (`rounding.mode`); never below 0.
 */
export function quoteVipUpgrade(config: RulesConfig, member: VipMemberInput, planId: string, at: EpochMs): VipQuote {
  const m = parse(member);
  const plan = findPlan(config, planId);
  checkOnce(m, plan);
  if (!m.vip || at >= m.vip.expiresAt) throw new RulesError("RULES_VIP_NOT_ALLOWED", "only an active VIP can upgrade by paying the difference", "member.vip");
  if (m.vip.classId === plan.classId) throw new RulesError("RULES_VIP_NOT_ALLOWED", "already in this VIP class; renew instead", "planId");
  if (plan.upgrade !== "difference")
    throw new RulesError("RULES_VIP_NOT_ALLOWED", `'${plan.id}' is reached by re-paying its full price (purchase), not by the difference`, "planId");
  const days = remainingVipDays(config, m.vip.expiresAt, at);
  const targetPrice = BigInt(planPriceFor(plan, m.cardClass));
  // (tP / tD - cP / cD) x days = (tP x cD - cP x tD) x days / (tD x cD)
  const num = (targetPrice * BigInt(m.vip.paidDays) - BigInt(m.vip.paidFen) * BigInt(plan.periodDays)) * BigInt(days);
  const den = BigInt(plan.periodDays) * BigInt(m.vip.paidDays);
  const priceFen = Math.max(0, toSafeNumber(divRoundBig(num, den, config.rounding.mode)));
  const next: VipMember = {
    ...m,
    cardClass: plan.classId,
    vip: { ...m.vip, classId: plan.classId, paidFen: toSafeNumber(targetPrice), paidDays: plan.periodDays },
    planHistory: [...m.planHistory, plan.id],
  };
  return {
    kind: "upgrade",
    priceFen,
    bonusDays: 0,
    couponPackIds: [],
    member: next,
    record: {
      memberId: m.id,
      kind: "upgrade",
      planId: plan.id,
      classBefore: m.cardClass,
      classAfter: plan.classId,
      at,
      feeFen: priceFen,
      expiresAt: m.vip.expiresAt,
      note: `${days} days remaining`,
    },
  };
}

/**
 * VIP given without payment (by a top-up or by staff): only to members who are not VIP now, never
 * with the plan's purchase bonus; counts for once-per-member plans.
 */
export function giveVip(config: RulesConfig, member: VipMemberInput, planId: string, at: EpochMs, source: "top-up" | "staff"): VipQuote {
  const before = parse(member);
  const plan = findPlan(config, planId);
  checkOnce(before, plan);
  const m = reverted(before, at);
  if (m.vip) throw new RulesError("RULES_VIP_NOT_ALLOWED", "VIP can only be given to a member who is not VIP", "member.vip");
  const expiresAt = at + plan.periodDays * DAY_MS;
  const next: VipMember = {
    ...m,
    cardClass: plan.classId,
    cardValidUntil: expiresAt,
    vip: { classId: plan.classId, expiresAt, previousClass: m.cardClass, previousValidUntil: m.cardValidUntil, paidFen: 0, paidDays: plan.periodDays },
    planHistory: [...m.planHistory, plan.id],
  };
  return {
    kind: "gift",
    priceFen: 0,
    bonusDays: 0,
    couponPackIds: [],
    member: next,
    record: {
      memberId: m.id,
      kind: "gift",
      planId: plan.id,
      classBefore: before.cardClass,
      classAfter: plan.classId,
      at,
      feeFen: 0,
      expiresAt,
      note: `given by ${source}`,
    },
  };
}

/** Staff extends a VIP (e.g. the store was closed); a reason is required and the expiry can only move later. */
export function extendVip(member: VipMemberInput, newExpiresAt: EpochMs, reason: string, at: EpochMs): { member: VipMember; record: VipRecord } {
  const m = parse(member);
  if (!m.vip) throw new RulesError("RULES_VIP_NOT_ALLOWED", "the member has no VIP to extend", "member.vip");
  if (reason.trim() === "") throw new RulesError("RULES_INVALID_INPUT", "an extension needs a reason", "reason");
  if (!Number.isSafeInteger(newExpiresAt) || newExpiresAt <= m.vip.expiresAt)
    throw new RulesError("RULES_INVALID_INPUT", "the new expiry must be later than the current one", "newExpiresAt");
  const next: VipMember = { ...m, cardValidUntil: newExpiresAt, vip: { ...m.vip, expiresAt: newExpiresAt } };
  return {
    member: next,
    record: {
      memberId: m.id,
      kind: "extension",
      planId: null,
      classBefore: m.cardClass,
      classAfter: m.cardClass,
      at,
      feeFen: 0,
      expiresAt: newExpiresAt,
      note: reason,
    },
  };
}

/** On expiry the card goes back to the class and validity it had before the VIP; null if not expired. */
export function expireVip(member: VipMemberInput, at: EpochMs): { member: VipMember; record: VipRecord } | null {
  const m = parse(member);
  if (!m.vip || at < m.vip.expiresAt) return null;
  const next = reverted(m, at);
  return {
    member: next,
    record: {
      memberId: m.id,
      kind: "revert",
      planId: null,
      classBefore: m.cardClass,
      classAfter: next.cardClass,
      at,
      feeFen: 0,
      expiresAt: next.cardValidUntil,
      note: "VIP expired",
    },
  };
}
