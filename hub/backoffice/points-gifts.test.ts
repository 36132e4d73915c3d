// Points gifts at the counter: points for a gift and points + cash through the points ledger, stock, per-member limit, validity, reversal once; on both engines.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `pg-test-${++n}-${Math.random().toString(36).slice(2)}` });

async function withPoints(points: number): Promise<string> {
  const { memberId } = await w.register();
  const r = await w.call("POST", `/bo/members/${memberId}/points/adjustments`, { token: w.tokens.mgr1, body: { points, reason: "opening" }, headers: key() });
  expect(r.status).toBe(201);
  return memberId;
}

const redeem = (memberId: string, body: Record<string, unknown>, headers = key()) =>
  w.call("POST", `/bo/members/${memberId}/points-gifts/redeem`, { token: w.tokens.staff1, body: { storeId: "s1", ...body }, headers });

describe("points gifts (积分兑换 / 积分换购)", () => {
  it("HQ sets the rules; the counter redeems points for a gift, within stock and the member's limit; a reversal gives back once", async () => {
    const cup = { name: "保温杯 Thermos cup", sku: "gift-box", points: 500, stock: 2, perMemberLimit: 1 };
    expect((await w.call("PUT", "/bo/points-gifts/cup", { token: w.tokens.mgr1, body: cup })).status).toBe(403);
    expect((await w.call("PUT", "/bo/points-gifts/cup", { token: w.tokens.hq, body: cup })).body).toMatchObject({
      id: "cup",
      points: 500,
      cashFen: 0,
      stock: 2,
    });
    const a = await withPoints(1200);
    const headers = key();
    const first = await redeem(a, { giftId: "cup" }, headers);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ giftId: "cup", qty: 1, points: 500, cashFen: 0, balances: { pointsBalance: 700 } });
    expect((await redeem(a, { giftId: "cup" }, headers)).body).toEqual(first.body); // replay
    expect((await redeem(a, { giftId: "cup" })).body.reason).toBe("GIFT_LIMIT_REACHED");
    const ledger = await w.call("GET", `/bo/members/${a}/ledger?kind=points`, { token: w.tokens.staff1 });
    expect((ledger.body.entries as Array<{ reason: string; points: number }>).filter((e) => e.reason === "points-gift")).toEqual([
      expect.objectContaining({ points: -500 }),
    ]);

    const b = await withPoints(400);
    expect((await redeem(b, { giftId: "cup" })).body.reason).toBe("INSUFFICIENT_POINTS");
    const c = await withPoints(5000);
    expect((await redeem(c, { giftId: "cup" })).status).toBe(201);
    const d = await withPoints(5000);
    expect((await redeem(d, { giftId: "cup" })).body.reason).toBe("GIFT_OUT_OF_STOCK");
    expect((await w.call("GET", "/bo/points-gifts?storeId=s1", { token: w.tokens.staff1 })).body.gifts).toEqual([
      expect.objectContaining({ id: "cup", stock: 0, redeemed: 2 }),
    ]);

    // The cup comes back: points and stock return once; the member may redeem again.
    const id = first.body.redemptionId as string;
    const path = `/bo/points-redemptions/${id}/reverse`;
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { reason: "returned" } })).status).toBe(403);
    const back = await w.call("POST", path, { token: w.tokens.mgr1, body: { reason: "returned unopened" } });
    expect(back.body).toMatchObject({ reversedBy: "mgr1", cashBackFen: 0, balances: { pointsBalance: 1200 } });
    expect((await w.call("POST", path, { token: w.tokens.mgr1, body: { reason: "again" } })).body.reason).toBe("ALREADY_REVERSED");
    expect(w.members.get(a)!.pointsBalance).toBe(1200);
    expect((await w.call("GET", "/bo/points-gifts", { token: w.tokens.staff1 })).body.gifts).toEqual([expect.objectContaining({ stock: 1, redeemed: 1 })]);
    expect((await redeem(a, { giftId: "cup" })).status).toBe(201);
  });

  it("points + cash: 300 points + 9.90 yuan a unit, from the balance, reversed back to the balance", async () => {
    await w.call("PUT", "/bo/points-gifts/towel", { token: w.tokens.hq, body: { name: "毛巾 Towel", points: 300, cashFen: 990 } });
    const m = await withPoints(1000);
    expect((await redeem(m, { giftId: "towel", qty: 2 })).body.reason).toBe("PAYMENT_REQUIRED");
    await w.call("POST", `/bo/members/${m}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 10000, payment: { method: "cash" } },
      headers: key(),
    });
    const before = w.members.get(m)!.balanceFen;
    const r = await redeem(m, { giftId: "towel", qty: 2, payment: { method: "balance" }, expectedPoints: 600 });
    expect(r.body).toMatchObject({ points: 600, cashFen: 1980, payment: { method: "balance", amountFen: 1980 } });
    expect(w.members.get(m)).toMatchObject({ balanceFen: before - 1980 });
    const back = await w.call("POST", `/bo/points-redemptions/${r.body.redemptionId as string}/reverse`, {
      token: w.tokens.mgr1,
      body: { reason: "wrong colour" },
    });
    expect(back.body).toMatchObject({ cashBackFen: 0 });
    expect(w.members.get(m)).toMatchObject({ balanceFen: before });
    // Paid outside: the reversal tells the till what to give back.
    const cash = await redeem(m, { giftId: "towel", payment: { method: "cash" } });
    const back2 = await w.call("POST", `/bo/points-redemptions/${cash.body.redemptionId as string}/reverse`, { token: w.tokens.mgr1, body: { reason: "x" } });
    expect(back2.body).toMatchObject({ cashBackFen: 990 });
  });

  it("honours validity, redemption days and stores", async () => {
    // 2024-06-15 is a Saturday.
    await w.call("PUT", "/bo/points-gifts/weekday", { token: w.tokens.hq, body: { name: "Weekday gift", points: 10, days: { weekdays: [1, 2, 3, 4, 5] } } });
    await w.call("PUT", "/bo/points-gifts/later", { token: w.tokens.hq, body: { name: "Later", points: 10, from: "2024-07-01" } });
    await w.call("PUT", "/bo/points-gifts/s2only", { token: w.tokens.hq, body: { name: "S2", points: 10, stores: ["s2"] } });
    const m = await withPoints(100);
    expect((await redeem(m, { giftId: "weekday" })).body.reason).toBe("GIFT_NOT_VALID_TODAY");
    expect((await redeem(m, { giftId: "later" })).body.reason).toBe("GIFT_NOT_VALID_TODAY");
    expect((await redeem(m, { giftId: "s2only" })).body.reason).toBe("GIFT_NOT_IN_STORE");
    expect((await redeem(m, { giftId: "nope" })).status).toBe(404);
    expect((await w.call("PUT", "/bo/points-gifts/bad", { token: w.tokens.hq, body: { name: "x", points: 0 } })).status).toBe(400);
  });
});
