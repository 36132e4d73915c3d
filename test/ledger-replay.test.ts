// The ingest benches' light feeder (bench/ledger-replay.ts): the kiosks' recorded batches, replayed under their identities, reach the hub's ledger once each, and a replay of what the hub already has is answered without applying anything.
import { describe, it, expect, afterEach } from "vitest";
import type { Kiosk } from "../device/kiosk.js";
import { recordBatches, replayBatches } from "../bench/ledger-replay.js";
import { BARCODES, SyncWorld, committedTotals } from "./sync-harness.js";

describe("ledger replay (the ingest benches' feeder)", () => {
  let w: SyncWorld;
  afterEach(async () => {
    await w.stop();
  });

  it("replays two kiosks' queued sales in several batches: every sale once, totals as committed; again, nothing new", async () => {
    w = new SyncWorld();
    await w.startHub();
    w.publishDemoConfig("s01");
    const members = [w.addMember("m1"), w.addMember("m2")];
    const kiosks: Kiosk[] = [await w.addKiosk("k1", "s01"), await w.addKiosk("k2", "s01")];
    for (const k of kiosks)
      await w.ready(
        k,
        members.map((m) => m.memberId),
      );
    await w.hub.stop();
    for (const [i, k] of kiosks.entries())
      for (let n = 0; n < 7 + i; n++) await w.checkout(k, members[n % 2]!, n % 2 ? [BARCODES.rice] : [BARCODES.milk, BARCODES.diapers]);
    const committed = committedTotals(kiosks);
    const recorded = recordBatches(
      kiosks.map((kiosk) => ({ kiosk, config: w.kioskConfigs.get(kiosk.deviceId)! })),
      3,
    );
    expect(recorded.map((r) => r.batches.map((b) => [b.first, b.last]))).toEqual([
      [
        [1, 3],
        [4, 6],
        [7, 7],
      ],
      [
        [1, 3],
        [4, 6],
        [7, 8],
      ],
    ]);
    for (const k of kiosks) await k.stop();

    const hub = await w.startHub();
    await replayBatches(recorded, 20_000);
    expect(hub.ingest.totals()).toMatchObject({ sales: committed.sales, totalFen: committed.totalFen });
    expect(committed.sales).toBe(15);
    expect([hub.ingest.ackedSeq("k1"), hub.ingest.ackedSeq("k2")]).toEqual([7, 8]);
    expect(hub.ingest.stats).toMatchObject({ applied: 15, rejected: 0, disagreements: 0 });

    // The hub has it all: the first batch's ack covers the rest, so the replay ends without a new row.
    await replayBatches(recorded, 20_000);
    expect(hub.ingest.totals().sales).toBe(15);
    expect(hub.ingest.stats.applied).toBe(15);
  });
});
