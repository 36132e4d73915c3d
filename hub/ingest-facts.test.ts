// Ingest of the session's facts: returns reversed exactly once from the hub's own evaluation, gate entries, verifications and claims recorded.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import type { Fact, LedgerEntry } from "../protocol/messages.js";
import { K1, T0, openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";
import type { Database } from "../storage/database.js";
import type { Ingest } from "./ingest.js";
import type { MemberRegistry } from "./members.js";
import { pricedCartOfText, tenderPlanOfText } from "../protocol/compact-lines.js";

let world: IngestWorld;
let db: Database;
let ingest: Ingest;
let members: MemberRegistry;

beforeEach(async () => {
  world = await openIngestWorld(50_000);
  ({ db, ingest, members } = world);
});
afterEach(() => world.close());

const entry = (seq: number, fact: Fact): LedgerEntry => ({ seq, entryId: `e${seq}`, at: T0, configVersion: 1, fact });

// Rice x2 at the Gold price, 53.91 each: 10782 fen from stored value, 1 point earned.
const SALE: Fact = {
  type: "sale",
  saleId: "sale-1",
  memberId: "m1",
  cardId: "C0001",
  lines: [{ sku: "rice-5kg", qty: 2 }],
  hints: { subtotalFen: 11980, totalFen: 10782, savingsFen: 1198, pointsEarned: 1 },
  tenders: [{ kind: "balance", amountFen: 10782 }],
  offlineApproved: false,
  balanceSplit: { principalFen: 10782, bonusFen: 0 },
};

function ret(returnId: string, qty: number, hints: Partial<Extract<Fact, { type: "return" }>["hints"]> = {}): Fact {
  return {
    type: "return",
    returnId,
    saleId: "sale-1",
    memberId: "m1",
    cardId: "C0001",
    staffId: "s1",
    lines: [{ index: 0, qty }],
    hints: { refundFen: 5391 * qty, principalFen: 5391 * qty, bonusFen: 0, externalFen: 0, pointsCashFen: 0, pointsGivenBack: 0, pointsTakenBack: 1, ...hints },
    couponsRestored: [],
  };
}

describe("ingest of returns, gate entries, verifications and claims", () => {
  it("reverses a return exactly once, from the hub's own evaluation of the sale", () => {
    ingest.handleBatch(K1, { entries: [entry(1, SALE)] });
    expect(members.get("m1")).toMatchObject({ balanceFen: 50_000 - 10782, pointsBalance: 1 });
    const first = ingest.handleBatch(K1, { entries: [entry(2, ret("r1", 1))] });
    expect(first.ack).toEqual({ ackedSeq: 2 });
    expect(members.get("m1")).toMatchObject({ balanceFen: 50_000 - 5391, pointsBalance: 0 });
    // Redelivered: nothing moves.
    ingest.handleBatch(K1, { entries: [entry(1, SALE), entry(2, ret("r1", 1))] });
    expect(members.get("m1")).toMatchObject({ balanceFen: 50_000 - 5391, pointsBalance: 0 });
    // The last unit, with a wrong kiosk figure: the hub credits its own and records the difference.
    ingest.handleBatch(K1, { entries: [entry(3, ret("r2", 1, { principalFen: 5000, refundFen: 5000, pointsTakenBack: 0 }))] });
    expect(members.get("m1")).toMatchObject({ balanceFen: 50_000, pointsBalance: 0 });
    const d = db
      .prepare("SELECT field, kiosk_value, hub_value FROM disagreements WHERE seq = 3 ORDER BY field")
      .all<{ field: string; kiosk_value: number; hub_value: number }>();
    expect(d).toEqual([
      { field: "return.principalFen", kiosk_value: 5000, hub_value: 5391 },
      { field: "return.refundFen", kiosk_value: 5000, hub_value: 5391 },
    ]);
    expect(ingest.memberActivity("m1").returns.map((r) => r.refundFen)).toEqual([5391, 5391]);
  });

  it("stores its evaluation with compact lines, and returns a sale stored before that (plain JSON) the same way", () => {
    ingest.handleBatch(K1, { entries: [entry(1, SALE)] });
    const stored = db.prepare("SELECT priced, tenders FROM sale_details WHERE sale_id = 'sale-1'").get<{ priced: string; tenders: string }>();
    if (!stored) throw new Error("no sale_details row");
    const raw = JSON.parse(stored.priced) as { lines: unknown[]; totals: { totalFen: number } };
    expect(raw.lines[0]).toBe("priced-line/1"); // the receipt line's key list, by name
    expect(Array.isArray(raw.lines[1])).toBe(true);
    expect(raw.totals.totalFen).toBe(10782);
    const priced = pricedCartOfText(stored.priced);
    expect(priced.lines).toMatchObject([{ sku: "rice-5kg", qty: 2, payableFen: 10782 }]);
    // The row as the hub wrote it before: plain JSON of the same receipt and plan.
    db.prepare("UPDATE sale_details SET priced = ?, tenders = ? WHERE sale_id = 'sale-1'").run(
      JSON.stringify(priced),
      JSON.stringify(tenderPlanOfText(stored.tenders)),
    );
    ingest.handleBatch(K1, { entries: [entry(2, ret("r1", 1))] });
    expect(members.get("m1")).toMatchObject({ balanceFen: 50_000 - 5391, pointsBalance: 0 });
    expect(db.prepare("SELECT COUNT(*) AS n FROM disagreements").get<{ n: number }>()?.n).toBe(0);
  });

  it("keeps a return of more than was sold, or of an unknown sale, as rejected and moves nothing", () => {
    ingest.handleBatch(K1, { entries: [entry(1, SALE)] });
    const r = ingest.handleBatch(K1, { entries: [entry(2, ret("r1", 3)), entry(3, { ...ret("r2", 1), saleId: "nope" } as Fact)] });
    expect(r.ack.ackedSeq).toBe(3);
    expect(r.ack.rejected?.map((x) => x.seq)).toEqual([2, 3]);
    expect(r.ack.rejected?.[1]?.reason).toMatch(/unknown or rejected sale nope/);
    expect(members.get("m1")).toMatchObject({ balanceFen: 50_000 - 10782, pointsBalance: 1 });
    expect(ingest.stats.returns).toBe(0);
  });

  it("records gate entries, staff verifications and claim tickets", () => {
    ingest.handleBatch(K1, {
      entries: [
        entry(1, { type: "gate_entry", memberId: "m1", cardId: "C0001", admitted: false, reason: "expired", cardClass: "vip-gold", vipExpiresAt: T0 - 1 }),
        entry(2, { type: "verification", requestId: "v-1", memberId: "m1", cardId: "C0001", staffId: "s7", decision: "approved", reasons: ["card-class"] }),
        entry(3, {
          type: "claim",
          claimId: "c-1",
          memberId: "m1",
          cardId: "C0001",
          lines: [{ sku: "rice-5kg", qty: 1 }],
          coupons: [],
          hints: { subtotalFen: 5990, totalFen: 5391, savingsFen: 599, pointsEarned: 0 },
          expiresAt: T0 + 3600_000,
        }),
      ],
    });
    expect(ingest.memberActivity("m1")).toMatchObject({
      gate: [{ deviceId: "k1", admitted: false, reason: "expired" }],
      verifications: [{ deviceId: "k1", staffId: "s7", decision: "approved" }],
    });
    expect(db.prepare("SELECT status, total_fen FROM claims WHERE claim_id = 'c-1'").get()).toEqual({ status: "open", total_fen: 5391 });
    expect(members.get("m1")).toMatchObject({ balanceFen: 50_000, pointsBalance: 0 });
    expect(ingest.stats).toMatchObject({ gateEntries: 1, verifications: 1, claims: 1, applied: 3 });
  });
});
