// PLUS plans at the counter: the quote is what the purchase does, renewal from the expiry, bonus days by window and condition, price by card class, one debit and one record per Idempotency-Key, roles.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY_MS } from "../../protocol/rules/time.js";
import { boWorld, FULL_RULES, type BoWorld } from "./test-kit.js";

// T0 is 2024-06-15 10:00 local. The year plan's bonus is for June 2024 (any purchase, with a coupon pack); the month plan's
// 2 days only for a renewal before expiry, in 2024 (PLUS会员在未到期前续费时才赠送).
const PLUS_PLANS = [
  {
    id: "plus-1y",
    name: "1年",
    description: "这是年卡",
    periodDays: 366,
    priceFen: 10000,
    pricesByClass: { "vip-gold": 5000 },
    bonus: { from: "2024-06-01", to: "2024-06-30", extraDays: 30, couponPackIds: ["pack-vip-60"] },
  },
  {
    id: "plus-1m",
    name: "1月",
    description: "这是月卡",
    periodDays: 31,
    priceFen: 1500,
    bonus: { from: "2024-01-01", to: "2024-12-31", extraDays: 2, when: "renew-before-expiry" },
  },
  { id: "plus-old", name: "old", periodDays: 31, priceFen: 1, enabled: false },
];

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld({ rules: { ...FULL_RULES, plusPlans: PLUS_PLANS } });
});
afterEach(() => w.close());

let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `plus-plan-${++n}-${Math.random().toString(36).slice(2)}` });
const cash = { method: "cash" } as const;
const quote = (memberId: string, planId: string, token = w.tokens.staff1) =>
  w.call("GET", `/bo/members/${memberId}/plus/quote?storeId=s1&planId=${planId}`, { token });
const buy = (memberId: string, body: Record<string, unknown>, headers = key(), token = w.tokens.staff1) =>
  w.call("POST", `/bo/members/${memberId}/plus/purchase`, { token, body: { storeId: "s1", payment: cash, ...body }, headers });
const records = async (memberId: string) =>
  (await w.call("GET", `/bo/members/${memberId}/plus/records`, { token: w.tokens.staff1 })).body.records as Array<Record<string, unknown>>;
const debits = (memberId: string): number =>
  Number(w.db.prepare("SELECT COUNT(*) AS n FROM balance_log WHERE member_id = ? AND reason = 'plus-purchase'").get<{ n: number }>(memberId)?.n);

