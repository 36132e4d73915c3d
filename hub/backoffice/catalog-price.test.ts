// PATCH /bo/config/catalog/items/:sku: one price change into the draft and, at once, the next catalog version of each store taking that catalog (no new bundle); scope, roles and bad input.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import type { Product } from "../../protocol/rules/config.js";
import { boWorld, type BoWorld } from "./test-kit.js";

let w: BoWorld;
let announced: Array<[string, number]>;
beforeEach(async () => {
  w = await boWorld();
  announced = [];
  w.configs.catalogs.onChange = (s, v) => announced.push([s, v]);
});
afterEach(() => w.close());

const patch = (sku: string, body: unknown, query = "", token = w.tokens.hq) => w.call("PATCH", `/bo/config/catalog/items/${sku}${query}`, { token, body });
const rice = (storeId: string, version: number): Product | undefined => w.configs.catalogs.at(storeId, version)?.find((p) => p.sku === "rice-5kg");
const draftRice = (layer: Record<string, unknown> | undefined): Product | undefined =>
  (layer?.rules as { catalog?: Product[] } | undefined)?.catalog?.find((p) => p.sku === "rice-5kg");

describe("one price change", () => {
  it("records the next catalog version of every store taking the chain's catalog, without a new bundle, and writes the draft", async () => {
    const bundles = [w.configs.latest("s1")!.version, w.configs.latest("s2")!.version];
    const r = await patch("rice-5kg", { priceFen: 4990, memberPriceFen: null, classPricesFen: { "vip-gold": 4500 } });
    expect(r.status).toBe(200);
    expect(r.body.stores).toEqual([
      { storeId: "s1", catalogVersion: 2 },
      { storeId: "s2", catalogVersion: 2 },
    ]);
    expect(announced).toEqual([
      ["s1", 2],
      ["s2", 2],
    ]);
    for (const s of ["s1", "s2"]) {
      expect(rice(s, 1)!.priceFen).toBe(5990);
      expect(rice(s, 1)!.memberPriceFen).toBe(5490);
      expect(rice(s, 2)!.priceFen).toBe(4990);
      expect(rice(s, 2)!.memberPriceFen).toBeUndefined();
      expect(rice(s, 2)!.classPricesFen["vip-gold"]).toBe(4500);
    }
    expect([w.configs.latest("s1")!.version, w.configs.latest("s2")!.version]).toEqual(bundles);
    // The draft has it too, so the next publish carries it (and makes no further catalog version).
    expect(draftRice(w.configs.getLayer({ kind: "chain" }))!.priceFen).toBe(4990);
    const next = w.configs.publishComposed("s1");
    expect(next.catalogVersion).toBe(2);
    // The delta a kiosk holding version 1 gets: this one product.
    const a = w.configs.catalogs.answer("s1", 1);
    expect(a.kind === "signed" && a.message.kind === "delta" ? a.message.put.map((p) => p.sku) : a).toEqual(["rice-5kg"]);
    const audit = w.db.prepare("SELECT action, entity_id FROM audit_log WHERE action = 'config.catalog-price'").all();
    expect(audit).toEqual([{ action: "config.catalog-price", entity_id: "rice-5kg" }]);
  });

  it("a store manager changes only their store, which then has its own catalog; later chain changes leave it alone", async () => {
    expect((await patch("rice-5kg", { priceFen: 1 }, "", w.tokens.mgr1)).status).toBe(403);
    expect((await patch("rice-5kg", { priceFen: 1 }, "?storeId=s2", w.tokens.mgr1)).status).toBe(403);
    const own = await patch("rice-5kg", { priceFen: 5000 }, "?storeId=s1", w.tokens.mgr1);
    expect(own.status).toBe(200);
    expect(own.body.stores).toEqual([{ storeId: "s1", catalogVersion: 2 }]);
    expect(rice("s2", 2)).toBeUndefined();
    const chain = await patch("rice-5kg", { priceFen: 6000 });
    expect(chain.body.stores).toEqual([{ storeId: "s2", catalogVersion: 2 }]);
    expect(rice("s1", 2)!.priceFen).toBe(5000);
    expect(rice("s2", 2)!.priceFen).toBe(6000);
  });

  it("refuses an unknown sku, an unknown card class, an empty change and a bad price, and changes nothing", async () => {
    expect((await patch("no-such-sku", { priceFen: 1 })).status).toBe(404);
    expect((await patch("rice-5kg", { classPricesFen: { "no-class": 1 } })).status).toBe(400);
    expect((await patch("rice-5kg", {})).status).toBe(400);
    expect((await patch("rice-5kg", { priceFen: -1 })).status).toBe(400);
    expect((await patch("rice-5kg", { barcode: "123" })).status).toBe(400);
    expect(w.configs.catalogs.latestVersion("s1")).toBe(1);
    expect(announced).toEqual([]);
  });

  it("a store whose catalog in force lacks the sku is pending until its next publish", async () => {
    const layer = w.configs.getLayer({ kind: "chain" }) ?? {};
    const rules = (layer.rules as Record<string, unknown> | undefined) ?? { ...w.bo.deps.rules.chain() };
    const catalog = [
      ...((rules.catalog as Product[] | undefined) ?? w.bo.deps.rules.chain().catalog),
      { ...draftRice({ rules })!, sku: "rice-new", barcode: undefined },
    ];
    w.configs.setLayer(
      { kind: "chain" },
      { ...layer, rules: { ...rules, catalog: catalog.map(({ barcode, ...p }) => (barcode === undefined ? p : { ...p, barcode })) } },
    );
    const r = await patch("rice-new", { priceFen: 777 });
    expect(r.status).toBe(200);
    expect(r.body.stores).toEqual([]);
    expect(r.body.pending).toEqual(["s1", "s2"]);
    const next = w.configs.publishComposed("s1");
    expect(w.configs.catalogs.at("s1", next.catalogVersion!)!.find((p) => p.sku === "rice-new")!.priceFen).toBe(777);
  });
});
