// Member levels: automatic upgrade by growth/points/spend/top-up, downgrade at the end of validity, paid upgrade.
import { z } from "zod";
import type { Bonus, Level, RulesConfig } from "./config.js";
import { FenSchema, IdSchema, IsoDateSchema, PointsSchema } from "./config-common.js";
import { RulesError } from "./errors.js";
import { addDays, type IsoDate } from "./time.js";

export const LevelMemberSchema = z.strictObject({
  levelId: IdSchema,
  /** First day of the current level (start of its validity window). */
  levelSince: IsoDateSchema.optional(),
  growth: z.number().int().nonnegative().default(0),
  points: PointsSchema.default(0),
  cumulativeSpendFen: FenSchema.default(0),
  cumulativeTopUpFen: FenSchema.default(0),
  balanceFen: FenSchema.default(0),
  /** Growth and points earned inside the current validity window, for 'recompute' downgrades. */
  windowGrowth: z.number().int().nonnegative().default(0),
  windowPoints: PointsSchema.default(0),
});
export type LevelMember = z.input<typeof LevelMemberSchema>;

export interface LevelChange {
  from: string;
  to: string;
  kind: "upgrade" | "downgrade" | "renewal" | "paid-upgrade";
  /** First day the new level applies (store-local). */
  effectiveOn: IsoDate;
  /** Growth value goes back to 0 (growth upgrades). */
  resetGrowth: boolean;
  /** Last day of the new level's validity; null = no expiry. */
  validUntil: IsoDate | null;
  reason: string;
}

export function levelIndex(config: RulesConfig, id: string, field = "levelId"): number {
  const i = config.levels.findIndex((l) => l.id === id);
  if (i < 0) throw new RulesError("RULES_UNKNOWN_LEVEL", `no level '${id}'`, field);
  return i;
}

function levelAt(config: RulesConfig, i: number): Level {
  const l = config.levels[i];
  if (!l) throw new RulesError("RULES_UNKNOWN_LEVEL", `no level at position ${i}`);
  return l;
}

/** Default level for members registered at the till or online. */
export function defaultLevelFor(config: RulesConfig, where: "till" | "online"): Level | undefined {
  return config.levels.find((l) => l.defaultFor.includes(where)) ?? config.levels[0];
}

function validUntil(level: Level, from: IsoDate): IsoDate | null {
  return level.validityDays === undefined ? null : addDays(from, level.validityDays - 1);
}

/** Highest level (by list order) whose threshold the value reaches; the first level needs none. */
function levelForValue(config: RulesConfig, value: number): number {
  let best = 0;
  config.levels.forEach((l, i) => {
    if (l.upgradeThreshold !== undefined && value >= l.upgradeThreshold) best = Math.max(best, i);
  });
  return best;
}

function metricValue(config: RulesConfig, m: z.output<typeof LevelMemberSchema>, window: boolean): number | undefined {
  switch (config.levelUpgrade?.metric) {
    case "growth":
      return window ? m.windowGrowth : m.growth;
    case "points":
      return window ? m.windowPoints : m.points;
    case "spend":
      return window ? undefined : m.cumulativeSpendFen;
    case "top-up":
      return window ? undefined : m.cumulativeTopUpFen;
    default:
      return undefined;
  }
}

function parseMember(member: LevelMember): z.output<typeof LevelMemberSchema> {
  const r = LevelMemberSchema.safeParse(member);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new RulesError("RULES_INVALID_INPUT", i?.message ?? "invalid member", ["member", ...(i?.path ?? []).map(String)].join("."));
  }
  return r.data;
}

/**
 * Automatic upgrade by the chain's metric: growth value upgrades at once and resets growth to 0;
 * points, cumulative spend and cumulative top-up upgrade from the next day. Jumps straight to the
 * highest level reached. Null when no higher level is reached.
 */
