// The kiosk's handling of config bundles and member pushes, driven message by message (no broker needed).
import { describe, it, expect, beforeEach, afterEach, vi } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate, type Database } from "../storage/sqlite.js";
import { ManualClock, OffsetClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../protocol/log.js";
import { generateKeyPair, signEnvelope } from "../protocol/signing.js";
import { storeTopic, deviceTopic } from "../protocol/topics.js";
import { MemberRecordSchema, type MemberRecord } from "../protocol/messages.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { KioskStore } from "./store.js";
import { KioskSync } from "./sync.js";

const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as unknown;
const A = { chainId: "acme", storeId: "s01", deviceId: "k1" };
const hq = generateKeyPair();
let dir: string;
let db: Database;
let store: KioskStore;
let sync: KioskSync;
let sink: MemoryLogSink;
let clock: OffsetClock;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "sync-"));
  db = await openDatabase(join(dir, "k.db"));
  migrate(db, KIOSK_MIGRATIONS);
  store = new KioskStore(db);
  sink = new MemoryLogSink();
  const base = new ManualClock(1_800_000_000_000);
  clock = new OffsetClock(base);
  sync = new KioskSync(
    { address: A, url: "mqtt://127.0.0.1:1", username: "k1", password: "x", trustedKeys: { hq: hq.publicKey } },
    store,
    clock,
    base,
    createLogger("t", { destination: sink }),
  );
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function bundle(version: number, overrides: Record<string, unknown> = {}, key = hq): Buffer {
  const content = { version, chainId: "acme", storeId: "s01", issuedAt: 1, rules, device: {}, ...overrides };
  return Buffer.from(JSON.stringify(signEnvelope(key, "hq", content)));
}

const configTopic = deviceTopic(A, "config");

describe("kiosk sync: config", () => {
  it("applies a newer bundle and keeps it across a restart", () => {
    sync.onMessage(configTopic, bundle(1));
    expect(sync.current?.version).toBe(1);
    expect(store.configVersion()).toBe(1);
    const base = new ManualClock(0);
    const reopened = new KioskSync(
      { address: A, url: "mqtt://127.0.0.1:1", username: "k1", password: "x", trustedKeys: { hq: hq.publicKey } },
      store,
      new OffsetClock(base),
      base,
      createLogger("t", { destination: sink }),
    );
    expect(reopened.current?.version).toBe(1);
  });

  it("ignores stale and duplicate versions", () => {
    sync.onMessage(configTopic, bundle(2));
    sync.onMessage(configTopic, bundle(2));
    sync.onMessage(configTopic, bundle(1));
    expect(store.configVersion()).toBe(2);
    expect(sink.messages().filter((m) => m === "sync: stale or duplicate config ignored")).toHaveLength(2);
  });

  it("refuses a forged, foreign or invalid bundle and keeps the one in force", () => {
    sync.onMessage(configTopic, bundle(1));
    sync.onMessage(configTopic, bundle(5, {}, generateKeyPair()));
    sync.onMessage(configTopic, bundle(6, { storeId: "s99" }));
    sync.onMessage(configTopic, bundle(7, { rules: { catalog: [{ sku: "x" }] } }));
    sync.onMessage(configTopic, Buffer.from("garbage"));
    expect(store.configVersion()).toBe(1);
    expect(sync.current?.version).toBe(1);
    expect(sync.stats.configsRefused).toBe(4);
  });

  it("rolls back when a listener cannot apply the bundle", () => {
    sync.onMessage(configTopic, bundle(1));
    sync.onConfig((c) => {
      if (c.version === 2) throw new Error("cannot apply");
    });
    sync.onMessage(configTopic, bundle(2));
    expect(sync.current?.version).toBe(1);
    expect(store.configVersion()).toBe(1);
  });
});

describe("kiosk sync: members and acks", () => {
  const member: MemberRecord = MemberRecordSchema.parse({
    memberId: "m1", cardId: "C1", name: "n", levelId: "gold", cardClass: "standard",
    cardPublicKey: generateKeyPair().publicKey, status: "active", pointsBalance: 3, balanceFen: 0,
  });

  it("applies a contiguous push and ignores one after a gap (it pulls instead)", () => {
    sync.onMessage(storeTopic(A, "members"), Buffer.from(JSON.stringify({ prevCursor: 0, changes: [{ kind: "upsert", seq: 1, member }] })));
    expect(store.member("m1")?.pointsBalance).toBe(3);
    sync.onMessage(storeTopic(A, "members"), Buffer.from(JSON.stringify({ prevCursor: 4, changes: [{ kind: "upsert", seq: 5, member: { ...member, pointsBalance: 9 } }] })));
    expect(store.member("m1")?.pointsBalance).toBe(3);
    expect(store.memberCursor()).toBe(1);
    // The store's next change follows seq 1 directly even though other stores' changes came between.
    sync.onMessage(storeTopic(A, "members"), Buffer.from(JSON.stringify({ prevCursor: 1, changes: [{ kind: "upsert", seq: 7, member: { ...member, pointsBalance: 4 } }] })));
    expect(store.member("m1")?.pointsBalance).toBe(4);
    expect(store.memberCursor()).toBe(7);
  });

  it("learns the hub's clock offset from an ack and ignores malformed acks", () => {
    sync.onMessage(deviceTopic(A, "ack"), Buffer.from(JSON.stringify({ ackedSeq: 0, hubTime: 1_800_000_005_000 })));
    expect(clock.offset).toBe(5_000);
    expect(clock.now()).toBe(1_800_000_005_000);
    sync.onMessage(deviceTopic(A, "ack"), Buffer.from('{"ackedSeq":"lots"}'));
    expect(clock.offset).toBe(5_000);
    expect(sync.stats.invalid).toBe(1);
    expect(sink.messages()).toContain("sync: malformed message ignored");
  });
});

