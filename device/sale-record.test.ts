// The stored receipt's and tender plan's compact forms give back exactly what JSON would have: every priced cart and tender plan of the rules vectors, and lines of mixed shapes.
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import type { PricedCart } from "../protocol/rules/pricing-types.js";
import type { TenderPlan } from "../protocol/rules/tenders.js";
import { decodePricedCart, decodeTenderPlan, encodePricedCart, encodeTenderPlan } from "./sale-record.js";

const dir = new URL("../protocol/rules/vectors/", import.meta.url);
const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .flatMap((f) => (JSON.parse(readFileSync(new URL(f, dir), "utf8")) as { cases: Array<{ fn: string; expected?: unknown }> }).cases);
const withLines = (fn: string): unknown[] =>
  cases.filter((c) => c.fn === fn && typeof c.expected === "object" && c.expected !== null && "lines" in c.expected).map((c) => c.expected);
const pricedCarts = withLines("priceCart") as PricedCart[];
const tenderPlans = withLines("settleTenders") as TenderPlan[];

/** What the kiosk stored before (JSON text), read back. */
const viaJson = (p: PricedCart): unknown => JSON.parse(JSON.stringify(p));

describe("stored receipt (compact form)", () => {
  it("round-trips every priced cart of the rules vectors, smaller than its JSON", () => {
    expect(pricedCarts.length).toBeGreaterThanOrEqual(10);
    for (const p of pricedCarts) {
      const stored = encodePricedCart(p);
      expect(decodePricedCart(stored)).toEqual(viaJson(p));
      if (p.lines.length >= 3) expect(stored.length).toBeLessThan(JSON.stringify(p).length);
    }
  });

  it("keeps lines whose keys differ from the first line's (a scale line, another key order, an undefined value) as they are", () => {
    const base = pricedCarts.find((p) => p.lines.length >= 3);
    if (!base) throw new Error("no vector with 3 lines");
    const [a, b, c] = base.lines as [PricedCart["lines"][number], PricedCart["lines"][number], PricedCart["lines"][number]];
    const { sku, ...restOfC } = c;
    const mixed: PricedCart = {
      ...base,
      lines: [
        a,
        { ...b, scale: { label: "2012345012340", plu: "12345", weightG: 1234, perUnitFen: 2000, memberPerUnitFen: 1800 } },
        { ...restOfC, sku } as typeof c,
        { ...a, barcode: null, scale: undefined },
      ],
    };
    const back = decodePricedCart(encodePricedCart(mixed));
    expect(back).toEqual(viaJson(mixed));
    expect(Object.keys(back.lines[2] ?? {})).toEqual(Object.keys(mixed.lines[2] ?? {}));
    expect(back.lines[3]?.barcode).toBeNull();
    expect("scale" in (back.lines[3] ?? {})).toBe(false);
  });

  it("reads the JSON text kiosks stored before migration 6, and refuses a blob of an unknown form", () => {
    const p = pricedCarts[0] as PricedCart;
    expect(decodePricedCart(JSON.stringify(p))).toEqual(viaJson(p));
    const stored = encodePricedCart(p);
    stored[0] = 9;
    expect(() => decodePricedCart(stored)).toThrow(/unknown stored receipt format 9/);
  });

  it("round-trips the tender plans of the rules vectors and one with a line of another shape; reads the plain JSON older kiosks stored", () => {
    expect(tenderPlans.length).toBeGreaterThanOrEqual(1);
    for (const t of tenderPlans) {
      const stored = encodeTenderPlan(t);
      expect(decodeTenderPlan(stored)).toEqual(JSON.parse(JSON.stringify(t)));
      if (t.lines.length >= 3) expect(stored.length).toBeLessThan(JSON.stringify(t).length);
      expect(decodeTenderPlan(JSON.stringify(t))).toEqual(JSON.parse(JSON.stringify(t)));
    }
    const t = tenderPlans[0] as TenderPlan;
    const odd = { ...t, lines: [...t.lines, { ...t.lines[0], cardFen: 5 } as TenderPlan["lines"][number]] };
    expect(decodeTenderPlan(encodeTenderPlan(odd))).toEqual(JSON.parse(JSON.stringify(odd)));
    expect(() => decodeTenderPlan("[7, {}]")).toThrow(/unknown stored tender plan format 7/);
  });
});
