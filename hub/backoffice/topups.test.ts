// Counter top-ups (rules, bonuses apart from principal, VIP and level gifts, bonus edits by permission), refunds, balance payments, points adjustments.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `tu-test-${++n}-${Math.random().toString(36).slice(2)}` });
const cash = { method: "cash" } as const;

async function topUp(memberId: string, amountFen: number, extra: Record<string, unknown> = {}, token = w.tokens.staff1, headers = key()) {
  return w.call("POST", `/bo/members/${memberId}/top-ups`, { token, body: { storeId: "s1", amountFen, payment: cash, ...extra }, headers });
}

describe("top-ups", () => {
  it("credits principal and bonus apart, upgrades the level and pushes the balance to kiosks", async () => {
    const { memberId } = await w.register();
    const q = await w.call("GET", `/bo/members/${memberId}/top-ups/quote?storeId=s1&amountFen=100000`, { token: w.tokens.staff1 });
    expect(q.body).toMatchObject({ principalFen: 100000, bonusFen: 10000, upgradeToLevelId: "l95", rule: { id: "t1000" } });
    const headers = key();
    const t = await topUp(memberId, 100000, {}, w.tokens.staff1, headers);
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({
      principalFen: 100000,
      bonusFen: 10000,
      ruleId: "t1000",
      details: { level: "l95" },
      balances: { balanceFen: 110000, bonusFen: 10000, principalFen: 100000 },
    });
    const m = w.members.get(memberId)!;
    expect(m).toMatchObject({ balanceFen: 110000, bonusBalanceFen: 10000, levelId: "l95" });
    const pushed = w.pushes
      .flat()
      .filter((c) => c.change.kind === "upsert" && c.change.member.memberId === memberId)
      .at(-1);
    expect(pushed?.change.kind === "upsert" && pushed.change.member.balanceFen).toBe(110000);
    // Replaying the request changes nothing and answers the same.
    const again = await topUp(memberId, 100000, {}, w.tokens.staff1, headers);
    expect(again.body).toEqual(t.body);
    expect(w.members.get(memberId)!.balanceFen).toBe(110000);
    const ledger = await w.call("GET", `/bo/members/${memberId}/ledger?kind=balance`, { token: w.tokens.staff1 });
    expect(ledger.body.entries).toEqual([expect.objectContaining({ totalFen: 110000, principalFen: 100000, bonusFen: 10000, reason: "top-up" })]);
  });

  it("gives a VIP by top-up once, only to non-VIP members, and lists what was not given", async () => {
    const a = await w.register();
    const first = await topUp(a.memberId, 10000);
    expect(first.body).toMatchObject({ ruleId: "t100-vip", points: 10, details: { vip: { planId: "diamond-7d" } } });
    expect(w.members.get(a.memberId)).toMatchObject({ cardClass: "vip-diamond", pointsBalance: 10 });
    const second = await topUp(a.memberId, 10000);
    expect(second.body).toMatchObject({ ruleId: null, bonusFen: 0, points: 0 });
    const b = await w.register();
    await w.call("POST", `/bo/members/${b.memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: cash },
      headers: key(),
    });
    const vipTopUp = await topUp(b.memberId, 10000);
    expect(vipTopUp.body).toMatchObject({ ruleId: "t100-vip", details: { vip: null, notGiven: ["vip diamond-7d: the member is already VIP"] } });
    expect(w.members.get(b.memberId)!.cardClass).toBe("vip-gold");
  });

  it("lets only permitted staff edit the bonus", async () => {
    const { memberId } = await w.register();
    expect((await topUp(memberId, 100000, { bonusOverride: { bonusFen: 20000 } })).status).toBe(403);
    const edited = await topUp(memberId, 100000, { bonusOverride: { bonusFen: 20000 } }, w.tokens.staff1bonus);
    expect(edited.body).toMatchObject({ bonusFen: 20000, bonusEdited: true });
    expect((await topUp(memberId, 100000, { bonusOverride: { points: 5 } }, w.tokens.mgr1)).body).toMatchObject({
      bonusFen: 10000,
      points: 5,
      bonusEdited: true,
    });
    const audit = await w.call("GET", "/bo/audit?action=top-up.create", { token: w.tokens.hq });
    expect((audit.body.entries as Array<{ note: string | null }>).filter((e) => e.note?.startsWith("bonus edited"))).toHaveLength(2);
  });

  it("refuses bad amounts, rules, payments, stores and roles", async () => {
    const { memberId } = await w.register();
    expect((await topUp(memberId, 150)).body.reason).toBe("RULES_TOP_UP_NOT_ALLOWED");
    expect((await topUp(memberId, 0)).status).toBe(400);
    expect((await topUp(memberId, 100000, { ruleId: "nope" })).body.reason).toBe("RULES_UNKNOWN_TOP_UP_RULE");
    expect((await topUp(memberId, 100000, { ruleId: "t2000" })).body.reason).toBe("RULES_TOP_UP_NOT_ALLOWED");
    expect((await topUp(memberId, 100000, { payment: { method: "balance" } })).status).toBe(400);
    expect((await topUp(memberId, 100000, {}, w.tokens.staff2)).status).toBe(403);
    expect(
      (await w.call("POST", `/bo/members/${memberId}/top-ups`, { token: w.tokens.staff1, body: { storeId: "s1", amountFen: 100000, payment: cash } })).status,
    ).toBe(400);
    expect((await topUp("nobody", 100000)).status).toBe(404);
    expect(w.members.get(memberId)!.balanceFen).toBe(0);
  });
});

describe("refunds and balance payments", () => {
  it("refunds principal with its share of bonus and points, deducting bonus already spent", async () => {
    const { memberId } = await w.register();
    const t = await topUp(memberId, 100000, { bonusOverride: { points: 100 } }, w.tokens.mgr1);
    const id = t.body.topUpId as string;
    const refund = (body: Record<string, unknown>, token = w.tokens.mgr1, headers = key()) =>
      w.call("POST", `/bo/top-ups/${id}/refund`, { token, body: { payment: cash, ...body }, headers });
    expect((await refund({ reason: "x" }, w.tokens.staff1)).status).toBe(403);
    expect((await refund({ reason: "x" }, w.tokens.mgr2)).status).toBe(403);
    expect((await refund({ principalFen: 200000, reason: "x" })).body.reason).toBe("REFUND_TOO_LARGE");
    const half = await refund({ principalFen: 50000, reason: "changed mind" });
    expect(half.body).toMatchObject({ principalFen: 50000, bonusFen: 5000, points: 50, cashBackFen: 50000, balances: { balanceFen: 55000, bonusFen: 5000 } });
    // Spend from the balance: a VIP bought with stored value takes principal and bonus in proportion (10:1).
    const buy = await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "diamond-1m", payment: { method: "balance" } },
      headers: key(),
    });
    expect(buy.body).toMatchObject({ priceFen: 10000, payment: { method: "balance", principalFen: 9091, bonusFen: 909 } });
    expect(w.members.get(memberId)).toMatchObject({ balanceFen: 45000, bonusBalanceFen: 4091 });
    // A kiosk sale spent most of the bonus (bonus first).
    w.db.prepare("UPDATE members SET balance_fen = balance_fen - 4000, bonus_balance_fen = bonus_balance_fen - 4000 WHERE member_id = ?").run(memberId);
    const more = await refund({ principalFen: 40000, reason: "moving away" });
    // 10000 of principal stays: it keeps 1000 of bonus and 10 points; 4000 of bonus is due back but only 91 is left.
    expect(more.body).toMatchObject({
      principalFen: 40000,
      bonusFen: 91,
      bonusSpentFen: 3909,
      cashBackFen: 36091,
      points: 40,
      balances: { balanceFen: 909, bonusFen: 0 },
    });
    // "The rest" is what is left on the balance (909 of the 10000 not refunded): 9091 stays kept with its 909 bonus;
    // 91 bonus is due back and already spent, so it comes off the money paid out.
    const rest = await refund({ reason: "closing the account" });
    expect(rest.body).toMatchObject({ principalFen: 909, bonusFen: 0, bonusSpentFen: 91, cashBackFen: 818, balances: { balanceFen: 0 } });
    expect((await refund({ reason: "again" })).body.reason).toBe("NOTHING_LEFT");
  });

  it("refunds the rest of a top-up after spending (1000 + 100 bonus, 550 spent, proportional): 500 back, the 50 bonus left taken back", async () => {
    const { memberId } = await w.register();
    const t = await topUp(memberId, 100000);
    expect(t.body).toMatchObject({ principalFen: 100000, bonusFen: 10000 });
    const id = t.body.topUpId as string;
    // A kiosk sale of 550 yuan from the balance, proportional: 500 principal + 50 bonus.
    w.db.prepare("UPDATE members SET balance_fen = balance_fen - 55000, bonus_balance_fen = bonus_balance_fen - 5000 WHERE member_id = ?").run(memberId);
    const quote = await w.call("GET", `/bo/top-ups/${id}/refund-quote`, { token: w.tokens.mgr1 });
    expect(quote.body).toEqual({
      topUpId: id,
      principalFen: 50000,
      bonusFen: 5000,
      bonusSpentFen: 0,
      points: 0,
      shoppingCardFen: 0,
      cashBackFen: 50000,
      keptPrincipalFen: 50000,
    });
    expect((await w.call("GET", `/bo/top-ups/${id}/refund-quote?principalFen=60000`, { token: w.tokens.mgr1 })).body.reason).toBe("REFUND_TOO_LARGE");
    expect((await w.call("GET", `/bo/top-ups/${id}/refund-quote`, { token: w.tokens.staff1 })).status).toBe(403);
    const rest = await w.call("POST", `/bo/top-ups/${id}/refund`, {
      token: w.tokens.mgr1,
      body: { reason: "closing the account", payment: cash },
      headers: key(),
    });
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({
      principalFen: 50000,
      bonusFen: 5000,
      bonusSpentFen: 0,
      cashBackFen: 50000,
      balances: { balanceFen: 0, bonusFen: 0, principalFen: 0 },
    });
    const list = await w.call("GET", `/bo/members/${memberId}/top-ups`, { token: w.tokens.staff1 });
    expect((list.body.topUps as Array<Record<string, unknown>>)[0]).toMatchObject({ refunded: { principalFen: 50000, bonusFen: 5000 } });
  });

  it("keeps money held for kiosk sales in flight and refuses double refunds", async () => {
    const { memberId } = await w.register();
    const t = await topUp(memberId, 20000);
    const id = t.body.topUpId as string;
    w.db
      .prepare("INSERT INTO holds (id, member_id, device_id, balance_fen, points, created_at, expires_at) VALUES ('h1', ?, 'k1', 15000, 0, ?, ?)")
      .run(memberId, w.clock.now(), w.clock.now() + 600_000);
    const held = await w.call("POST", `/bo/top-ups/${id}/refund`, { token: w.tokens.mgr1, body: { reason: "x", payment: cash }, headers: key() });
    expect(held.body.reason).toBe("INSUFFICIENT_BALANCE");
    w.clock.advance(700_000);
    const ok = await w.call("POST", `/bo/top-ups/${id}/refund`, { token: w.tokens.mgr1, body: { reason: "x", payment: cash }, headers: key() });
    expect(ok.status).toBe(200);
    const twice = await w.call("POST", `/bo/top-ups/${id}/refund`, { token: w.tokens.mgr1, body: { reason: "x", payment: cash }, headers: key() });
    expect(twice.body.reason).toBe("ALREADY_REFUNDED");
    expect(w.members.get(memberId)).toMatchObject({ balanceFen: 0, bonusBalanceFen: 0 });
  });
});

describe("points adjustments", () => {
  it("adds and takes points with a reason, managers only, never below zero", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/points/adjustments`;
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { points: 10, reason: "x" }, headers: key() })).status).toBe(403);
    expect((await w.call("POST", path, { token: w.tokens.mgr1, body: { points: 0, reason: "x" }, headers: key() })).status).toBe(400);
    expect((await w.call("POST", path, { token: w.tokens.mgr1, body: { points: 10 }, headers: key() })).status).toBe(400);
    const add = await w.call("POST", path, { token: w.tokens.mgr1, body: { points: 120, reason: "goodwill" }, headers: key() });
    expect(add.body).toMatchObject({ points: 120, pointsBalance: 120 });
    expect((await w.call("POST", path, { token: w.tokens.mgr1, body: { points: -500, reason: "x" }, headers: key() })).body.reason).toBe("INSUFFICIENT_POINTS");
    expect((await w.call("POST", path, { token: w.tokens.mgr1, body: { points: -20, reason: "typo" }, headers: key() })).body).toMatchObject({
      pointsBalance: 100,
    });
    const audit = await w.call("GET", `/bo/audit?entityId=${memberId}&action=points.adjust`, { token: w.tokens.mgr1 });
    expect((audit.body.entries as Array<{ note: string }>).map((e) => e.note)).toEqual(["typo", "goodwill"]);
  });
});

