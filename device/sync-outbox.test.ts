// The kiosk's sync on fake time: the outbox sender's batches, acks and backoff, and the hub's presence (device/sync.testkit.ts world).
import { describe, it, expect, beforeEach } from "vitest";
import { deviceTopic, hubPresenceTopic } from "../protocol/topics.js";
import { hubHealth } from "./health.js";
import { A, T0, base, broker, clock, installSyncWorld, makeSync, resync, store, sync, timers } from "./sync.testkit.js";

installSyncWorld();

describe("kiosk sync: outbox, acks and hub presence (fake time)", () => {
  const gate = { type: "gate_entry" as const, memberId: "m1", cardId: "C0001", admitted: true, cardClass: "standard" };
  const ledger = deviceTopic(A, "ledger");
  const batches = (): Array<{ at: number; seqs: number[] }> =>
    broker.log
      .filter((l) => l.topic === ledger)
      .map((l) => ({ at: 0, seqs: (JSON.parse(l.payload) as { entries: Array<{ seq: number }> }).entries.map((e) => e.seq) }));
  const sent: number[] = [];
  const ack = (body: Record<string, unknown>): void => {
    broker.publish(undefined, deviceTopic(A, "ack"), JSON.stringify(body));
    broker.pump();
  };
  const presence = (online: boolean, at: number, instance = "hub-a"): void => {
    broker.publish(undefined, hubPresenceTopic("acme"), JSON.stringify({ online, instance, since: T0, at }), { retain: true });
    broker.pump();
  };
  /** Advances fake time in steps, recording when each ledger batch went out. */
  const run = (ms: number, step = 10): void => {
    for (let t = 0; t < ms; t += step) {
      const n = batches().length;
      timers.advance(step);
      broker.pump();
      for (let i = n; i < batches().length; i++) sent.push(base.now() - T0);
    }
  };
  beforeEach(() => {
    sent.length = 0;
  });

  it("does not resend the batch in flight on an ack below it (the hub's reply to a heartbeat), only on one that covers it or asks", async () => {
    resync({ ackTimeoutMs: 60_000 });
    presence(true, 1);
    for (let i = 0; i < 3; i++) store.appendFact(gate, clock.now(), 1);
    await sync.start();
    broker.pump();
    expect(batches().map((b) => b.seqs)).toEqual([[1, 2, 3]]);
    ack({ ackedSeq: 0 });
    expect(batches()).toHaveLength(1);
    expect(sync.stats.staleAcks).toBe(1);
    ack({ ackedSeq: 1, resendFrom: 2 });
    expect(batches().map((b) => b.seqs)).toEqual([
      [1, 2, 3],
      [2, 3],
    ]);
    ack({ ackedSeq: 3 });
    store.appendFact(gate, clock.now(), 1);
    sync.flush();
    broker.pump();
    expect(batches().map((b) => b.seqs)).toEqual([[1, 2, 3], [2, 3], [4]]);
    expect(store.ackedSeq()).toBe(3);
    await sync.stop();
  });

  it("waits twice as long after each missed ack, up to the ceiling, and starts again from the base after an ack", async () => {
    resync({ ackTimeoutMs: 40, maxAckTimeoutMs: 160 });
    presence(true, 1);
    store.appendFact(gate, clock.now(), 1);
    await sync.start();
    broker.pump();
    run(480);
    // First send at 0, then after 40, 80, 160, 160 ms.
    expect(sent).toEqual([40, 120, 280, 440]);
    expect(batches().every((b) => b.seqs.join() === "1")).toBe(true);
    ack({ ackedSeq: 1 });
    store.appendFact(gate, clock.now(), 1);
    sync.flush();
    broker.pump();
    expect(sync.outbox.currentAckWaitMs).toBe(40);
    await sync.stop();
  });

  it("sends nothing while the hub's presence says offline, and resends from the acked mark the moment it is back", async () => {
    resync({ ackTimeoutMs: 5_000, maxAckTimeoutMs: 60_000 });
    presence(true, 1);
    for (let i = 0; i < 5; i++) store.appendFact(gate, clock.now(), 1);
    await sync.start();
    broker.pump();
    ack({ ackedSeq: 2 });
    const before = batches().length;
    // The hub dies: its will lands on the presence topic. An hour passes; not one batch is sent.
    presence(false, 0);
    run(3_600_000, 1_000);
    expect(batches().length).toBe(before);
    expect(sync.hub().presence).toBe("offline");
    // It comes back: the batch from the acknowledged mark goes out at once, and the wait is at its base.
    presence(true, 2);
    expect(batches().at(-1)?.seqs).toEqual([3, 4, 5]);
    expect(batches().length).toBe(before + 1);
    expect(sync.outbox.currentAckWaitMs).toBe(5_000);
    // The retained copy again (a kiosk reconnect) is not a new hub: no duplicate.
    presence(true, 2);
    expect(batches().length).toBe(before + 1);
    await sync.stop();
  });

  it("a hub restarting while the kiosk is deep in backoff is answered at once, not after the next 40-60 s wait", async () => {
    resync({ ackTimeoutMs: 5_000, maxAckTimeoutMs: 60_000 });
    presence(true, 1);
    store.appendFact(gate, clock.now(), 1);
    await sync.start();
    broker.pump();
    // The hub hangs without a will (SIGSTOP): timeouts double 5, 10, 20, 40 s.
    run(80_000, 1_000);
    expect(sync.outbox.currentAckWaitMs).toBe(60_000);
    const before = batches().length;
    // A new instance announces itself (restart after kill -9, whose will said offline in between).
    presence(false, 0);
    presence(true, 81_000, "hub-b");
    expect(batches().length).toBe(before + 1);
    ack({ ackedSeq: 1 });
    expect(store.ackedSeq()).toBe(1);
    expect(sync.stats.hubReturns).toBe(1);
    await sync.stop();
  });

  it("a returning hub that acks the kiosk's status before its announcement arrives gets one batch, not a duplicate", async () => {
    resync({ ackTimeoutMs: 5_000 });
    presence(true, 1);
    for (let i = 0; i < 3; i++) store.appendFact(gate, clock.now(), 1);
    await sync.start();
    broker.pump();
    ack({ ackedSeq: 1 });
    presence(false, 0);
    const before = batches().length;
    run(30_000, 1_000);
    expect(batches().length).toBe(before);
    // The new hub subscribes, answers the kiosk's retained status with its mark, then announces itself.
    ack({ ackedSeq: 1 });
    expect(batches().length).toBe(before + 1);
    presence(true, 40_000, "hub-b");
    expect(batches().length).toBe(before + 1);
    expect(batches().at(-1)?.seqs).toEqual([2, 3]);
    await sync.stop();
  });

  it("on connecting, waits briefly for the retained presence and sends exactly one batch", async () => {
    resync({ presenceGraceMs: 2_000 });
    store.appendFact(gate, clock.now(), 1);
    await sync.start();
    broker.pump();
    expect(batches()).toHaveLength(0); // no presence known yet
    run(1_000);
    presence(true, 5); // the hub finished subscribing and announced itself
    expect(batches()).toHaveLength(1);
    run(5_000);
    expect(batches()).toHaveLength(2); // the ack timeout (5 s) resends; the grace timer sent nothing extra
    await sync.stop();
    // A second kiosk start with the presence retained: one batch at once, not two.
    broker.log.length = 0;
    const again = makeSync();
    await again.start();
    broker.pump();
    expect(batches()).toHaveLength(1);
    await again.stop();
  });

  it("reports the hub separately from the broker: presence, last ack age, oldest unacknowledged entry", async () => {
    await sync.start();
    broker.pump();
    expect(sync.connected).toBe(true);
    expect(sync.hub()).toEqual({ presence: "unknown" });
    presence(true, 1);
    store.appendFact(gate, clock.now(), 1);
    sync.flush();
    broker.pump();
    ack({ ackedSeq: 0 });
    timers.advance(7_000);
    expect(sync.hub()).toMatchObject({ presence: "online", instance: "hub-a", lastAckAgeMs: 7_000, oldestUnackedAgeMs: 7_000 });
    expect(hubHealth(sync.hub(), sync.connected)).toMatchObject({ level: "ok", broker: "connected", presence: "online" });
    presence(false, 0);
    expect(sync.hub().presence).toBe("offline");
    // /healthz and kioskctl: a live broker with a dead hub is degraded, with words.
    expect(hubHealth(sync.hub(), sync.connected)).toMatchObject({
      level: "degraded",
      broker: "connected",
      presence: "offline",
      message: expect.stringContaining("总部服务离线"),
    });
    await sync.stop();
    expect(hubHealth(sync.hub(), sync.connected)).toMatchObject({ level: "degraded", broker: "disconnected" });
  });
});
