// Exactly-once ingest: duplicates, reordering, gaps, rejections and recomputation against the kiosk's hints.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { ManualClock } from "../protocol/clock.js";
import type { SaleFact } from "../protocol/messages.js";
import { DeviceRegistry } from "./devices.js";
import { K1, T0, openIngestWorld, riceSale, type IngestWorld } from "./ingest-world.testkit.js";
import type { Database } from "../storage/database.js";
import type { Ingest } from "./ingest.js";
import type { MemberRegistry } from "./members.js";
import type { MemoryLogSink } from "../runtime/log.js";

let world: IngestWorld;
let db: Database;
let ingest: Ingest;
let members: MemberRegistry;
let sink: MemoryLogSink;

beforeEach(async () => {
  world = await openIngestWorld(0);
  ({ db, ingest, members, sink } = world);
});
afterEach(() => world.close());

const sale = riceSale;

const points = (): number => members.get("m1")!.pointsBalance;
const salesCount = (): number => db.prepare("SELECT COUNT(*) AS n FROM sales").get<{ n: number }>()!.n;

describe("ingest", () => {
  it("applies a batch once and acknowledges the high-water mark", () => {
    const { ack, changes } = ingest.handleBatch(K1, { entries: [sale(1), sale(2)] });
    expect(ack).toEqual({ ackedSeq: 2 });
    // One changelog entry for the member the batch moved twice, carrying the state after both sales.
    expect(changes).toHaveLength(1);
    const change = changes[0]!.change;
    expect(change.kind === "upsert" && change.member.pointsBalance).toBe(2);
    expect(change.seq).toBe(members.cursor("s01"));
    expect(points()).toBe(2);
    expect(salesCount()).toBe(2);
  });

  it("ignores duplicates and redelivered batches", () => {
    ingest.handleBatch(K1, { entries: [sale(1), sale(2)] });
    const again = ingest.handleBatch(K1, { entries: [sale(1), sale(2), sale(2)] });
    expect(again.ack.ackedSeq).toBe(2);
    expect(points()).toBe(2);
    expect(salesCount()).toBe(2);
    expect(ingest.stats.duplicates).toBe(3);
  });

  it("applies a reordered batch in sequence order", () => {
    const { ack } = ingest.handleBatch(K1, { entries: [sale(3), sale(1), sale(2)] });
    expect(ack.ackedSeq).toBe(3);
    expect(salesCount()).toBe(3);
  });

  it("stops at a gap and asks for a resend from it", () => {
    const { ack } = ingest.handleBatch(K1, { entries: [sale(1), sale(2), sale(4), sale(5)] });
    expect(ack).toEqual({ ackedSeq: 2, resendFrom: 3 });
    expect(salesCount()).toBe(2);
    expect(sink.messages()).toContain("ledger gap: asking the kiosk to resend");
    const healed = ingest.handleBatch(K1, { entries: [sale(3), sale(4), sale(5)] });
    expect(healed.ack).toEqual({ ackedSeq: 5 });
    expect(points()).toBe(5);
  });

  it("recomputes and records a disagreement, crediting the hub's figure", () => {
    ingest.handleBatch(K1, { entries: [sale(1, { hints: { subtotalFen: 11980, totalFen: 10782, savingsFen: 1198, pointsEarned: 50 } })] });
    expect(points()).toBe(1);
    const rows = db.prepare("SELECT field, kiosk_value, hub_value FROM disagreements").all();
    expect(rows).toEqual([{ field: "pointsEarned", kiosk_value: 50, hub_value: 1 }]);
  });

  it("keeps a sale it cannot apply as rejected, moves on, and changes no balance", () => {
    const { ack } = ingest.handleBatch(K1, { entries: [sale(1, { memberId: "nobody" }), sale(2, { lines: [{ sku: "no-such-sku", qty: 1 }] }), sale(3)] });
    expect(ack.ackedSeq).toBe(3);
    expect(ack.rejected?.map((r) => r.seq)).toEqual([1, 2]);
    expect(points()).toBe(1);
    expect(salesCount()).toBe(1);
    expect(db.prepare("SELECT seq, status FROM ledger ORDER BY seq").all()).toEqual([
      { seq: 1, status: "rejected" },
      { seq: 2, status: "rejected" },
      { seq: 3, status: "applied" },
    ]);
  });

  it("keeps per-device sequences apart", () => {
    const db2 = new DeviceRegistry(db, new ManualClock(T0));
    db2.provision({ ...K1, deviceId: "k2" });
    ingest.handleBatch(K1, { entries: [sale(1)] });
    const other = ingest.handleBatch({ ...K1, deviceId: "k2" }, { entries: [{ ...sale(1), fact: { ...sale(1).fact, saleId: "k2-sale-1" } as SaleFact }] });
    expect(other.ack.ackedSeq).toBe(1);
    expect(points()).toBe(2);
  });
});