export function checkUpgrade(config: RulesConfig, member: LevelMember, today: IsoDate): LevelChange | null {
  const m = parseMember(member);
  const rule = config.levelUpgrade;
  const value = metricValue(config, m, false);
  if (!rule || value === undefined) return null;
  const cur = levelIndex(config, m.levelId, "member.levelId");
  const target = levelForValue(config, value);
  if (target <= cur) return null;
  const to = levelAt(config, target);
  const effectiveOn = rule.metric === "growth" ? today : addDays(today, 1);
  return {
    from: m.levelId,
    to: to.id,
    kind: "upgrade",
    effectiveOn,
    resetGrowth: rule.metric === "growth",
    validUntil: validUntil(to, effectiveOn),
    reason: `${rule.metric} ${value} reached ${to.upgradeThreshold ?? 0}`,
  };
}

/**
 * Downgrade of a level with a validity, checked from the day after it ends: recompute from the
 * growth or points earned in the window (spend and top-up never shrink, so they renew), drop to a
 * named level, or pick the level of the balance range. A result at or above the current level renews it.
 */
export function checkDowngrade(config: RulesConfig, member: LevelMember, today: IsoDate): LevelChange | null {
  const m = parseMember(member);
  const cur = levelIndex(config, m.levelId, "member.levelId");
  const level = levelAt(config, cur);
  if (level.validityDays === undefined || !level.downgrade || m.levelSince === undefined) return null;
  const end = addDays(m.levelSince, level.validityDays - 1);
  if (today <= end) return null;
  const d = level.downgrade;
  let target = cur;
  let reason: string;
  if (d.kind === "to-level") {
    target = levelIndex(config, d.levelId);
    reason = `validity ended ${end}; drop to ${d.levelId}`;
  } else if (d.kind === "by-balance") {
    const range = d.ranges.find((r) => m.balanceFen >= r.minFen && (r.maxFen === undefined || m.balanceFen < r.maxFen));
    if (range) target = levelIndex(config, range.levelId);
    reason = `validity ended ${end}; balance ${m.balanceFen}`;
  } else {
    const v = metricValue(config, m, true);
    if (v !== undefined) target = levelForValue(config, v);
    reason =
      v === undefined
        ? `validity ended ${end}; ${config.levelUpgrade?.metric ?? "no"} metric cannot shrink`
        : `validity ended ${end}; ${v} earned in the window`;
  }
  const next = Math.min(target, cur);
  const to = levelAt(config, next);
  return {
    from: m.levelId,
    to: to.id,
    kind: next < cur ? "downgrade" : "renewal",
    effectiveOn: today,
    resetGrowth: false,
    validUntil: validUntil(to, today),
    reason,
  };
}

/** A due downgrade (or renewal) first; otherwise an upgrade; otherwise null. */
export function evaluateLevel(config: RulesConfig, member: LevelMember, today: IsoDate): LevelChange | null {
  return checkDowngrade(config, member, today) ?? checkUpgrade(config, member, today);
}

/** Price and reward of buying a higher level outright (the reward is only for paid upgrades). */
export function quotePaidUpgrade(
  config: RulesConfig,
  currentLevelId: string,
  targetLevelId: string,
  today: IsoDate,
): { priceFen: number; reward: Bonus | null; change: LevelChange } {
  const cur = levelIndex(config, currentLevelId, "currentLevelId");
  const target = levelIndex(config, targetLevelId, "targetLevelId");
  const to = levelAt(config, target);
  if (to.paidUpgradeFen === undefined) throw new RulesError("RULES_LEVEL_NOT_ALLOWED", `level '${to.id}' cannot be bought`, "targetLevelId");
  if (target <= cur) throw new RulesError("RULES_LEVEL_NOT_ALLOWED", `level '${to.id}' is not above '${currentLevelId}'`, "targetLevelId");
  return {
    priceFen: to.paidUpgradeFen,
    reward: to.paidUpgradeReward ?? null,
    change: {
      from: currentLevelId,
      to: to.id,
      kind: "paid-upgrade",
      effectiveOn: today,
      resetGrowth: false,
      validUntil: validUntil(to, today),
      reason: "paid upgrade",
    },
  };
}

/** The higher of a member's level and `levelId` (top-up upgrades never downgrade). */
export function higherLevel(config: RulesConfig, currentLevelId: string | undefined, levelId: string): string {
  if (currentLevelId === undefined) return levelId;
  return levelIndex(config, levelId) > levelIndex(config, currentLevelId) ? levelId : currentLevelId;
}
