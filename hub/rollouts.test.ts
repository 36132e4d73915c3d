// Staged rollouts: first wave, continuation on success, stop on failures, status, desired versions.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import { DeviceRegistry } from "./devices.js";
import { ConfigService } from "./config-service.js";
import { Rollouts } from "./rollouts.js";

const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
let dir: string;
let db: Database;
let devices: DeviceRegistry;
let configs: ConfigService;
let rollouts: Rollouts;
let sent: Array<[string, number]>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "rollouts-"));
  db = await openTestHubDb(dir);
  const clock = new ManualClock(1_800_000_000_000);
  devices = new DeviceRegistry(db, clock);
  for (const d of ["k1", "k2", "k3", "k4", "k5"]) devices.provision({ chainId: "acme", storeId: "s1", deviceId: d });
  devices.provision({ chainId: "acme", storeId: "s2", deviceId: "other" });
  configs = new ConfigService(db, clock, "acme", { keyId: "hq", keys: generateKeyPair() });
  rollouts = new Rollouts(db, clock, configs, createLogger("t", { destination: new MemoryLogSink() }));
  sent = [];
  rollouts.onSend = (d, c) => sent.push([d, c.version]);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const publish = (): number => configs.publish("s1", { rules, device: {} }).version;
const ok = (d: string, v: number) => rollouts.report(d, { version: v, status: "applied", appliedVersion: v });
const fail = (d: string, v: number, prev: number) => rollouts.report(d, { version: v, status: "failed", appliedVersion: prev, error: "boom" });

describe("rollouts", () => {
  it("sends to a first share, then to the rest once they succeed, then completes", () => {
    const v = publish();
    const r = rollouts.start("s1", v, { firstWave: { share: 0.4 } });
    expect(sent).toEqual([
      ["k1", v],
      ["k2", v],
    ]);
    expect(r.counts).toMatchObject({ sent: 2, waiting: 3 });
    ok("k1", v);
    expect(sent).toHaveLength(2);
    ok("k2", v);
    expect(sent.map(([d]) => d)).toEqual(["k1", "k2", "k3", "k4", "k5"]);
    for (const d of ["k3", "k4", "k5"]) ok(d, v);
    const done = rollouts.status(r.id);
    expect(done.state).toBe("completed");
    expect(done.counts).toMatchObject({ applied: 5, sent: 0, waiting: 0 });
    expect(devices.get("k4")).toMatchObject({ desiredConfigVersion: v, appliedConfigVersion: v });
    expect(devices.get("other")?.desiredConfigVersion).toBe(0);
  });

  it("stops when failures pass the threshold after the minimum count, and never sends the rest", () => {
    const v1 = publish();
    rollouts.start("s1", v1);
    for (const d of ["k1", "k2", "k3", "k4", "k5"]) ok(d, v1);
    sent = [];
    const v2 = publish();
    const r = rollouts.start("s1", v2, { firstWave: { devices: ["k1", "k2", "k3"] }, minReports: 2, maxFailureRatio: 0.4 });
    fail("k1", v2, v1);
    expect(rollouts.status(r.id).state).toBe("in-progress"); // one report is below the minimum
    ok("k2", v2);
    const stopped = rollouts.status(r.id);
    expect(stopped.state).toBe("stopped");
    expect(stopped.reason).toMatch(/1 of 2 kiosks failed/);
    expect(sent.map(([d]) => d)).toEqual(["k1", "k2", "k3"]);
    expect(devices.get("k5")?.desiredConfigVersion).toBe(v1);
    expect(devices.get("k1")).toMatchObject({ appliedConfigVersion: v1, configError: "boom" });
    // A late report after the stop changes nothing.
    ok("k3", v2);
    expect(rollouts.status(r.id).state).toBe("stopped");
  });

  it("refuses unknown devices in the plan and supersedes a running rollout", () => {
    const v1 = publish();
    expect(() => rollouts.start("s1", v1, { firstWave: { devices: ["other"] } })).toThrow(/not in store s1/);
    expect(() => rollouts.start("s1", v1, { maxFailureRatio: 3 })).toThrow(/maxFailureRatio/);
    const first = rollouts.start("s1", v1, { firstWave: { share: 0.2 } });
    const v2 = publish();
    rollouts.start("s1", v2);
    expect(rollouts.status(first.id)).toMatchObject({ state: "stopped", reason: "superseded by a newer version" });
    expect(rollouts.list("s1").map((r) => r.version)).toEqual([v2, v1]);
  });

  it("gives a new kiosk the newest completed version", () => {
    const v1 = publish();
    rollouts.start("s1", v1);
    for (const d of ["k1", "k2", "k3", "k4", "k5"]) ok(d, v1);
    const v2 = publish();
    rollouts.start("s1", v2, { firstWave: { devices: ["k1"] } });
    devices.provision({ chainId: "acme", storeId: "s1", deviceId: "k9" });
    expect(rollouts.desiredFor("k9")?.version).toBe(v1);
    expect(rollouts.desiredFor("k1")?.version).toBe(v2);
  });
});
