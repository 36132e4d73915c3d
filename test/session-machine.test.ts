// The checkout state machine: every timeout and cancel path, staff verification, payments and their failures (manual timers, no sleeps).
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { CheckoutError } from "../device/session/index.js";
import { BARCODE, DAY, SessionWorld, T0 } from "./session-world.js";

let w: SessionWorld;
const TIMEOUTS = { shoppingIdleMs: 120_000, doneMs: 8_000, cancelledMs: 5_000, returnIdleMs: 60_000 };

beforeEach(async () => {
  w = await new SessionWorld().start({ session: TIMEOUTS, verification: { timeoutMs: 90_000 } });
  w.addMember({ memberId: "m1", balanceFen: 50_000, pointsBalance: 1_000 });
});
afterEach(() => w.stop());

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CheckoutError) return err.code;
    throw err;
  }
  return "accepted";
}

describe("shopping", () => {
  it("cancels after the idle timeout, shows why, then returns to idle with no timer left", () => {
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    w.timers.advance(TIMEOUTS.shoppingIdleMs - 1);
    expect(w.checkout.current.name).toBe("shopping");
    w.timers.advance(1);
    expect(w.checkout.current).toMatchObject({ name: "cancelled", reason: "shopping-timeout" });
    w.timers.advance(TIMEOUTS.cancelledMs);
    expect(w.checkout.current.name).toBe("idle");
    expect(w.timers.size).toBe(0);
    expect(w.store.lastSeq()).toBe(0);
  });

  it("restarts the idle timeout on every scan and change", () => {
    w.checkout.identify(w.code("Cm1"));
    w.timers.advance(100_000);
    w.checkout.addProduct(BARCODE.milk);
    w.timers.advance(100_000);
    w.checkout.setQuantity("milk-1l", 3);
    w.timers.advance(100_000);
    w.checkout.setUsePoints(true);
    w.timers.advance(100_000);
    expect(w.checkout.current.name).toBe("shopping");
    w.timers.advance(20_000);
    expect(w.checkout.current).toMatchObject({ name: "cancelled", reason: "shopping-timeout" });
  });

  it("is cancelled by the customer or staff, and a cancel on a finished screen goes straight to idle", () => {
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    w.checkout.cancel();
    expect(w.checkout.current).toMatchObject({ name: "cancelled", reason: "customer" });
    w.checkout.cancel();
    expect(w.checkout.current.name).toBe("idle");
    w.checkout.identify(w.code("Cm1"));
    w.checkout.cancel("staff");
    expect(w.checkout.current).toMatchObject({ name: "cancelled", reason: "staff", message: "店员已取消结账 Checkout cancelled by staff." });
    w.timers.advance(TIMEOUTS.cancelledMs);
    expect(w.checkout.current.name).toBe("idle");
    expect(w.timers.size).toBe(0);
  });

  it("adds, changes and removes lines, refusing bad quantities and unknown lines", () => {
    expect(refusal(() => w.checkout.addProduct(BARCODE.rice))).toBe("MEMBER_FIRST");
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    w.checkout.addProduct(BARCODE.rice);
    w.checkout.addProduct(BARCODE.milk);
    expect(w.checkout.current).toMatchObject({
      lines: [
        { sku: "rice-5kg", qty: 2 },
        { sku: "milk-1l", qty: 1 },
      ],
    });
    expect(w.checkout.setQuantity("milk-1l", 4)).toEqual([
      { sku: "rice-5kg", qty: 2 },
      { sku: "milk-1l", qty: 4 },
    ]);
    expect(w.checkout.removeLine("rice-5kg")).toEqual([{ sku: "milk-1l", qty: 4 }]);
    expect(refusal(() => w.checkout.setQuantity("milk-1l", 1000))).toBe("QTY_INVALID");
    expect(refusal(() => w.checkout.setQuantity("milk-1l", 1.5))).toBe("QTY_INVALID");
    expect(refusal(() => w.checkout.removeLine("rice-5kg"))).toBe("LINE_NOT_FOUND");
    expect(refusal(() => w.checkout.addProduct("4006381333931"))).toBe("UNKNOWN_PRODUCT");
    expect(w.checkout.quote().totals.totalFen).toBe(4 * 1125);
  });

  it("keeps a member's session on a second scan of their code, and refuses another member while the cart has items", () => {
    w.addMember({ memberId: "m2" });
    w.checkout.identify(w.code("Cm1"));
    expect(w.checkout.identify(w.code("Cm2")).memberId).toBe("m2"); // empty cart: the new member takes over
    w.checkout.addProduct(BARCODE.milk);
    w.checkout.identify(w.code("Cm2"));
    expect(w.checkout.current).toMatchObject({ name: "shopping", lines: [{ sku: "milk-1l", qty: 1 }] });
    expect(refusal(() => w.checkout.identify(w.code("Cm1")))).toBe("SESSION_BUSY");
  });

  it("refuses a blocked card with a clear message and stays idle", () => {
    w.addMember({ memberId: "m3", status: "blocked" });
    let message = "";
    try {
      w.checkout.identify(w.code("Cm3"));
    } catch (err) {
      message = (err as CheckoutError).message;
      expect((err as CheckoutError).code).toBe("MEMBER_BLOCKED");
    }
    expect(message).toBe("this card is blocked; please see the service desk");
    expect(w.checkout.current.name).toBe("idle");
    expect(w.lights.failure).toBe(1);
  });

  it("prices a member whose VIP has expired by the class they reverted to", () => {
    w.addMember({ memberId: "vip", cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: T0 + DAY });
    w.checkout.identify(w.code("Cvip"));
    w.checkout.addProduct(BARCODE.oil);
    expect(w.checkout.quote().lines[0]).toMatchObject({ memberUnitPriceFen: 7900, priceSource: "class" });
    w.checkout.cancel();
    w.clock.advance(DAY);
    w.checkout.identify(w.code("Cvip"));
    w.checkout.addProduct(BARCODE.oil);
    // Standard card, Gold level: 90% of 89.00.
    expect(w.checkout.quote().lines[0]).toMatchObject({ memberUnitPriceFen: 8010, priceSource: "level-discount" });
  });
});

