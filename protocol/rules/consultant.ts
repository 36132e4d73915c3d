// Consultant reward: member spend weighted by member-state and channel multipliers, against a monthly target.
import type { Channel, ConsultantSettings } from "./config.js";
import { RulesError } from "./errors.js";
import type { RoundingMode } from "./money.js";
import { divRound, mulDiv } from "./money.js";
import { daysBetween, type IsoDate } from "./time.js";

export type ConsultantSaleKind = "new-first" | "new-repeat" | "lost-won-back" | "sleeping-reactivated" | "other";

export interface ConsultantSale {
  /** Spend in fen; a return is negative. */
  amountFen: number;
  kind: ConsultantSaleKind;
  channel: Channel;
}

export interface ConsultantReward {
  lines: { countedFen: number; multiplierPercent: number; channelPercent: number }[];
  countedFen: number;
  targetFen: number;
  reachedTarget: boolean;
  targetBonusFen: number;
  /** Deducted: shortfallDeductPercent of the shortfall. */
  deductionFen: number;
  /** Added: excessBonusPercent of the excess. */
  excessBonusFen: number;
  /** targetBonus - deduction + excess bonus, never below 0. */
  rewardFen: number;
}

/**
 * Which multiplier a purchase gets: a member whose card is within `newMemberDays` (issue day
 * included) is new (first purchase or repeat); otherwise, by days since their previous purchase
 * (or since the card was issued if none): at least `lostDays` = lost won back, at least
 * `sleepingDays` = sleeping reactivated, else other.
 */
export function classifyConsultantSale(
  s: ConsultantSettings,
  member: { cardIssuedOn: IsoDate; previousPurchaseDates: readonly IsoDate[] },
  saleDate: IsoDate,
): ConsultantSaleKind {
  const earlier = member.previousPurchaseDates.filter((d) => d <= saleDate);
  if (daysBetween(member.cardIssuedOn, saleDate) < s.newMemberDays) return earlier.length === 0 ? "new-first" : "new-repeat";
  const last = earlier.reduce<IsoDate>((a, d) => (d > a ? d : a), member.cardIssuedOn);
  const gap = daysBetween(last, saleDate);
  if (gap >= s.lostDays) return "lost-won-back";
  if (gap >= s.sleepingDays) return "sleeping-reactivated";
  return "other";
}

const MULTIPLIER_KEY = {
  "new-first": "newFirstPurchase",
  "new-repeat": "newRepeatPurchase",
  "lost-won-back": "lostWonBack",
  "sleeping-reactivated": "sleepingReactivated",
  other: "other",
} as const;

/**
 * A consultant's monthly reward. Each sale counts `amount x kind multiplier x channel multiplier`
 * (in store = kiosk and till), rounded per sale. Reaching the target earns the target bonus plus
 * excessBonusPercent of the excess; falling short earns the bonus minus shortfallDeductPercent of the
 * shortfall, not below 0.
 */
export function consultantReward(s: ConsultantSettings, sales: readonly ConsultantSale[], mode: RoundingMode = "half-up"): ConsultantReward {
  const lines = sales.map((sale, i) => {
    if (!Number.isSafeInteger(sale.amountFen)) throw new RulesError("RULES_INVALID_INPUT", "expected integer fen", `sales.${i}.amountFen`);
    const multiplierPercent = s.multipliers[MULTIPLIER_KEY[sale.kind]];
    const channelPercent = sale.channel === "online" ? s.channelPercent.online : s.channelPercent.inStore;
    return { countedFen: mulDiv(sale.amountFen, multiplierPercent * channelPercent, 10_000, mode), multiplierPercent, channelPercent };
  });
  const countedFen = lines.reduce((a, l) => a + l.countedFen, 0);
  const targetFen = s.monthlyTargetFen;
  const reachedTarget = countedFen >= targetFen;
  const deductionFen = reachedTarget ? 0 : divRound((targetFen - countedFen) * s.shortfallDeductPercent, 100, mode);
  const excessBonusFen = reachedTarget ? divRound((countedFen - targetFen) * s.excessBonusPercent, 100, mode) : 0;
  return {
    lines,
    countedFen,
    targetFen,
    reachedTarget,
    targetBonusFen: s.targetBonusFen,
    deductionFen,
    excessBonusFen,
    rewardFen: Math.max(0, s.targetBonusFen - deductionFen + excessBonusFen),
  };
}
