// Paying with a shopping card (购物卡) at the kiosk: the card pays first with a hub hold (or within the offline limit), the rest as chosen; declines and shortfalls have their own codes; a return gives the card back its share.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { BARCODE, SessionWorld } from "./session-world.js";
import { WORDS } from "../device/pages/static/words.js";
import { Returns } from "../device/returns.js";

let w: SessionWorld;
const CARD = "shc_00000000000000a1";
const TIMEOUTS = { shoppingIdleMs: 120_000, doneMs: 8_000, cancelledMs: 5_000, returnIdleMs: 60_000 };
// Rice at the Gold price: 53.91 yuan.
const RICE = 5391;

beforeEach(async () => {
  w = await new SessionWorld().start({ session: TIMEOUTS });
  w.addMember({ memberId: "m1", balanceFen: 50_000, shoppingCards: [{ cardId: CARD, balanceFen: 3000 }] });
});
afterEach(() => w.stop());

describe("a shopping card at checkout", () => {
  it("pays what the card holds with a hub hold, the bank card the rest; the fact, the receipt and the member's card follow", async () => {
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    const sale = await w.checkout.finish("external", CARD);
    expect(w.auth.requests.at(-1)).toMatchObject({ balanceFen: 0, points: 0, shoppingCard: { cardId: CARD, amountFen: 3000 } });
    const fact = w.facts("sale")[0]!.fact;
    expect(fact).toMatchObject({
      tenders: [
        { kind: "shopping-card", amountFen: 3000, cardId: CARD },
        { kind: "external", amountFen: RICE - 3000 },
      ],
      authorization: { mode: "online" },
      offlineApproved: false,
    });
    expect(sale.receipt.tenders).toEqual([
      { method: "shopping-card", label: "购物卡(00a1)", amountFen: 3000 },
      { method: "external", label: "其他支付", amountFen: RICE - 3000 },
    ]);
    const after = w.store.member("m1")!;
    expect(after.shoppingCards).toEqual([{ cardId: CARD, balanceFen: 0 }]);
    expect(after.balanceFen).toBe(50_000);
    // The stored plan the kiosk's returns refund from: the card's share per line.
    expect(w.store.sale(sale.saleId)?.tenders).toMatchObject({ shoppingCardId: CARD, shoppingCardFen: 3000, lines: [{ shoppingCardFen: 3000 }] });
  });

  it("the card first, then the balance for the rest ('balance')", async () => {
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    await w.checkout.finish("balance", CARD);
    expect(w.auth.requests.at(-1)).toMatchObject({ balanceFen: RICE - 3000, shoppingCard: { cardId: CARD, amountFen: 3000 } });
    expect(w.facts("sale")[0]!.fact).toMatchObject({
      tenders: [
        { kind: "shopping-card", amountFen: 3000, cardId: CARD },
        { kind: "balance", amountFen: RICE - 3000 },
      ],
    });
    expect(w.store.member("m1")).toMatchObject({ balanceFen: 50_000 - (RICE - 3000), shoppingCards: [{ cardId: CARD, balanceFen: 0 }] });
  });

  it("a card that covers everything leaves nothing for the bank card", async () => {
    w.addMember({ memberId: "m2", shoppingCards: [{ cardId: CARD, balanceFen: 100_000 }] });
    w.checkout.identify(w.code("Cm2"));
    w.checkout.addProduct(BARCODE.rice);
    await w.checkout.finish("external", CARD);
    expect(w.facts("sale")[0]!.fact).toMatchObject({ tenders: [{ kind: "shopping-card", amountFen: RICE, cardId: CARD }] });
    expect(w.store.member("m2")!.shoppingCards).toEqual([{ cardId: CARD, balanceFen: 100_000 - RICE }]);
  });

  it("a hub decline, an unknown card and an empty card are refused with their own codes, and the cart stays", async () => {
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    w.auth.mode = "decline";
    w.auth.reason = "insufficient-shopping-card";
    await expect(w.checkout.finish("external", CARD)).rejects.toMatchObject({ code: "SHOPPING_CARD_DECLINED" });
    expect(w.checkout.current).toMatchObject({ name: "shopping", lines: [{ sku: "rice-5kg", qty: 1 }] });
    w.auth.mode = "approve";
    await expect(w.checkout.finish("external", "shc_ffffffffffffffff")).rejects.toMatchObject({ code: "SHOPPING_CARD_UNKNOWN" });
    w.addMember({ memberId: "m3", shoppingCards: [{ cardId: CARD, balanceFen: 0 }] });
    w.checkout.cancel();
    w.checkout.identify(w.code("Cm3"));
    w.checkout.addProduct(BARCODE.rice);
    await expect(w.checkout.finish("external", CARD)).rejects.toMatchObject({ code: "SHOPPING_CARD_INSUFFICIENT" });
    expect(w.facts("sale")).toHaveLength(0);
    // Every new code has words for the shopper, zh-CN first.
    for (const code of ["SHOPPING_CARD_DECLINED", "SHOPPING_CARD_UNKNOWN", "SHOPPING_CARD_INSUFFICIENT"] as const) {
      expect(WORDS[code]?.[0]).toMatch(/购物卡/);
      expect(WORDS[code]?.[1]).toMatch(/shopping.card/i);
    }
  });

  it("offline: within the store's shopping-card limit per member per day, counted; over it, refused", async () => {
    w.setConfig({
      session: TIMEOUTS,
      offlineLimits: { balanceFenPerMemberPerDay: 0, pointsPerMemberPerDay: 0, shoppingCardFenPerMemberPerDay: 4000 },
      authorisationTimeoutMs: 1000,
    });
    w.auth.mode = "hang";
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    const paying = w.checkout.finish("external", CARD);
    w.timers.advance(1250);
    const sale = await paying;
    expect(sale.receipt.tenders[0]).toMatchObject({ method: "shopping-card", amountFen: 3000 });
    expect(w.facts("sale")[0]!.fact).toMatchObject({ authorization: { mode: "offline" }, offlineApproved: true });
    expect(w.store.offlineUsage("m1", "2026-11-22")).toEqual({ balanceFen: 0, points: 0, shoppingCardFen: 3000 });
    // Topped up meanwhile (the hub's push): 1000 left of today's offline limit, the card would pay 3000.
    w.addMember({ memberId: "m1", balanceFen: 50_000, shoppingCards: [{ cardId: CARD, balanceFen: 6000 }] });
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    const over = w.checkout.finish("external", CARD);
    w.timers.advance(1250);
    await expect(over).rejects.toMatchObject({ code: "OFFLINE_LIMIT" });
  });
});

