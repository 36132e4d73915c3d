// The hub's HTTP API through app.request(): reads, admin-only config publishing, refused input.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate, type Database } from "../storage/sqlite.js";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../protocol/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import { HUB_MIGRATIONS } from "./schema.js";
import { DeviceRegistry } from "./devices.js";
import { MemberRegistry } from "./members.js";
import { ConfigService } from "./config-service.js";
import { Ingest } from "./ingest.js";
import { createHubApp } from "./http.js";

const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as unknown;
let dir: string;
let db: Database;
let app: ReturnType<typeof createHubApp>;
const TOKEN = "test-admin-token";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hub-http-"));
  db = await openDatabase(join(dir, "hub.db"));
  migrate(db, HUB_MIGRATIONS);
  const clock = new ManualClock(1_800_000_000_000);
  const members = new MemberRegistry(db, clock);
  members.create({ memberId: "m1", cardId: "C1", name: "Li", levelId: "gold", cardClass: "standard", cardPublicKey: generateKeyPair().publicKey });
  const configs = new ConfigService(db, clock, "acme", { keyId: "hq", keys: generateKeyPair() });
  const ingest = new Ingest(db, clock, members, configs, createLogger("t", { destination: new MemoryLogSink() }));
  app = createHubApp({
    members,
    devices: new DeviceRegistry(db, clock),
    configs,
    ingest,
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
  it("serves health and members", async () => {
    expect(await (await app.request("/healthz")).json()).toEqual({ ok: true, chainId: "acme" });
    const m = await app.request("/members/m1");
    expect(m.status).toBe(200);
    expect(((await m.json()) as { cardId: string }).cardId).toBe("C1");
    expect((await app.request("/members/nobody")).status).toBe(404);
    const list = (await (await app.request("/members?limit=abc")).json()) as { members: unknown[] };
    expect(list.members).toHaveLength(1);
  });

  it("publishes config only with the admin token and a valid body", async () => {
    const body = JSON.stringify({ rules, device: { storeName: "S1" } });
    expect((await app.request("/stores/s1/config", { method: "POST", body })).status).toBe(401);
    expect((await app.request("/stores/s1/config", { method: "POST", body, headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const bad = await app.request("/stores/s1/config", { method: "POST", body: JSON.stringify({ rules: { catalog: [{ sku: 1 }] }, device: {} }), headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/rules\.catalog/);
    expect((await app.request("/stores/s1/config", { method: "POST", body: "not json", headers: auth })).status).toBe(400);
    const ok = await app.request("/stores/s1/config", { method: "POST", body, headers: auth });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ version: 1 });
    const again = await app.request("/stores/s1/config", { method: "POST", body, headers: auth });
    expect(await again.json()).toEqual({ version: 2 });
    const read = (await (await app.request("/stores/s1/config")).json()) as { version: number; content: { device: { storeName: string } } };
    expect(read.version).toBe(2);
    expect(read.content.device.storeName).toBe("S1");
  });
});
