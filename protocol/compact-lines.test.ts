// The stored forms of a priced receipt and a tender plan (lines as rows under one key list) read back exactly as JSON of the original, and plain JSON rows still read.
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import type { PricedCart } from "./rules/pricing-types.js";
import type { TenderPlan } from "./rules/tenders.js";
import { pricedCartOfText, pricedCartText, tenderPlanOfText, tenderPlanText } from "./compact-lines.js";

const dir = new URL("./rules/vectors/", import.meta.url);
const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .flatMap((f) => (JSON.parse(readFileSync(new URL(f, dir), "utf8")) as { cases: Array<{ fn: string; expected?: unknown }> }).cases);
const withLines = (fn: string): unknown[] =>
  cases.filter((c) => c.fn === fn && typeof c.expected === "object" && c.expected !== null && "lines" in c.expected).map((c) => c.expected);
const viaJson = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe("compact lines", () => {
  it("round-trips every priced cart of the rules vectors, smaller than plain JSON from 3 lines, totals where SQL reads them", () => {
    const carts = withLines("priceCart") as PricedCart[];
    expect(carts.length).toBeGreaterThanOrEqual(10);
    for (const p of carts) {
      const text = pricedCartText(p);
      expect(pricedCartOfText(text)).toEqual(viaJson(p));
      expect((JSON.parse(text) as { totals: unknown }).totals).toEqual(viaJson(p.totals));
      if (p.lines.length >= 3) expect(text.length).toBeLessThan(JSON.stringify(p).length);
      // A row written as plain JSON reads the same.
      expect(pricedCartOfText(JSON.stringify(p))).toEqual(viaJson(p));
    }
  });

  it("round-trips tender plans, none (null) and a plan with a line of another shape; reads plain JSON", () => {
    const plans = withLines("settleTenders") as TenderPlan[];
    expect(plans.length).toBeGreaterThanOrEqual(1);
    for (const t of plans) {
      expect(tenderPlanOfText(tenderPlanText(t))).toEqual(viaJson(t));
      expect(tenderPlanOfText(JSON.stringify(t))).toEqual(viaJson(t));
    }
    const t = plans[0] as TenderPlan;
    const odd = { ...t, lines: [...t.lines, { ...t.lines[0], cardFen: 5 } as TenderPlan["lines"][number]] };
    expect(tenderPlanOfText(tenderPlanText(odd))).toEqual(viaJson(odd));
    expect(tenderPlanText(null)).toBe("null");
    expect(tenderPlanText(undefined)).toBe("null");
    expect(tenderPlanOfText("null")).toBeNull();
  });

  it("names the receipt and tender line key lists instead of writing them, reads rows that wrote them out, refuses a name it does not know", () => {
    const carts = (withLines("priceCart") as PricedCart[]).filter((p) => p.lines.length > 0);
    const plans = withLines("settleTenders") as TenderPlan[];
    // Every vector's lines have the named shape: a change to the line shape fails here, and needs a new name.
    for (const p of carts) expect((JSON.parse(pricedCartText(p)) as { lines: unknown[] }).lines[0]).toBe("priced-line/1");
    for (const t of plans) expect((JSON.parse(tenderPlanText(t)) as { lines: unknown[] }).lines[0]).toBe("tender-line/1");
    const p = carts.find((c) => c.lines.length >= 2) as PricedCart;
    const rows = p.lines.map((l) => Object.values(l));
    // As stored before key lists had names (stop 27): the keys written out.
    const before = JSON.stringify({ ...p, lines: [Object.keys(p.lines[0] as object), ...rows] });
    expect(pricedCartOfText(before)).toEqual(viaJson(p));
    expect(pricedCartText(p).length).toBeLessThan(before.length - 250);
    expect(() => pricedCartOfText(JSON.stringify({ ...p, lines: ["priced-line/0", ...rows] }))).toThrow(/unknown key list/);
  });

  it("keeps an empty cart empty", () => {
    const p = (withLines("priceCart") as PricedCart[])[0] as PricedCart;
    const empty = { ...p, lines: [] };
    expect(pricedCartOfText(pricedCartText(empty)).lines).toEqual([]);
  });
});