describe("staff verification", () => {
  beforeEach(() => {
    w.setConfig({ session: TIMEOUTS, verification: { cardClasses: ["vip-gold"], secondaryCards: true, firstUseOfDay: false, timeoutMs: 90_000 } });
    w.addMember({ memberId: "vip", cardClass: "vip-gold", vipExpiresAt: T0 + 30 * DAY, headshotHash: "a".repeat(64) });
  });

  it("waits for staff, refuses scans meanwhile, and cancels when no one decides in time", () => {
    w.checkout.identify(w.code("Cvip"));
    expect(w.checkout.current).toMatchObject({ name: "verifying", verification: { reasons: ["card-class"], headshotOnFile: true } });
    expect(refusal(() => w.checkout.addProduct(BARCODE.rice))).toBe("VERIFICATION_PENDING");
    const requestId = w.checkout.pendingVerification()!.verification.requestId;
    w.timers.advance(90_000);
    expect(w.checkout.current).toMatchObject({ name: "cancelled", reason: "verification-timeout" });
    expect(w.checkout.decideVerification(requestId, "s1", "approved")).toBeUndefined();
    expect(w.facts("verification")).toHaveLength(0);
    w.timers.advance(TIMEOUTS.cancelledMs);
    expect(w.checkout.current.name).toBe("idle");
  });

  it("goes shopping on approval, with a ledger fact naming the staff member", () => {
    w.checkout.identify(w.code("Cvip"));
    const requestId = w.checkout.pendingVerification()!.verification.requestId;
    expect(w.checkout.decideVerification(requestId, "s1", "approved", "looks alike")).toEqual({ seq: 1 });
    expect(w.checkout.current.name).toBe("shopping");
    expect(w.facts("verification")[0]!.fact).toMatchObject({
      staffId: "s1",
      decision: "approved",
      memberId: "vip",
      reasons: ["card-class"],
      headshotHash: "a".repeat(64),
      note: "looks alike",
    });
    // Decided once only.
    expect(w.checkout.decideVerification(requestId, "s2", "rejected")).toBeUndefined();
    w.checkout.addProduct(BARCODE.rice);
    expect(w.checkout.current).toMatchObject({ name: "shopping", lines: [{ sku: "rice-5kg", qty: 1 }] });
  });

  it("cancels on rejection, with a ledger fact", () => {
    w.checkout.identify(w.code("Cvip"));
    const requestId = w.checkout.pendingVerification()!.verification.requestId;
    w.checkout.decideVerification(requestId, "s2", "rejected");
    expect(w.checkout.current).toMatchObject({ name: "cancelled", reason: "verification-rejected" });
    expect(w.facts("verification")[0]!.fact).toMatchObject({ staffId: "s2", decision: "rejected" });
    expect(w.lights.failure).toBeGreaterThan(0);
  });

  it("lets the member cancel while waiting; the request is gone", () => {
    w.checkout.identify(w.code("Cvip"));
    const requestId = w.checkout.pendingVerification()!.verification.requestId;
    w.checkout.cancel();
    expect(w.checkout.current).toMatchObject({ name: "cancelled", reason: "customer" });
    expect(w.checkout.decideVerification(requestId, "s1", "approved")).toBeUndefined();
    expect(w.timers.size).toBe(1); // only the cancelled screen's timer
  });

  it("tells a member without a headshot to upload one, and checks secondary cards", () => {
    w.addMember({ memberId: "kid", cardClass: "standard", primaryMemberId: "vip" });
    w.checkout.identify(w.code("Ckid"));
    expect(w.checkout.current).toMatchObject({ name: "verifying", verification: { reasons: ["secondary-card"], headshotOnFile: false } });
  });

  it("checks the first visit of the day once, and one member in N with the injected random source", () => {
    w.setConfig({ session: TIMEOUTS, verification: { firstUseOfDay: true, timeoutMs: 90_000 } });
    w.checkout.identify(w.code("Cm1"));
    w.checkout.decideVerification(w.checkout.pendingVerification()!.verification.requestId, "s1", "approved");
    w.checkout.cancel();
    w.checkout.cancel();
    w.checkout.identify(w.code("Cm1"));
    expect(w.checkout.current.name).toBe("shopping");
    w.checkout.cancel();
    w.checkout.cancel();
    // The next store-local day is a first visit again.
    w.clock.advance(DAY);
    w.checkout.identify(w.code("Cm1"));
    expect(w.checkout.current).toMatchObject({ name: "verifying", verification: { reasons: ["first-use-of-day"] } });
    w.checkout.cancel();
    w.checkout.cancel();

    w.setConfig({ session: TIMEOUTS, verification: { oneInN: 4, timeoutMs: 90_000 } });
    w.random = 0.3; // floor(0.3 * 4) = 1: not picked
    w.checkout.identify(w.code("Cm1"));
    expect(w.checkout.current.name).toBe("shopping");
    w.checkout.cancel();
    w.checkout.cancel();
    w.random = 0.2; // floor(0.2 * 4) = 0: picked
    w.checkout.identify(w.code("Cm1"));
    expect(w.checkout.current).toMatchObject({ name: "verifying", verification: { reasons: ["random"] } });
  });
});

