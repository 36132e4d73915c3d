// Staff returns: exact reversal on the kiosk (returnLines), the return mode's timeouts and refusals, and exactly-once reversal at the hub.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { Returns, ReturnError } from "../device/returns.js";
import { hashSecret } from "../hub/secrets.js";
import { BARCODE, DAY, SessionWorld, sessionRules } from "./session-world.js";
import { SyncWorld, allSynced } from "./sync-harness.js";
import { waitUntil } from "../scripts/demo-env.js";

const TIMEOUTS = { shoppingIdleMs: 120_000, doneMs: 8_000, cancelledMs: 5_000, returnIdleMs: 60_000 };

describe("returns on the kiosk", () => {
  let w: SessionWorld;
  let returns: Returns;
  beforeEach(async () => {
    w = await new SessionWorld().start({ session: TIMEOUTS });
    returns = new Returns({
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
  });
  afterEach(() => {
    returns.stop();
    w.stop();
  });

  async function bigSale() {
    w.addMember({
      memberId: "r1",
      balanceFen: 100_000,
      bonusBalanceFen: 25_000,
      pointsBalance: 3_000,
      coupons: [{ instanceId: "i-v5", couponId: "v5", expiresOn: "2026-12-31" }],
    });
    w.checkout.identify(w.code("Cr1"));
    for (const b of [BARCODE.rice, BARCODE.rice, BARCODE.rice, BARCODE.milk, BARCODE.diapers]) w.checkout.addProduct(b);
    w.checkout.setUsePoints(true);
    const sale = await w.checkout.finish("balance");
    w.timers.advance(TIMEOUTS.doneMs);
    return sale;
  }

  it("gives back, over several returns, exactly what the sale took, and restores the coupon when the whole order is back", async () => {
    const before = w.store.member("r1") ?? { balanceFen: 100_000, bonusBalanceFen: 25_000, pointsBalance: 3_000 };
    const sale = await bigSale();
    expect(sale.priced.totals.pointsRedeemed).toBeGreaterThan(0);
    const afterSale = w.store.member("r1")!;
    expect(afterSale.coupons).toEqual([]);
    returns.start("s1");
    // The receipt's QR (e-receipt URL) or its printed number both find the sale.
    expect(returns.loadReceipt(sale.receipt.eReceiptUrl).lines.map((l) => [l.sku, l.sold, l.returned])).toEqual([
      ["rice-5kg", 3, 0],
      ["milk-1l", 1, 0],
      ["diapers-l52", 1, 0],
    ]);
    const first = await returns.confirm([{ index: 0, qty: 1 }]);
    expect(first.couponsRestored).toEqual([]);
    returns.start("s1");
    returns.loadReceipt(sale.receipt.receiptNo);
    expect(() => returns.preview([{ index: 0, qty: 3 }])).toThrow(expect.objectContaining({ code: "RETURN_INVALID" }));
    const second = await returns.confirm([{ index: 0, qty: 2 }, { index: 1 }, { index: 2, qty: 1 }].map((l) => ({ index: l.index, qty: l.qty ?? 1 })));
    expect(second.result.wholeOrderReturned).toBe(true);
    expect(second.couponsRestored.map((c) => c.instanceId)).toEqual(["i-v5"]);
    // Everything is back: balance (principal and bonus), points spent, points earned, the coupon.
    const now = w.store.member("r1")!;
    expect(now.balanceFen).toBe(before.balanceFen);
    expect(now.bonusBalanceFen).toBe(before.bonusBalanceFen);
    expect(now.pointsBalance).toBe(before.pointsBalance);
    expect(now.coupons.map((c) => c.instanceId)).toEqual(["i-v5"]);
    const facts = w.facts("return").map((f) => f.fact);
    expect(facts).toHaveLength(2);
    expect(facts[0]).toMatchObject({ staffId: "s1", saleId: sale.saleId, lines: [{ index: 0, qty: 1 }] });
    const refund = facts.reduce((s, f) => s + (f.hints as { refundFen: number }).refundFen, 0);
    expect(refund).toBe(sale.priced.totals.totalFen);
    expect(w.receipts.at(-1)?.receiptNo).toMatch(/^RETURN-k1-/);
    returns.start("s1");
    expect(() => returns.loadReceipt(sale.receipt.receiptNo)).toThrow(expect.objectContaining({ code: "NOTHING_LEFT" }));
  });

  it("refuses unknown receipts, other kiosks' receipts and sales past the return window", async () => {
    expect(() => returns.loadReceipt("x")).toThrow(expect.objectContaining({ code: "RETURN_NOT_STARTED" }));
    const sale = await bigSale();
    returns.start("s1");
    expect(() => returns.loadReceipt("https://receipts.example.invalid/r/nope")).toThrow(expect.objectContaining({ code: "RECEIPT_UNKNOWN" }));
    expect(() => returns.loadReceipt("k2-7")).toThrow(expect.objectContaining({ code: "RECEIPT_OTHER_KIOSK" }));
    expect(() => returns.loadReceipt("'; DROP TABLE sales; --")).toThrow(ReturnError);
    w.clock.advance(31 * DAY);
    returns.start("s1");
    expect(() => returns.loadReceipt(sale.receipt.receiptNo)).toThrow(expect.objectContaining({ code: "RETURN_WINDOW_PASSED" }));
  });

  it("closes return mode after the idle time, shows a finished return briefly, and cannot start over a customer's session", async () => {
    const sale = await bigSale();
    returns.start("s1");
    w.timers.advance(TIMEOUTS.returnIdleMs);
    expect(returns.current.name).toBe("idle");
    returns.start("s1");
    returns.loadReceipt(sale.receipt.receiptNo);
    w.timers.advance(TIMEOUTS.returnIdleMs - 1);
    expect(returns.current.name).toBe("selecting");
    await returns.confirm([{ index: 1, qty: 1 }]);
    expect(returns.current.name).toBe("done");
    w.timers.advance(TIMEOUTS.doneMs);
    expect(returns.current.name).toBe("idle");
    returns.start("s1");
    returns.cancel();
    expect(returns.current.name).toBe("idle");
    w.checkout.identify(w.code("Cr1"));
    expect(() => returns.start("s1")).toThrow(expect.objectContaining({ code: "RETURN_BLOCKED" }));
  });
});

describe("returns through the hub", () => {
  let w: SyncWorld;
  afterEach(async () => {
    await w.stop();
  });

  it("reverses points and stored value exactly once at the hub, which agrees with the kiosk", async () => {
    w = new SyncWorld();
    await w.startHub();
    w.hub.publishConfig("s01", { rules: sessionRules(), device: { staff: [{ staffId: "s1", name: "Zhang", pinHash: hashSecret("1234") }] } });
    const m = w.addMember("m1", { balanceFen: 100_000 });
    w.hub.members.update("m1", { coupons: [{ instanceId: "i-v5", couponId: "v5", expiresOn: "2099-12-31" }] });
    const k = await w.addKiosk("k1", "s01");
    await w.ready(k, ["m1"]);
    await waitUntil(() => k.store.member("m1")?.coupons.length === 1, "kiosk has the coupon");
    const sale = await w.checkout(k, m, [BARCODE.rice, BARCODE.rice, BARCODE.milk, BARCODE.formula], "balance");
    expect(sale.priced.appliedCoupons.map((c) => c.instanceId)).toEqual(["i-v5"]);
    await allSynced([k]);
    await waitUntil(() => w.hub.members.get("m1")?.coupons.length === 0, "hub took the coupon");
    const afterSale = w.hub.members.get("m1")!;
    expect(afterSale.balanceFen).toBe(100_000 - sale.priced.totals.payableFen);
    expect(afterSale.pointsBalance).toBe(sale.priced.totals.pointsEarned);

    // Staff: return mode, the receipt's QR through the scan path, two lines.
    k.checkout.cancel();
    k.returns.start("s1");
    expect(k.handleText(sale.receipt.eReceiptUrl)).toEqual({ kind: "receipt", saleId: sale.saleId });
    const partial = await k.returns.confirm([
      { index: 0, qty: 1 },
      { index: 2, qty: 1 },
    ]);
    await allSynced([k]);
    const hub1 = w.hub.members.get("m1")!;
    expect(hub1.balanceFen).toBe(afterSale.balanceFen + partial.result.totals.principalFen + partial.result.totals.bonusFen);
    expect(hub1.pointsBalance).toBe(afterSale.pointsBalance + partial.result.totals.netPoints);
    expect(w.hub.ingest.stats.returns).toBe(1);

    // The rest of the order: everything is back where it started, coupon included.
    k.returns.start("s1");
    k.handleText(sale.receipt.receiptNo);
    await k.returns.confirm([
      { index: 0, qty: 1 },
      { index: 1, qty: 1 },
    ]);
    await allSynced([k]);
    await waitUntil(() => w.hub.members.get("m1")?.coupons.length === 1, "hub restored the coupon");
    expect(w.hub.members.get("m1")).toMatchObject({ balanceFen: 100_000, pointsBalance: 0 });
    await waitUntil(() => k.store.member("m1")?.balanceFen === 100_000 && k.store.member("m1")?.pointsBalance === 0, "kiosk agrees");
    expect(w.hub.ingest.stats.disagreements).toBe(0);

    // Delivered again (a broker redelivery or a kiosk resend): nothing is applied twice.
    const entries = k.store.entries();
    const again = w.hub.ingest.handleBatch({ chainId: "demo", storeId: "s01", deviceId: "k1" }, { entries });
    expect(again.ack.ackedSeq).toBe(entries.at(-1)!.seq);
    expect(w.hub.members.get("m1")).toMatchObject({ balanceFen: 100_000, pointsBalance: 0 });
    expect(w.hub.ingest.memberActivity("m1").returns).toHaveLength(2);
  });
});
