// The hub never applies a kiosk's money, points or scope claims: crafted sale and return facts against the real Ingest (#13 High 1, 2, 5).
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import type { Fact, LedgerEntry, SaleFact } from "../protocol/messages.js";
import { generateKeyPair } from "../protocol/signing.js";
import { DeviceRegistry } from "./devices.js";
import { K1, T0, openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";
import { MEMBER_VALUE_LIMIT } from "./members.js";
import { SALE_LIMIT_FEN } from "./evaluate.js";

let world: IngestWorld;
let seq = 0;

beforeEach(async () => {
  world = await openIngestWorld(50_000);
  seq = 0;
  const key = (): string => generateKeyPair().publicKey;
  world.members.create({
    memberId: "m2",
    cardId: "C0002",
    name: "s02 only",
    levelId: "gold",
    cardClass: "standard",
    cardPublicKey: key(),
    balanceFen: 50_000,
    stores: ["s02"],
  });
  world.members.create({
    memberId: "m3",
    cardId: "C0003",
    name: "blocked",
    levelId: "gold",
    cardClass: "standard",
    cardPublicKey: key(),
    balanceFen: 50_000,
    status: "blocked",
  });
  world.members.create({
    memberId: "m4",
    cardId: "C0004",
    name: "s01 and s03",
    levelId: "gold",
    cardClass: "standard",
    cardPublicKey: key(),
    balanceFen: 50_000,
    stores: ["s01", "s03"],
  });
});
afterEach(() => world.close());

const entry = (fact: Fact): LedgerEntry => {
  seq++;
  return { seq, entryId: `e${seq}`, at: T0, configVersion: 1, fact };
};

// Rice x2 at the Gold price: 107.82 yuan, 1 point.
function sale(overrides: Partial<SaleFact> = {}): SaleFact {
  return {
    type: "sale",
    saleId: `sale-${seq + 1}`,
    memberId: "m1",
    cardId: "C0001",
    lines: [{ sku: "rice-5kg", qty: 2 }],
    hints: { subtotalFen: 11980, totalFen: 10782, savingsFen: 1198, pointsEarned: 1 },
    tenders: [{ kind: "external", amountFen: 10782 }],
    offlineApproved: false,
    ...overrides,
  };
}

function returnAll(saleId: string, memberId = "m1", cardId = "C0001"): Fact {
  return {
    type: "return",
    returnId: `ret-${saleId}`,
    saleId,
    memberId,
    cardId,
    staffId: "s1",
    lines: [{ index: 0, qty: 2 }],
    hints: { refundFen: 10782, principalFen: 10782, bonusFen: 0, externalFen: 0, pointsCashFen: 0, pointsGivenBack: 0, pointsTakenBack: 1 },
    couponsRestored: [],
  };
}

const m = (id: string) => world.members.get(id)!;
const apply = (...facts: Fact[]) => world.ingest.handleBatch(K1, { entries: facts.map(entry) });
const logSum = (memberId: string): { balance: number; points: number } => ({
  balance: world.db.prepare("SELECT COALESCE(SUM(delta_fen), 0) AS s FROM balance_log WHERE member_id = ?").get<{ s: number }>(memberId)!.s,
  points: world.db.prepare("SELECT COALESCE(SUM(delta), 0) AS s FROM points_log WHERE member_id = ?").get<{ s: number }>(memberId)!.s,
});

describe("stored value from nothing (High 1)", () => {
  it("a balanceSplit with no balance tender, then its return, credits nothing, round after round", () => {
    for (let round = 0; round < 3; round++) {
      const s = sale({ saleId: `loop-${round}`, balanceSplit: { principalFen: 10782, bonusFen: 0 } });
      const r = apply(s, returnAll(s.saleId));
      expect(r.ack.rejected).toBeUndefined();
    }
    expect(m("m1")).toMatchObject({ balanceFen: 50_000, bonusBalanceFen: 0, pointsBalance: 0 });
    expect(logSum("m1").balance).toBe(0);
  });

  it("a balanceSplit claiming bonus money the member does not have turns no principal into bonus", () => {
    const s = sale({ saleId: "bonus-claim", tenders: [{ kind: "balance", amountFen: 10782 }], balanceSplit: { principalFen: 0, bonusFen: 10782 } });
    apply(s);
    expect(m("m1")).toMatchObject({ balanceFen: 50_000 - 10782, bonusBalanceFen: 0 });
    apply(returnAll(s.saleId));
    expect(m("m1")).toMatchObject({ balanceFen: 50_000, bonusBalanceFen: 0 });
    const d = world.db.prepare("SELECT field, kiosk_value, hub_value FROM disagreements WHERE field LIKE 'balanceSplit%' ORDER BY field").all();
    expect(d).toEqual([
      { field: "balanceSplit.bonusFen", kiosk_value: 10782, hub_value: 0 },
      { field: "balanceSplit.principalFen", kiosk_value: 0, hub_value: 10782 },
    ]);
  });
});

describe("unbounded and out-of-scope debits (High 2)", () => {
  it("rejects a balance tender beyond the per-sale limit and moves nothing, but still moves the mark", () => {
    const r = apply(sale({ tenders: [{ kind: "balance", amountFen: 1e15 }] }), sale({ saleId: "after" }));
    expect(r.ack.ackedSeq).toBe(2);
    expect(r.ack.rejected).toEqual([{ seq: 1, reason: expect.stringMatching(/per-sale limit/) }]);
    expect(m("m1")).toMatchObject({ balanceFen: 50_000, pointsBalance: 1 });
    expect(world.ingest.overdrafts()).toEqual([]);
  });

  it("rejects points redeemed beyond the per-sale limit", () => {
    const r = apply(sale({ pointsRedeemed: 1e12 }));
    expect(r.ack.rejected?.[0]?.reason).toMatch(/per-sale limit/);
    expect(m("m1").pointsBalance).toBe(0);
  });

  it("caps a balance tender at the re-priced total and records the kiosk's figure as a disagreement", () => {
    apply(sale({ tenders: [{ kind: "balance", amountFen: SALE_LIMIT_FEN }] }));
    expect(m("m1").balanceFen).toBe(50_000 - 10782);
    expect(world.db.prepare("SELECT kiosk_value, hub_value FROM disagreements WHERE field = 'balanceFen'").get()).toEqual({
      kiosk_value: SALE_LIMIT_FEN,
      hub_value: 10782,
    });
  });

  it("debits the points the rules allow for the cart, not the kiosk's figure (none here: redemption is off)", () => {
    apply(
      sale({
        pointsRedeemed: 5000,
        tenders: [
          { kind: "points", amountFen: 50 },
          { kind: "external", amountFen: 10732 },
        ],
      }),
    );
    expect(m("m1").pointsBalance).toBe(1);
    expect(world.ingest.overdrafts()).toEqual([]);
  });

  it("refuses members of other stores and blocked members, and accepts a member whose stores include the kiosk's", () => {
    const r = apply(
      sale({ memberId: "m2", cardId: "C0002", tenders: [{ kind: "balance", amountFen: 10782 }] }),
      sale({ saleId: "blocked", memberId: "m3", cardId: "C0003", tenders: [{ kind: "balance", amountFen: 10782 }] }),
      sale({ saleId: "m4-sale", memberId: "m4", cardId: "C0004", tenders: [{ kind: "balance", amountFen: 10782 }] }),
    );
    expect(r.ack.ackedSeq).toBe(3);
    expect(r.ack.rejected?.map((x) => x.seq)).toEqual([1, 2]);
    expect(r.ack.rejected?.[0]?.reason).toMatch(/not a member of store s01/);
    expect(r.ack.rejected?.[1]?.reason).toMatch(/blocked/);
    expect(m("m2").balanceFen).toBe(50_000);
    expect(m("m3").balanceFen).toBe(50_000);
    expect(m("m4").balanceFen).toBe(50_000 - 10782);
  });

  it("refuses a return at a kiosk of another store than the sale's", () => {
    apply(sale({ saleId: "s01-sale", memberId: "m1", tenders: [{ kind: "balance", amountFen: 10782 }] }));
    const k2 = { chainId: "acme", storeId: "s02", deviceId: "k2" };
    new DeviceRegistry(world.db, world.clock).provision(k2);
    world.configs.publish("s02", { rules: world.configs.get("s01", 1)!.content.rules, device: {} });
    const r = world.ingest.handleBatch(k2, { entries: [{ seq: 1, entryId: "k2-1", at: T0, configVersion: 1, fact: returnAll("s01-sale") }] });
    expect(r.ack).toMatchObject({ ackedSeq: 1, rejected: [{ seq: 1, reason: expect.stringMatching(/another store/) }] });
    expect(m("m1").balanceFen).toBe(50_000 - 10782);
  });

  it("lets an offline sale overdraw within the offline limit (recorded), and caps what goes beyond that day's limit", () => {
    world.members.create({
      memberId: "m5",
      cardId: "C0005",
      name: "low",
      levelId: "gold",
      cardClass: "standard",
      cardPublicKey: generateKeyPair().publicKey,
      balanceFen: 5000,
    });
    const offline = {
      tenders: [{ kind: "balance" as const, amountFen: 10782 }],
      authorization: { requestId: "x", mode: "offline" as const },
      offlineApproved: true,
      memberId: "m5",
      cardId: "C0005",
    };
    apply(sale({ ...offline, saleId: "off-1", authorization: { requestId: "off-1", mode: "offline" } }));
    expect(m("m5").balanceFen).toBe(5000 - 10782);
    expect(world.ingest.overdrafts()).toEqual([
      expect.objectContaining({ memberId: "m5", kind: "balance", amount: 10782, balanceAfter: 5000 - 10782, offline: true }),
    ]);
    // The default offline limit is 200.00 yuan per member per day at a kiosk: 92.18 are left of it.
    apply(sale({ ...offline, saleId: "off-2", authorization: { requestId: "off-2", mode: "offline" } }));
    expect(m("m5").balanceFen).toBe(5000 - 20_000);
    expect(world.db.prepare("SELECT kiosk_value, hub_value FROM disagreements WHERE field = 'balanceFen'").get()).toEqual({
      kiosk_value: 10782,
      hub_value: 20_000 - 10782,
    });
    // A day later the limit is there again.
    const later = {
      seq: seq + 1,
      entryId: `e${seq + 1}`,
      at: T0 + 86_400_000,
      configVersion: 1,
      fact: sale({ ...offline, saleId: "off-3", authorization: { requestId: "off-3", mode: "offline" } }),
    };
    world.clock.set(T0 + 86_400_000);
    world.ingest.handleBatch(K1, { entries: [later] });
    expect(m("m5").balanceFen).toBe(5000 - 20_000 - 10782);
    expect(logSum("m5").balance).toBe(-20_000 - 10782);
  });

  it("debits an online sale up to the hold placed for this kiosk and member", () => {
    world.members.create({
      memberId: "m6",
      cardId: "C0006",
      name: "online",
      levelId: "gold",
      cardClass: "standard",
      cardPublicKey: generateKeyPair().publicKey,
      balanceFen: 80_000,
    });
    expect(world.authorizer.authorize("k1", { requestId: "hold-1", memberId: "m6", balanceFen: 60_000, points: 0 })).toMatchObject({ approved: true });
    // Beyond the offline limit, but the hub approved it online.
    apply(
      sale({
        saleId: "hold-1",
        memberId: "m6",
        cardId: "C0006",
        lines: [{ sku: "rice-5kg", qty: 12 }],
        hints: { subtotalFen: 71880, totalFen: 64692, savingsFen: 7188, pointsEarned: 6 },
        tenders: [{ kind: "balance", amountFen: 64692 }],
        authorization: { requestId: "hold-1", mode: "online" },
      }),
    );
    expect(m("m6").balanceFen).toBe(80_000 - 60_000);
    expect(world.db.prepare("SELECT kiosk_value, hub_value FROM disagreements WHERE field = 'balanceFen'").get()).toEqual({
      kiosk_value: 64692,
      hub_value: 60_000,
    });
  });
});

describe("member values stay in range at the hub (High 5, hub side)", () => {
  it("refuses to create a member with an out-of-range balance or points", () => {
    const base = { name: "x", levelId: "gold", cardClass: "standard", cardPublicKey: generateKeyPair().publicKey };
    expect(() => world.members.create({ ...base, memberId: "big", cardId: "C0100", balanceFen: MEMBER_VALUE_LIMIT + 1 })).toThrow(/out of range/);
    expect(() => world.members.create({ ...base, memberId: "neg", cardId: "C0101", balanceFen: -(2 ** 53) + 1 })).toThrow(/out of range/);
    expect(() => world.members.create({ ...base, memberId: "pts", cardId: "C0102", pointsBalance: -MEMBER_VALUE_LIMIT - 1 })).toThrow(/out of range/);
  });

  it("rejects a sale that would take a balance out of range, and never writes such a balance", () => {
    world.members.create({
      memberId: "edge",
      cardId: "C0200",
      name: "edge",
      levelId: "gold",
      cardClass: "standard",
      cardPublicKey: generateKeyPair().publicKey,
      balanceFen: -MEMBER_VALUE_LIMIT + 100,
    });
    const r = apply(
      sale({
        saleId: "edge-sale",
        memberId: "edge",
        cardId: "C0200",
        tenders: [{ kind: "balance", amountFen: 10782 }],
        authorization: { requestId: "edge-sale", mode: "offline" },
        offlineApproved: true,
      }),
    );
    expect(r.ack).toMatchObject({ ackedSeq: 1, rejected: [{ seq: 1, reason: expect.stringMatching(/out of range/) }] });
    expect(m("edge").balanceFen).toBe(-MEMBER_VALUE_LIMIT + 100);
    expect(() => world.db.transaction(() => world.members.adjustInTx("edge", 0, -101))).toThrow(/out of range/);
    expect(m("edge").balanceFen).toBe(-MEMBER_VALUE_LIMIT + 100);
  });

  it("keeps every balance a safe integer after a flood of 10^15 debits", () => {
    for (let i = 0; i < 20; i++) apply(sale({ saleId: `flood-${i}`, tenders: [{ kind: "balance", amountFen: 1e15 }], pointsRedeemed: 1e12 }));
    const b = m("m1");
    expect(b).toMatchObject({ balanceFen: 50_000, pointsBalance: 0 });
    expect(world.members.changesSince("s01", 0, 100).changes.length).toBeGreaterThan(0);
  });
});
