// Shopping cards (购物卡) spent at a kiosk: the hub derives and caps the card debit (hold, offline limit, re-priced total), records disagreements and overdrafts, and credits returns exactly once.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import type { Fact, LedgerEntry, ReturnFact, SaleFact } from "../protocol/messages.js";
import { generateKeyPair } from "../protocol/signing.js";
import { K1, T0, openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";
import { MoneyLedger } from "./backoffice/ledger.js";
import { Work } from "./backoffice/work.js";
import { receiptView } from "./app/receipts.js";

const CARD = "shc_00000000000000a1";
const OTHER = "shc_00000000000000b2";
// Rice x2 at the Gold price: 107.82 yuan.
const PAYABLE = 10782;

let world: IngestWorld;
let seq = 0;

function openCard(cardId: string, memberId: string, fen: number): void {
  world.db
    .prepare("INSERT INTO shopping_cards (card_id, member_id, balance_fen, store_id, created_at, actor) VALUES (?, ?, 0, 's01', ?, 'test')")
    .run(cardId, memberId, T0);
  const ledger = new MoneyLedger(world.db, world.clock, world.members);
  world.db.transaction(() => ledger.applyInTx({ memberId, reason: "top-up", ref: `open-${cardId}`, shoppingCard: { cardId, fen } }, new Work()));
}

beforeEach(async () => {
  world = await openIngestWorld(50_000);
  seq = 0;
  world.members.create({ memberId: "m2", cardId: "C0002", name: "other", levelId: "gold", cardClass: "standard", cardPublicKey: generateKeyPair().publicKey });
  openCard(CARD, "m1", 30_000);
  openCard(OTHER, "m2", 30_000);
});
afterEach(() => world.close());

const entry = (fact: Fact): LedgerEntry => {
  seq++;
  return { seq, entryId: `e${seq}`, at: T0, configVersion: 1, fact };
};
const apply = (...facts: Fact[]) => world.ingest.handleBatch(K1, { entries: facts.map(entry) });

function sale(saleId: string, cardFen: number, o: Partial<SaleFact> & { cardId?: string; balanceFen?: number } = {}): SaleFact {
  const { cardId = CARD, balanceFen = 0, ...rest } = o;
  const ext = Math.max(0, PAYABLE - cardFen - balanceFen);
  return {
    type: "sale",
    saleId,
    memberId: "m1",
    cardId: "C0001",
    lines: [{ sku: "rice-5kg", qty: 2 }],
    hints: { subtotalFen: 11980, totalFen: PAYABLE, savingsFen: 1198, pointsEarned: 1 },
    tenders: [
      ...(cardFen > 0 ? [{ kind: "shopping-card" as const, amountFen: cardFen, cardId }] : []),
      ...(balanceFen > 0 ? [{ kind: "balance" as const, amountFen: balanceFen }] : []),
      ...(ext > 0 ? [{ kind: "external" as const, amountFen: ext }] : []),
    ],
    offlineApproved: true,
    authorization: { requestId: saleId, mode: "offline" },
    ...rest,
  };
}

function ret(saleId: string, returnId: string, qty: number, shoppingCardFen: number): ReturnFact {
  return {
    type: "return",
    returnId,
    saleId,
    memberId: "m1",
    cardId: "C0001",
    staffId: "st1",
    lines: [{ index: 0, qty }],
    hints: { refundFen: 0, principalFen: 0, bonusFen: 0, externalFen: 0, pointsCashFen: 0, pointsGivenBack: 0, pointsTakenBack: 0, shoppingCardFen },
    couponsRestored: [],
  };
}

const cardBalance = (cardId = CARD): number =>
  Number(world.db.prepare("SELECT balance_fen FROM shopping_cards WHERE card_id = ?").get<{ balance_fen: number }>(cardId)!.balance_fen);
const cardLog = (cardId = CARD) =>
  world.db.prepare("SELECT delta_fen, reason, ref FROM shopping_card_log WHERE card_id = ? AND reason <> 'top-up' ORDER BY id").all(cardId);
const disagreement = (field: string) => world.db.prepare("SELECT kiosk_value, hub_value FROM disagreements WHERE field = ?").get(field);

describe("a kiosk sale paid with a shopping card", () => {
  it("online: the hold's card money is taken once through the card's ledger; the member record and the hold follow; a resend takes nothing more", () => {
    const auth = world.authorizer.authorize("k1", {
      requestId: "on-1",
      memberId: "m1",
      balanceFen: 0,
      points: 0,
      shoppingCard: { cardId: CARD, amountFen: 8000 },
    });
    expect(auth).toMatchObject({ approved: true, availableShoppingCardFen: 22_000 });
    const s = sale("on-1", 8000, { authorization: { requestId: "on-1", mode: "online" }, offlineApproved: false });
    const first = apply(s);
    expect(first.ack.ackedSeq).toBe(1);
    expect(cardBalance()).toBe(22_000);
    expect(cardLog()).toEqual([{ delta_fen: -8000, reason: "shopping-card-spend", ref: "on-1" }]);
    expect(world.members.get("m1")!.shoppingCards).toEqual([{ cardId: CARD, balanceFen: 22_000 }]);
    expect(world.members.get("m1")!.balanceFen).toBe(50_000);
    // The push carries the card's new balance.
    const pushed = first.changes.map((c) => c.change).find((c) => c.kind === "upsert");
    expect(pushed?.kind === "upsert" ? pushed.member.shoppingCards : undefined).toEqual([{ cardId: CARD, balanceFen: 22_000 }]);
    expect(world.db.prepare("SELECT consumed_at FROM holds WHERE id = 'on-1'").get<{ consumed_at: number | null }>()?.consumed_at).not.toBeNull();
    expect(world.db.prepare("SELECT shopping_card_id, shopping_card_fen, offline_approved FROM sales WHERE sale_id = 'on-1'").get()).toEqual({
      shopping_card_id: CARD,
      shopping_card_fen: 8000,
      offline_approved: 0,
    });
    const again = world.ingest.handleBatch(K1, { entries: [{ seq: 1, entryId: "e1", at: T0, configVersion: 1, fact: s }] });
    expect(again.ack.ackedSeq).toBe(1);
    expect(cardBalance()).toBe(22_000);
    expect(cardLog()).toHaveLength(1);
    // The member's e-receipt names the card's part.
    expect(receiptView(world.db, "on-1")?.tenders).toEqual([
      { kind: "shopping-card", amountFen: 8000 },
      { kind: "external", amountFen: PAYABLE - 8000 },
    ]);
  });

  it("takes at most the hold, and never more than the re-priced amount; the kiosk's claim is recorded as a disagreement", () => {
    world.authorizer.authorize("k1", { requestId: "on-2", memberId: "m1", balanceFen: 0, points: 0, shoppingCard: { cardId: CARD, amountFen: 5000 } });
    apply(sale("on-2", 9000, { authorization: { requestId: "on-2", mode: "online" }, offlineApproved: false }));
    expect(cardBalance()).toBe(25_000);
    expect(disagreement("shoppingCardFen")).toEqual({ kiosk_value: 9000, hub_value: 5000 });
    // Offline, a claim beyond the sale's amount is capped at the re-priced total.
    apply(sale("off-over", 15_000));
    expect(cardBalance()).toBe(25_000 - PAYABLE);
  });

  it("a hold on one card does not let the sale take another", () => {
    openCard("shc_00000000000000c3", "m1", 10_000);
    world.authorizer.authorize("k1", { requestId: "on-3", memberId: "m1", balanceFen: 0, points: 0, shoppingCard: { cardId: CARD, amountFen: 5000 } });
    apply(sale("on-3", 5000, { cardId: "shc_00000000000000c3", authorization: { requestId: "on-3", mode: "online" }, offlineApproved: false }));
    expect(cardBalance("shc_00000000000000c3")).toBe(10_000);
    expect(cardBalance()).toBe(30_000);
    expect(disagreement("shoppingCardFen")).toEqual({ kiosk_value: 5000, hub_value: 0 });
  });

  it("another member's card pays nothing", () => {
    apply(sale("foreign", 5000, { cardId: OTHER }));
    expect(cardBalance(OTHER)).toBe(30_000);
    expect(cardLog(OTHER)).toEqual([]);
    expect(disagreement("shoppingCardFen")).toEqual({ kiosk_value: 5000, hub_value: 0 });
  });

  it("offline: the store's shopping-card limit per member per day caps what the sales take together", () => {
    // Default limit: 200.00 yuan a day.
    apply(sale("off-1", 10_000), sale("off-2", 10_000), sale("off-3", 5000));
    expect(cardLog()).toEqual([
      { delta_fen: -10_000, reason: "shopping-card-spend", ref: "off-1" },
      { delta_fen: -10_000, reason: "shopping-card-spend", ref: "off-2" },
    ]);
    expect(cardBalance()).toBe(10_000);
    expect(disagreement("shoppingCardFen")).toEqual({ kiosk_value: 5000, hub_value: 0 });
  });

  it("offline beyond the card's balance: taken anyway (the goods are gone) and recorded as an overdraft, never refused", () => {
    apply(sale("drain", 10_000), sale("drain-2", 10_000));
    world.db.prepare("UPDATE shopping_cards SET balance_fen = 3000 WHERE card_id = ?").run(CARD);
    world.clock.advance(86_400_000);
    const r = world.ingest.handleBatch(K1, { entries: [{ ...entry(sale("short", 8000)), at: T0 + 86_400_000 }] });
    expect(r.ack.rejected).toBeUndefined();
    expect(cardBalance()).toBe(-5000);
    expect(world.ingest.overdrafts()).toEqual([
      expect.objectContaining({ memberId: "m1", kind: "shopping-card", amount: 8000, balanceAfter: -5000, offline: true }),
    ]);
  });

  it("the card pays first, the balance only what the card leaves", () => {
    apply(
      sale("mixed", 6000, {
        balanceFen: 6000,
        tenders: [
          { kind: "shopping-card", amountFen: 6000, cardId: CARD },
          { kind: "balance", amountFen: 6000 },
        ],
      }),
    );
    expect(cardBalance()).toBe(24_000);
    expect(world.members.get("m1")!.balanceFen).toBe(50_000 - (PAYABLE - 6000));
    expect(disagreement("balanceFen")).toEqual({ kiosk_value: 6000, hub_value: PAYABLE - 6000 });
  });
});

describe("returns of a sale a shopping card paid", () => {
  it("give back exactly what the sale took from the card, in steps, each once", () => {
    apply(sale("r-sale", 7001));
    expect(cardBalance()).toBe(30_000 - 7001);
    const r1 = ret("r-sale", "r-1", 1, 3501);
    apply(r1);
    const afterOne = cardBalance();
    const back1 = afterOne - (30_000 - 7001);
    expect(back1).toBeGreaterThan(0);
    expect(back1).toBeLessThan(7001);
    // The kiosk resends the return (same seq): a duplicate, nothing more comes back.
    const again = world.ingest.handleBatch(K1, { entries: [{ seq: 2, entryId: "e2", at: T0, configVersion: 1, fact: r1 }] });
    expect(again.ack.ackedSeq).toBe(2);
    expect(world.ingest.stats.duplicates).toBe(1);
    expect(cardBalance()).toBe(afterOne);
    apply(ret("r-sale", "r-2", 1, 3500));
    expect(cardBalance()).toBe(30_000);
    expect(cardLog().filter((l) => (l as { reason: string }).reason === "shopping-card-return")).toHaveLength(2);
    expect(world.db.prepare("SELECT SUM(shopping_card_fen) AS s FROM returns WHERE sale_id = 'r-sale'").get<{ s: number }>()!.s).toBe(7001);
    expect(world.members.get("m1")!.shoppingCards).toEqual([{ cardId: CARD, balanceFen: 30_000 }]);
  });

  it("a kiosk's wrong card refund figure is recorded; the hub's is credited", () => {
    apply(sale("r-sale-2", 4000));
    apply(ret("r-sale-2", "r-3", 2, 9999));
    expect(cardBalance()).toBe(30_000);
    expect(disagreement("return.shoppingCardFen")).toEqual({ kiosk_value: 9999, hub_value: 4000 });
  });
});

describe("no card money from nothing", () => {
  it("a card refund hint on a sale no card paid, or a sale whose card claim the hub did not take, credits nothing, round after round", () => {
    // Today's offline card limit used up first (200.00), so the next claims take nothing.
    apply(sale("use-1", 10_000), sale("use-2", 10_000));
    const after = cardBalance();
    for (let round = 0; round < 3; round++) {
      apply(sale(`claim-${round}`, 10_000), ret(`claim-${round}`, `claim-ret-${round}`, 2, 10_000));
      apply(sale(`plain-${round}`, 0), ret(`plain-${round}`, `plain-ret-${round}`, 2, PAYABLE));
    }
    expect(cardBalance()).toBe(after);
    expect(cardLog().filter((l) => (l as { reason: string }).reason === "shopping-card-return")).toEqual([]);
    const d = world.db.prepare("SELECT COUNT(*) AS n FROM disagreements WHERE field = 'return.shoppingCardFen' AND hub_value = 0").get<{ n: number }>()!;
    expect(Number(d.n)).toBe(6);
  });
});

describe("card holds at the authoriser", () => {
  it("counts the card's other open holds, says what is left, and declines beyond it", () => {
    expect(
      world.authorizer.authorize("k1", { requestId: "h1", memberId: "m1", balanceFen: 0, points: 0, shoppingCard: { cardId: CARD, amountFen: 20_000 } }),
    ).toMatchObject({
      approved: true,
      availableShoppingCardFen: 10_000,
    });
    expect(
      world.authorizer.authorize("k1", { requestId: "h2", memberId: "m1", balanceFen: 0, points: 0, shoppingCard: { cardId: CARD, amountFen: 10_001 } }),
    ).toMatchObject({
      approved: false,
      reason: "insufficient-shopping-card",
      availableShoppingCardFen: 10_000,
    });
    // A retried request gets the same answer and no second hold.
    expect(
      world.authorizer.authorize("k1", { requestId: "h1", memberId: "m1", balanceFen: 0, points: 0, shoppingCard: { cardId: CARD, amountFen: 20_000 } }),
    ).toMatchObject({
      approved: true,
      availableShoppingCardFen: 10_000,
    });
  });

  it("another member's card is declined with nothing disclosed", () => {
    expect(
      world.authorizer.authorize("k1", { requestId: "h3", memberId: "m1", balanceFen: 0, points: 0, shoppingCard: { cardId: OTHER, amountFen: 1 } }),
    ).toMatchObject({
      approved: false,
      reason: "insufficient-shopping-card",
      availableShoppingCardFen: 0,
    });
  });
});
