// Shopping cards (top-ups to a card, shopping-card bonuses, refunds) and punch cards (bonus, uses idempotent by request id, never below zero).
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { FULL_RULES, boWorld, type BoWorld } from "./test-kit.js";

const RULES = structuredClone(FULL_RULES) as Record<string, unknown> & { topUpRules: unknown[]; levels: Array<Record<string, unknown>> };
RULES.topUpRules = [
  ...RULES.topUpRules,
  {
    id: "card500",
    name: "Shopping card 500 get 50 on the card",
    amountFen: 50000,
    target: "shopping-card",
    bonus: { shoppingCardFen: 5000, points: 6, punchCards: [{ id: "car-wash", count: 3 }] },
  },
  {
    id: "t300-card",
    name: "Top up 300 get 10 and 20 on a shopping card",
    amountFen: 30000,
    bonus: { balanceFen: 1000, shoppingCardFen: 2000, punchCards: [{ id: "massage", count: 2 }, { id: "massage" }] },
  },
];
for (const l of RULES.levels) if (l.id === "l90") l.paidUpgradeReward = { points: 50, shoppingCardFen: 3000, punchCards: [{ id: "car-wash", count: 1 }] };

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld({ rules: RULES });
});
afterEach(() => w.close());

let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `sc-test-${++n}-${Math.random().toString(36).slice(2)}` });
const cash = { method: "cash" } as const;

async function topUp(memberId: string, amountFen: number, extra: Record<string, unknown> = {}, token = w.tokens.staff1, headers = key()) {
  return w.call("POST", `/bo/members/${memberId}/top-ups`, { token, body: { storeId: "s1", amountFen, payment: cash, ...extra }, headers });
}
const cardsOf = async (memberId: string, token = w.tokens.staff1) => w.call("GET", `/bo/members/${memberId}/shopping-cards`, { token });

