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
  /**
   * Set on a return (then `kind` and `channel` are the returned sale's): the sale's amount and what
   * earlier returns already took back from it. The return takes back exactly what that part of the
   * sale earned (seed 002: no purchase, no reward), so a fully returned sale nets 0.
   */
  returnOf?: { saleAmountFen: number; returnedBeforeFen: number };
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
 * (or since the card was issued if none, or since `knownSince` — the import day of a member from an
 * old system, whose earlier purchases the hub does not have): at least `lostDays` = lost won back, at least
 * `sleepingDays` = sleeping reactivated, else other.
 */
export function classifyConsultantSale(
  s: ConsultantSettings,
  member: { cardIssuedOn: IsoDate; previousPurchaseDates: readonly IsoDate[]; knownSince?: IsoDate | undefined },
  saleDate: IsoDate,
): ConsultantSaleKind {
  const earlier = member.previousPurchaseDates.filter((d) => d <= saleDate);
  if (daysBetween(member.cardIssuedOn, saleDate) < s.newMemberDays) return earlier.length === 0 ? "new-first" : "new-repeat";
  const since = member.knownSince !== undefined && member.knownSince > member.cardIssuedOn ? member.knownSince : member.cardIssuedOn;
  const last = earlier.reduce<IsoDate>((a, d) => (d > a ? d : a), since);
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
 * (in store = kiosk and till), rounded per sale. A return (`returnOf`) counts with its sale's
 * multipliers and takes back exactly what the returned part earned. Reaching the target earns the target bonus plus
 * excessBonusPercent of the excess; falling short earns the bonus minus shortfallDeductPercent of the
 * shortfall, not below 0.
 */
export function consultantReward(s: ConsultantSettings, sales: readonly ConsultantSale[], mode: RoundingMode = "half-up"): ConsultantReward {
  const lines = sales.map((sale, i) => {
    if (!Number.isSafeInteger(sale.amountFen)) throw new RulesError("RULES_INVALID_INPUT", "expected integer fen", `sales.${i}.amountFen`);
    const multiplierPercent = s.multipliers[MULTIPLIER_KEY[sale.kind]];
    const channelPercent = sale.channel === "online" ? s.channelPercent.online : s.channelPercent.inStore;
    const count = (fen: number): number => mulDiv(fen, multiplierPercent * channelPercent, 10_000, mode);
    const r = sale.returnOf;
    if (r === undefined) return { countedFen: count(sale.amountFen), multiplierPercent, channelPercent };
    if (sale.amountFen > 0 || !Number.isSafeInteger(r.saleAmountFen) || !Number.isSafeInteger(r.returnedBeforeFen) || r.returnedBeforeFen < 0)
      throw new RulesError("RULES_INVALID_INPUT", "a return is a negative amount of a sale with integer fen", `sales.${i}.returnOf`);
    // What the still-unreturned part counted before and after this return: the difference telescopes,
    // so all returns of a sale together take back exactly the sale's counted amount (never more).
    const before = Math.max(0, r.saleAmountFen - r.returnedBeforeFen);
    const after = Math.max(0, before + sale.amountFen);
    return { countedFen: count(after) - count(before), multiplierPercent, channelPercent };
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
