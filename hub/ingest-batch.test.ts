// Batched ingest writes (hub/ingest-batch.ts): a sale and its return in one batch, duplicates inside a batch, a failing entry mid-batch, and the same rows as writing row by row.
import { describe, it, expect, afterEach } from "vitest";
import type { Fact, LedgerEntry } from "../protocol/messages.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import type { Database, Row } from "../storage/database.js";
import { K1, T0, openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";
import { Ingest } from "./ingest.js";
import { generateKeyPair } from "../protocol/signing.js";

const worlds: IngestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.close();
});

/** A world with m1 holding 500.00 yuan, its Ingest batched (the hub's) or writing row by row. */
async function open(rowByRow: boolean): Promise<IngestWorld> {
  const w = await openIngestWorld(50_000);
  worlds.push(w);
  if (!rowByRow) return w;
  const log = createLogger("test", { destination: new MemoryLogSink(), level: "warn" });
  return { ...w, ingest: new Ingest(w.db, w.clock, w.members, w.configs, log, w.authorizer, { rowByRow: true }) };
}

const entry = (seq: number, fact: Fact): LedgerEntry => ({ seq, entryId: `e${seq}`, at: T0 + seq, configVersion: 1, fact });

// Rice x2 at the Gold price: 10782 fen, 1 point. From stored value (offline: the limits sum the day's sales) or paid outside.
function sale(saleId: string, balance: boolean, hints: Partial<Extract<Fact, { type: "sale" }>["hints"]> = {}): Fact {
  return {
    type: "sale",
    saleId,
    memberId: "m1",
    cardId: "C0001",
    lines: [{ sku: "rice-5kg", qty: 2 }],
    hints: { subtotalFen: 11980, totalFen: 10782, savingsFen: 1198, pointsEarned: 1, ...hints },
    tenders: [{ kind: balance ? "balance" : "external", amountFen: 10782 }],
    offlineApproved: !balance,
    ...(balance ? { balanceSplit: { principalFen: 10782, bonusFen: 0 } } : {}),
  };
}

function ret(returnId: string, saleId: string): Fact {
  return {
    type: "return",
    returnId,
    saleId,
    memberId: "m1",
    cardId: "C0001",
    staffId: "s1",
    lines: [{ index: 0, qty: 1 }],
    hints: { refundFen: 5391, principalFen: 5391, bonusFen: 0, externalFen: 0, pointsCashFen: 0, pointsGivenBack: 0, pointsTakenBack: 1 },
    couponsRestored: [],
  };
}

const TABLES = [
  "ledger",
  "sales",
  "sale_details",
  "points_log",
  "balance_log",
  "notifications",
  "disagreements",
  "returns",
  "returned_units",
  "gate_entries",
  "members",
  "member_changes",
  "devices",
];

/** Every row of the tables ingest writes, in a stable order, without what differs between two worlds by design (random ids, keys). */
function dump(db: Database): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const t of TABLES) {
    const rows = db.prepare(`SELECT * FROM ${t}`).all();
    for (const r of rows) {
      delete r.notification_id;
      delete r.card_public_key;
      delete r.last_seen_at;
      delete r.cert_fingerprint;
      delete r.secret_hash;
    }
    out[t] = rows
      .map((r) => JSON.stringify(r))
      .sort()
      .map((s) => JSON.parse(s) as Row);
  }
  return out;
}

const count = (db: Database, table: string): number => Number(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get<{ n: number }>()!.n);

