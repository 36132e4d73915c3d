// Tests for tenders: principal and bonus balance tracked apart, spend orders, and exact per-line allocation.
import { describe, expect, it } from "vitest";
import { priceCart } from "./pricing.js";
import { settleTenders } from "./tenders.js";
import { at, fullConfig } from "./test-fixtures.js";

const T = at("2024-05-01T10:00");
const lines = [
  { sku: "rice-5kg", qty: 2 },
  { sku: "diapers-l52", qty: 1 },
  { sku: "formula-900g", qty: 1 },
];

describe("settleTenders", () => {
  it.each([
    ["proportional", 20000, [18182, 1818]],
    ["principal-first", 20000, [20000, 0]],
    ["bonus-first", 20000, [15000, 5000]],
    ["proportional", 53680, [48800, 4880]],
  ] as const)("%s, %i from the balance: [principal, bonus] = %j", (spendOrder, use, [p, b]) => {
    const config = fullConfig((c) => void (c.storedValue = { spendOrder }));
    const cart = priceCart({ config, member: { id: "m", levelId: "normal" }, lines, channel: "kiosk", at: T });
    const plan = settleTenders(config, { cart, balance: { principalFen: 50000, bonusFen: 5000 }, useBalanceFen: use });
    expect([plan.balancePrincipalFen, plan.balanceBonusFen]).toEqual([p, b]);
    expect(plan.externalFen).toBe(cart.totals.payableFen - use);
    expect(plan.balanceAfter).toEqual({ principalFen: 50000 - p, bonusFen: 5000 - b });
    for (const l of plan.lines) {
      expect(l.principalFen + l.bonusFen + l.externalFen).toBe(cart.lines[l.index]?.payableFen);
    }
    expect(plan.lines.reduce((s, l) => s + l.principalFen, 0)).toBe(p);
    expect(plan.lines.reduce((s, l) => s + l.bonusFen, 0)).toBe(b);
  });
  it("pays 'max' from the balance", () => {
    const config = fullConfig();
    const cart = priceCart({ config, member: { id: "m", levelId: "normal" }, lines, channel: "kiosk", at: T });
    const plan = settleTenders(config, { cart, balance: { principalFen: 1000, bonusFen: 100 }, useBalanceFen: "max" });
    expect(plan).toMatchObject({ balancePrincipalFen: 1000, balanceBonusFen: 100, externalFen: 53680 - 1100 });
    const all = settleTenders(config, { cart, balance: { principalFen: 100000, bonusFen: 0 }, useBalanceFen: "max" });
    expect(all).toMatchObject({ balancePrincipalFen: 53680, externalFen: 0 });
  });
  it.each([
    ["more than the balance", { principalFen: 100, bonusFen: 0 }, 200, "RULES_INSUFFICIENT_BALANCE"],
    ["more than the amount to pay", { principalFen: 100000, bonusFen: 0 }, 60000, "RULES_INVALID_INPUT"],
    ["a negative amount", { principalFen: 100, bonusFen: 0 }, -1, "RULES_INVALID_INPUT"],
  ])("rejects paying %s", (_n, balance, use, code) => {
    const config = fullConfig();
    const cart = priceCart({ config, member: { id: "m", levelId: "normal" }, lines, channel: "kiosk", at: T });
    expect(() => settleTenders(config, { cart, balance, useBalanceFen: use })).toThrow(expect.objectContaining({ code, field: "useBalanceFen" }));
  });
});
