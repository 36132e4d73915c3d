// Faults over real MQTT: many kiosks at once, injected duplicates/reordering/loss, broker and hub restarts under load, long offline spells.
import { describe, it, expect, afterEach, beforeEach } from "vitest";
import { readFileSync } from "node:fs";
import mqtt from "mqtt";
import { deviceTopic } from "../protocol/topics.js";
import type { LedgerEntry } from "../protocol/messages.js";
import type { Kiosk } from "../device/kiosk.js";
import { waitUntil } from "../scripts/demo-env.js";
import { brokerMatrix, useBroker } from "./mosquitto.js";
import { BARCODES, CHAIN, SyncWorld, allSynced, committedTotals, type TestMember } from "./sync-harness.js";

const BASKETS = [[BARCODES.rice], [BARCODES.milk, BARCODES.milk], [BARCODES.formula, BARCODES.diapers], [BARCODES.diapers, BARCODES.rice, BARCODES.milk]];

/** The hub's figures, from its database. */
function hubTotals(w: SyncWorld): { sales: number; totalFen: number } {
  const t = w.hub.ingest.totals();
  return { sales: t.sales, totalFen: t.totalFen };
}

/** Sum of points over members equals what the hub credited for the sales it applied. */
function pointsConsistent(w: SyncWorld, members: readonly TestMember[]): boolean {
  const credited = members.reduce((s, m) => s + (w.hub.members.get(m.memberId)?.pointsBalance ?? 0), 0);
  return credited === w.hub.ingest.totals().pointsEarned;
}

async function sell(w: SyncWorld, kiosk: Kiosk, members: readonly TestMember[], n: number, offset = 0): Promise<void> {
  for (let i = 0; i < n; i++) {
    await w.checkout(kiosk, members[(i + offset) % members.length]!, BASKETS[(i + offset) % BASKETS.length]!);
  }
}

