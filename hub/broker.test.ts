// The embedded broker: device credentials, a kiosk refused another kiosk's topics, the config topic and another kiosk's client id; logins rate-limited, off the event loop, same path for unknown ids.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scryptSync } from "node:crypto";
import { createConnection } from "node:net";
import mqtt from "mqtt";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { deviceTopic, storeTopic } from "../protocol/topics.js";
import { DeviceRegistry, type DeviceCredentials } from "./devices.js";
import { EmbeddedBroker } from "./broker.js";
import { LoginGuard } from "./login-guard.js";
import { secretStats } from "./secrets.js";

let dir: string;
let db: Database;
let broker: EmbeddedBroker;
let k1: DeviceCredentials;
let k2: DeviceCredentials;
let devices: DeviceRegistry;
const sink = new MemoryLogSink();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "broker-"));
  db = await openTestHubDb(dir);
  devices = new DeviceRegistry(db, new ManualClock(0));
  k1 = devices.provision({ chainId: "acme", storeId: "s01", deviceId: "k1" });
  k2 = devices.provision({ chainId: "acme", storeId: "s02", deviceId: "k2" });
  broker = new EmbeddedBroker(devices, createLogger("broker", { destination: sink }), { host: "127.0.0.1", port: 0 });
  await broker.start();
});
afterAll(async () => {
  await broker.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const connect = (username: string, password: string, clientId = username === "hub" ? `hub-${Math.random()}` : `kiosk-${username}`, url = broker.url) =>
  mqtt.connectAsync(url, { username, password, clientId, reconnectPeriod: 0, protocolVersion: 4 });

describe("embedded broker", () => {
  it("refuses a wrong password", async () => {
    await expect(connect("k1", "wrong")).rejects.toThrow(/Bad username or password|Not authorized/i);
    expect(sink.messages()).toContain("broker: bad username or password");
  });

  it("delivers a kiosk's own ledger to the hub but not a forged one", async () => {
    const hub = await connect("hub", broker.hubSecret);
    const seen: string[] = [];
    hub.on("message", (t) => seen.push(t));
    await hub.subscribeAsync("mk/v1/acme/+/+/ledger", { qos: 1 });
    const kiosk = await connect("k1", k1.password);
    await kiosk.publishAsync(deviceTopic(k1, "ledger"), "{}", { qos: 1 });
    // Publishing as k2 is refused; with MQTT 3.1.1 the broker drops the connection.
    const forged = kiosk.publishAsync(deviceTopic(k2, "ledger"), "{}", { qos: 1 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    void forged;
    expect(seen).toEqual([deviceTopic(k1, "ledger")]);
    expect(sink.messages()).toContain("broker: publish refused");
    await kiosk.endAsync(true);
    await hub.endAsync();
  });

  it("refuses a kiosk subscribing to another store's members or publishing config", async () => {
    const kiosk = await connect("k1", k1.password);
    const own = await kiosk.subscribeAsync(storeTopic(k1, "members"), { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1]);
    // The refusal is a SUBACK failure code (mqtt.js turns it into an error); the connection stays up.
    await expect(kiosk.subscribeAsync(storeTopic(k2, "members"), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    expect(kiosk.connected).toBe(true);
    expect(sink.messages()).toContain("broker: subscribe refused");
    const hub = await connect("hub", broker.hubSecret);
    const seen: string[] = [];
    hub.on("message", (t) => seen.push(t));
    await hub.subscribeAsync(deviceTopic(k1, "config"), { qos: 1 });
    void kiosk.publishAsync(deviceTopic(k1, "config"), "{}", { qos: 1 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    await kiosk.endAsync(true);
    await hub.endAsync();
  });
});

describe("embedded broker: client ids and logins (issue 13, findings 8 and 12)", () => {
  it("refuses another kiosk's client id, so k1's credentials cannot keep k2 offline", async () => {
    const victim = await connect("k2", k2.password);
    let closed = false;
    victim.on("close", () => (closed = true));
    await expect(connect("k1", k1.password, "kiosk-k2")).rejects.toThrow(/Identifier rejected/i);
    await expect(connect("k1", k1.password, "k2")).rejects.toThrow(/Identifier rejected/i);
    // The hub's login may not use the kiosks' namespace either.
    await expect(connect("hub", broker.hubSecret, "kiosk-k2")).rejects.toThrow(/Identifier rejected/i);
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    expect(victim.connected).toBe(true);
    // Its own id, or one under it, works.
    const probe = await connect("k1", k1.password, "kiosk-k1/probe");
    await probe.endAsync();
    await victim.endAsync();
  });

  it("checks unknown and known ids through the same scrypt, and answers a multibyte password with a refusal", async () => {
    const before = secretStats.verifications;
    await expect(connect("ghost", "x".repeat(32), "kiosk-ghost")).rejects.toThrow(/Bad username or password/i);
    expect(secretStats.verifications - before).toBe(1);
    await expect(connect("k1", "x".repeat(32))).rejects.toThrow(/Bad username or password/i);
    expect(secretStats.verifications - before).toBe(2);
    await expect(connect("k1", "密".repeat(k1.password.length))).rejects.toThrow(/Bad username or password/i);
    await expect(connect("hub", "密".repeat(broker.hubSecret.length))).rejects.toThrow(/Bad username or password/i);
  });

  it("keeps the event loop free during 8 concurrent wrong logins", async () => {
    // One scrypt on this machine, done synchronously: the stall each login would cause if it blocked.
    const t0 = performance.now();
    scryptSync("x", Buffer.alloc(16), 32, { N: 16384 });
    const oneHash = performance.now() - t0;
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 2);
    const tries = Array.from({ length: 8 }, (_v, i) =>
      connect(i % 2 ? "k1" : `nobody${i}`, `wrong-${i}`, i % 2 ? "kiosk-k1" : `kiosk-nobody${i}`).catch((e: unknown) => e),
    );
    const results = await Promise.all(tries);
    clearInterval(timer);
    expect(results.every((r) => r instanceof Error)).toBe(true);
    process.stdout.write(`broker: one scrypt ${oneHash.toFixed(1)} ms, longest event-loop gap during 8 wrong logins ${maxGap.toFixed(1)} ms\n`);
    // Synchronous hashing stalls the loop for at least one whole hash (measured: about two, 303 ms here).
    expect(maxGap).toBeLessThan(Math.max(oneHash * 0.8, 30));
  });

  it("locks an id after repeated failures and a source after too many, even with the right password", async () => {
    const guard = new LoginGuard(new ManualClock(0), {
      perSource: { maxFailures: 7, windowMs: 60_000, lockMs: 60_000, maxEntries: 100 },
      perId: { maxFailures: 3, windowMs: 60_000, lockMs: 60_000, maxEntries: 100 },
    });
    const limited = new EmbeddedBroker(devices, createLogger("broker", { destination: sink }), { host: "127.0.0.1", port: 0 }, { guard });
    await limited.start();
    try {
      for (let i = 0; i < 3; i++) await expect(connect("k1", "wrong", "kiosk-k1", limited.url)).rejects.toThrow(/Bad username or password/i);
      const hashed = secretStats.verifications;
      await expect(connect("k1", k1.password, "kiosk-k1", limited.url)).rejects.toThrow(/Not authorized/i);
      expect(secretStats.verifications).toBe(hashed); // refused before any scrypt
      // Another id from the same address: the refused try counted too, so 3 more failures use up the source's 7.
      const ok = await connect("k2", k2.password, "kiosk-k2", limited.url);
      await ok.endAsync();
      for (let i = 0; i < 3; i++) await expect(connect(`junk${i}`, "wrong", `kiosk-junk${i}`, limited.url)).rejects.toThrow(/Bad username or password/i);
      await expect(connect("k2", k2.password, "kiosk-k2", limited.url)).rejects.toThrow(/Not authorized/i);
      expect(guard.stats.refused).toBeGreaterThanOrEqual(2);
    } finally {
      await limited.stop();
    }
  });

  it("stops at once with a connection that has not logged in yet (a kiosk reconnecting as the hub stops)", async () => {
    const other = new EmbeddedBroker(devices, createLogger("broker", { destination: sink }), { host: "127.0.0.1", port: 0 });
    await other.start();
    // Accepted by the server but no CONNECT sent: aedes does not know it and would drop it only at its 30 s connect timeout.
    const silent = createConnection(other.port, "127.0.0.1");
    await new Promise((r) => silent.once("connect", r));
    const socketClosed = new Promise((r) => silent.once("close", r));
    let stopped = false;
    const stopping = other.stop().then(() => (stopped = true));
    // Before the fix stop() waited for that socket; now it closes it. The 5 s bound is far below the 30 s it hung.
    await Promise.race([stopping, new Promise((r) => setTimeout(r, 5_000))]);
    expect(stopped).toBe(true);
    await socketClosed;
    expect(silent.destroyed).toBe(true);
  });
});