describe("PLUS plans", () => {
  it("lists the plans of a store to its staff", async () => {
    const r = await w.call("GET", "/bo/plus/plans?storeId=s1", { token: w.tokens.staff1 });
    expect(r.status).toBe(200);
    expect((r.body.plans as Array<{ id: string; description: string }>).map((p) => [p.id, p.description])).toEqual([
      ["plus-1y", "这是年卡"],
      ["plus-1m", "这是月卡"],
      ["plus-old", ""],
    ]);
    expect(r.body.classes).toContainEqual({ id: "vip-gold", name: "VIP Gold" });
    expect((await w.call("GET", "/bo/plus/plans?storeId=s2", { token: w.tokens.staff1 })).status).toBe(403);
  });

  it("the quote is what the purchase does; paid from stored value once, one record, coupons once, for the same key", async () => {
    const { memberId } = await w.register();
    const topUp = await w.call("POST", `/bo/members/${memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 50000, payment: cash },
      headers: key(),
    });
    expect(topUp.status).toBe(201);
    const balanceBefore = w.members.get(memberId)!.balanceFen;
    const q = await quote(memberId, "plus-1y");
    expect(q.body).toEqual({
      kind: "purchase",
      planId: "plus-1y",
      priceFen: 10000,
      cardClass: "standard",
      bonusDays: 30,
      couponPackIds: ["pack-vip-60"],
      since: w.clock.now(),
      expiresAt: w.clock.now() + 396 * DAY_MS,
      previousExpiresAt: null,
    });
    const headers = key();
    const body = { planId: "plus-1y", payment: { method: "balance" }, expectedPriceFen: q.body.priceFen };
    const first = await buy(memberId, body, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ ...q.body, plus: { active: true, since: q.body.since, expiresAt: q.body.expiresAt } });
    expect(first.body.payment).toMatchObject({ method: "balance", amountFen: 10000 });
    const again = await buy(memberId, body, headers);
    expect(again.body).toEqual(first.body);
    expect(w.members.get(memberId)!.balanceFen).toBe(balanceBefore - 10000);
    expect(debits(memberId)).toBe(1);
    expect(w.members.get(memberId)!.coupons.filter((c) => c.couponId === "c-100-20")).toHaveLength(3);
    expect(await records(memberId)).toEqual([
      expect.objectContaining({
        kind: "purchase",
        planId: "plus-1y",
        cardClass: "standard",
        feeFen: 10000,
        bonusDays: 30,
        expiresAt: q.body.expiresAt,
        actor: "staff1",
        paymentMethod: "balance",
        storeId: "s1",
      }),
    ]);
    const view = await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.staff1 });
    expect(view.body.plus).toEqual({ active: true, since: q.body.since, expiresAt: q.body.expiresAt });
    const audit = await w.call("GET", `/bo/audit?entityId=${memberId}`, { token: w.tokens.hq });
    expect((audit.body.entries as Array<{ action: string }>).filter((e) => e.action.startsWith("plus.")).map((e) => e.action)).toEqual(["plus.purchase"]);
    // The same key with another body is refused, not applied.
    const reused = await buy(memberId, { ...body, planId: "plus-1m", expectedPriceFen: undefined }, headers);
    expect([reused.status, reused.body.reason]).toEqual([409, "IDEMPOTENCY_KEY_REUSED"]);
    expect(debits(memberId)).toBe(1);
  });

  it("a renewal extends from the current expiry (since kept); the month plan's bonus only for that renewal", async () => {
    const { memberId } = await w.register();
    const open = await quote(memberId, "plus-1m");
    expect(open.body).toMatchObject({ kind: "purchase", bonusDays: 0, expiresAt: w.clock.now() + 31 * DAY_MS });
    const t0 = w.clock.now();
    const first = await buy(memberId, { planId: "plus-1m" });
    expect(first.body).toMatchObject({ kind: "purchase", bonusDays: 0, expiresAt: t0 + 31 * DAY_MS });
    w.clock.advance(10 * DAY_MS);
    const q = await quote(memberId, "plus-1m");
    expect(q.body).toMatchObject({ kind: "renewal", since: t0, previousExpiresAt: t0 + 31 * DAY_MS, bonusDays: 2, expiresAt: t0 + (31 + 33) * DAY_MS });
    const renew = await buy(memberId, { planId: "plus-1m", expectedPriceFen: 1500 });
    expect(renew.body).toMatchObject({ ...q.body, plus: { active: true, since: t0, expiresAt: t0 + 64 * DAY_MS } });
    // The year plan renews from the expiry too, with its June bonus (it is 2024-06-25).
    const year = await buy(memberId, { planId: "plus-1y" });
    expect(year.body).toMatchObject({ kind: "renewal", bonusDays: 30, expiresAt: t0 + (64 + 396) * DAY_MS });
    expect((await records(memberId)).map((r) => [r.kind, r.planId, r.bonusDays, r.previousExpiresAt])).toEqual([
      ["renewal", "plus-1y", 30, t0 + 64 * DAY_MS],
      ["renewal", "plus-1m", 2, t0 + 31 * DAY_MS],
      ["purchase", "plus-1m", 0, null],
    ]);
  });

  it("no bonus outside the window; a lapsed or revoked PLUS opens again from now; an HQ-given PLUS renews", async () => {
    const { memberId } = await w.register();
    await buy(memberId, { planId: "plus-1m" });
    w.clock.advance(20 * DAY_MS); // 2024-07-05: the year plan's June window is over
    expect((await quote(memberId, "plus-1y")).body).toMatchObject({ kind: "renewal", bonusDays: 0, couponPackIds: [] });
    w.clock.advance(20 * DAY_MS); // lapsed
    expect((await quote(memberId, "plus-1m")).body).toMatchObject({ kind: "purchase", bonusDays: 0, since: w.clock.now(), previousExpiresAt: null });

    const other = await w.register();
    const give = await w.call("POST", `/bo/members/${other.memberId}/plus/give`, { token: w.tokens.hq, body: { days: 30, reason: "launch" }, headers: key() });
    expect(give.status).toBe(200);
    const renew = await buy(other.memberId, { planId: "plus-1m" });
    expect(renew.body).toMatchObject({ kind: "renewal", since: give.body.since, expiresAt: (give.body.expiresAt as number) + 33 * DAY_MS });
    await w.call("POST", `/bo/members/${other.memberId}/plus/revoke`, { token: w.tokens.hq, body: { reason: "chargeback" }, headers: key() });
    expect((await quote(other.memberId, "plus-1m")).body).toMatchObject({ kind: "purchase", since: w.clock.now(), expiresAt: w.clock.now() + 31 * DAY_MS });
  });

  it("prices by the card class the member has now; a stale price is refused without charging", async () => {
    const { memberId } = await w.register();
    expect((await quote(memberId, "plus-1y")).body).toMatchObject({ cardClass: "standard", priceFen: 10000 });
    const vip = await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: cash },
      headers: key(),
    });
    expect(vip.status).toBe(200);
    expect((await quote(memberId, "plus-1y")).body).toMatchObject({ cardClass: "vip-gold", priceFen: 5000 });
    const stale = await buy(memberId, { planId: "plus-1y", expectedPriceFen: 10000 });
    expect([stale.status, stale.body.reason]).toEqual([422, "PRICE_CHANGED"]);
    expect(await records(memberId)).toEqual([]);
    expect((await w.call("GET", `/bo/members/${memberId}/plus`, { token: w.tokens.staff1 })).body).toMatchObject({ active: false });
    expect((await buy(memberId, { planId: "plus-1y", expectedPriceFen: 5000 })).body).toMatchObject({ priceFen: 5000, cardClass: "vip-gold" });
  });

  it("counter staff of the store may sell; other stores, no token, no key, bad plans, blocked members and a short balance are refused", async () => {
    const { memberId } = await w.register();
    expect((await quote(memberId, "plus-1m", w.tokens.staff2)).status).toBe(403);
    expect((await buy(memberId, { planId: "plus-1m" }, key(), w.tokens.staff2)).status).toBe(403);
    expect(
      (
        await w.call("POST", `/bo/members/${memberId}/plus/purchase`, {
          token: null,
          body: { storeId: "s1", planId: "plus-1m", payment: cash },
          headers: key(),
        })
      ).status,
    ).toBe(401);
    expect(
      (await w.call("POST", `/bo/members/${memberId}/plus/purchase`, { token: w.tokens.staff1, body: { storeId: "s1", planId: "plus-1m", payment: cash } }))
        .status,
    ).toBe(400);
    expect((await buy(memberId, { planId: "plus-1m", extra: 1 })).status).toBe(400);
    expect((await buy(memberId, { planId: "nope" })).body.reason).toBe("RULES_UNKNOWN_PLAN");
    expect((await buy(memberId, { planId: "plus-old" })).body.reason).toBe("RULES_PLUS_NOT_ALLOWED");
    const short = await buy(memberId, { planId: "plus-1y", payment: { method: "balance" } });
    expect([short.status, short.body.reason]).toEqual([422, "INSUFFICIENT_BALANCE"]);
    expect(await records(memberId)).toEqual([]);
    expect((await buy("nobody", { planId: "plus-1m" })).status).toBe(404);
    expect((await buy(memberId, { planId: "plus-1m" }, key(), w.tokens.mgr1)).status).toBe(200);
    const blocked = await w.register();
    await w.call("POST", `/bo/members/${blocked.memberId}/block`, { token: w.tokens.mgr1, body: { reason: "fraud" } });
    expect((await buy(blocked.memberId, { planId: "plus-1m" })).body.reason).toBe("MEMBER_BLOCKED");
    expect((await quote(blocked.memberId, "plus-1m")).body.reason).toBe("MEMBER_BLOCKED");
  });
});
