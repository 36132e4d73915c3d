// The kiosk store: gapless sequence, outbox trimmed by acks only, pending member effects, config swap.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { generateKeyPair } from "../protocol/signing.js";
import { MemberRecordSchema, type Fact, type MemberRecord } from "../protocol/messages.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { KioskStore } from "./store.js";

let dir: string;
let db: Database;
let store: KioskStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kiosk-store-"));
  db = await openDatabase(join(dir, "k.db"));
  migrate(db, KIOSK_MIGRATIONS);
  store = new KioskStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const member: MemberRecord = MemberRecordSchema.parse({
  memberId: "m1",
  cardId: "C1",
  name: "x",
  levelId: "gold",
  cardClass: "standard",
  cardPublicKey: generateKeyPair().publicKey,
  status: "active",
  pointsBalance: 10,
  balanceFen: 0,
});

function sale(n: number): Fact {
  return {
    type: "sale",
    saleId: `s${n}`,
    memberId: "m1",
    cardId: "C1",
    lines: [{ sku: "rice-5kg", qty: 1 }],
    hints: { subtotalFen: 100, totalFen: 100, savingsFen: 0, pointsEarned: 2 },
    tenders: [{ kind: "external", amountFen: 100 }],
    offlineApproved: false,
  };
}

describe("kiosk store", () => {
  it("numbers facts without gaps and keeps them in the outbox until acknowledged", () => {
    for (let i = 1; i <= 5; i++) expect(store.appendFact(sale(i), 1000 + i, 1).seq).toBe(i);
    expect(store.outboxDepth()).toBe(5);
    expect(store.pending(1, 2).map((e) => e.seq)).toEqual([1, 2]);
    store.acknowledge(3);
    expect(store.outboxDepth()).toBe(2);
    expect(store.pending(store.ackedSeq() + 1, 10).map((e) => e.seq)).toEqual([4, 5]);
    store.acknowledge(2); // a late, older ack never moves the mark back
    expect(store.ackedSeq()).toBe(3);
    store.acknowledge(99); // an ack beyond what was written is bounded
    expect(store.ackedSeq()).toBe(5);
    expect(store.outboxDepth()).toBe(0);
    expect(store.entries()).toHaveLength(5);
  });

  it("rolls back the whole fact when any part fails", () => {
    store.appendFact(sale(1), 1, 1);
    expect(() => store.appendFact({ ...sale(2), lines: [] } as unknown as Fact, 2, 1)).toThrow();
    expect(store.lastSeq()).toBe(1);
    expect(store.outboxDepth()).toBe(1);
  });

  it("shows the hub's member snapshot plus local effects until the hub has them", () => {
    store.applyMemberChanges([{ kind: "upsert", seq: 1, member }], 1, true);
    store.appendFact(sale(1), 1, 1, { memberId: "m1", pointsDelta: 2, balanceDeltaFen: 0 });
    expect(store.member("m1")?.pointsBalance).toBe(12);
    store.acknowledge(1);
    // The hub's new snapshot includes the sale: the local effect is dropped, not counted twice.
    store.applyMemberChanges([{ kind: "upsert", seq: 2, member: { ...member, pointsBalance: 12 } }], 2, false);
    expect(store.member("m1")?.pointsBalance).toBe(12);
    expect(store.memberByCard("C1")?.memberId).toBe("m1");
    store.applyMemberChanges([{ kind: "delete", seq: 3, memberId: "m1" }], 3, false);
    expect(store.member("m1")).toBeUndefined();
    expect(store.memberCursor()).toBe(3);
  });
});