describe("shopping cards", () => {
  it("tops up a shopping card apart from the balance, with its bonuses, once per request", async () => {
    const { memberId } = await w.register();
    const q = await w.call("GET", `/bo/members/${memberId}/top-ups/quote?storeId=s1&amountFen=50000`, { token: w.tokens.staff1 });
    expect(q.body).toMatchObject({ target: "shopping-card", principalFen: 0, shoppingCardFen: 55000, rule: { id: "card500" } });
    const headers = key();
    const t = await topUp(memberId, 50000, {}, w.tokens.staff1, headers);
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({
      ruleId: "card500",
      principalFen: 0,
      points: 6,
      shoppingCard: { fen: 55000, principalFen: 50000, bonusFen: 5000 },
      shoppingCardBalanceFen: 55000,
      balances: { balanceFen: 0, pointsBalance: 6 },
      details: { target: "shopping-card", notGiven: [], punchCards: [expect.objectContaining({ serviceId: "car-wash", totalUses: 3, remainingUses: 3 })] },
    });
    expect(w.members.get(memberId)).toMatchObject({ balanceFen: 0, pointsBalance: 6 });
    const again = await topUp(memberId, 50000, {}, w.tokens.staff1, headers);
    expect(again.body).toEqual(t.body);
    const cards = await cardsOf(memberId);
    expect(cards.body).toMatchObject({ totalFen: 55000, cards: [{ balanceFen: 55000, storeId: "s1" }] });
    const cardId = (t.body.shoppingCard as { cardId: string }).cardId;
    const log = await w.call("GET", `/bo/shopping-cards/${cardId}/log`, { token: w.tokens.staff1 });
    expect(log.body.entries).toEqual([expect.objectContaining({ totalFen: 55000, bonusFen: 5000, reason: "top-up", ref: t.body.topUpId })]);
    // A balance top-up with a shopping-card bonus credits the same card.
    const b = await topUp(memberId, 30000);
    expect(b.body).toMatchObject({
      ruleId: "t300-card",
      principalFen: 30000,
      bonusFen: 1000,
      shoppingCard: { cardId, fen: 2000, principalFen: 0, bonusFen: 2000 },
      shoppingCardBalanceFen: 57000,
    });
    expect(b.body.details).toMatchObject({ punchCards: [expect.objectContaining({ serviceId: "massage", totalUses: 3 })], notGiven: [] });
    expect(w.members.get(memberId)).toMatchObject({ balanceFen: 31000, bonusBalanceFen: 1000 });
    const view = await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.staff1 });
    expect(view.body.shoppingCards).toEqual({ count: 1, totalFen: 57000 });
  });

  it("credits the card named, opens cards, and refuses other members' cards, bad ids, stores and roles", async () => {
    const { memberId } = await w.register();
    const other = await w.register();
    const open = await w.call("POST", `/bo/members/${memberId}/shopping-cards`, { token: w.tokens.staff1, body: { storeId: "s1", note: "gift card" } });
    expect(open.status).toBe(201);
    const second = await w.call("POST", `/bo/members/${memberId}/shopping-cards`, { token: w.tokens.staff1, body: { storeId: "s1" } });
    const secondId = second.body.cardId as string;
    const t = await topUp(memberId, 50000, { shoppingCardId: secondId });
    expect(t.body).toMatchObject({ shoppingCard: { cardId: secondId, fen: 55000 } });
    expect((await cardsOf(memberId)).body).toMatchObject({
      totalFen: 55000,
      cards: [
        { cardId: open.body.cardId, balanceFen: 0 },
        { cardId: secondId, balanceFen: 55000 },
      ],
    });
    expect((await topUp(other.memberId, 50000, { shoppingCardId: secondId })).status).toBe(404);
    expect((await topUp(memberId, 50000, { shoppingCardId: "card-1" })).status).toBe(400);
    // Chain members are seen from every store; a store's staff act only in their stores.
    expect((await cardsOf(memberId, w.tokens.staff2)).status).toBe(200);
    expect((await w.call("POST", `/bo/members/${memberId}/shopping-cards`, { token: w.tokens.staff1, body: { storeId: "s2" } })).status).toBe(403);
    expect((await w.call("POST", `/bo/members/${memberId}/shopping-cards`, { token: w.tokens.staff1, body: { storeId: "s1", extra: 1 } })).status).toBe(400);
    expect((await cardsOf("nobody")).status).toBe(404);
    expect((await w.call("GET", "/bo/shopping-cards/shc_0000000000000000/log", { token: w.tokens.staff1 })).status).toBe(404);
    expect((await w.call("GET", `/bo/shopping-cards/${secondId}/log`, { token: null })).status).toBe(401);
    expect((await cardsOf(other.memberId)).body).toEqual({ cards: [], totalFen: 0 });
    const audit = await w.call("GET", "/bo/audit?action=shopping-card.create", { token: w.tokens.hq });
    expect((audit.body.entries as Array<{ note: string | null }>).map((e) => e.note)).toEqual([null, "gift card"]);
  });

  it("refunds a shopping-card top-up off the card, its card bonus in proportion, bonus spent deducted", async () => {
    const { memberId } = await w.register();
    const t = await topUp(memberId, 50000);
    const id = t.body.topUpId as string;
    const cardId = (t.body.shoppingCard as { cardId: string }).cardId;
    const refund = (body: Record<string, unknown>, token = w.tokens.mgr1) =>
      w.call("POST", `/bo/top-ups/${id}/refund`, { token, body: { payment: cash, ...body }, headers: key() });
    expect((await refund({ reason: "x" }, w.tokens.staff1)).status).toBe(403);
    expect((await refund({ principalFen: 60000, reason: "x" })).body.reason).toBe("REFUND_TOO_LARGE");
    const half = await refund({ principalFen: 25000, reason: "half" });
    expect(half.status).toBe(200);
    expect(half.body).toMatchObject({
      principalFen: 25000,
      bonusFen: 0,
      points: 3,
      cashBackFen: 25000,
      shoppingCard: { cardId, fen: 27500, bonusFen: 2500, balanceFen: 27500 },
    });
    expect(w.members.get(memberId)).toMatchObject({ balanceFen: 0, pointsBalance: 3 });
    // 1500 of the card's bonus was spent elsewhere: it comes off the cash returned.
    w.db.prepare("UPDATE shopping_cards SET balance_fen = 26000 WHERE card_id = ?").run(cardId);
    const rest = await refund({ reason: "the rest" });
    expect(rest.body).toMatchObject({
      principalFen: 25000,
      bonusSpentFen: 1500,
      cashBackFen: 23500,
      shoppingCard: { fen: 26000, bonusFen: 1000, balanceFen: 0 },
    });
    expect((await refund({ reason: "again" })).body.reason).toBe("ALREADY_REFUNDED");
    const log = await w.call("GET", `/bo/shopping-cards/${cardId}/log`, { token: w.tokens.staff1 });
    expect((log.body.entries as Array<{ totalFen: number; reason: string }>).map((e) => [e.reason, e.totalFen])).toEqual([
      ["top-up-refund", -26000],
      ["top-up-refund", -27500],
      ["top-up", 55000],
    ]);
    // The card's own money must still be there.
    const t2 = await topUp(memberId, 50000);
    w.db.prepare("UPDATE shopping_cards SET balance_fen = 1000 WHERE card_id = ?").run(cardId);
    const short = await w.call("POST", `/bo/top-ups/${t2.body.topUpId as string}/refund`, {
      token: w.tokens.mgr1,
      body: { reason: "x", payment: cash },
      headers: key(),
    });
    expect(short.body.reason).toBe("INSUFFICIENT_BALANCE");
  });

  it("gives the shopping-card value and punch cards of a paid level's reward", async () => {
    const { memberId } = await w.register();
    const up = await w.call("POST", `/bo/members/${memberId}/level/paid-upgrade`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", levelId: "l90", payment: cash },
      headers: key(),
    });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({
      shoppingCard: { fen: 3000 },
      punchCards: [expect.objectContaining({ serviceId: "car-wash", totalUses: 1 })],
      notGiven: [],
    });
    expect((await cardsOf(memberId)).body).toMatchObject({ totalFen: 3000 });
  });
});

