// The kiosk's catalog follower: verified deltas and snapshots applied in one transaction, tampered ones refused, gaps pulled, a crash mid-apply leaves the version before, the config swapped only after the commit.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate } from "../../storage/sqlite.js";
import type { Database } from "../../storage/database.js";
import { generateKeyPair, signEnvelope, type KeyPair } from "../../protocol/signing.js";
import { ProtocolError } from "../../protocol/errors.js";
import { catalogState, diffCatalog, type CatalogMessage } from "../../protocol/catalog-delta.js";
import { ConfigContentSchema, encodeMessage, type ConfigContent } from "../../protocol/messages.js";
import { ProductSchema, type Product } from "../../protocol/rules/config.js";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import type { DeviceChannel } from "../../protocol/topics.js";
import { KIOSK_MIGRATIONS } from "../schema.js";
import { KioskCatalogStore } from "../catalog-store.js";
import { CatalogFollower } from "./catalog-follower.js";

const address = { chainId: "acme", storeId: "s1", deviceId: "k1" };
const log = createLogger("t", { destination: new MemoryLogSink() });
let dir: string;
let db: Database;
let hq: KeyPair;
let sent: Array<{ channel: DeviceChannel; body: unknown }>;
const link = {
  connected: true,
  send: (channel: DeviceChannel, body: unknown): boolean => {
    sent.push({ channel, body });
    return true;
  },
};

const product = (sku: string, priceFen: number): Product => ProductSchema.parse({ sku, name: `item ${sku}`, category: "grocery", priceFen });
const v1 = [product("a", 100), product("b", 200), product("c", 300)];
const v2 = [product("a", 150), product("b", 200)];
const v3 = [product("a", 150), product("b", 250), product("d", 400)];

function snapshot(version: number, products: Product[]): CatalogMessage {
  const s = catalogState(version, products);
  return { kind: "snapshot", chainId: "acme", storeId: "s1", version, products, catalogHash: s.catalogHash, issuedAt: 1 };
}
function delta(from: number, fromProducts: Product[], to: number, toProducts: Product[]): CatalogMessage {
  const a = catalogState(from, fromProducts);
  const b = catalogState(to, toProducts);
  return {
    kind: "delta",
    chainId: "acme",
    storeId: "s1",
    fromVersion: from,
    toVersion: to,
    ...diffCatalog(a, b),
    catalogHash: b.catalogHash,
    items: toProducts.length,
    issuedAt: 1,
  };
}
const signed = (m: CatalogMessage, keys = hq): Buffer => encodeMessage(signEnvelope(keys, "hq", m));
const follower = (store = new KioskCatalogStore(db)): CatalogFollower => new CatalogFollower(address, { hq: hq.publicKey }, link, store, log);
const prices = (f: CatalogFollower, bundle: ConfigContent) =>
  Object.fromEntries(f.assemble(bundle)!.rules.catalog.map((p) => [p.sku, p.priceFen]) as Array<[string, number]>);