describe("paying", () => {
  it("shows the receipt after a sale, then returns to idle; a new member code starts over at once", async () => {
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    const sale = await w.checkout.finish("external");
    expect(w.checkout.current).toMatchObject({ name: "done", outcome: { kind: "sale" } });
    expect(sale.receipt.tenders).toEqual([{ method: "external", label: "其他支付", amountFen: 5391 }]);
    w.timers.advance(TIMEOUTS.doneMs);
    expect(w.checkout.current.name).toBe("idle");
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.milk);
    await w.checkout.finish();
    w.checkout.identify(w.code("Cm1"));
    expect(w.checkout.current.name).toBe("shopping");
  });

  it("uses the best coupons and points as cash when opted in, and pays the rest from stored value", async () => {
    const m = w.addMember({
      memberId: "c1",
      balanceFen: 100_000,
      bonusBalanceFen: 20_000,
      pointsBalance: 5_000,
      coupons: [
        { instanceId: "i-200-50", couponId: "t200-50", expiresOn: "2026-12-31" },
        { instanceId: "i-100-60", couponId: "t100-60", expiresOn: "2026-12-31" },
        { instanceId: "i-v5", couponId: "v5", expiresOn: "2026-12-31" },
        { instanceId: "i-old", couponId: "v5", expiresOn: "2026-11-01" },
      ],
    });
    w.checkout.identify(w.code(m.cardId));
    w.checkout.addProduct(BARCODE.formula); // 298.00, no level discount
    let q = w.checkout.sessionQuote()!;
    // 100-60 beats 200-50 (one threshold coupon per order), and the voucher stacks: 298 - 60 - 5.
    expect(q.coupons.sort()).toEqual(["i-100-60", "i-v5"]);
    expect(q.priced.totals.totalFen).toBe(23300);
    expect(q.pointsOffer).toEqual({ points: 5000, cashFen: 5000 });
    w.checkout.setUsePoints(true);
    q = w.checkout.sessionQuote()!;
    expect(q.priced.totals).toMatchObject({ pointsRedeemed: 5000, pointsCashFen: 5000, payableFen: 18300 });
    const sale = await w.checkout.finish("balance");
    expect(w.auth.requests.at(-1)).toMatchObject({ balanceFen: 18300, points: 5000 });
    expect(sale.receipt.tenders).toEqual([
      { method: "points", label: "积分抵现(5000分)", amountFen: 5000 },
      { method: "balance", label: "储值支付", amountFen: 18300 },
    ]);
    const fact = w.facts("sale").at(-1)!.fact;
    expect(fact).toMatchObject({
      coupons: ["i-100-60", "i-v5"],
      pointsRedeemed: 5000,
      balanceSplit: { principalFen: 14640, bonusFen: 3660 },
      authorization: { mode: "online" },
    });
    const after = w.store.member("c1")!;
    expect(after.balanceFen).toBe(100_000 - 18300);
    expect(after.bonusBalanceFen).toBe(20_000 - 3660);
    expect(after.pointsBalance).toBe(5000 - 5000 + sale.priced.totals.pointsEarned);
    expect(after.coupons.map((c) => c.instanceId).sort()).toEqual(["i-200-50", "i-old"]);
    expect(w.store.sale(sale.saleId)?.coupons.map((c) => c.instanceId)).toEqual(["i-100-60", "i-v5"]);
  });

  it("approves offline within the limits when the hub never answers (the paying guard), and refuses over them", async () => {
    w.setConfig({ session: TIMEOUTS, offlineLimits: { balanceFenPerMemberPerDay: 6000, pointsPerMemberPerDay: 0 }, authorisationTimeoutMs: 1000 });
    w.auth.mode = "hang";
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    const paying = w.checkout.finish("balance");
    expect(w.checkout.current.name).toBe("paying");
    expect(refusal(() => w.checkout.cancel())).toBe("SESSION_BUSY");
    expect(refusal(() => w.checkout.addProduct(BARCODE.milk))).toBe("SESSION_BUSY");
    w.timers.advance(1250);
    const sale = await paying;
    expect(sale.receipt.tenders[0]).toMatchObject({ label: "储值支付(离线)", amountFen: 5391 });
    expect(w.store.offlineUsage("m1", "2026-11-22")).toEqual({ balanceFen: 5391, points: 0, shoppingCardFen: 0 });

    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    const over = w.checkout.finish("balance");
    w.timers.advance(1250);
    await expect(over).rejects.toMatchObject({ code: "OFFLINE_LIMIT" });
    // Back to shopping with the cart intact and the idle timeout armed again.
    expect(w.checkout.current).toMatchObject({ name: "shopping", lines: [{ sku: "rice-5kg", qty: 1 }] });
    w.timers.advance(TIMEOUTS.shoppingIdleMs);
    expect(w.checkout.current).toMatchObject({ name: "cancelled", reason: "shopping-timeout" });
  });

  it("returns to shopping when the hub declines, and names points declines apart", async () => {
    w.auth.mode = "decline";
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    await expect(w.checkout.finish("balance")).rejects.toMatchObject({ code: "BALANCE_DECLINED" });
    expect(w.checkout.current.name).toBe("shopping");
    w.auth.reason = "insufficient-points";
    w.checkout.setUsePoints(true);
    await expect(w.checkout.finish("external")).rejects.toMatchObject({ code: "POINTS_DECLINED" });
    w.checkout.setUsePoints(false);
    const sale = await w.checkout.finish("external");
    expect(sale.receipt.tenders).toEqual([{ method: "external", label: "其他支付", amountFen: 5391 }]);
    expect(w.facts("sale")).toHaveLength(1);
  });

  it("prints a claim ticket for the counter and moves no money or points", async () => {
    w.checkout.identify(w.code("Cm1"));
    w.checkout.addProduct(BARCODE.rice);
    w.checkout.setUsePoints(true);
    const claim = await w.checkout.payAtCounter();
    expect(w.checkout.current).toMatchObject({ name: "done", outcome: { kind: "claim" } });
    expect(claim.receipt.eReceiptUrl).toBe(`https://receipts.example.invalid/r/claim/${claim.claimId}`);
    expect(claim.receipt.tenders).toEqual([{ method: "counter", label: "到收银台付款", amountFen: 5391 }]);
    expect(claim.expiresAt).toBe(T0 + 60 * 60_000);
    expect(w.facts("claim")[0]!.fact).toMatchObject({ type: "claim", memberId: "m1", hints: { totalFen: 5391 } });
    expect(w.store.member("m1")).toMatchObject({ balanceFen: 50_000, pointsBalance: 1_000 });
    expect(w.receipts.at(-1)?.footer?.[0]).toMatch(/未付款/);
    w.timers.advance(TIMEOUTS.doneMs);
    expect(w.checkout.current.name).toBe("idle");
  });

  it("refuses to pay an empty cart or outside a session", async () => {
    await expect(w.checkout.finish()).rejects.toMatchObject({ code: "NOT_SHOPPING" });
    w.checkout.identify(w.code("Cm1"));
    await expect(w.checkout.finish()).rejects.toMatchObject({ code: "EMPTY_CART" });
    expect(w.checkout.current.name).toBe("shopping");
  });
});
