// CatalogLog's head read the cheap way (stored catalog hash, hashes without bodies for a publish, bodies without hashes for re-pricing) equals the head computed the slow way, after publishes, changes, another instance's version and a rolled-back publish.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { generateKeyPair } from "../protocol/signing.js";
import { catalogHash, productHash } from "../protocol/catalog-delta.js";
import type { Product } from "../protocol/rules/config.js";
import { ConfigService, type SigningIdentity } from "./config-service.js";

const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown> & {
  catalog: Array<Record<string, unknown> & { sku: string }>;
};
let dir: string;
let db: Database;
let signer: SigningIdentity;
let configs: ConfigService;
const fresh = (): ConfigService => new ConfigService(db, new ManualClock(1_800_000_000_000), "acme", signer);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "catalog-head-"));
  db = await openTestHubDb(dir);
  signer = { keyId: "hq", keys: generateKeyPair() };
  configs = fresh();
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The head the slow way: every live row read, each product hashed again, the catalog hash summed over all of them. */
function slowHead(storeId: string): { version: number; products: Map<string, Product>; hashes: Map<string, string>; catalogHash: string } {
  const version = Number(db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM catalog_versions WHERE store_id = ?").get<{ v: number }>(storeId)?.v ?? 0);
  const products = new Map<string, Product>();
  const hashes = new Map<string, string>();
  for (const r of db
    .prepare("SELECT sku, body FROM catalog_items WHERE store_id = ? AND to_version IS NULL ORDER BY sku")
    .all<{ sku: string; body: string }>(storeId)) {
    const p = JSON.parse(r.body) as Product;
    products.set(r.sku, p);
    hashes.set(r.sku, productHash(p));
  }
  return { version, products, hashes, catalogHash: catalogHash(hashes) };
}

function expectHeadIsSlowHead(c: ConfigService, storeId: string): void {
  const head = c.catalogs.head(storeId);
  const slow = slowHead(storeId);
  expect(head.version).toBe(slow.version);
  expect(head.catalogHash).toBe(slow.catalogHash);
  expect(new Map(head.hashes)).toEqual(slow.hashes);
  expect(new Map(head.products)).toEqual(slow.products);
  // Re-pricing's read of the newest version: the same products.
  const at = c.catalogs.at(storeId, slow.version)!;
  expect(new Map(at.map((p) => [p.sku, p]))).toEqual(slow.products);
}

const withPrice = (sku: string, priceFen: number) => ({ ...rules, catalog: rules.catalog.map((p) => (p.sku === sku ? { ...p, priceFen } : p)) });
const sku0 = (): string => rules.catalog[0]!.sku;
const sku1 = (): string => rules.catalog[1]!.sku;

describe("catalog head", () => {
  it("equals the head computed the slow way after publishes and changes, in this instance and in a fresh one", () => {
    configs.publish("s1", { rules, device: {} });
    expectHeadIsSlowHead(configs, "s1");
    const cat = configs.catalogs;
    db.transaction(() => cat.changeInTx("s1", [{ ...cat.liveProduct("s1", sku0())!, priceFen: 7 }], [sku1()], "test"));
    expectHeadIsSlowHead(configs, "s1");
    expectHeadIsSlowHead(fresh(), "s1");
    // A publish after the change (the removed product back, a new price) diffs against the head's hashes.
    const out = configs.publish("s1", { rules: withPrice(sku0(), 9), device: {} });
    expect(out.catalogVersion).toBe(3);
    expect(Number(db.prepare("SELECT put FROM catalog_versions WHERE store_id = 's1' AND version = 3").get<{ put: number }>()!.put)).toBe(2);
    expectHeadIsSlowHead(configs, "s1");
    expectHeadIsSlowHead(fresh(), "s1");
  });

  it("follows a version another hub instance recorded, and a publish diffs against it", () => {
    configs.publish("s1", { rules, device: {} });
    expect(configs.catalogs.head("s1").version).toBe(1);
    const other = fresh();
    db.transaction(() => other.catalogs.changeInTx("s1", [{ ...other.catalogs.liveProduct("s1", sku0())!, priceFen: 11 }], [], "other instance"));
    expectHeadIsSlowHead(configs, "s1");
    // Back to the first catalog: this instance must see that the price changed again (its old head had the same hashes as now).
    expect(configs.publish("s1", { rules, device: {} }).catalogVersion).toBe(3);
    expectHeadIsSlowHead(configs, "s1");
  });

  it("is right after a publish whose transaction rolled back, also when another instance then records that version number", () => {
    configs.publish("s1", { rules, device: {} });
    expect(() =>
      db.transaction(() => {
        configs.catalogs.recordInTx("s1", withPrice(sku0(), 5).catalog as Product[], "rolled back");
        throw new Error("rollback");
      }),
    ).toThrow("rollback");
    // No read in between: this instance's cache still holds the rolled-back version 2.
    // Version 2 recorded by another instance with other content than the rolled-back one.
    const other = fresh();
    db.transaction(() => other.catalogs.changeInTx("s1", [{ ...other.catalogs.liveProduct("s1", sku1())!, priceFen: 3 }], [], "other instance"));
    expectHeadIsSlowHead(configs, "s1");
    expect(configs.catalogs.at("s1", 2)!.find((p) => p.sku === sku0())!.priceFen).toBe(rules.catalog[0]!.priceFen);
  });

  it("a fact priced with the bundle's own catalog version gets the same products as the catalog log holds", () => {
    const a = configs.publish("s1", { rules, device: {} });
    const reader = fresh();
    const viaBundle = reader.forFact("s1", a.version, a.catalogVersion)!.content.rules.catalog;
    expect(new Map(viaBundle.map((p) => [p.sku, p]))).toEqual(
      new Map(
        fresh()
          .catalogs.at("s1", a.catalogVersion!)!
          .map((p) => [p.sku, p]),
      ),
    );
    // And a later bundle with the same catalog version gives the same array (one pricing index).
    const b = configs.publish("s1", { rules, device: { storeName: "renamed" } });
    expect(b.catalogVersion).toBe(a.catalogVersion);
    expect(reader.forFact("s1", b.version, b.catalogVersion)!.content.rules.catalog).toBe(viaBundle);
  });
});
