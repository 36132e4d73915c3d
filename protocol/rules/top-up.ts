// Top-ups: amount checks, rule eligibility (store, level, channel, dates, days, once per member) and bonuses.
import { z } from "zod";
import type { Channel, RulesConfig, TopUpRule } from "./config.js";
import { ChannelSchema, EpochMsSchema, IdSchema, PositiveFenSchema } from "./config-common.js";
import { RulesError } from "./errors.js";
import { higherLevel } from "./levels.js";
import { divRound } from "./money.js";
import { inDateRange, inDayWindow, localDate } from "./time.js";

export const TopUpRequestSchema = z.strictObject({
  member: z.strictObject({
    id: IdSchema,
    levelId: IdSchema.optional(),
    /** Whether the member is an active VIP now (VIP bonuses go only to non-VIP members). */
    vipActive: z.boolean().default(false),
    /** Top-up rules this member has already used (for once-per-member rules). */
    usedRuleIds: z.array(IdSchema).default([]),
  }),
  amountFen: PositiveFenSchema,
  channel: ChannelSchema,
  storeId: IdSchema.optional(),
  at: EpochMsSchema,
  /** Use this rule; without it the best eligible rule is chosen. */
  ruleId: IdSchema.optional(),
});
export type TopUpRequest = z.input<typeof TopUpRequestSchema>;

export type TopUpIneligibility = "store" | "level" | "channel" | "dates" | "day" | "used" | "amount";

export interface TopUpResult {
  amountFen: number;
  target: "balance" | "shopping-card";
  /** Credited to the balance as the member's own money (0 when topping up a shopping card). */
  principalFen: number;
  /** Bonus balance, tracked apart from principal. */
  bonusFen: number;
  /** Credited to a shopping card: the amount (if that is the target) plus any shopping-card bonus. */
  shoppingCardFen: number;
  points: number;
  coupons: { couponId: string; count: number }[];
  couponPackIds: string[];
  punchCards: { id: string; count: number }[];
  /** VIP plan to give (via giveVip, without purchase bonuses). */
  vipPlanId: string | null;
  /** New level id when the rule upgrades the member. */
  upgradeToLevelId: string | null;
  rule: { id: string; name: string } | null;
  /** Bonuses of the rule that were not given, and why. */
  notGiven: string[];
  ineligible: { ruleId: string; reason: TopUpIneligibility }[];
}

function requirement(r: TopUpRule): number {
  return r.amountFen ?? r.minAmountFen ?? 0;
}

/** Why `rule` cannot be used for this top-up, or null if it can. */
export function topUpIneligibility(config: RulesConfig, rule: TopUpRule, req: z.output<typeof TopUpRequestSchema>): TopUpIneligibility | null {
  const date = localDate(req.at, config.utcOffsetMinutes);
  if (rule.stores && (req.storeId === undefined || !rule.stores.includes(req.storeId))) return "store";
  if (rule.levels && (req.member.levelId === undefined || !rule.levels.includes(req.member.levelId))) return "level";
  if (!rule.channels.includes(req.channel as Channel)) return "channel";
  if (!inDateRange(date, rule.from, rule.to)) return "dates";
  if (!inDayWindow(date, rule.days)) return "day";
  if (rule.oncePerMember && req.member.usedRuleIds.includes(rule.id)) return "used";
  if (rule.amountFen !== undefined ? req.amountFen !== rule.amountFen : req.amountFen < (rule.minAmountFen ?? 1)) return "amount";
  return null;
}

/**
 * Evaluates a top-up. One rule applies per top-up: the one named, or else the eligible rule with the
 * highest amount (a fixed amount equal to the top-up, or the highest minimum reached; ties: first in
 * config). A rule's bonuses all apply together, except a VIP for a member who is already VIP and a
 * level that would not be an upgrade.
 */
export function evaluateTopUp(config: RulesConfig, request: TopUpRequest): TopUpResult {
  const parsed = TopUpRequestSchema.safeParse(request);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new RulesError("RULES_INVALID_INPUT", i?.message ?? "invalid top-up", (i?.path ?? []).map(String).join(".") || undefined);
  }
  const req = parsed.data;
  const s = config.topUp;
  if (req.amountFen < s.minFen) throw new RulesError("RULES_TOP_UP_NOT_ALLOWED", `the minimum top-up is ${s.minFen} fen`, "amountFen");
  if (req.amountFen % s.multipleOfFen !== 0)
    throw new RulesError("RULES_TOP_UP_NOT_ALLOWED", `top-ups must be a multiple of ${s.multipleOfFen} fen`, "amountFen");
  if (!s.anyAmount && !config.topUpRules.some((r) => r.amountFen === req.amountFen))
    throw new RulesError("RULES_TOP_UP_NOT_ALLOWED", "only the fixed amounts of the top-up rules can be topped up", "amountFen");
  const ineligible: TopUpResult["ineligible"] = [];
  const eligible: TopUpRule[] = [];
  for (const r of config.topUpRules) {
    const why = topUpIneligibility(config, r, req);
    if (why) ineligible.push({ ruleId: r.id, reason: why });
    else eligible.push(r);
  }
  let rule: TopUpRule | undefined;
  if (req.ruleId !== undefined) {
    if (!config.topUpRules.some((r) => r.id === req.ruleId)) throw new RulesError("RULES_UNKNOWN_TOP_UP_RULE", `no top-up rule '${req.ruleId}'`, "ruleId");
    rule = eligible.find((r) => r.id === req.ruleId);
    if (!rule) {
      const why = ineligible.find((x) => x.ruleId === req.ruleId)?.reason ?? "amount";
      throw new RulesError("RULES_TOP_UP_NOT_ALLOWED", `top-up rule '${req.ruleId}' does not apply (${why})`, "ruleId");
    }
  } else {
    for (const r of eligible) if (!rule || requirement(r) > requirement(rule)) rule = r;
  }
  const target = rule?.target ?? "balance";
  const b = rule?.bonus;
  const notGiven: string[] = [];
  let vipPlanId = b?.vipPlanId ?? null;
  if (vipPlanId !== null && req.member.vipActive) {
    notGiven.push(`vip ${vipPlanId}: the member is already VIP`);
    vipPlanId = null;
  }
  let upgradeToLevelId = b?.upgradeToLevelId ?? null;
  if (upgradeToLevelId !== null && higherLevel(config, req.member.levelId, upgradeToLevelId) !== upgradeToLevelId) {
    notGiven.push(`level ${upgradeToLevelId}: not above the member's level`);
    upgradeToLevelId = null;
  }
  const bonusFen = (b?.balanceFen ?? 0) + (b?.balancePercent !== undefined ? divRound(req.amountFen * b.balancePercent, 100, "floor") : 0);
  return {
    amountFen: req.amountFen,
    target,
    principalFen: target === "balance" ? req.amountFen : 0,
    bonusFen,
    shoppingCardFen: (target === "shopping-card" ? req.amountFen : 0) + (b?.shoppingCardFen ?? 0),
    points: b?.points ?? 0,
    coupons: (b?.coupons ?? []).map((c) => ({ couponId: c.couponId, count: c.count })),
    couponPackIds: [...(b?.couponPackIds ?? [])],
    punchCards: (b?.punchCards ?? []).map((p) => ({ id: p.id, count: p.count })),
    vipPlanId,
    upgradeToLevelId,
    rule: rule ? { id: rule.id, name: rule.name } : null,
    notGiven,
    ineligible,
  };
}
