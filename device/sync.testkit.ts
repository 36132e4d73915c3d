// Test kit for the kiosk sync tests: one kiosk store (whose writes can fail like a full disk), fake clock and timers, an in-memory broker, signed bundles.
//
// installSyncWorld() registers the beforeEach/afterEach that build a fresh world per test; the
// exported bindings are live, so a test file reads `store`, `sync`, `broker`... after they are set.
import { beforeEach, afterEach } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { ManualClock, OffsetClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { generateKeyPair, signEnvelope } from "../protocol/signing.js";
import { deviceTopic } from "../protocol/topics.js";
import { MemberRecordSchema, type MemberRecord } from "../protocol/messages.js";
import { MemoryBroker } from "../runtime/testing/memory-mqtt.js";
import { ManualTimers } from "./session/testing/manual-timers.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { KioskStore } from "./store.js";
import { KioskSync, type SyncOptions } from "./sync.js";

export const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
export const A = { chainId: "acme", storeId: "s01", deviceId: "k1" };
export const hq = generateKeyPair();
export const T0 = 1_800_000_000_000;
export let dir: string;
export let db: Database;
export let store: KioskStore;
export let sync: KioskSync;
export let sink: MemoryLogSink;
export let base: ManualClock;
export let clock: OffsetClock;
export let timers: ManualTimers;
export let broker: MemoryBroker;

/** A store whose writes fail the way a full disk makes them fail, until `full` is cleared. */
export class FullDiskStore extends KioskStore {
  full = false;
  private check(): void {
    if (this.full) throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
  }
  override acknowledge(seq: number): void {
    this.check();
    super.acknowledge(seq);
  }
  override saveConfig(...a: Parameters<KioskStore["saveConfig"]>): void {
    this.check();
    super.saveConfig(...a);
  }
  override applyMemberChanges(...a: Parameters<KioskStore["applyMemberChanges"]>): boolean {
    this.check();
    return super.applyMemberChanges(...a);
  }
}

export function makeSync(extra: Partial<SyncOptions> = {}, s: KioskStore = store): KioskSync {
  return new KioskSync(
    { address: A, url: "mqtt://memory", username: "k1", password: "x", trustedKeys: { hq: hq.publicKey }, connect: broker.connect, timers, ...extra },
    s,
    clock,
    base,
    createLogger("t", { destination: sink, level: "debug" }),
  );
}

/** Registers the per-test world: a fresh store, clock, timers, broker and sync before each test, closed after it. */
export function installSyncWorld(): void {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "sync-"));
    db = await openDatabase(join(dir, "k.db"));
    migrate(db, KIOSK_MIGRATIONS);
    store = new FullDiskStore(db);
    sink = new MemoryLogSink();
    base = new ManualClock(T0);
    clock = new OffsetClock(base);
    timers = new ManualTimers(base);
    broker = new MemoryBroker();
    sync = makeSync();
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** Replaces the test's sync with one built with these options (the live `sync` binding follows). */
export function resync(extra: Partial<SyncOptions> = {}): KioskSync {
  sync = makeSync(extra);
  return sync;
}

export function bundle(version: number, overrides: Record<string, unknown> = {}, key = hq): Buffer {
  const content = { version, chainId: "acme", storeId: "s01", issuedAt: 1, rules, device: {}, ...overrides };
  return Buffer.from(JSON.stringify(signEnvelope(key, "hq", content)));
}
export const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
export const configTopic = deviceTopic(A, "config");
export const member: MemberRecord = MemberRecordSchema.parse({
  memberId: "m1",
  cardId: "C1",
  name: "n",
  levelId: "gold",
  cardClass: "standard",
  cardPublicKey: generateKeyPair().publicKey,
  status: "active",
  pointsBalance: 3,
  balanceFen: 0,
});
