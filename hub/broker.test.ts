// The embedded broker: device credentials, and a kiosk refused another kiosk's topics and the config topic.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import type { Database } from "../storage/sqlite.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../protocol/log.js";
import { deviceTopic, storeTopic } from "../protocol/topics.js";
import { DeviceRegistry, type DeviceCredentials } from "./devices.js";
import { EmbeddedBroker } from "./broker.js";

let dir: string;
let db: Database;
let broker: EmbeddedBroker;
let k1: DeviceCredentials;
let k2: DeviceCredentials;
const sink = new MemoryLogSink();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "broker-"));
  db = await openTestHubDb(dir);
  const devices = new DeviceRegistry(db, new ManualClock(0));
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

const connect = (username: string, password: string) =>
  mqtt.connectAsync(broker.url, { username, password, clientId: `${username}-${Math.random()}`, reconnectPeriod: 0, protocolVersion: 4 });

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
