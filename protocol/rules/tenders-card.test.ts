// Tests for the shopping-card tender: its place in the tender order, per-line allocation, its limits, and exact refunds on returns.
import { describe, expect, it } from "vitest";
import { priceCart } from "./pricing.js";
import { returnLines } from "./returns.js";
import { settleTenders } from "./tenders.js";
import { at, fullConfig, readExample } from "./test-fixtures.js";
import { runWhatIf } from "./whatif.js";
import { formatWhatIf } from "./whatif-format.js";

const T = at("2024-05-01T10:00");
const config = fullConfig();
const lines = [
  { sku: "rice-5kg", qty: 3 },
  { sku: "diapers-l52", qty: 2 },
  { sku: "formula-900g", qty: 1 },
];
const cart = priceCart({ config, member: { id: "m", levelId: "normal", pointsBalance: 500 }, lines, channel: "kiosk", at: T, pointsToRedeem: 100 });
const card = { cardId: "shc_0123456789abcdef", balanceFen: 12345 };

describe("settleTenders with a shopping card", () => {
  it("takes the card after points as cash and before the balance; each line's tenders add up to its payable amount", () => {
    const payable = cart.totals.payableFen;
    expect(cart.totals.pointsCashFen).toBeGreaterThan(0);
    const plan = settleTenders(config, {
      cart,
      shoppingCard: card,
      useShoppingCardFen: "max",
      balance: { principalFen: 5000, bonusFen: 500 },
      useBalanceFen: "max",
    });
    expect(plan).toMatchObject({ shoppingCardId: card.cardId, shoppingCardFen: 12345, balancePrincipalFen: 5000, balanceBonusFen: 500 });
    expect(plan.externalFen).toBe(payable - 12345 - 5500);
    for (const l of plan.lines) {
      const line = cart.lines[l.index]!;
      expect((l.shoppingCardFen ?? 0) + l.principalFen + l.bonusFen + l.externalFen).toBe(line.payableFen);
    }
    expect(plan.lines.reduce((s, l) => s + (l.shoppingCardFen ?? 0), 0)).toBe(12345);
  });

  it("a card that covers everything leaves nothing for the balance ('max') or external", () => {
    const rich = { cardId: card.cardId, balanceFen: 10_000_000 };
    const plan = settleTenders(config, {
      cart,
      shoppingCard: rich,
      useShoppingCardFen: "max",
      balance: { principalFen: 9000, bonusFen: 0 },
      useBalanceFen: "max",
    });
    expect(plan).toMatchObject({ shoppingCardFen: cart.totals.payableFen, balancePrincipalFen: 0, externalFen: 0 });
  });

  it("the balance may pay only what the card leaves", () => {
    const payable = cart.totals.payableFen;
    expect(() =>
      settleTenders(config, {
        cart,
        shoppingCard: card,
        useShoppingCardFen: 12345,
        balance: { principalFen: payable, bonusFen: 0 },
        useBalanceFen: payable - 12344,
      }),
    ).toThrow(expect.objectContaining({ code: "RULES_INVALID_INPUT", field: "useBalanceFen" }));
  });

  it.each([
    ["more than the card holds", 12346, "RULES_INSUFFICIENT_CARD"],
    ["more than the amount to pay", 10_000_000, "RULES_INVALID_INPUT"],
    ["a negative amount", -1, "RULES_INVALID_INPUT"],
  ])("refuses paying %s from the card", (_n, use, code) => {
    const big = use === 10_000_000 ? { cardId: card.cardId, balanceFen: 20_000_000 } : card;
    expect(() => settleTenders(config, { cart, shoppingCard: big, useShoppingCardFen: use })).toThrow(
      expect.objectContaining({ code, field: "useShoppingCardFen" }),
    );
  });

  it("a card payment without the card is refused; no card and no use is a plan without a card", () => {
    expect(() => settleTenders(config, { cart, useShoppingCardFen: 100 })).toThrow(
      expect.objectContaining({ code: "RULES_INVALID_INPUT", field: "shoppingCard" }),
    );
    const plan = settleTenders(config, { cart });
    // No card: the plan reads exactly as before shopping cards paid (the shared vectors stay as they are).
    expect(plan.shoppingCardFen).toBeUndefined();
    expect(plan.shoppingCardId).toBeUndefined();
    expect(plan.lines.every((l) => !("shoppingCardFen" in l))).toBe(true);
  });

  it("a card below zero (an overdraft) pays nothing with 'max'", () => {
    const plan = settleTenders(config, { cart, shoppingCard: { cardId: card.cardId, balanceFen: -300 }, useShoppingCardFen: "max" });
    expect(plan.shoppingCardFen ?? 0).toBe(0);
    expect(plan.externalFen).toBe(cart.totals.payableFen);
  });
});

