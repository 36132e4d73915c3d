// A shopping card (购物卡) over real MQTT: the hub's card hold answers the kiosk, ingest takes exactly the card's share once, the kiosks hear the card's balance, and a return gives it back.
import { describe, it, expect, afterEach } from "vitest";
import { hashSecret } from "../hub/secrets.js";
import { createShoppingCardInTx } from "../hub/backoffice/stored-cards.js";
import { transact } from "../hub/backoffice/work.js";
import { jobActor } from "../hub/audit.js";
import { BARCODE, sessionRules } from "./session-world.js";
import { SyncWorld, allSynced } from "./sync-harness.js";
import { waitUntil } from "../scripts/demo-env.js";
import { displayView } from "../device/pages/view-model.js";

let w: SyncWorld;
afterEach(async () => {
  await w.stop();
});

describe("a shopping card over MQTT", () => {
  it("the kiosk pays with the card on the hub's hold; the hub debits it once and the kiosks see the card's balance; a return credits it back", async () => {
    w = new SyncWorld();
    await w.startHub();
    w.hub.publishConfig("s01", { rules: sessionRules(), device: { staff: [{ staffId: "s1", name: "Zhang", pinHash: hashSecret("1234") }] } });
    const m = w.addMember("m1", { balanceFen: 0 });
    const d = w.hub.backoffice.deps;
    const cardId = transact(d.db, d.registry, (work) => {
      const card = createShoppingCardInTx(d, { memberId: "m1", storeId: "s01", actor: jobActor("test") });
      d.ledger.applyInTx({ memberId: "m1", reason: "top-up", ref: "sync-card-1", shoppingCard: { cardId: card.cardId, fen: 8000 } }, work);
      return card.cardId;
    });
    const k = await w.addKiosk("k1", "s01");
    await w.ready(k, ["m1"]);
    await waitUntil(() => k.store.member("m1")?.shoppingCards[0]?.balanceFen === 8000, "kiosk has the card");

    expect(k.handleText(w.memberCode(m, k)).kind).toBe("member");
    for (const b of [BARCODE.rice, BARCODE.rice]) expect(k.handleText(b).kind).toBe("product");
    // The customer page offers the card: it pays what it holds, the bank card the rest.
    expect(displayView(k).cart?.shoppingCards).toEqual([{ cardId, last4: cardId.slice(-4), balanceFen: 8000, payFen: 8000, covers: false, available: true }]);
    const sale = await k.checkout.finish("external", cardId);
    const payable = sale.priced.totals.payableFen;
    expect(payable).toBeGreaterThan(8000);
    expect(sale.receipt.tenders.map((t) => [t.method, t.amountFen])).toEqual([
      ["shopping-card", 8000],
      ["external", payable - 8000],
    ]);
    // Authorised by the hub's hold over auth/req, not the offline limit.
    expect(k.store.entries().find((e) => e.fact.type === "sale")?.fact).toMatchObject({ authorization: { mode: "online" }, offlineApproved: false });
    await allSynced([k]);
    expect(w.hub.members.get("m1")!.shoppingCards).toEqual([{ cardId, balanceFen: 0 }]);
    expect(w.hub.ingest.stats.disagreements).toBe(0);
    expect(w.hub.ingest.stats.overdrafts).toBe(0);
    await waitUntil(() => k.store.member("m1")?.shoppingCards[0]?.balanceFen === 0, "kiosk agrees");

    // Delivered again: nothing is taken twice.
    const entries = k.store.entries();
    w.hub.ingest.handleBatch({ chainId: "demo", storeId: "s01", deviceId: "k1" }, { entries });
    expect(w.hub.members.get("m1")!.shoppingCards).toEqual([{ cardId, balanceFen: 0 }]);

    // The whole sale comes back: the card gets exactly its 80.00.
    k.checkout.cancel();
    k.returns.start("s1");
    k.handleText(sale.receipt.receiptNo);
    const back = await k.returns.confirm([{ index: 0, qty: 2 }]);
    expect(back.result.totals.shoppingCardFen).toBe(8000);
    await allSynced([k]);
    expect(w.hub.members.get("m1")!.shoppingCards).toEqual([{ cardId, balanceFen: 8000 }]);
    await waitUntil(() => k.store.member("m1")?.shoppingCards[0]?.balanceFen === 8000, "kiosk sees the card refunded");
    expect(w.hub.ingest.stats.disagreements).toBe(0);
  });
});