describe("punch cards", () => {
  it("takes uses off once per request id, never below zero, audited", async () => {
    const { memberId } = await w.register();
    await topUp(memberId, 50000);
    const list = await w.call("GET", `/bo/members/${memberId}/punch-cards`, { token: w.tokens.staff1 });
    expect(list.body.punchCards).toEqual([expect.objectContaining({ serviceId: "car-wash", totalUses: 3, remainingUses: 3, source: "top-up" })]);
    const pc = (list.body.punchCards as Array<{ punchCardId: string }>)[0]!.punchCardId;
    const use = (body: Record<string, unknown>, token = w.tokens.staff1) =>
      w.call("POST", `/bo/punch-cards/${pc}/uses`, { token, body: { storeId: "s1", ...body } });
    const first = await use({ requestId: "wash-0001", uses: 2, note: "two cars" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ punchCardId: pc, memberId, requestId: "wash-0001", uses: 2, remainingUses: 1, actor: "staff1" });
    expect((await use({ requestId: "wash-0001", uses: 2, note: "two cars" })).body).toEqual(first.body);
    const reused = await use({ requestId: "wash-0001", uses: 1 });
    expect([reused.status, reused.body.reason]).toEqual([409, "REQUEST_ID_REUSED"]);
    const tooMany = await use({ requestId: "wash-0002", uses: 2 });
    expect([tooMany.status, tooMany.body.reason]).toEqual([422, "PUNCH_CARD_USED_UP"]);
    expect((await use({ requestId: "wash-0003" })).body).toMatchObject({ uses: 1, remainingUses: 0 });
    expect((await use({ requestId: "wash-0004" })).body.reason).toBe("PUNCH_CARD_USED_UP");
    const card = await w.call("GET", `/bo/punch-cards/${pc}`, { token: w.tokens.staff1 });
    expect(card.body).toMatchObject({ remainingUses: 0, totalUses: 3 });
    expect((card.body.uses as Array<{ requestId: string }>).map((u) => u.requestId)).toEqual(["wash-0003", "wash-0001"]);
    const audit = await w.call("GET", `/bo/audit?action=punch-card.use&entityId=${pc}`, { token: w.tokens.mgr1 });
    expect(audit.body.entries).toHaveLength(2);
  });

  it("refuses bad input, unknown cards, other stores, blocked members and wrong roles", async () => {
    const { memberId } = await w.register();
    await topUp(memberId, 30000);
    const list = await w.call("GET", `/bo/members/${memberId}/punch-cards`, { token: w.tokens.staff1 });
    const pc = (list.body.punchCards as Array<{ punchCardId: string; totalUses: number }>)[0]!;
    expect(pc.totalUses).toBe(3);
    const path = `/bo/punch-cards/${pc.punchCardId}/uses`;
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s1" } })).status).toBe(400);
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s1", requestId: "short" } })).status).toBe(400);
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s1", requestId: "req-00001", uses: 0 } })).status).toBe(400);
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s1", requestId: "req-00001", uses: -1 } })).status).toBe(400);
    expect((await w.call("POST", path, { token: w.tokens.staff2, body: { storeId: "s1", requestId: "req-00001" } })).status).toBe(403);
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s2", requestId: "req-00001" } })).status).toBe(403);
    expect((await w.call("POST", path, { token: null, body: { storeId: "s1", requestId: "req-00001" } })).status).toBe(401);
    expect(
      (await w.call("POST", "/bo/punch-cards/pc_0000000000000000/uses", { token: w.tokens.staff1, body: { storeId: "s1", requestId: "req-00001" } })).status,
    ).toBe(404);
    expect((await w.call("POST", "/bo/punch-cards/nope/uses", { token: w.tokens.staff1, body: { storeId: "s1", requestId: "req-00001" } })).status).toBe(400);
    expect((await w.call("GET", `/bo/members/nobody/punch-cards`, { token: w.tokens.staff1 })).status).toBe(404);
    await w.call("POST", `/bo/members/${memberId}/block`, { token: w.tokens.mgr1, body: { reason: "fraud" } });
    const blocked = await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s1", requestId: "req-00001" } });
    expect(blocked.body.reason).toBe("MEMBER_BLOCKED");
    expect((await w.call("GET", `/bo/punch-cards/${pc.punchCardId}`, { token: w.tokens.staff1 })).body).toMatchObject({ remainingUses: 3, uses: [] });
  });
});
