// The kiosk's sync: config bundles, member pages and pushes (quarantine), handler failures, and the same over a real broker.
//
// Most tests drive KioskSync through the in-memory broker (runtime/testing/memory-mqtt.ts) with
// ManualTimers (device/sync.testkit.ts); the last ones go over a real embedded aedes broker and mqtt.js.
// Outbox, acks, backoff and hub presence: device/sync-outbox.test.ts.
import { describe, it, expect, vi } from "vitest";
import { createLogger } from "../runtime/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import { storeTopic, deviceTopic } from "../protocol/topics.js";
import { KioskSync } from "./sync.js";
import {
  A,
  T0,
  base,
  broker,
  bundle,
  clock,
  configTopic,
  hq,
  installSyncWorld,
  json,
  makeSync,
  member,
  rules,
  sink,
  store,
  sync,
  type FullDiskStore,
} from "./sync.testkit.js";

installSyncWorld();

describe("kiosk sync: config", () => {
  it("applies a newer bundle and keeps it across a restart", () => {
    sync.onMessage(configTopic, bundle(1));
    expect(sync.current?.version).toBe(1);
    expect(store.configVersion()).toBe(1);
    expect(makeSync().current?.version).toBe(1);
  });

  it("ignores stale and duplicate versions", () => {
    sync.onMessage(configTopic, bundle(2));
    sync.onMessage(configTopic, bundle(2));
    sync.onMessage(configTopic, bundle(1));
    expect(store.configVersion()).toBe(2);
    expect(sync.stats.configsApplied).toBe(1);
    expect(sync.stats.configsRefused).toBe(0);
  });

  it("answers the bundle in force delivered again (same bytes, also after a restart) without verifying it again; other bytes are verified", async () => {
    const b = bundle(2);
    sync.onMessage(configTopic, b);
    sync.onMessage(configTopic, b);
    expect(sync.stats).toMatchObject({ configsApplied: 1, configsUnchanged: 1, configsRefused: 0 });
    const again = makeSync();
    again.onMessage(configTopic, b);
    expect(again.stats).toMatchObject({ configsApplied: 0, configsUnchanged: 1, configsRefused: 0 });
    // Same version, other bytes (a forged signature): verified in full and refused, the one in force stays.
    const forged = JSON.parse(b.toString()) as { signature: string };
    forged.signature = forged.signature.replace(/^./, (c) => (c === "A" ? "B" : "A"));
    sync.onMessage(configTopic, json(forged));
    expect(sync.stats).toMatchObject({ configsUnchanged: 1, configsRefused: 1 });
    expect(sync.current?.version).toBe(2);
    await sync.start();
    broker.pump();
    sync.onMessage(configTopic, b);
    broker.pump();
    const last = broker.log.filter((m) => m.topic === deviceTopic(A, "config/report")).at(-1);
    expect(JSON.parse(last!.payload)).toMatchObject({ version: 2, status: "ignored", appliedVersion: 2 });
    await sync.stop();
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

  it("applies a bundle from a newer hub with keys it does not know, names them in the report, and keeps it across a restart", async () => {
    await sync.start();
    broker.pump();
    sync.onMessage(configTopic, bundle(3, { device: { futureFeature: true }, rules: { ...rules, newSection: {} } }));
    expect(sync.current?.version).toBe(3);
    expect(sync.stats.configsRefused).toBe(0);
    expect(makeSync().current?.version).toBe(3);
    const reports = broker.log
      .filter((m) => m.topic === deviceTopic(A, "config/report"))
      .map((m) => JSON.parse(m.payload) as { status: string; error?: string });
    expect(reports.at(-1)).toMatchObject({ status: "applied", error: "ignored unknown keys: device.futureFeature, rules.newSection" });
    sync.onMessage(configTopic, bundle(4, { device: { futureFeature: true, memberCodeWindowSeconds: 1 } }));
    expect(sync.current?.version).toBe(3);
    expect(sync.stats.configsRefused).toBe(1);
    const last = broker.log
      .filter((m) => m.topic === deviceTopic(A, "config/report"))
      .map((m) => JSON.parse(m.payload) as { status: string; error?: string })
      .at(-1);
    expect(last).toMatchObject({ status: "failed", error: expect.stringContaining("memberCodeWindowSeconds") });
    await sync.stop();
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

describe("kiosk sync: members", () => {
  it("applies a contiguous push and ignores one after a gap (it pulls instead)", () => {
    sync.onMessage(storeTopic(A, "members"), json({ prevCursor: 0, changes: [{ kind: "upsert", seq: 1, member }] }));
    expect(store.member("m1")?.pointsBalance).toBe(3);
    sync.onMessage(storeTopic(A, "members"), json({ prevCursor: 4, changes: [{ kind: "upsert", seq: 5, member: { ...member, pointsBalance: 9 } }] }));
    expect(store.member("m1")?.pointsBalance).toBe(3);
    expect(store.memberCursor()).toBe(1);
    // The store's next change follows seq 1 directly even though other stores' changes came between.
    sync.onMessage(storeTopic(A, "members"), json({ prevCursor: 1, changes: [{ kind: "upsert", seq: 7, member: { ...member, pointsBalance: 4 } }] }));
    expect(store.member("m1")?.pointsBalance).toBe(4);
    expect(store.memberCursor()).toBe(7);
  });

  it("applies the good records of a page, quarantines the out-of-range one, drops its member and moves the cursor", () => {
    const m2 = { ...member, memberId: "m2", cardId: "C2" };
    sync.onMessage(
      deviceTopic(A, "members/res"),
      json({
        changes: [
          { kind: "upsert", seq: 1, member },
          { kind: "upsert", seq: 2, member: m2 },
        ],
        cursor: 2,
        more: false,
      }),
    );
    expect(store.member("m2")).toBeDefined();
    sync.onMessage(
      deviceTopic(A, "members/res"),
      json({
        changes: [
          { kind: "upsert", seq: 3, member: { ...m2, balanceFen: -(2 ** 53) - 2 } },
          { kind: "upsert", seq: 4, member: { ...member, status: "blocked" } },
        ],
        cursor: 4,
        more: false,
      }),
    );
    expect(store.memberCursor()).toBe(4);
    expect(store.member("m1")?.status).toBe("blocked");
    // Fail closed: what HQ says about m2 now cannot be read, so the old copy is not trusted.
    expect(store.member("m2")).toBeUndefined();
    const q = store.quarantine();
    expect(q.count).toBe(1);
    expect(q.recent[0]).toMatchObject({ seq: 3, memberId: "m2" });
    expect(sync.stats.quarantined).toBe(1);
    expect(sync.stats.invalid).toBe(0);
  });

  it("applies a push around a bad record and reports the quarantine in the status message", async () => {
    await sync.start();
    broker.pump();
    sync.onMessage(storeTopic(A, "members"), json({ prevCursor: 0, changes: [{ kind: "upsert", seq: 1, member }] }));
    sync.onMessage(
      storeTopic(A, "members"),
      json({
        prevCursor: 1,
        changes: [
          { kind: "upsert", seq: 2, member: { ...member, memberId: "bad", cardPublicKey: "short" } },
          { kind: "delete", seq: 3, memberId: "m1" },
        ],
      }),
    );
    expect(store.member("m1")).toBeUndefined();
    expect(store.memberCursor()).toBe(3);
    const last = broker.published(deviceTopic(A, "status")).at(-1) as { quarantine?: { count: number; recent: Array<{ seq: number }> } };
    expect(last.quarantine?.count).toBe(1);
    expect(last.quarantine?.recent[0]?.seq).toBe(2);
    await sync.stop();
  });

  it("pulls when a pushed change has no readable position", () => {
    const before = broker.log.length;
    sync.onMessage(storeTopic(A, "members"), json({ prevCursor: 0, changes: [{ kind: "upsert", seq: "x" }] }));
    expect(store.memberCursor()).toBe(0);
    expect(store.quarantine().count).toBe(0);
    expect(broker.log.length).toBe(before); // not connected: nothing sent, and nothing thrown
  });
});

describe("kiosk sync: no handler failure escapes", () => {
  it("a full disk during an ack, a config and a member page is logged and counted per channel; the kiosk carries on", async () => {
    const full = store as FullDiskStore;
    const gate = { type: "gate_entry" as const, memberId: "m1", cardId: "C1", admitted: true, cardClass: "standard" };
    store.appendFact(gate, clock.now(), 1);
    full.full = true;
    expect(() => sync.onMessage(deviceTopic(A, "ack"), json({ ackedSeq: 1 }))).not.toThrow();
    expect(() => sync.onMessage(configTopic, bundle(1))).not.toThrow();
    expect(() => sync.onMessage(deviceTopic(A, "members/res"), json({ changes: [{ kind: "upsert", seq: 1, member }], cursor: 1, more: false }))).not.toThrow();
    expect(sync.stats.handlerErrors).toEqual({ ack: 1, config: 1, "members/res": 1 });
    expect(sync.current).toBeUndefined(); // not saved, so not in force either
    expect(store.ackedSeq()).toBe(0);
    full.full = false;
    sync.onMessage(deviceTopic(A, "ack"), json({ ackedSeq: 1 }));
    sync.onMessage(configTopic, bundle(1));
    expect(store.ackedSeq()).toBe(1);
    expect(sync.current?.version).toBe(1);
    expect(sync.stats.handlerErrors).toEqual({ ack: 1, config: 1, "members/res": 1 });
  });

  it("learns the hub's clock offset from an ack and counts malformed ones as invalid", () => {
    sync.onMessage(deviceTopic(A, "ack"), json({ ackedSeq: 0, hubTime: T0 + 5_000 }));
    expect(clock.offset).toBe(5_000);
    sync.onMessage(deviceTopic(A, "ack"), Buffer.from('{"ackedSeq":"lots"}'));
    expect(clock.offset).toBe(5_000);
    expect(sync.stats.invalid).toBe(1);
    expect(sync.stats.handlerErrors).toEqual({});
  });
});

describe("kiosk sync over a real broker (aedes, mqtt.js)", () => {
  async function wired() {
    const { Aedes } = await import("aedes");
    const { createServer } = await import("node:net");
    const mqtt = await import("mqtt");
    const aedes = await Aedes.createBroker();
    const server = createServer(aedes.handle);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const live = new KioskSync(
      { address: A, url: `mqtt://127.0.0.1:${port}`, username: "k1", password: "x", trustedKeys: { hq: hq.publicKey }, presenceGraceMs: 0 },
      store,
      clock,
      base,
      createLogger("t", { destination: sink, level: "debug" }),
    );
    const hub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    const requests: unknown[] = [];
    hub.on("message", (_t, p) => requests.push(JSON.parse(p.toString())));
    await hub.subscribeAsync(deviceTopic(A, "members/req"), { qos: 1 });
    return {
      live,
      requests,
      publish: (topic: string, body: unknown): Promise<unknown> => hub.publishAsync(topic, JSON.stringify(body), { qos: 1 }),
      close: async (): Promise<void> => {
        await live.stop();
        await hub.endAsync();
        await new Promise<void>((r) => aedes.close(() => r()));
        server.close();
      },
    };
  }

  it("a page with one out-of-range record and a block of another member: the block is applied and the cursor moves", async () => {
    const w = await wired();
    try {
      await w.live.start();
      await vi.waitFor(() => expect(w.requests).toHaveLength(1));
      const m2 = { ...member, memberId: "m2", cardId: "C2" };
      await w.publish(deviceTopic(A, "members/res"), {
        changes: [
          { kind: "upsert", seq: 1, member },
          { kind: "upsert", seq: 2, member: m2 },
        ],
        cursor: 2,
        more: false,
      });
      await vi.waitFor(() => expect(store.memberCursor()).toBe(2));
      await w.publish(deviceTopic(A, "members/res"), {
        changes: [
          { kind: "upsert", seq: 3, member: { ...m2, balanceFen: -(2 ** 53) - 10 } },
          { kind: "upsert", seq: 4, member: { ...member, status: "blocked" } },
        ],
        cursor: 4,
        more: false,
      });
      await vi.waitFor(() => expect(store.memberCursor()).toBe(4));
      expect(store.member("m1")?.status).toBe("blocked");
      expect(store.quarantine().count).toBe(1);
      // Later pushes apply on top of the moved cursor: a key revocation still arrives.
      await w.publish(storeTopic(A, "members"), { prevCursor: 4, changes: [{ kind: "delete", seq: 9, memberId: "m1" }] });
      await vi.waitFor(() => expect(store.member("m1")).toBeUndefined());
    } finally {
      await w.close();
    }
  });

  it("an ack arriving while the disk is full does not end the process; the counter moves and the next ack applies", async () => {
    const w = await wired();
    const full = store as FullDiskStore;
    try {
      store.appendFact({ type: "gate_entry", memberId: "m1", cardId: "C1", admitted: true, cardClass: "standard" }, clock.now(), 1);
      await w.live.start();
      await vi.waitFor(() => expect(w.live.connected).toBe(true));
      full.full = true;
      await w.publish(deviceTopic(A, "ack"), { ackedSeq: 1 });
      await vi.waitFor(() => expect(w.live.stats.handlerErrors.ack).toBe(1));
      full.full = false;
      await w.publish(deviceTopic(A, "ack"), { ackedSeq: 1 });
      await vi.waitFor(() => expect(store.ackedSeq()).toBe(1));
      expect(w.live.connected).toBe(true);
    } finally {
      await w.close();
    }
  });
});