describe("returns refund the shopping card exactly", () => {
  const plan = settleTenders(config, {
    cart,
    shoppingCard: card,
    useShoppingCardFen: 12345,
    balance: { principalFen: 4000, bonusFen: 400 },
    useBalanceFen: 4400,
  });

  it("returning every unit in steps gives back exactly what the card paid, line by line", () => {
    let done: Array<{ index: number; qty: number }> = [];
    let card = 0;
    let money = 0;
    for (const step of [
      [{ index: 0, qty: 1 }],
      [
        { index: 0, qty: 2 },
        { index: 1, qty: 1 },
      ],
      [
        { index: 1, qty: 1 },
        { index: 2, qty: 1 },
      ],
    ]) {
      const r = returnLines({ cart, tenders: plan, lines: step, previouslyReturned: done });
      card += r.totals.shoppingCardFen ?? 0;
      money += r.totals.moneyFen;
      for (const l of r.lines) expect(l.moneyFen).toBe((l.shoppingCardFen ?? 0) + l.principalFen + l.bonusFen + l.externalFen);
      done = [...done, ...step];
    }
    expect(card).toBe(12345);
    expect(money).toBe(cart.totals.payableFen);
  });

  it("a partial return refunds the card its share of the returned line only", () => {
    const r = returnLines({ cart, tenders: plan, lines: [{ index: 2, qty: 1 }] });
    expect(r.totals.shoppingCardFen).toBe(plan.lines[2]?.shoppingCardFen);
    expect(r.totals.shoppingCardFen ?? 0).toBeGreaterThan(0);
    expect(r.totals.shoppingCardFen ?? 0).toBeLessThan(12345);
  });

  it("a plan stored before shopping cards paid (no card fields) refunds nothing to a card", () => {
    const old = settleTenders(config, { cart, balance: { principalFen: 4000, bonusFen: 0 }, useBalanceFen: 4000 });
    const { shoppingCardFen: _drop, ...rest } = old;
    const legacy = { ...rest, lines: old.lines.map(({ shoppingCardFen: _x, ...l }) => l) };
    const r = returnLines({ cart, tenders: legacy, lines: [{ index: 0 }, { index: 1 }, { index: 2 }] });
    expect(r.totals.shoppingCardFen ?? 0).toBe(0);
    expect(r.totals.principalFen).toBe(4000);
    expect(r.totals.moneyFen).toBe(cart.totals.payableFen);
  });
});

describe("the what-if tool with a shopping card", () => {
  it("plans the card before the balance and shows it, and a return's share going back to it", () => {
    const cartIn = readExample("cart.json") as Record<string, unknown> & { tender?: Record<string, unknown> };
    const input = {
      ...cartIn,
      tender: { ...cartIn.tender, shoppingCard: { cardId: "shc_0123456789abcdef", balanceFen: 20_000 }, useShoppingCardFen: "max" },
      return: { lines: [{ index: 0 }] },
    };
    const r = runWhatIf(config, input, undefined);
    expect(r.tenders).toMatchObject({ shoppingCardId: "shc_0123456789abcdef", shoppingCardFen: 20_000, externalFen: 91_574 - 20_000 - 30_000 });
    expect(r.return?.totals.shoppingCardFen ?? 0).toBeGreaterThan(0);
    const text = formatWhatIf(r);
    expect(text).toMatch(/shopping card shc_0123456789abcdef\s+¥?200\.00/);
    expect(text).toMatch(/to the shopping card/);
  });
});