describe("kiosk sync: acks over a real broker", () => {
  const gate = { type: "gate_entry" as const, memberId: "m1", cardId: "C0001", admitted: true, cardClass: "standard" };

  /** An aedes broker, a kiosk sync connected to it and a stand-in hub client watching the kiosk's ledger topic. */
  async function wired(opts: { ackTimeoutMs: number; maxAckTimeoutMs?: number }) {
    const { Aedes } = await import("aedes");
    const { createServer } = await import("node:net");
    const mqtt = await import("mqtt");
    const aedes = await Aedes.createBroker();
    const server = createServer(aedes.handle);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const live = new KioskSync(
      { address: A, url: `mqtt://127.0.0.1:${port}`, username: "k1", password: "x", trustedKeys: { hq: hq.publicKey }, ...opts },
      store,
      clock,
      new ManualClock(1_800_000_000_000),
      createLogger("t", { destination: sink, level: "debug" }),
    );
    const hub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    const batches: number[][] = [];
    hub.on("message", (_t, p) => batches.push((JSON.parse(p.toString()) as { entries: Array<{ seq: number }> }).entries.map((e) => e.seq)));
    await hub.subscribeAsync(deviceTopic(A, "ledger"), { qos: 1 });
    return {
      live,
      batches,
      ack: (body: Record<string, unknown>): Promise<unknown> => hub.publishAsync(deviceTopic(A, "ack"), JSON.stringify(body), { qos: 1 }),
      close: async (): Promise<void> => {
        await live.stop();
        await hub.endAsync();
        await new Promise<void>((r) => aedes.close(() => r()));
        server.close();
      },
    };
  }

  it("does not resend the batch in flight on an ack below it (the hub's reply to a heartbeat), only on one that covers it or asks", async () => {
    const w = await wired({ ackTimeoutMs: 60_000 });
    const { live, batches, ack } = w;
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 150));
    try {
      for (let i = 0; i < 3; i++) store.appendFact(gate, clock.now(), 1);
      await live.start();
      await vi.waitFor(() => expect(batches).toEqual([[1, 2, 3]]));
      await ack({ ackedSeq: 0 }); // a heartbeat's answer: the hub has nothing yet
      await settle();
      expect(batches).toHaveLength(1);
      expect(live.stats.staleAcks).toBe(1);
      await ack({ ackedSeq: 1, resendFrom: 2 }); // the hub saw a gap: send again from it
      await vi.waitFor(() => expect(batches).toEqual([[1, 2, 3], [2, 3]]));
      await ack({ ackedSeq: 3 });
      store.appendFact(gate, clock.now(), 1);
      live.flush();
      await vi.waitFor(() => expect(batches.at(-1)).toEqual([4]));
      expect(batches).toHaveLength(3);
      expect(store.ackedSeq()).toBe(3);
    } finally {
      await w.close();
    }
  });

  it("waits twice as long after each missed ack, up to the ceiling, and starts again from the base after an ack", async () => {
    const w = await wired({ ackTimeoutMs: 40, maxAckTimeoutMs: 160 });
    const waits = (): unknown[] => sink.lines.filter((l) => l.msg === "sync: no ack in time; resending").map((l) => l.waitedMs);
    try {
      store.appendFact(gate, clock.now(), 1);
      await w.live.start();
      await vi.waitFor(() => expect(waits()).toHaveLength(4), { timeout: 5_000 });
      expect(waits()).toEqual([40, 80, 160, 160]);
      expect(w.batches.every((b) => b.join() === "1")).toBe(true);
      await w.ack({ ackedSeq: 1 });
      store.appendFact(gate, clock.now(), 1);
      w.live.flush();
      await vi.waitFor(() => expect(waits()).toHaveLength(5), { timeout: 5_000 });
      expect(waits()[4]).toBe(40);
    } finally {
      await w.close();
    }
  });
});
