// A stored config row is read back by its seal (hub/config-seal.ts): sealed rows without the zod parse and equal to it, rows from before the seal or another key with it, altered or moved rows refused.
import { describe, it, expect, beforeEach, afterEach, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { generateKeyPair } from "../protocol/signing.js";
import { ConfigContentSchema } from "../protocol/messages.js";
import { ConfigService, type SigningIdentity } from "./config-service.js";
import { StoredConfigRefused } from "./config-seal.js";
import { bigCatalog } from "../bench/big-catalog.js";

const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/full-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
let dir: string;
let db: Database;
let signer: SigningIdentity;
const fresh = (s: SigningIdentity = signer): ConfigService => new ConfigService(db, new ManualClock(1_800_000_000_000), "acme", s);
const row = (storeId: string, version: number) =>
  db
    .prepare("SELECT envelope, content, created_at, catalog_version, content_seal FROM configs WHERE store_id = ? AND version = ?")
    .get<{ envelope: string; content: string; created_at: number; catalog_version: number | null; content_seal: string | null }>(storeId, version)!;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "config-seal-"));
  db = await openTestHubDb(dir);
  signer = { keyId: "hq", keys: generateKeyPair() };
});
afterEach(() => {
  vi.restoreAllMocks();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("stored config seal", () => {
  it("stores check()'s zod output: parsing it again gives the same value, and a sealed row reads back as that value without the zod parse", () => {
    const published = fresh().publish("s1", { rules: { ...rules, catalog: [...(rules.catalog as unknown[]), ...bigCatalog(500).slice(10)] }, device: {} });
    const stored = JSON.parse(row("s1", 1).content) as unknown;
    expect(ConfigContentSchema.parse(stored)).toStrictEqual(stored);
    expect(stored).toStrictEqual(JSON.parse(JSON.stringify(published.content)));
    expect(row("s1", 1).content_seal).toMatch(/"keyId":"hq"/);
    const parse = vi.spyOn(ConfigContentSchema, "parse");
    const read = fresh().get("s1", 1)!;
    expect(parse).not.toHaveBeenCalled();
    expect(read.content).toStrictEqual(stored);
    expect(read.envelope).toEqual(published.envelope);
    expect(read.catalogVersion).toBe(published.catalogVersion);
  });

  it("reads a row from before the seal with the zod parse, and refuses one of those that does not parse", () => {
    fresh().publish("s1", { rules, device: {} });
    fresh().publish("s1", { rules, device: { storeName: "two" } });
    db.prepare("UPDATE configs SET content_seal = NULL WHERE store_id = 's1'").run();
    const parse = vi.spyOn(ConfigContentSchema, "parse");
    const c = fresh();
    expect(c.get("s1", 1)!.content).toStrictEqual(JSON.parse(row("s1", 1).content));
    expect(parse).toHaveBeenCalledTimes(1);
    const bad = JSON.parse(row("s1", 2).content) as { rules: { catalog: Array<{ priceFen: number }> } };
    bad.rules.catalog[0]!.priceFen = -5;
    db.prepare("UPDATE configs SET content = ? WHERE store_id = 's1' AND version = 2").run(JSON.stringify(bad));
    expect(() => c.get("s1", 2)).toThrow();
  });

  it("reads a row sealed by a key the hub no longer signs with (rotated) with the zod parse", () => {
    fresh().publish("s1", { rules, device: {} });
    const parse = vi.spyOn(ConfigContentSchema, "parse");
    const rotated = fresh({ keyId: "hq-2", keys: generateKeyPair() });
    expect(rotated.get("s1", 1)!.content).toStrictEqual(JSON.parse(row("s1", 1).content));
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it("refuses a sealed row whose content was altered, even to content zod accepts", () => {
    fresh().publish("s1", { rules, device: {} });
    const altered = JSON.parse(row("s1", 1).content) as { rules: { catalog: Array<{ priceFen: number }> } };
    altered.rules.catalog[0]!.priceFen += 1;
    expect(ConfigContentSchema.safeParse(altered).success).toBe(true);
    db.prepare("UPDATE configs SET content = ? WHERE store_id = 's1' AND version = 1").run(JSON.stringify(altered));
    expect(() => fresh().get("s1", 1)).toThrow(StoredConfigRefused);
    // One byte of the stored text changed (a space after a comma: the same JSON value) is refused too.
    db.prepare("UPDATE configs SET content = ? WHERE store_id = 's1' AND version = 1").run(row("s1", 1).content.replace(",", ", "));
    expect(() => fresh().get("s1", 1)).toThrow(StoredConfigRefused);
  });

  it("refuses a sealed row moved to another store or version, and a seal that is not one", () => {
    const c = fresh();
    c.publish("s1", { rules, device: {} });
    c.publish("s1", { rules, device: { storeName: "two" } });
    const one = row("s1", 1);
    db.prepare("INSERT INTO configs (store_id, version, envelope, content, created_at, catalog_version, content_seal) VALUES ('s2', 1, ?, ?, ?, ?, ?)").run(
      one.envelope,
      one.content,
      one.created_at,
      one.catalog_version,
      one.content_seal,
    );
    expect(() => fresh().get("s2", 1)).toThrow(StoredConfigRefused);
    db.prepare("UPDATE configs SET content_seal = ? WHERE store_id = 's1' AND version = 2").run(one.content_seal);
    expect(() => fresh().get("s1", 2)).toThrow(StoredConfigRefused);
    db.prepare("UPDATE configs SET content_seal = 'not a seal' WHERE store_id = 's1' AND version = 1").run();
    expect(() => fresh().get("s1", 1)).toThrow(StoredConfigRefused);
  });

  it("an ingest worker's service (public key only) reads sealed rows the same way", () => {
    fresh().publish("s1", { rules, device: {} });
    const parse = vi.spyOn(ConfigContentSchema, "parse");
    const worker = fresh({ keyId: "hq", keys: { publicKey: signer.keys.publicKey, privateKey: "" } });
    expect(worker.get("s1", 1)!.content).toStrictEqual(JSON.parse(row("s1", 1).content));
    expect(parse).not.toHaveBeenCalled();
  });

  it("reads a row's signed envelope only when it is asked for, once, for the config and for a fact's assembled config alike", () => {
    const published = fresh().publish("s1", { rules, device: {} });
    const service = fresh();
    const config = service.get("s1", 1)!;
    const fact = service.forFact("s1", 1, published.catalogVersion)!;
    expect(fact.content.rules.catalog).toStrictEqual(published.content.rules.catalog);
    // Not read yet: a change to the stored envelope after get() is what the first use sees.
    const stored = row("s1", 1).envelope;
    db.prepare("UPDATE configs SET envelope = ? WHERE store_id = 's1' AND version = 1").run(JSON.stringify({ ...JSON.parse(stored), keyId: "later" }));
    expect(config.envelope.keyId).toBe("later");
    db.prepare("UPDATE configs SET envelope = ? WHERE store_id = 's1' AND version = 1").run(stored);
    expect(config.envelope.keyId).toBe("later"); // read once
    expect(fact.envelope).toBe(config.envelope);
    expect(fresh().get("s1", 1)!.envelope).toStrictEqual(published.envelope);
    expect({ ...fresh().get("s1", 1)! }.envelope).toStrictEqual(published.envelope);
  });
});
