// The hub's catalog changelog: versions only on change, the catalog at any version, signed deltas and snapshots that a kiosk's plan accepts, slim bundles and re-pricing by version.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { generateKeyPair, openEnvelope } from "../protocol/signing.js";
import { CatalogMessageSchema, EMPTY_CATALOG, catalogState, planCatalog } from "../protocol/catalog-delta.js";
import { ConfigContentSchema } from "../protocol/messages.js";
import type { Product } from "../protocol/rules/config.js";
import { ConfigService } from "./config-service.js";

const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown> & {
  catalog: Array<Record<string, unknown>>;
};
const store = { chainId: "acme", storeId: "s1" };
let dir: string;
let db: Database;
let configs: ConfigService;
let announced: Array<[string, number]>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "catalog-log-"));
  db = await openTestHubDb(dir);
  configs = new ConfigService(db, new ManualClock(1_800_000_000_000), "acme", { keyId: "hq", keys: generateKeyPair() });
  announced = [];
  configs.catalogs.onChange = (s, v) => announced.push([s, v]);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const withPrice = (sku: string, priceFen: number): Record<string, unknown> => ({
  ...rules,
  catalog: rules.catalog.map((p) => (p.sku === sku ? { ...p, priceFen } : p)),
});
const firstSku = (): string => String(rules.catalog[0]!.sku);
const open = (env: unknown) => openEnvelope(env, configs.publicKeys, CatalogMessageSchema);

describe("catalog changelog", () => {
  it("records a version per publish that changes the catalog, and none for one that does not", () => {
    const a = configs.publish("s1", { rules, device: {} });
    expect(a.catalogVersion).toBe(1);
    const b = configs.publish("s1", { rules, device: { storeName: "renamed" } });
    expect(b.catalogVersion).toBe(1);
    const c = configs.publish("s1", { rules: withPrice(firstSku(), 1234), device: {} });
    expect(c.catalogVersion).toBe(2);
    expect(announced).toEqual([
      ["s1", 1],
      ["s1", 2],
    ]);
    // The catalog at each version, as it was.
    expect(configs.catalogs.at("s1", 1)!.find((p) => p.sku === firstSku())!.priceFen).toBe(rules.catalog[0]!.priceFen);
    expect(configs.catalogs.at("s1", 2)!.find((p) => p.sku === firstSku())!.priceFen).toBe(1234);
    expect(configs.catalogs.at("s1", 3)).toBeUndefined();
  });

  it("signs a delta with only the change, which a kiosk holding the version before accepts; a kiosk further behind or new gets a snapshot", () => {
    configs.publish("s1", { rules, device: {} });
    const v1 = catalogState(1, configs.catalogs.at("s1", 1)!);
    const removed = { ...rules, catalog: rules.catalog.slice(1).map((p, i) => (i === 0 ? { ...p, priceFen: 99 } : p)) };
    configs.publish("s1", { rules: removed, device: {} });
    const a = configs.catalogs.answer("s1", 1);
    expect(a.kind).toBe("signed");
    const msg = open(a.kind === "signed" ? a.envelope : undefined);
    expect(msg.kind).toBe("delta");
    if (msg.kind !== "delta") return;
    expect(msg.put.map((p) => p.sku)).toEqual([String(rules.catalog[1]!.sku)]);
    expect(msg.remove).toEqual([firstSku()]);
    const plan = planCatalog(v1, msg, store);
    expect(plan.ok && plan.next.version).toBe(2);
    expect(plan.ok && [...plan.next.products.keys()].sort()).toEqual(
      configs.catalogs
        .at("s1", 2)!
        .map((p) => p.sku)
        .sort(),
    );
    // New kiosk: a snapshot at the newest version.
    const s = configs.catalogs.answer("s1", 0);
    const snap = open(s.kind === "signed" ? s.envelope : undefined);
    expect(snap.kind).toBe("snapshot");
    expect(planCatalog(EMPTY_CATALOG, snap, store).ok).toBe(true);
    expect(configs.catalogs.answer("s1", 2)).toEqual({ kind: "up-to-date", version: 2 });
  });

  it("sends kiosks that follow deltas the bundle without its catalog, and re-prices a fact with the catalog version it names", () => {
    const a = configs.publish("s1", { rules, device: {} });
    configs.publish("s1", { rules: withPrice(firstSku(), 4321), device: {} });
    const slim = openEnvelope(configs.kioskEnvelope(a), configs.publicKeys, z.unknown()) as { rules: { catalog: unknown[] }; catalogVersion: number };
    expect(slim.rules.catalog).toEqual([]);
    expect(slim.catalogVersion).toBe(1);
    expect(ConfigContentSchema.safeParse(slim).success).toBe(true);
    expect(configs.kioskEnvelope(a)).toBe(configs.kioskEnvelope(a));
    // Bundle 1 with catalog 2 (a delta reached the kiosk after bundle 1): the new price.
    const price = (c: { content: { rules: { catalog: Product[] } } } | undefined) => c?.content.rules.catalog.find((p) => p.sku === firstSku())?.priceFen;
    expect(price(configs.forFact("s1", 1, 2))).toBe(4321);
    expect(price(configs.forFact("s1", 1, 1))).toBe(rules.catalog[0]!.priceFen);
    expect(price(configs.forFact("s1", 1))).toBe(rules.catalog[0]!.priceFen);
    expect(configs.forFact("s1", 1, 9)).toBeUndefined();
    // The same array for the same version (the pricing index stays cached).
    expect(configs.forFact("s1", 1, 2)!.content.rules.catalog).toBe(configs.forFact("s1", 2, 2)!.content.rules.catalog);
  });

  it("keeps the stores apart", () => {
    configs.publish("s1", { rules, device: {} });
    configs.publish("s2", { rules: withPrice(firstSku(), 1), device: {} });
    configs.publish("s2", { rules: withPrice(firstSku(), 2), device: {} });
    expect(configs.catalogs.latestVersion("s1")).toBe(1);
    expect(configs.catalogs.latestVersion("s2")).toBe(2);
    expect(configs.catalogs.at("s1", 1)!.find((p) => p.sku === firstSku())!.priceFen).toBe(rules.catalog[0]!.priceFen);
  });
});

describe("catalog changes in steps", () => {
  it("a change of a few products gives the same hash as recording the whole catalog, and the catalog at that version hashes to it", () => {
    configs.publish("s1", { rules, device: {} });
    const cat = configs.catalogs;
    const a = db.transaction(() => cat.changeInTx("s1", [{ ...cat.liveProduct("s1", firstSku())!, priceFen: 7 }], [String(rules.catalog[1]!.sku)], "test"));
    expect(a).toMatchObject({ version: 2, changed: true, put: 1, removed: 1 });
    const stored = (v: number) =>
      db.prepare("SELECT catalog_hash, items FROM catalog_versions WHERE store_id = 's1' AND version = ?").get<{ catalog_hash: string; items: number }>(v)!;
    const at2 = cat.at("s1", 2)!;
    expect(catalogState(2, at2).catalogHash).toBe(stored(2).catalog_hash);
    expect(Number(stored(2).items)).toBe(rules.catalog.length - 1);
    // The same catalog recorded whole (a publish) is no new version.
    expect(db.transaction(() => cat.recordInTx("s1", at2, "same"))).toMatchObject({ version: 2, changed: false });
    // An unchanged product is no new version either.
    expect(db.transaction(() => cat.changeInTx("s1", [cat.liveProduct("s1", firstSku())!], [], "same"))).toMatchObject({ version: 2, changed: false });
    expect(cat.liveProduct("s1", String(rules.catalog[1]!.sku))).toBeUndefined();
  });
});