describe("a return of a sale a shopping card paid", () => {
  it("gives the card back its share, in steps, until exactly what it paid is back; the slip says so", async () => {
    const returns = new Returns({
      store: w.store,
      config: () => w.config,
      clock: w.clock,
      timers: w.timers,
      deviceId: "k1",
      log: w.log,
      printer: { print: (r) => Promise.resolve(void w.receipts.push(r)) },
      onCommitted: () => undefined,
      kioskFree: () => ["idle", "done", "cancelled"].includes(w.checkout.current.name),
    });
    try {
      w.checkout.identify(w.code("Cm1"));
      for (const b of [BARCODE.rice, BARCODE.rice, BARCODE.rice]) w.checkout.addProduct(b);
      const sale = await w.checkout.finish("external", CARD);
      w.timers.advance(TIMEOUTS.doneMs);
      expect(w.store.member("m1")!.shoppingCards).toEqual([{ cardId: CARD, balanceFen: 0 }]);
      returns.start("s1");
      returns.loadReceipt(sale.receipt.receiptNo);
      const first = await returns.confirm([{ index: 0, qty: 1 }]);
      const back = first.result.totals.shoppingCardFen ?? 0;
      expect(back).toBe(1000);
      expect(first.receipt.tenders[0]).toEqual({ method: "shopping-card", label: "退回购物卡", amountFen: 1000 });
      expect(w.facts("return")[0]!.fact).toMatchObject({ hints: { shoppingCardFen: 1000 } });
      expect(w.store.member("m1")!.shoppingCards).toEqual([{ cardId: CARD, balanceFen: 1000 }]);
      returns.start("s1");
      returns.loadReceipt(sale.receipt.receiptNo);
      await returns.confirm([{ index: 0, qty: 2 }]);
      expect(w.store.member("m1")!.shoppingCards).toEqual([{ cardId: CARD, balanceFen: 3000 }]);
      expect(w.store.member("m1")!.balanceFen).toBe(50_000);
    } finally {
      returns.stop();
    }
  });
});
