// Points as cash: ratio mode with caps, tiered mode, and the days and channels on which points may be spent.
import type { Channel, RulesConfig } from "./config.js";
import { divRound } from "./money.js";
import type { RedemptionRejection } from "./pricing-types.js";
import { inDateRange, inDayWindow } from "./time.js";

export interface RedemptionRequest {
  requested: number | "max";
  /** Member's points, in point units; required for 'max'. */
  balance: number | undefined;
  /** Amount the points may pay for (the order after coupons). */
  orderFen: number;
  date: string;
  channel: Channel;
  memberPresent: boolean;
}

export interface RedemptionResult {
  used: number;
  cashFen: number;
  rejected: RedemptionRejection | null;
}

const none = (rejected: RedemptionRejection | null): RedemptionResult => ({ used: 0, cashFen: 0, rejected });

/** Whether points may be spent as cash on this day and channel. */
export function redemptionAllowed(config: RulesConfig, date: string, channel: Channel): RedemptionRejection | null {
  const r = config.points.redemption;
  if (!r) return "not-enabled";
  if (!r.channels.includes(channel)) return "channel";
  if (!inDateRange(date, r.from, r.to) || !inDayWindow(date, r.window)) return "not-allowed-today";
  return null;
}

/** Largest cash amount points may pay on an order of `orderFen`. */
export function redemptionCapFen(config: RulesConfig, orderFen: number): number {
  const r = config.points.redemption;
  if (!r) return 0;
  let cap = orderFen;
  if (r.capFen !== undefined) cap = Math.min(cap, r.capFen);
  if (r.capPercent !== undefined) cap = Math.min(cap, divRound(orderFen * r.capPercent, 100, "floor"));
  return cap;
}

/**
 * How many points are spent and for how much cash. Ratio mode: the points are limited to what the
 * cap is worth, the cash is rounded down to the fen and only the points that cash needs are used. Tiered mode: the largest tier whose points
 * the member offers and whose cash fits under the cap; exactly that tier's points are used.
 */
export function redeemPoints(config: RulesConfig, req: RedemptionRequest): RedemptionResult {
  if (!req.memberPresent) return none("no-member");
  const r = config.points.redemption;
  const blocked = redemptionAllowed(config, req.date, req.channel);
  if (!r || blocked) return none(blocked ?? "not-enabled");
  let offered: number;
  if (req.requested === "max") {
    if (req.balance === undefined) return none("balance-unknown");
    offered = req.balance;
  } else {
    if (req.balance !== undefined && req.requested > req.balance) return none("insufficient-points");
    offered = req.requested;
  }
  if (offered === 0) return none(req.requested === "max" ? "nothing-to-redeem" : null);
  if (offered < r.minPoints) return none("below-minimum");
  const cap = redemptionCapFen(config, req.orderFen);
  if (r.mode === "tiered") {
    const tier = [...r.tiers].sort((a, b) => b.points - a.points || b.fen - a.fen).find((t) => t.points <= offered && t.fen <= cap);
    return tier ? { used: tier.points, cashFen: tier.fen, rejected: null } : none("nothing-to-redeem");
  }
  const unitsPerYuan = (r.pointsPerYuan ?? 1) * 10 ** config.points.decimals;
  // Never spend more points than the cash they buy is worth: cap the points, round the cash down,
  // then use only the points that cash needs.
  const usable = Math.min(offered, divRound(cap * unitsPerYuan, 100, "floor"));
  const cashFen = divRound(usable * 100, unitsPerYuan, "floor");
  if (cashFen === 0) return none("nothing-to-redeem");
  const used = divRound(cashFen * unitsPerYuan, 100, "ceil");
  if (used < r.minPoints) return none("below-minimum");
  return { used, cashFen, rejected: null };
}