const bundle: ConfigContent = ConfigContentSchema.parse({
  version: 3,
  chainId: "acme",
  storeId: "s1",
  issuedAt: 1,
  rules: { catalog: [] },
  device: {},
  catalogVersion: 1,
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "catalog-follower-"));
  db = await openDatabase(join(dir, "k.db"));
  migrate(db, KIOSK_MIGRATIONS);
  hq = generateKeyPair();
  sent = [];
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("catalog follower", () => {
  it("applies a snapshot, then a delta; prices with the version held and says so", () => {
    const f = follower();
    expect(f.version).toBe(0);
    // A bundle without its catalog and nothing held: no catalog, no version claimed.
    expect(f.assemble(bundle)!.catalogVersion).toBeUndefined();
    f.onMessage(signed(snapshot(1, v1)));
    expect(f.version).toBe(1);
    expect(prices(f, bundle)).toEqual({ a: 100, b: 200, c: 300 });
    expect(f.assemble(bundle)!.catalogVersion).toBe(1);
    const before = f.assemble(bundle)!;
    f.onMessage(signed(delta(1, v1, 2, v2)));
    expect(f.version).toBe(2);
    expect(prices(f, bundle)).toEqual({ a: 150, b: 200 });
    expect(f.assemble(bundle)!.catalogVersion).toBe(2);
    // The config in use before is untouched (a quote priced with it stays one whole version).
    expect(before.rules.catalog.map((p) => p.priceFen)).toEqual([100, 200, 300]);
    expect(f.assemble(bundle)).toBe(f.assemble(bundle));
    // A kiosk restarting finds the same.
    const again = follower();
    expect(again.version).toBe(2);
    expect(prices(again, bundle)).toEqual({ a: 150, b: 200 });
  });

  it("refuses a tampered delta (payload changed after signing, or signed by another key) and writes nothing", () => {
    const f = follower();
    f.onMessage(signed(snapshot(1, v1)));
    const env = signEnvelope(hq, "hq", delta(1, v1, 2, v2));
    const tampered = { ...env, payload: env.payload.replace('"priceFen":150', '"priceFen":1') };
    expect(tampered.payload).not.toBe(env.payload);
    expect(() => f.onMessage(encodeMessage(tampered))).toThrow(ProtocolError);
    expect(() => f.onMessage(signed(delta(1, v1, 2, v2), generateKeyPair()))).toThrow(/signature/);
    expect(f.version).toBe(1);
    expect(f.stats.catalogRefused).toBe(2);
    expect(prices(f, bundle)).toEqual({ a: 100, b: 200, c: 300 });
  });

  it("refuses a signed delta whose result does not hash to the hub's, and asks for a snapshot", () => {
    const f = follower();
    f.onMessage(signed(snapshot(1, v1)));
    const wrong = { ...(delta(1, v1, 2, v2) as Extract<CatalogMessage, { kind: "delta" }>), put: [product("a", 1)] };
    f.onMessage(signed(wrong));
    expect(f.version).toBe(1);
    expect(sent.at(-1)).toEqual({ channel: "catalog/req", body: { version: 0 } });
  });

  it("a delta on a base it does not hold pulls from the version held, and the answer heals the gap", () => {
    const f = follower();
    f.onMessage(signed(snapshot(1, v1)));
    // The push for 2 -> 3 arrives; 1 -> 2 was lost.
    f.onMessage(signed(delta(2, v2, 3, v3)));
    expect(f.version).toBe(1);
    expect(f.stats.catalogGaps).toBe(1);
    expect(sent.at(-1)).toMatchObject({ channel: "catalog/req", body: { version: 1 } });
    // The hub answers the pull with 1 -> 3.
    f.onMessage(signed(delta(1, v1, 3, v3)));
    expect(f.version).toBe(3);
    expect(prices(f, bundle)).toEqual({ a: 150, b: 250, d: 400 });
    // The late 2 -> 3 push again, and an old snapshot: stale, ignored.
    f.onMessage(signed(delta(2, v2, 3, v3)));
    f.onMessage(signed(snapshot(2, v2)));
    expect(f.version).toBe(3);
    // The hub says up to date: nothing happens.
    f.onMessage(encodeMessage({ kind: "up-to-date", version: 3 }));
    expect(f.version).toBe(3);
  });

  it("a crash in the middle of applying leaves the version before, on disk and in the config; a restart finds it and the delta applies then", () => {
    const store = new KioskCatalogStore(db);
    const f = follower(store);
    f.onMessage(signed(snapshot(1, v1)));
    store.duringApply = () => {
      throw new Error("power lost");
    };
    expect(() => f.onMessage(signed(delta(1, v1, 2, v2)))).toThrow("power lost");
    expect(f.version).toBe(1);
    expect(prices(f, bundle)).toEqual({ a: 100, b: 200, c: 300 });
    const restarted = follower();
    expect(restarted.version).toBe(1);
    expect(prices(restarted, bundle)).toEqual({ a: 100, b: 200, c: 300 });
    restarted.onMessage(signed(delta(1, v1, 2, v2)));
    expect(prices(restarted, bundle)).toEqual({ a: 150, b: 200 });
  });

  it("drops a stored catalog that no longer hashes to its version (and prices with the bundle's own catalog meanwhile)", () => {
    follower().onMessage(signed(snapshot(1, v1)));
    db.prepare("UPDATE catalog_items SET body = ? WHERE sku = 'a'").run(JSON.stringify(product("a", 1)));
    db.prepare("UPDATE catalog_items SET hash = 'x' WHERE sku = 'a'").run();
    const f = follower();
    expect(f.version).toBe(0);
    const full = { ...bundle, rules: { ...bundle.rules, catalog: v1 } };
    const { catalogVersion: _v, ...legacy } = full;
    expect(f.assemble(legacy)).toBe(legacy);
  });

  it("checks a bundle without its catalog against the catalog held; references into a newer catalog wait for it", () => {
    const f = follower();
    f.onMessage(signed(snapshot(1, v1)));
    const coupon = { id: "free-d", name: "free d", kind: "free-item", sku: "d" };
    const ahead = { ...bundle, catalogVersion: 2, rules: { ...bundle.rules, coupons: [coupon] } } as unknown as ConfigContent;
    expect(() => f.checkBundle(ahead)).not.toThrow();
    const same = { ...ahead, catalogVersion: 1 } as ConfigContent;
    expect(() => f.checkBundle(same)).toThrow(/sku/);
  });
});
