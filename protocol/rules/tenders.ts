// Tenders: how the amount to pay splits into stored-value principal, stored-value bonus and external payment, per line.
import type { RulesConfig } from "./config.js";
import { RulesError } from "./errors.js";
import { allocate, sum } from "./money.js";
import type { PricedCart } from "./pricing-types.js";

export interface StoredBalance {
  principalFen: number;
  bonusFen: number;
}

export interface TenderInput {
  cart: PricedCart;
  /** The member's stored value; required when paying from it. */
  balance?: StoredBalance | undefined;
  /** Fen to pay from the balance, or 'max' for as much as the balance covers. Default 0. */
  useBalanceFen?: number | "max" | undefined;
}

export interface TenderLine {
  index: number;
  principalFen: number;
  bonusFen: number;
  externalFen: number;
}

export interface TenderPlan {
  payableFen: number;
  pointsCashFen: number;
  pointsRedeemed: number;
  balancePrincipalFen: number;
  balanceBonusFen: number;
  externalFen: number;
  balanceAfter: StoredBalance | null;
  lines: TenderLine[];
}

function checkFen(v: number, field: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RulesError("RULES_INVALID_INPUT", "expected a non-negative integer number of fen", field);
}

/** Splits a balance payment into principal and bonus per the configured spend order. */
export function splitBalance(config: RulesConfig, use: number, balance: StoredBalance): StoredBalance {
  const { principalFen: p, bonusFen: b } = balance;
  switch (config.storedValue.spendOrder) {
    case "principal-first": {
      const fromP = Math.min(use, p);
      return { principalFen: fromP, bonusFen: use - fromP };
    }
    case "bonus-first": {
      const fromB = Math.min(use, b);
      return { principalFen: use - fromB, bonusFen: fromB };
    }
    case "proportional": {
      const [sp, sb] = use > 0 ? allocate(use, [p, b]) : [0, 0];
      return { principalFen: sp ?? 0, bonusFen: sb ?? 0 };
    }
  }
}

/**
 * Plans the tenders of a priced cart: points-as-cash is already in the cart; the balance pays
 * `useBalanceFen` (principal and bonus split by `storedValue.spendOrder`), external payment the rest.
 * Each tender is allocated to the lines exactly (principal first, then bonus over what is left of each
 * line, external takes the remainder), so every line's tenders add up to its payable amount and a
 * return of any lines refunds each tender exactly.
 */
export function settleTenders(config: RulesConfig, input: TenderInput): TenderPlan {
  const { cart } = input;
  const payable = cart.totals.payableFen;
  const balance = input.balance;
  if (balance) {
    checkFen(balance.principalFen, "balance.principalFen");
    checkFen(balance.bonusFen, "balance.bonusFen");
  }
  const available = balance ? balance.principalFen + balance.bonusFen : 0;
  let use = 0;
  if (input.useBalanceFen === "max") use = Math.min(available, payable);
  else if (input.useBalanceFen !== undefined) {
    checkFen(input.useBalanceFen, "useBalanceFen");
    use = input.useBalanceFen;
    if (use > payable) throw new RulesError("RULES_INVALID_INPUT", `balance payment ${use} exceeds the amount to pay ${payable}`, "useBalanceFen");
    if (use > available) throw new RulesError("RULES_INSUFFICIENT_BALANCE", `balance ${available} does not cover ${use}`, "useBalanceFen");
  }
  const split = balance ? splitBalance(config, use, balance) : { principalFen: 0, bonusFen: 0 };
  const capacity = cart.lines.map((l) => l.payableFen);
  const take = (amount: number): number[] => {
    const shares = amount > 0 ? allocate(amount, capacity) : capacity.map(() => 0);
    shares.forEach((s, i) => {
      capacity[i] = (capacity[i] ?? 0) - s;
    });
    return shares;
  };
  const principal = take(split.principalFen);
  const bonus = take(split.bonusFen);
  const external = [...capacity];
  return {
    payableFen: payable,
    pointsCashFen: cart.totals.pointsCashFen,
    pointsRedeemed: cart.totals.pointsRedeemed,
    balancePrincipalFen: split.principalFen,
    balanceBonusFen: split.bonusFen,
    externalFen: sum(external),
    balanceAfter: balance ? { principalFen: balance.principalFen - split.principalFen, bonusFen: balance.bonusFen - split.bonusFen } : null,
    lines: cart.lines.map((l, i) => ({
      index: l.index,
      principalFen: principal[i] ?? 0,
      bonusFen: bonus[i] ?? 0,
      externalFen: external[i] ?? 0,
    })),
  };
}
