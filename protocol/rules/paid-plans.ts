// Shared by the paid plans (VIP in vip.ts, PLUS in plus.ts): the price for a member's card class and whether a purchase earns the plan's promotion bonus.
import type { PlanBonus } from "./config.js";
import { inDateRange, type IsoDate } from "./time.js";

/** The plan's price for a card class: `pricesByClass[class]`, else the default `priceFen`. */
export function planPriceFor(plan: { priceFen: number; pricesByClass: Record<string, number> }, cardClass: string): number {
  return plan.pricesByClass[cardClass] ?? plan.priceFen;
}

/**
 * Whether a purchase on the store-local `date` earns `bonus`: inside `[from, to]` (either end open
 * when absent) and the condition holds: `open` = opening (not active now), `renew-before-expiry` =
 * renewing while still active, `open-or-renew` = either.
 */
export function planBonusApplies(bonus: PlanBonus | undefined, date: IsoDate, renewing: boolean): bonus is PlanBonus {
  if (bonus === undefined || !inDateRange(date, bonus.from, bonus.to)) return false;
  return bonus.when === "open-or-renew" || (bonus.when === "open" && !renewing) || (bonus.when === "renew-before-expiry" && renewing);
}
