// The kiosk's sale commit (appendSale): what it writes parses with the protocol's schema, reads back exactly, is all or nothing; and a kiosk upgraded in place still reads, returns and sends what it wrote before migration 6.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { generateKeyPair } from "../protocol/signing.js";
import { LedgerEntrySchema, MemberRecordSchema, type MemberRecord, type SaleFact } from "../protocol/messages.js";
import type { PricedCart } from "../protocol/rules/pricing-types.js";
import type { TenderPlan } from "../protocol/rules/tenders.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { KioskStore, type HeldCouponRecord, type MemberEffect } from "./store.js";

const checkout = JSON.parse(readFileSync(new URL("../protocol/rules/vectors/full-checkout.json", import.meta.url), "utf8")) as {
  cases: Array<{ fn: string; expected: unknown }>;
};
const priced = checkout.cases.find((c) => c.fn === "priceCart" && (c.expected as PricedCart).lines.length >= 3)?.expected as PricedCart;
const tenders = checkout.cases.find((c) => c.fn === "settleTenders")?.expected as TenderPlan;

const held: HeldCouponRecord[] = [
  { instanceId: "cp1", couponId: "c-200-50", expiresOn: "2026-12-31" },
  { instanceId: "cp2", couponId: "c-free-milk", expiresOn: "2026-12-31" },
];
const member: MemberRecord = MemberRecordSchema.parse({
  memberId: "m1",
  cardId: "C1",
  name: "x",
  levelId: "gold",
  cardClass: "standard",
  cardPublicKey: generateKeyPair().publicKey,
  status: "active",
  pointsBalance: 100,
  balanceFen: 5_000,
  coupons: [...held, { instanceId: "cp3", couponId: "c-birthday-20", expiresOn: "2026-12-31" }],
});

function saleFact(saleId: string): SaleFact {
  return {
    type: "sale",
    saleId,
    memberId: "m1",
    cardId: "C1",
    lines: priced.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    hints: { subtotalFen: priced.totals.subtotalFen, totalFen: priced.totals.totalFen, savingsFen: priced.totals.savingsFen, pointsEarned: 7 },
    tenders: [{ kind: "external", amountFen: priced.totals.totalFen }],
    offlineApproved: false,
    coupons: held.map((c) => c.instanceId),
    pointsRedeemed: 20,
    receiptToken: "AbCdEfGhIjKlMnOpQrStUv",
    authorization: { requestId: saleId, mode: "online" },
  };
}
const effect: MemberEffect = { memberId: "m1", pointsDelta: 7 - 20, balanceDeltaFen: -300, coupons: held.map((coupon) => ({ action: "use", coupon })) };
const stored = (saleId: string) => ({ saleId, memberId: "m1", cardId: "C1", at: 1_000, priced, tenders, coupons: held });

let dir: string;
let db: Database;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "kiosk-sales-"));
  db = await openDatabase(join(dir, "k.db"));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("kiosk sale commit", () => {
  beforeEach(() => void migrate(db, KIOSK_MIGRATIONS));

  it("writes an entry that parses with the ledger schema, sent as committed, and a sale that reads back exactly", () => {
    const store = new KioskStore(db);
    store.applyMemberChanges([{ kind: "upsert", seq: 1, member }], 1, true);
    const entry = store.appendSale(saleFact("sale-1"), 1_000, 4, effect, stored("sale-1"));
    expect(entry).toMatchObject({ seq: 1, entryId: "sale-1", configVersion: 4 });
    const row = db.prepare("SELECT seq, entry_id, at, config_version, body FROM ledger WHERE seq = 1").get<Record<string, string | number>>();
    const parsed = LedgerEntrySchema.parse({
      seq: row?.seq,
      entryId: row?.entry_id,
      at: row?.at,
      configVersion: row?.config_version,
      fact: JSON.parse(String(row?.body)),
    });
    expect(parsed).toEqual(LedgerEntrySchema.parse(entry));
    expect(store.pending(1, 10)).toEqual([parsed]);
    expect(store.entries()).toEqual([parsed]);
    expect(store.sale("sale-1")).toEqual({ ...stored("sale-1"), seq: 1 });
    expect(store.saleIdBySeq(1)).toBe("sale-1");
    expect(store.saleReceiptToken(1)).toBe("AbCdEfGhIjKlMnOpQrStUv");
    // The member effect: points, balance and both coupons off the member's local view.
    const local = store.member("m1");
    expect(local).toMatchObject({ pointsBalance: 100 - 13, balanceFen: 5_000 - 300 });
    expect(local?.coupons.map((c) => c.instanceId)).toEqual(["cp3"]);
    // It waits for the hub as the ledger's tail past the acknowledged mark: no outbox table to write.
    expect(store.outboxDepth()).toBe(1);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_schema WHERE name = 'outbox'").get<{ n: number }>()?.n).toBe(0);
    expect(db.prepare("SELECT COUNT(*) AS n FROM member_pending_coupons").get<{ n: number }>()?.n).toBe(0);
  });

  it("gives a coupon back through a later effect, and drops the effects the hub has acknowledged", () => {
    const store = new KioskStore(db);
    store.applyMemberChanges([{ kind: "upsert", seq: 1, member }], 1, true);
    store.appendSale(saleFact("sale-1"), 1_000, 4, effect, stored("sale-1"));
    store.appendFact(saleFact("sale-2"), 2_000, 4, { memberId: "m1", pointsDelta: 0, balanceDeltaFen: 0, coupons: [{ action: "restore", coupon: held[0]! }] });
    expect(store.member("m1")?.coupons.map((c) => c.instanceId)).toEqual(["cp3", "cp1"]);
    store.acknowledge(2);
    store.applyMemberChanges([], 2, false);
    expect(store.member("m1")?.coupons.map((c) => c.instanceId)).toEqual(["cp1", "cp2", "cp3"]);
    expect(store.outboxDepth()).toBe(0);
  });

  it("is all or nothing: a sale whose id is taken writes no ledger, outbox, effect or record", () => {
    const store = new KioskStore(db);
    store.appendSale(saleFact("sale-1"), 1_000, 4, effect, stored("sale-1"));
    expect(() => store.appendSale(saleFact("sale-1"), 2_000, 4, effect, stored("sale-1"))).toThrow();
    const counts = ["ledger", "member_pending", "sale_records"].map((t) => db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get<{ n: number }>()?.n);
    expect(counts).toEqual([1, 1, 1]);
    expect(store.outboxDepth()).toBe(1);
    expect(store.lastSeq()).toBe(1);
  });
});

