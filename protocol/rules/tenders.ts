// Tenders: how the amount to pay splits into a shopping card, stored-value principal, stored-value bonus and external payment, per line.
//
// Order (docs/rules.md "Tenders"): points as cash come off the price first (they are in the priced
// cart), then the shopping card (购物卡, money set aside for shopping), then the general balance
// (principal and bonus by storedValue.spendOrder), and external payment takes the rest.
import type { RulesConfig } from "./config.js";
import { RulesError } from "./errors.js";
import { allocate, sum } from "./money.js";
import type { PricedCart } from "./pricing-types.js";

export interface StoredBalance {
  principalFen: number;
  bonusFen: number;
}

/** One of the member's shopping cards (stored value apart from the general balance) and what it holds. */
export interface ShoppingCardBalance {
  cardId: string;
  balanceFen: number;
}

export interface TenderInput {
  cart: PricedCart;
  /** The shopping card that pays; required when `useShoppingCardFen` is set. */
  shoppingCard?: ShoppingCardBalance | undefined;
  /** Fen to pay from the shopping card, or 'max' for as much as it covers. Default 0. Taken before the balance. */
  useShoppingCardFen?: number | "max" | undefined;
  /** The member's stored value; required when paying from it. */
  balance?: StoredBalance | undefined;
  /** Fen to pay from the balance, or 'max' for as much as the balance covers (of what the card leaves). Default 0. */
  useBalanceFen?: number | "max" | undefined;
}

export interface TenderLine {
  index: number;
  /** The shopping card's share of the line; absent when no card paid (0). */
  shoppingCardFen?: number;
  principalFen: number;
  bonusFen: number;
  externalFen: number;
}

export interface TenderPlan {
  payableFen: number;
  pointsCashFen: number;
  pointsRedeemed: number;
  /** The shopping card that paid and how much; both absent when no card paid (and in plans made before shopping cards paid). */
  shoppingCardId?: string | undefined;
  shoppingCardFen?: number;
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

/** How much of `payable` a tender pays: 'max' is what it holds (never below zero), a number is checked against both. */
function tenderUse(
  want: number | "max" | undefined,
  available: number,
  payable: number,
  field: string,
  short: "RULES_INSUFFICIENT_BALANCE" | "RULES_INSUFFICIENT_CARD",
): number {
  if (want === "max") return Math.max(0, Math.min(available, payable));
  if (want === undefined) return 0;
  checkFen(want, field);
  if (want > payable) throw new RulesError("RULES_INVALID_INPUT", `payment ${want} exceeds the amount to pay ${payable}`, field);
  if (want > available) throw new RulesError(short, `${available} does not cover ${want}`, field);
  return want;
}

/**
 * Plans the tenders of a priced cart: points-as-cash is already in the cart; the shopping card pays
 * `useShoppingCardFen`, the balance `useBalanceFen` of what is left (principal and bonus split by
 * `storedValue.spendOrder`), external payment the rest. Each tender is allocated to the lines exactly
 * (shopping card first, then principal, then bonus, each over what is left of each line by largest
 * remainder; external takes the remainder), so every line's tenders add up to its payable amount and a
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
  const card = input.shoppingCard;
  if (card) checkFen(Math.max(0, card.balanceFen), "shoppingCard.balanceFen");
  if (!card && input.useShoppingCardFen !== undefined && input.useShoppingCardFen !== 0 && input.useShoppingCardFen !== "max")
    throw new RulesError("RULES_INVALID_INPUT", "a shopping-card payment needs the card", "shoppingCard");
  const cardUse = card ? tenderUse(input.useShoppingCardFen, card.balanceFen, payable, "useShoppingCardFen", "RULES_INSUFFICIENT_CARD") : 0;
  const available = balance ? balance.principalFen + balance.bonusFen : 0;
  const use = tenderUse(input.useBalanceFen, available, payable - cardUse, "useBalanceFen", "RULES_INSUFFICIENT_BALANCE");
  const split = balance ? splitBalance(config, use, balance) : { principalFen: 0, bonusFen: 0 };
  const capacity = cart.lines.map((l) => l.payableFen);
  const take = (amount: number): number[] => {
    const shares = amount > 0 ? allocate(amount, capacity) : capacity.map(() => 0);
    shares.forEach((s, i) => {
      capacity[i] = (capacity[i] ?? 0) - s;
    });
    return shares;
  };
  const cardShares = take(cardUse);
  const principal = take(split.principalFen);
  const bonus = take(split.bonusFen);
  const external = [...capacity];
  return {
    payableFen: payable,
    pointsCashFen: cart.totals.pointsCashFen,
    pointsRedeemed: cart.totals.pointsRedeemed,
    // Only when the card pays: a plan without one reads as before shopping cards paid (the shared vectors).
    ...(card && cardUse > 0 ? { shoppingCardId: card.cardId, shoppingCardFen: cardUse } : {}),
    balancePrincipalFen: split.principalFen,
    balanceBonusFen: split.bonusFen,
    externalFen: sum(external),
    balanceAfter: balance ? { principalFen: balance.principalFen - split.principalFen, bonusFen: balance.bonusFen - split.bonusFen } : null,
    lines: cart.lines.map((l, i) => ({
      index: l.index,
      ...(cardUse > 0 ? { shoppingCardFen: cardShares[i] ?? 0 } : {}),
      principalFen: principal[i] ?? 0,
      bonusFen: bonus[i] ?? 0,
      externalFen: external[i] ?? 0,
    })),
  };
}
