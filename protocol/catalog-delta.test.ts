// Catalog hashes and the plan of a delta: the set hash updated by a change equals the hash of the changed catalog, whatever the order; a plan on the wrong base or to a wrong result is refused.
import { readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import { parseConfigContentTolerant } from "./config-tolerant.js";
import { ProductSchema, type Product } from "./rules/config.js";
import { catalogHash, catalogHashWith, catalogState, diffCatalog, planCatalog, productHash, stableJson, type CatalogMessage } from "./catalog-delta.js";

const store = { chainId: "acme", storeId: "s1" };
/** A small seeded PRNG (the same runs every time). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 4294967296;
  };
}
const product = (sku: string, priceFen: number, extra: Record<string, unknown> = {}): Product =>
  ProductSchema.parse({ sku, name: `n ${sku}`, category: "c", priceFen, ...extra });

describe("catalog hashes", () => {
  it("one spelling per product whatever its key order, and a different hash for a different price", () => {
    const a = product("a", 100, { memberPriceFen: 90, classPricesFen: { x: 1, y: 2 } });
    const b = ProductSchema.parse({ classPricesFen: { y: 2, x: 1 }, memberPriceFen: 90, priceFen: 100, category: "c", name: "n a", sku: "a" });
    expect(stableJson(a)).toBe(stableJson(b));
    expect(productHash(a)).toBe(productHash(b));
    expect(productHash(product("a", 101))).not.toBe(productHash(product("a", 100)));
  });

  it("the hash updated by random changes equals the hash of the catalog they make (seeded)", () => {
    const rnd = seeded(7);
    let products = Array.from({ length: 300 }, (_, i) => product(`p${i}`, 100 + i));
    for (let round = 0; round < 30; round++) {
      const before = catalogState(round, products);
      const next = products
        .filter(() => rnd() > 0.05)
        .map((p) => (rnd() < 0.1 ? product(p.sku, p.priceFen + 1) : p))
        .concat(rnd() < 0.5 ? [product(`new${round}`, 5)] : []);
      const after = catalogState(round + 1, [...next].reverse());
      const { put, remove } = diffCatalog(before, after);
      const minus = [
        ...remove.map((s) => [s, before.hashes.get(s)!] as const),
        ...put.filter((p) => before.hashes.has(p.sku)).map((p) => [p.sku, before.hashes.get(p.sku)!] as const),
      ];
      expect(
        catalogHashWith(
          before.catalogHash,
          minus,
          put.map((p) => [p.sku, productHash(p)] as const),
        ),
      ).toBe(after.catalogHash);
      const msg: CatalogMessage = {
        kind: "delta",
        ...store,
        fromVersion: round,
        toVersion: round + 1,
        put,
        remove,
        catalogHash: after.catalogHash,
        items: next.length,
        issuedAt: 0,
      };
      const plan = planCatalog(before, msg, store);
      expect(plan.ok && plan.next.catalogHash).toBe(after.catalogHash);
      products = next;
    }
    expect(catalogHash(new Map())).toBe("0".repeat(64));
  });

  it("refuses a delta for another store, on another base, or whose item count or result is not the hub's", () => {
    const v1 = catalogState(1, [product("a", 1), product("b", 2)]);
    const v2 = catalogState(2, [product("a", 1), product("b", 3)]);
    const ok: CatalogMessage = {
      kind: "delta",
      ...store,
      fromVersion: 1,
      toVersion: 2,
      ...diffCatalog(v1, v2),
      catalogHash: v2.catalogHash,
      items: 2,
      issuedAt: 0,
    };
    expect(planCatalog(v1, ok, store).ok).toBe(true);
    expect(planCatalog(v1, ok, { chainId: "acme", storeId: "s2" })).toMatchObject({ ok: false, reason: "WRONG_STORE" });
    expect(planCatalog(catalogState(0, []), ok, store)).toMatchObject({ ok: false, reason: "GAP" });
    expect(planCatalog(v2, ok, store)).toMatchObject({ ok: false, reason: "STALE" });
    expect(planCatalog(v1, { ...ok, items: 3 }, store)).toMatchObject({ ok: false, reason: "HASH_MISMATCH" });
    expect(planCatalog(v1, { ...ok, catalogHash: v1.catalogHash }, store)).toMatchObject({ ok: false, reason: "HASH_MISMATCH" });
  });
});

describe("a bundle without its catalog", () => {
  const rules = JSON.parse(readFileSync(new URL("./rules/examples/full-config.json", import.meta.url), "utf8")) as { catalog: unknown[] };
  const content = (extra: Record<string, unknown>) => ({ version: 2, chainId: "acme", storeId: "s1", issuedAt: 1, device: {}, ...extra });

  it("parses with a free-item coupon when it names its catalog version (the kiosk checks that reference against the catalog it holds)", () => {
    const slim = parseConfigContentTolerant(content({ rules: { ...rules, catalog: [] }, catalogVersion: 3 }));
    expect(slim.content.rules.catalog).toEqual([]);
    expect(slim.content.rules.coupons.some((c) => c.kind === "free-item")).toBe(true);
  });

  it("is still refused without a catalog version, and the other cross-checks still apply", () => {
    expect(() => parseConfigContentTolerant(content({ rules: { ...rules, catalog: [] } }))).toThrow(
      /rules\.coupons\.\d+\.sku: a free-item coupon needs a catalog sku/,
    );
    const coupons = (rules as unknown as { coupons: Array<{ id: string }> }).coupons;
    const twice = { ...rules, catalog: [], coupons: [...coupons, coupons[0]] };
    expect(() => parseConfigContentTolerant(content({ rules: twice, catalogVersion: 3 }))).toThrow(/rules\.coupons/);
  });
});