describe("paid level upgrade and listings", () => {
  it("sells a level with its reward, only upwards, and lists the member's top-ups", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/level/paid-upgrade`;
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s1", levelId: "l85", payment: cash }, headers: key() })).body.reason).toBe(
      "RULES_LEVEL_NOT_ALLOWED",
    );
    expect(
      (await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s1", levelId: "l90", payment: cash, expectedPriceFen: 100 }, headers: key() }))
        .body.reason,
    ).toBe("PRICE_CHANGED");
    const up = await w.call("POST", path, {
      token: w.tokens.staff1,
      body: { storeId: "s1", levelId: "l90", payment: { method: "card", reference: "pos-1" }, expectedPriceFen: 9900 },
      headers: key(),
    });
    expect(up.body).toMatchObject({ levelId: "l90", priceFen: 9900, reward: { points: 50 }, payment: { method: "card", amountFen: 9900 } });
    expect(up.body.coupons).toHaveLength(3); // the welcome pack
    expect(w.members.get(memberId)).toMatchObject({ levelId: "l90", pointsBalance: 50 });
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s1", levelId: "l90", payment: cash }, headers: key() })).body.reason).toBe(
      "RULES_LEVEL_NOT_ALLOWED",
    );
    const level = await w.call("GET", `/bo/members/${memberId}/level`, { token: w.tokens.staff1 });
    expect(level.body.history).toEqual([expect.objectContaining({ from: "normal", to: "l90", kind: "paid-upgrade", actor: "staff1" })]);
    await topUp(memberId, 20000);
    const list = await w.call("GET", `/bo/members/${memberId}/top-ups`, { token: w.tokens.staff1 });
    expect(list.body.topUps).toEqual([expect.objectContaining({ amountFen: 20000, storeId: "s1", actor: "staff1" })]);
    const plans = await w.call("GET", "/bo/vip/plans?storeId=s1", { token: w.tokens.staff1 });
    expect((plans.body.plans as Array<{ id: string }>).map((p) => p.id)).toContain("gold-1y");
    expect((plans.body.classes as Array<{ id: string }>).map((c) => c.id)).toEqual(["vip-gold", "vip-diamond"]);
    expect((await w.call("GET", "/bo/vip/plans?storeId=s2", { token: w.tokens.staff1 })).status).toBe(403);
  });
});
