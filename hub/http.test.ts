// The hub's HTTP API through app.request(): reads, admin-only config publishing, refused input.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import { DeviceRegistry } from "./devices.js";
import { MemberRegistry } from "./members.js";
import { ConfigService } from "./config-service.js";
import { Ingest } from "./ingest.js";
import { createHubApp } from "./http.js";
import { Rollouts } from "./rollouts.js";

const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as unknown;
let dir: string;
let db: Database;
let app: ReturnType<typeof createHubApp>;
const TOKEN = "test-admin-token";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hub-http-"));
  db = await openTestHubDb(dir);
  const clock = new ManualClock(1_800_000_000_000);
  const members = new MemberRegistry(db, clock);
  members.create({ memberId: "m1", cardId: "C1", name: "Li", levelId: "gold", cardClass: "standard", cardPublicKey: generateKeyPair().publicKey });
  const configs = new ConfigService(db, clock, "acme", { keyId: "hq", keys: generateKeyPair() });
  const log = createLogger("t", { destination: new MemoryLogSink() });
  const ingest = new Ingest(db, clock, members, configs, log);
  const rollouts = new Rollouts(db, clock, configs, log);
  app = createHubApp({
    members,
    devices: new DeviceRegistry(db, clock),
    configs,
    ingest,
    rollouts,
    publish: (storeId, draft, plan) => {
      const config = draft ? configs.publish(storeId, draft) : configs.publishComposed(storeId);
      return { config, rollout: rollouts.start(storeId, config.version, plan) };
    },
    adminTokenHash: createHash("sha256").update(TOKEN).digest("hex"),
    health: () => ({ chainId: "acme" }),
  });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

describe("hub http", () => {
  it("serves health, and members only with a token", async () => {
    expect(await (await app.request("/healthz")).json()).toEqual({ ok: true, chainId: "acme" });
    expect((await app.request("/members/m1")).status).toBe(401);
    expect((await app.request("/members")).status).toBe(401);
    const m = await app.request("/members/m1", { headers: auth });
    expect(m.status).toBe(200);
    expect(((await m.json()) as { cardId: string }).cardId).toBe("C1");
    expect((await app.request("/members/nobody", { headers: auth })).status).toBe(404);
    const list = (await (await app.request("/members?limit=abc", { headers: auth })).json()) as { members: unknown[] };
    expect(list.members).toHaveLength(1);
  });

  it("publishes config only with the admin token and a valid body", async () => {
    const body = JSON.stringify({ rules, device: { storeName: "S1" } });
    expect((await app.request("/stores/s1/config", { method: "POST", body })).status).toBe(401);
    expect((await app.request("/stores/s1/config", { method: "POST", body, headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const bad = await app.request("/stores/s1/config", {
      method: "POST",
      body: JSON.stringify({ rules: { catalog: [{ sku: 1 }] }, device: {} }),
      headers: auth,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/rules\.catalog\.0\.sku/);
    expect((await app.request("/stores/s1/config", { method: "POST", body: "not json", headers: auth })).status).toBe(400);
    const ok = await app.request("/stores/s1/config", { method: "POST", body, headers: auth });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ version: 1, rollout: { state: "completed", version: 1 } });
    const again = await app.request("/stores/s1/config", { method: "POST", body, headers: auth });
    expect(await again.json()).toMatchObject({ version: 2 });
    const read = (await (await app.request("/stores/s1/config", { headers: auth })).json()) as { version: number; content: { device: { storeName: string } } };
    expect(read.version).toBe(2);
    // A config carries staff PIN hashes: no token, no config.
    expect((await app.request("/stores/s1/config")).status).toBe(401);
    expect(read.content.device.storeName).toBe("S1");
  });

  it("composes a store's bundle from chain defaults and store overrides", async () => {
    expect((await app.request("/stores/s2/publish", { method: "POST", body: "{}", headers: auth })).status).toBe(503);
    await app.request("/config/chain", {
      method: "PUT",
      body: JSON.stringify({ rules, device: { storeName: "Chain", memberCodeWindowSeconds: 45 } }),
      headers: auth,
    });
    await app.request("/stores/s2/config/overrides", { method: "PUT", body: JSON.stringify({ device: { storeName: "Store two" } }), headers: auth });
    const published = await app.request("/stores/s2/publish", { method: "POST", body: "{}", headers: auth });
    expect(published.status).toBe(201);
    const read = (await (await app.request("/stores/s2/config", { headers: auth })).json()) as {
      content: { device: { storeName: string; memberCodeWindowSeconds: number } };
    };
    expect(read.content.device).toMatchObject({ storeName: "Store two", memberCodeWindowSeconds: 45 });
    expect((await app.request("/config/chain", { method: "PUT", body: "[1]", headers: auth })).status).toBe(400);
    expect((await app.request("/rollouts/abc")).status).toBe(400);
    expect((await app.request("/rollouts/999")).status).toBe(404);
  });
});
