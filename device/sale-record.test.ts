// The stored receipt's compact form gives back exactly the priced cart JSON would have: every priced cart of the rules vectors, and lines of mixed shapes.
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import type { PricedCart } from "../protocol/rules/pricing-types.js";
import { decodePricedCart, encodePricedCart } from "./sale-record.js";

const dir = new URL("../protocol/rules/vectors/", import.meta.url);
const pricedCarts: PricedCart[] = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .flatMap((f) => (JSON.parse(readFileSync(new URL(f, dir), "utf8")) as { cases: Array<{ fn: string; expected?: unknown }> }).cases)
  .filter((c) => c.fn === "priceCart" && typeof c.expected === "object" && c.expected !== null && "lines" in c.expected)
  .map((c) => c.expected as PricedCart);

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
});
