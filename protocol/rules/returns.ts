// Returns: what giving back some units of some lines of a priced cart refunds, per tender, and does to points.
import { RulesError } from "./errors.js";
import { allocate, sum } from "./money.js";
import type { PricedCart } from "./pricing-types.js";
import type { TenderPlan } from "./tenders.js";

export interface ReturnInput {
  cart: PricedCart;
  /** Lines given back now; qty defaults to everything not yet returned. */
  lines: { index: number; qty?: number | undefined }[];
  /** Units of each line returned earlier (so that several returns add up exactly). */
  previouslyReturned?: { index: number; qty: number }[] | undefined;
  /** The tender plan of the sale, to refund each tender; without it the refund is one amount. */
  tenders?: TenderPlan | undefined;
}

export interface ReturnedLine {
  index: number;
  qty: number;
  /** Money plus points-as-cash: the line's price share. */
  refundFen: number;
  /** Refunded as money (shopping card, balance and external). */
  moneyFen: number;
  pointsCashFen: number;
  /** Back onto the shopping card that paid (TenderPlan.shoppingCardId); absent when no card paid the sale (0). */
  shoppingCardFen?: number;
  principalFen: number;
  bonusFen: number;
  externalFen: number;
  /** Points spent as cash, given back. */
  pointsGivenBack: number;
  /** Earned points taken back (base and level multiplier). */
  pointsTakenBack: number;
  /** Birthday / holiday / period extras the member keeps. */
  pointsKept: number;
}

export interface ReturnResult {
  lines: ReturnedLine[];
  totals: Omit<ReturnedLine, "index" | "qty"> & { qty: number; netPoints: number };
  wholeOrderReturned: boolean;
  /** Coupons used by the order, restorable when the whole order has come back. */
  couponsRestorable: string[];
}

/** Splits `total` over `n` identical units: the first `total mod n` units carry one more. */
function perUnit(total: number, n: number): number[] {
  const q = Math.floor(total / n);
  const r = total - q * n;
  return Array.from({ length: n }, (_, i) => q + (i < r ? 1 : 0));
}

/**
 * Splits a line into units: each unit's price (line total over the units), and within it the tenders,
 * each tender allocated over the units by what is left of them (points cash, then shopping card, then
 * principal, then bonus; external takes the rest). Rows and columns both add up exactly.
 */
function unitRows(
  line: PricedCart["lines"][number],
  tender: TenderPlan["lines"][number] | undefined,
): { cash: number[]; card: number[]; principal: number[]; bonus: number[]; external: number[] } {
  const capacity = perUnit(line.lineTotalFen, line.qty);
  const take = (amount: number): number[] => {
    const shares = amount > 0 ? allocate(amount, capacity) : capacity.map(() => 0);
    shares.forEach((s, i) => {
      capacity[i] = (capacity[i] ?? 0) - s;
    });
    return shares;
  };
  const cash = take(line.pointsCashFen);
  const card = take(tender?.shoppingCardFen ?? 0);
  const principal = take(tender?.principalFen ?? 0);
  const bonus = take(tender?.bonusFen ?? 0);
  return { cash, card, principal, bonus, external: [...capacity] };
}

function range(values: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += values[i] ?? 0;
  return s;
}

/**
 * Reverses exactly what the returned units got. A line is split into identical units (price, tenders,
 * points spent and earned, each by largest remainder), and the returned units are the next ones in
 * that order; so returning all units, at once or in steps, gives back every component exactly.
 */
export function returnLines(input: ReturnInput): ReturnResult {
  const { cart, tenders } = input;
  const done = new Map<number, number>();
  (input.previouslyReturned ?? []).forEach((p, k) => {
    const line = cart.lines[p.index];
    if (!line || !Number.isSafeInteger(p.qty) || p.qty < 0 || (done.get(p.index) ?? 0) + p.qty > line.qty)
      throw new RulesError("RULES_INVALID_RETURN", "not a line of the sale or a wrong quantity", `previouslyReturned.${k}`);
    done.set(p.index, (done.get(p.index) ?? 0) + p.qty);
  });
  if (tenders && tenders.lines.length !== cart.lines.length) throw new RulesError("RULES_INVALID_RETURN", "tender plan is not for this sale", "tenders");
  const seen = new Set<number>();
  const out: ReturnedLine[] = input.lines.map((r, k) => {
    const line = cart.lines[r.index];
    if (!line || seen.has(r.index)) throw new RulesError("RULES_INVALID_RETURN", `line ${r.index} is not in the sale or listed twice`, `lines.${k}.index`);
    seen.add(r.index);
    const before = done.get(r.index) ?? 0;
    const left = line.qty - before;
    const qty = r.qty ?? left;
    if (!Number.isSafeInteger(qty) || qty < 1 || qty > left)
      throw new RulesError("RULES_INVALID_RETURN", `quantity must be 1..${left} (sold ${line.qty}, returned ${before})`, `lines.${k}.qty`);
    const end = before + qty;
    const rows = unitRows(line, tenders?.lines[r.index]);
    const pointsRows = rows.cash.some((c) => c > 0) && line.pointsRedeemed > 0 ? allocate(line.pointsRedeemed, rows.cash) : rows.cash.map(() => 0);
    const shoppingCardFen = range(rows.card, before, end);
    const principalFen = range(rows.principal, before, end);
    const bonusFen = range(rows.bonus, before, end);
    const externalFen = range(rows.external, before, end);
    const pointsCashFen = range(rows.cash, before, end);
    const hasCard = (tenders?.shoppingCardFen ?? 0) > 0;
    const moneyFen = shoppingCardFen + principalFen + bonusFen + externalFen;
    return {
      index: r.index,
      qty,
      refundFen: moneyFen + pointsCashFen,
      moneyFen,
      pointsCashFen,
      ...(hasCard ? { shoppingCardFen } : {}),
      principalFen,
      bonusFen,
      externalFen,
      pointsGivenBack: range(pointsRows, before, end),
      pointsTakenBack: range(perUnit(line.pointsReturnable, line.qty), before, end),
      pointsKept: range(perUnit(line.pointsEarned - line.pointsReturnable, line.qty), before, end),
    };
  });
  const tot = (f: (l: ReturnedLine) => number): number => sum(out.map(f));
  for (const l of out) done.set(l.index, (done.get(l.index) ?? 0) + l.qty);
  const whole = cart.lines.every((l) => (done.get(l.index) ?? 0) >= l.qty);
  const pointsGivenBack = tot((l) => l.pointsGivenBack);
  const pointsTakenBack = tot((l) => l.pointsTakenBack);
  return {
    lines: out,
    totals: {
      qty: tot((l) => l.qty),
      refundFen: tot((l) => l.refundFen),
      moneyFen: tot((l) => l.moneyFen),
      pointsCashFen: tot((l) => l.pointsCashFen),
      ...((tenders?.shoppingCardFen ?? 0) > 0 ? { shoppingCardFen: tot((l) => l.shoppingCardFen ?? 0) } : {}),
      principalFen: tot((l) => l.principalFen),
      bonusFen: tot((l) => l.bonusFen),
      externalFen: tot((l) => l.externalFen),
      pointsGivenBack,
      pointsTakenBack,
      pointsKept: tot((l) => l.pointsKept),
      netPoints: pointsGivenBack - pointsTakenBack,
    },
    wholeOrderReturned: whole,
    couponsRestorable: whole ? cart.appliedCoupons.map((c) => c.instanceId) : [],
  };
}