describe.each(brokerMatrix())("sync under faults on $name", ({ external }) => {
  const broker = useBroker(external);
  let w: SyncWorld;
  afterEach(async () => {
    await w.stop();
  });
  // A failure shows what the broker and the MQTT clients said (the hub's logs stay in memory otherwise).
  beforeEach((ctx) => {
    ctx.onTestFailed(() => {
      for (const l of w.sink.lines.slice(-400)) {
        if (/mqtt|broker|hub/.test(String(l.msg ?? ""))) console.error(JSON.stringify(l));
      }
    });
  });

  it("takes 10 kiosks selling at once and ends with exact totals", async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    w.publishDemoConfig("s01");
    w.publishDemoConfig("s02");
    const members = Array.from({ length: 10 }, (_, i) => w.addMember(`m${i}`));
    const kiosks: Kiosk[] = [];
    for (let i = 0; i < 10; i++) kiosks.push(await w.addKiosk(`k${i}`, i < 5 ? "s01" : "s02"));
    for (const k of kiosks)
      await w.ready(
        k,
        members.map((m) => m.memberId),
      );
    await Promise.all(kiosks.map((k, i) => sell(w, k, members, 15, i)));
    await allSynced(kiosks);
    expect(committedTotals(kiosks).sales).toBe(150);
    expect(hubTotals(w)).toEqual(committedTotals(kiosks));
    expect(pointsConsistent(w, members)).toBe(true);
  });

  it("applies duplicated, reordered and partly lost batches exactly once, healing the gaps", async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    w.publishDemoConfig("s01");
    const members = [w.addMember("m1"), w.addMember("m2")];
    const k1 = await w.addKiosk("k1", "s01");
    await w.ready(k1, ["m1", "m2"]);
    await w.hub.stop();
    await sell(w, k1, members, 30);
    const entries: LedgerEntry[] = k1.store.pending(1, 100);
    expect(entries).toHaveLength(30);
    await k1.stop();
    w.kiosks.delete("k1");
    await w.startHub();
    // A misbehaving network, played with the kiosk's own credentials: duplicates, reordering, a lost batch.
    const cfg = w.kioskConfigs.get("k1")!;
    const raw = await mqtt.connectAsync(cfg.hub.url, {
      clientId: "kiosk-k1/replay",
      username: cfg.hub.username,
      password: readFileSync(cfg.hub.passwordFile, "utf8"),
      protocolVersion: 4,
    });
    const topic = deviceTopic({ chainId: CHAIN, storeId: "s01", deviceId: "k1" }, "ledger");
    const send = (seqs: number[]) => raw.publishAsync(topic, JSON.stringify({ entries: seqs.map((s) => entries[s - 1]) }), { qos: 1 });
    await send([3, 1, 2, 2]);
    await send([1, 2]);
    await send([10, 11, 12]); // 4..9 lost: a gap
    await send([6, 5, 4, 4]);
    await waitUntil(() => w.hub.ingest.ackedSeq("k1") === 6, "hub applied 1..6");
    await raw.endAsync();
    expect(w.hub.ingest.stats.gaps).toBeGreaterThanOrEqual(1);
    expect(w.hub.ingest.stats.duplicates).toBeGreaterThanOrEqual(4);
    // The kiosk comes back and resends everything above the hub's mark.
    const again = await w.startKiosk("k1");
    await allSynced([again]);
    expect(hubTotals(w)).toEqual(committedTotals([again]));
    expect(hubTotals(w).sales).toBe(30);
    expect(pointsConsistent(w, members)).toBe(true);
  });

  it(external ? "survives a broker restart under load" : "survives a hub (and embedded broker) restart under load", async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    w.publishDemoConfig("s01");
    // Enough members that no kiosk needs more than one member code per card per second of its window,
    // even when a loaded machine makes the restart take many seconds while the kiosks keep selling.
    const members = Array.from({ length: 64 }, (_, i) => w.addMember(`m${i}`));
    const kiosks = [await w.addKiosk("k1", "s01"), await w.addKiosk("k2", "s01"), await w.addKiosk("k3", "s01")];
    for (const k of kiosks)
      await w.ready(
        k,
        members.map((m) => m.memberId),
      );
    let selling = true;
    const load = kiosks.map(async (k, i) => {
      let n = 0;
      while (selling) {
        await sell(w, k, members, 1, n++ + i);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      if (external) {
        await broker.restart();
      } else {
        await w.hub.stop();
        await new Promise((r) => setTimeout(r, 300));
        await w.startHub();
      }
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      // Stop selling before anything is torn down, also when the restart failed, so no sale runs on a closed store.
      selling = false;
      await Promise.allSettled(load);
    }
    await Promise.all(load);
    await allSynced(kiosks, 60_000);
    expect(committedTotals(kiosks).sales).toBeGreaterThan(10);
    expect(hubTotals(w)).toEqual(committedTotals(kiosks));
    expect(pointsConsistent(w, members)).toBe(true);
  }, 90_000); // allSynced may wait 60 s on a loaded machine; the default 30 s would cut it short

  it("catches up after thousands of sales made offline", async () => {
    w = new SyncWorld(broker.current);
    await w.startHub();
    w.publishDemoConfig("s01");
    const members = Array.from({ length: 40 }, (_, i) => w.addMember(`m${i}`));
    const k1 = await w.addKiosk("k1", "s01");
    await w.ready(
      k1,
      members.map((m) => m.memberId),
    );
    await w.hub.stop();
    await sell(w, k1, members, 2000);
    expect(k1.store.outboxDepth()).toBe(2000);
    const started = Date.now();
    await w.startHub();
    await allSynced([k1], 120_000);
    w.log.info({ ms: Date.now() - started, sales: 2000 }, "offline catch-up done");
    expect(hubTotals(w)).toEqual(committedTotals([k1]));
    expect(pointsConsistent(w, members)).toBe(true);
  }, 180_000);
});