describe("batched ingest writes", () => {
  it("applies a sale and its return in one batch, the return reading the sale the batch holds", async () => {
    const w = await open(false);
    const { ack } = w.ingest.handleBatch(K1, { entries: [entry(1, sale("sale-1", true)), entry(2, ret("r1", "sale-1")), entry(3, ret("r2", "sale-1"))] });
    expect(ack).toEqual({ ackedSeq: 3 });
    expect(w.ingest.stats).toMatchObject({ applied: 3, rejected: 0, returns: 2 });
    // Both units back: the stored value whole again, the point taken back.
    expect(w.members.get("m1")).toMatchObject({ balanceFen: 50_000, pointsBalance: 0 });
    expect(w.db.prepare("SELECT line, qty FROM returned_units WHERE sale_id = 'sale-1'").all()).toEqual([{ line: 0, qty: 2 }]);
    // A third return in the next batch finds nothing left to return.
    const again = w.ingest.handleBatch(K1, { entries: [entry(4, ret("r3", "sale-1"))] });
    expect(again.ack.rejected?.map((r) => r.seq)).toEqual([4]);
  });

  it("applies an entry repeated inside a batch once, and a redelivered batch not at all", async () => {
    const w = await open(false);
    const batch = {
      entries: [entry(1, sale("sale-1", false)), entry(2, sale("sale-2", false)), entry(2, sale("sale-2", false)), entry(3, sale("sale-3", false))],
    };
    expect(w.ingest.handleBatch(K1, batch).ack).toEqual({ ackedSeq: 3 });
    expect(w.ingest.stats).toMatchObject({ applied: 3, duplicates: 1 });
    expect(w.ingest.handleBatch(K1, batch).ack).toEqual({ ackedSeq: 3 });
    expect(w.ingest.stats).toMatchObject({ applied: 3, duplicates: 5 });
    expect([count(w.db, "sales"), count(w.db, "ledger"), count(w.db, "notifications"), count(w.db, "points_log")]).toEqual([3, 3, 3, 3]);
    expect(w.members.get("m1")?.pointsBalance).toBe(3);
  });

  it.each([false, true])("leaves nothing of a batch whose entry fails mid-batch, counters as before (row by row: %s)", async (rowByRow) => {
    const w = await open(rowByRow);
    w.ingest.handleBatch(K1, { entries: [entry(1, sale("sale-1", true))] });
    const before = dump(w.db);
    const stats = { ...w.ingest.stats };
    // seq 3 reuses sale-1's id: the database refuses it (not a rejection kept for review), after seq 2 was applied and before seq 4.
    const failing = { entries: [entry(2, sale("sale-2", true)), entry(3, sale("sale-1", false)), entry(4, sale("sale-4", false))] };
    expect(() => w.ingest.handleBatch(K1, failing)).toThrow();
    expect(w.ingest.stats).toEqual(stats);
    expect(w.ingest.ackedSeq(K1.deviceId)).toBe(1);
    expect(dump(w.db)).toEqual(before);
    // The kiosk sends it again without the bad entry: applied once, from seq 2.
    expect(w.ingest.handleBatch(K1, { entries: [entry(2, sale("sale-2", true)), entry(3, sale("sale-3", false))] }).ack).toEqual({ ackedSeq: 3 });
    // sale-2 takes what the offline limit (200.00 yuan a day) leaves after sale-1: 92.18.
    expect(w.members.get("m1")).toMatchObject({ balanceFen: 50_000 - 20_000, pointsBalance: 3 });
  });

  it("writes the same rows, acks and member changes as writing row by row", async () => {
    const batched = await open(false);
    const rowByRow = await open(true);
    // A second member, seen by store s01 only (a changelog entry scoped to the store), created the same in both.
    for (const w of [batched, rowByRow])
      w.members.create({
        memberId: "m2",
        cardId: "C0002",
        name: "Han Meimei",
        levelId: "gold",
        cardClass: "standard",
        cardPublicKey: generateKeyPair().publicKey,
        stores: ["s01"],
      });
    const m2 = (seq: number, saleId: string): LedgerEntry => entry(seq, { ...sale(saleId, false), memberId: "m2", cardId: "C0002" } as Fact);
    const batches: LedgerEntry[][] = [
      [
        m2(1, "sale-m2-1"),
        entry(2, sale("sale-1", true)),
        // The kiosk's figures differ: a disagreement row, the hub's figures used.
        entry(3, sale("sale-2", false, { totalFen: 10000 })),
        entry(3, sale("sale-2", false)),
        // An unknown member: kept as rejected.
        entry(4, { ...sale("sale-x", false), memberId: "m9" } as Fact),
        entry(5, ret("r1", "sale-1")),
        entry(6, { type: "gate_entry", memberId: "m1", cardId: "C0001", admitted: true, cardClass: "standard" }),
        // Offline from stored value after a return in the same batch: the limits see sale-1.
        entry(7, sale("sale-3", true)),
        m2(8, "sale-m2-2"),
      ],
      [entry(9, sale("sale-4", false)), m2(10, "sale-m2-3"), entry(11, ret("r2", "sale-1")), entry(12, ret("r3", "sale-3"))],
    ];
    for (const entries of batches) {
      const a = batched.ingest.handleBatch(K1, { entries });
      const b = rowByRow.ingest.handleBatch(K1, { entries });
      expect(a.ack).toEqual(b.ack);
      const strip = (cs: typeof a.changes) =>
        cs.map((c) => ({ ...c, change: c.change.kind === "upsert" ? { ...c.change, member: { ...c.change.member, cardPublicKey: "" } } : c.change }));
      expect(strip(a.changes)).toEqual(strip(b.changes));
    }
    expect(batched.ingest.stats).toEqual(rowByRow.ingest.stats);
    expect(batched.ingest.stats).toMatchObject({ applied: 11, rejected: 1, duplicates: 1, returns: 3, gateEntries: 1 });
    const rows = dump(batched.db);
    expect(rows).toEqual(dump(rowByRow.db));
    // sale-3's offline limit counted sale-1, held by the same batch: 200.00 yuan a day less 107.82.
    expect(rows.sales!.find((r) => r.sale_id === "sale-3")?.balance_fen).toBe(20_000 - 10_782);
    expect(rows.disagreements!.filter((r) => r.seq === 3)).toHaveLength(1);
    // One changelog entry per member and batch: m2's scoped to s01, m1's to every store.
    const log = rows.member_changes!.filter((r) => Number(r.seq) > 2).sort((a, b) => Number(a.seq) - Number(b.seq));
    expect(log.map((r) => [r.member_id, r.store_id])).toEqual([
      ["m2", "s01"],
      ["m1", null],
      ["m1", null],
      ["m2", "s01"],
    ]);
    expect(rows.balance_log).toHaveLength(5);
    expect(rows.notifications).toHaveLength(7);
  });
});