describe("a kiosk upgraded in place (rows written before migration 6)", () => {
  /** What the store wrote before migration 6, with its own SQL: outbox payload, one coupon row each, the receipt as JSON in sales. */
  function oldSale(seq: number, saleId: string): void {
    const fact = saleFact(saleId);
    const entry = LedgerEntrySchema.parse({ seq, entryId: `entry-${seq}`, at: 1_000 + seq, configVersion: 3, fact });
    db.prepare("INSERT INTO ledger (seq, entry_id, type, at, config_version, body) VALUES (?, ?, ?, ?, ?, ?)").run(
      seq,
      entry.entryId,
      "sale",
      entry.at,
      3,
      JSON.stringify(fact),
    );
    db.prepare("INSERT INTO outbox (seq, payload) VALUES (?, ?)").run(seq, JSON.stringify(entry));
    db.prepare("INSERT INTO member_pending (seq, member_id, points_delta, balance_delta, bonus_delta) VALUES (?, ?, ?, ?, ?)").run(seq, "m1", -13, -300, 0);
    for (const c of held) {
      db.prepare("INSERT INTO member_pending_coupons (seq, member_id, instance_id, action, coupon) VALUES (?, ?, ?, ?, ?)").run(
        seq,
        "m1",
        c.instanceId,
        "use",
        JSON.stringify(c),
      );
    }
    db.prepare("INSERT INTO sales (sale_id, seq, member_id, card_id, at, priced, tenders, coupons) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
      saleId,
      seq,
      "m1",
      "C1",
      entry.at,
      JSON.stringify(priced),
      JSON.stringify(tenders),
      JSON.stringify(held),
    );
  }

  it("reads, sends and returns the old sale, and commits new ones after it", () => {
    migrate(
      db,
      KIOSK_MIGRATIONS.filter((m) => m.version <= 5),
    );
    new KioskStore(db).applyMemberChanges([{ kind: "upsert", seq: 1, member }], 1, true);
    oldSale(1, "old-sale");
    db.prepare("INSERT INTO returned_units (sale_id, line, qty) VALUES (?, ?, ?)").run("old-sale", 0, 1);
    const oldOutbox = JSON.parse(String(db.prepare("SELECT payload FROM outbox WHERE seq = 1").get<{ payload: string }>()?.payload));

    expect(migrate(db, KIOSK_MIGRATIONS)).toBeGreaterThanOrEqual(6);
    const store = new KioskStore(db);
    expect(store.pending(1, 10)).toEqual([LedgerEntrySchema.parse(oldOutbox)]);
    expect(store.sale("old-sale")).toEqual({ ...stored("old-sale"), seq: 1, at: 1_001 });
    expect(store.saleIdBySeq(1)).toBe("old-sale");
    expect(store.returnedUnits("old-sale")).toEqual([{ index: 0, qty: 1 }]);
    store.database.transaction(() => store.addReturnedUnitsInTx("old-sale", [{ index: 0, qty: 1 }]));
    expect(store.returnedUnits("old-sale")).toEqual([{ index: 0, qty: 2 }]);
    expect(store.member("m1")?.coupons.map((c) => c.instanceId)).toEqual(["cp3"]);

    // A new sale after the upgrade: its coupon moves in the new column, ordered after the old rows.
    store.appendFact(saleFact("give-back"), 2_000, 4, {
      memberId: "m1",
      pointsDelta: 0,
      balanceDeltaFen: 0,
      coupons: [{ action: "restore", coupon: held[1]! }],
    });
    expect(store.member("m1")?.coupons.map((c) => c.instanceId)).toEqual(["cp3", "cp2"]);
    store.appendSale(saleFact("new-sale"), 3_000, 4, { memberId: "m1", pointsDelta: 1, balanceDeltaFen: 0 }, stored("new-sale"));
    expect(store.pending(1, 10).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(store.sale("new-sale")?.priced).toEqual(priced);
    expect(store.member("m1")?.pointsBalance).toBe(100 - 13 + 1);
    store.acknowledge(3);
    store.applyMemberChanges([], 2, false);
    expect(store.outboxDepth()).toBe(0);
    expect(db.prepare("SELECT COUNT(*) AS n FROM member_pending_coupons").get<{ n: number }>()?.n).toBe(0);
  });
});
