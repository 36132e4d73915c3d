// The hub's MQTT link on fake time over the in-memory broker: handler failures are counted, never thrown; presence is announced and kept.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { deviceTopic, hubPresenceTopic } from "../protocol/topics.js";
import type { LedgerEntry } from "../protocol/messages.js";
import { MemoryBroker } from "../runtime/testing/memory-mqtt.js";
import { ManualTimers } from "../runtime/testing/manual-timers.js";
import { DeviceRegistry } from "./devices.js";
import { Rollouts } from "./rollouts.js";
import { HubMqttLink } from "./mqtt-link.js";
import { readIngestTotals } from "./ingest-totals.js";
import { K1, T0, openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";

let w: IngestWorld;
let broker: MemoryBroker;
let timers: ManualTimers;
const presenceTopic = hubPresenceTopic("acme");
const gate = (seq: number): LedgerEntry => ({
  seq,
  entryId: `e${seq}`,
  at: T0,
  configVersion: 1,
  fact: { type: "gate_entry", memberId: "m1", cardId: "C0001", admitted: true, cardClass: "standard" },
});

async function link(instance: string, random = (): number => 0.5): Promise<HubMqttLink> {
  const l = new HubMqttLink(
    { url: "mqtt://memory", chainId: "acme", username: "hub", password: "x", clientId: instance, connect: broker.connect, timers, random },
    {
      devices: new DeviceRegistry(w.db, w.clock),
      ingest: w.ingest,
      members: w.members,
      configs: w.configs,
      rollouts: new Rollouts(w.db, w.clock, w.configs, createLogger("t", { destination: new MemoryLogSink() })),
      authorizer: w.authorizer,
      clock: w.clock,
      log: createLogger("t", { destination: w.sink }),
    },
  );
  const started = l.start();
  broker.pump();
  await started;
  broker.pump();
  return l;
}

beforeEach(async () => {
  w = await openIngestWorld();
  broker = new MemoryBroker();
  timers = new ManualTimers(w.clock);
});
afterEach(() => w.close());

const presence = (): { online: boolean; instance: string } | undefined => {
  const p = broker.retainedOn(presenceTopic);
  return p ? (JSON.parse(p) as { online: boolean; instance: string }) : undefined;
};

/** One pass of the event loop: a queued ledger batch runs (hub/turns.ts). */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("hub mqtt link", () => {
  it("a storage failure inside a handler is logged and counted by channel; the next message is handled", async () => {
    const l = await link("hub-a");
    const ingest = w.ingest as unknown as { handleBatch: (...a: unknown[]) => unknown };
    const real = ingest.handleBatch.bind(w.ingest);
    ingest.handleBatch = () => {
      throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    };
    broker.publish(undefined, deviceTopic(K1, "ledger"), JSON.stringify({ entries: [gate(1)] }));
    expect(() => broker.pump()).not.toThrow();
    // Ledger batches are applied one per event-loop turn (hub/turns.ts): the next turn has it.
    expect(l.stats.handlerErrors).toEqual({});
    await turn();
    expect(l.stats.handlerErrors).toEqual({ ledger: 1 });
    ingest.handleBatch = real;
    broker.publish(undefined, deviceTopic(K1, "ledger"), JSON.stringify({ entries: [gate(1)] }));
    broker.pump();
    await turn();
    broker.pump();
    expect(broker.published(deviceTopic(K1, "ack")).at(-1)).toMatchObject({ ackedSeq: 1 });
    expect(readIngestTotals(w.db)).toMatchObject({ applied: 1, rejected: 0, byType: { gate_entry: 1 } });
    await l.stop();
  });

  it("announces itself only after subscribing, says offline on a clean stop, and its will says so on a crash", async () => {
    const l = await link("hub-a");
    const i = broker.log.findIndex((m) => m.topic === presenceTopic);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(presence()).toMatchObject({ online: true, instance: "hub-a" });
    // The kiosk channels were subscribed before the announcement: a resend after it is never dropped.
    expect(broker.connections[0]!.filters).toContain("mk/v1/acme/+/+/ledger");
    await l.stop();
    expect(presence()).toMatchObject({ online: false, instance: "hub-a" });
    const crashed = await link("hub-b");
    expect(presence()).toMatchObject({ online: true, instance: "hub-b" });
    // hub-a's retained offline predates hub-b's subscription: no second announcement (kiosks would resend twice).
    timers.advance(2_000);
    broker.pump();
    expect(crashed.stats.announcements).toBe(1);
    broker.connections.at(-1)!.drop();
    expect(presence()).toMatchObject({ online: false, instance: "hub-b" });
    await crashed.stop();
  });

  it("with two instances, the survivor announces itself again when the other one's will lands, after a short random delay", async () => {
    const a = await link("hub-a", () => 0.3);
    const b = await link("hub-b", () => 0.9);
    expect(presence()).toMatchObject({ online: true, instance: "hub-b" });
    broker.connections[1]!.drop(); // hub-b dies
    broker.pump();
    expect(presence()).toMatchObject({ online: false, instance: "hub-b" });
    timers.advance(299);
    broker.pump();
    expect(presence()?.online).toBe(false);
    timers.advance(1);
    broker.pump();
    expect(presence()).toMatchObject({ online: true, instance: "hub-a" });
    expect(a.stats.announcements).toBe(2);
    await a.stop();
    await b.stop();
  });
});
