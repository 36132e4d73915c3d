// The kiosk's sync on the catalog channels (in-memory broker): it reports the catalog version it holds, pulls on connect and when a bundle names a newer catalog, applies a pushed delta and prices with it.
import { describe, it, expect } from "vitest";
import { signEnvelope } from "../protocol/signing.js";
import { storeTopic, deviceTopic } from "../protocol/topics.js";
import { catalogState, diffCatalog, type CatalogMessage } from "../protocol/catalog-delta.js";
import { ProductSchema } from "../protocol/rules/config.js";
import { A, broker, bundle, configTopic, hq, installSyncWorld, json, makeSync, rules, sync } from "./sync.testkit.js";

installSyncWorld();

const catalog = ProductSchema.array().parse((rules as { catalog: unknown[] }).catalog);
const v1 = catalogState(1, catalog);
const snapshot: CatalogMessage = { kind: "snapshot", chainId: "acme", storeId: "s01", version: 1, products: catalog, catalogHash: v1.catalogHash, issuedAt: 1 };
const cheaper = catalog.map((p, i) => (i === 0 ? { ...p, priceFen: p.priceFen - 1 } : p));
const v2 = catalogState(2, cheaper);
const delta: CatalogMessage = {
  kind: "delta",
  chainId: "acme",
  storeId: "s01",
  fromVersion: 1,
  toVersion: 2,
  ...diffCatalog(v1, v2),
  catalogHash: v2.catalogHash,
  items: cheaper.length,
  issuedAt: 1,
};
const signed = (m: CatalogMessage): Buffer => json(signEnvelope(hq, "hq", m));
const pulls = (): unknown[] => broker.log.filter((m) => m.topic === deviceTopic(A, "catalog/req")).map((m) => JSON.parse(m.payload) as unknown);
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) {
    broker.pump();
    await Promise.resolve();
  }
};

describe("kiosk sync: catalog", () => {
  it("pulls on connect, reports the version held, applies a snapshot and a pushed delta, and prices a slim bundle with it", async () => {
    await sync.start();
    await settle();
    expect(pulls().at(-1)).toMatchObject({ version: 0 });
    const statuses = broker.log.filter((m) => m.topic === deviceTopic(A, "status"));
    expect(JSON.parse(statuses.at(-1)!.payload)).toMatchObject({ catalogVersion: 0 });
    // A bundle without its catalog, naming catalog version 1: nothing held yet, so it pulls again.
    const before = pulls().length;
    sync.onMessage(configTopic, bundle(1, { rules: { ...rules, catalog: [] }, catalogVersion: 1 }));
    await settle();
    expect(sync.stats.configsApplied).toBe(1);
    expect(pulls().length).toBe(before + 1);
    expect(sync.current!.rules.catalog).toEqual([]);
    sync.onMessage(deviceTopic(A, "catalog/res"), signed(snapshot));
    expect(sync.current!.catalogVersion).toBe(1);
    expect(sync.current!.rules.catalog.length).toBe(catalog.length);
    sync.onMessage(storeTopic(A, "catalog"), signed(delta));
    expect(sync.current!.catalogVersion).toBe(2);
    expect(sync.current!.rules.catalog.find((p) => p.sku === catalog[0]!.sku)!.priceFen).toBe(catalog[0]!.priceFen - 1);
    // A kiosk starting again holds version 2 and prices with it.
    const again = makeSync();
    again.onMessage(configTopic, bundle(1, { rules: { ...rules, catalog: [] }, catalogVersion: 1 }));
    expect(again.current!.catalogVersion).toBe(2);
    await sync.stop();
  });

  it("lets go of a whole bundle's own catalog once it holds one, and prices with the one held", () => {
    const bundled = (k: typeof sync) => (k as unknown as { configs: { current?: { rules: { catalog: unknown[] } } } }).configs.current!.rules.catalog;
    sync.onMessage(configTopic, bundle(1));
    expect(sync.current!.catalogVersion).toBeUndefined();
    expect(bundled(sync).length).toBe(catalog.length);
    sync.onMessage(deviceTopic(A, "catalog/res"), signed(snapshot));
    expect(bundled(sync)).toEqual([]);
    expect(sync.current!.catalogVersion).toBe(1);
    expect(sync.current!.rules.catalog.length).toBe(catalog.length);
    // A restart finds the whole bundle saved and the catalog held: the bundle's copy is not kept either.
    const again = makeSync();
    expect(bundled(again)).toEqual([]);
    expect(again.current!.rules.catalog).toEqual(sync.current!.rules.catalog);
  });

  it("a tampered push is counted as invalid and changes nothing", () => {
    sync.onMessage(deviceTopic(A, "catalog/res"), signed(snapshot));
    const env = signEnvelope(hq, "hq", delta);
    sync.onMessage(storeTopic(A, "catalog"), json({ ...env, payload: env.payload.replace('"toVersion":2', '"toVersion":3') }));
    expect(sync.stats.invalid).toBe(1);
    expect(sync.stats.catalogRefused).toBe(1);
    sync.onMessage(configTopic, bundle(1));
    expect(sync.current!.catalogVersion).toBe(1);
  });
});
