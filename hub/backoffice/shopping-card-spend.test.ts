// Shopping cards (购物卡) spent at the counter: a pay-at-the-counter ticket settled with a card first (once, through the card's ledger), the card's log, and a card top-up's refund after spending.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { FULL_RULES, boWorld, type BoWorld } from "./test-kit.js";
import { claimKiosk } from "./claims.testkit.js";

const RULES = structuredClone(FULL_RULES) as Record<string, unknown> & { topUpRules: unknown[] };
RULES.topUpRules = [
  ...RULES.topUpRules,
  { id: "card1000", name: "Shopping card 1000 get 100 on the card", amountFen: 100_000, target: "shopping-card", bonus: { shoppingCardFen: 10_000 } },
];

let w: BoWorld;
let ticket: ReturnType<typeof claimKiosk>["ticket"];
const K = { chainId: "acme", storeId: "s1", deviceId: "k-cards" };
beforeEach(async () => {
  w = await boWorld({ rules: RULES });
  ({ ticket } = claimKiosk(w, K));
});
afterEach(() => w.close());

let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `card-spend-${++n}-${Math.random().toString(36).slice(2)}` });
const cash = { method: "cash" } as const;

async function cardWith(memberId: string): Promise<{ cardId: string; topUpId: string }> {
  const t = await w.call("POST", `/bo/members/${memberId}/top-ups`, {
    token: w.tokens.staff1,
    body: { storeId: "s1", amountFen: 100_000, ruleId: "card1000", payment: cash },
    headers: key(),
  });
  expect(t.status).toBe(201);
  return { cardId: (t.body.shoppingCard as { cardId: string }).cardId, topUpId: t.body.topUpId as string };
}

describe("a shopping card at the counter", () => {
  it("settles a ticket with the card first and the payment for the rest, once; the card's log and the kiosks' member record follow", async () => {
    const { memberId, cardId: memberCard } = await w.register();
    const { cardId } = await cardWith(memberId);
    expect(w.members.get(memberId)!.shoppingCards).toEqual([{ cardId, balanceFen: 110_000 }]);
    ticket("CL-CARD-1", memberId, memberCard);
    const payable = (await w.call("GET", "/bo/claims/CL-CARD-1", { token: w.tokens.staff1 })).body.payableFen as number;
    expect(payable).toBeGreaterThan(20_000);
    const headers = key();
    const body = { payment: cash, shoppingCard: { cardId, amountFen: 20_000 }, expectedPayableFen: payable };
    const paid = await w.call("POST", "/bo/claims/CL-CARD-1/settle", { token: w.tokens.staff1, body, headers });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({
      status: "paid",
      shoppingCard: { cardId, fen: 20_000, balanceFen: 90_000 },
      payment: { method: "cash", amountFen: payable - 20_000 },
    });
    // The Idempotency-Key replay answers the same and takes nothing more; a second settle is refused.
    const again = await w.call("POST", "/bo/claims/CL-CARD-1/settle", { token: w.tokens.staff1, body, headers });
    expect(again.body).toEqual(paid.body);
    expect((await w.call("POST", "/bo/claims/CL-CARD-1/settle", { token: w.tokens.staff1, body, headers: key() })).body.reason).toBe("CLAIM_NOT_OPEN");
    const log = await w.call("GET", `/bo/shopping-cards/${cardId}/log`, { token: w.tokens.staff1 });
    expect(log.body).toMatchObject({ card: { balanceFen: 90_000 } });
    expect((log.body.entries as Array<Record<string, unknown>>).map((e) => [e["reason"], e["totalFen"], e["ref"]])).toEqual([
      ["shopping-card-spend", -20_000, "CL-CARD-1"],
      ["top-up", 110_000, expect.any(String)],
    ]);
    expect(w.members.get(memberId)!.shoppingCards).toEqual([{ cardId, balanceFen: 90_000 }]);
    // The kiosks heard of the card's new balance.
    const last = w.pushes
      .flat()
      .filter((c) => c.change.kind === "upsert")
      .at(-1)!.change;
    expect(last.kind === "upsert" ? last.member.shoppingCards : undefined).toEqual([{ cardId, balanceFen: 90_000 }]);
    expect(w.db.prepare("SELECT shopping_card_id, shopping_card_fen FROM sales WHERE sale_id = 'CL-CARD-1'").get()).toEqual({
      shopping_card_id: cardId,
      shopping_card_fen: 20_000,
    });
  });

  it("without an amount the card pays what it has, up to the ticket; a card that is not the member's or holds too little is refused and moves nothing", async () => {
    const a = await w.register();
    const b = await w.register();
    const { cardId } = await cardWith(a.memberId);
    ticket("CL-CARD-2", b.memberId, b.cardId);
    const foreign = await w.call("POST", "/bo/claims/CL-CARD-2/settle", {
      token: w.tokens.staff1,
      body: { payment: cash, shoppingCard: { cardId } },
      headers: key(),
    });
    expect(foreign.status).toBe(404);
    ticket("CL-CARD-3", a.memberId, a.cardId);
    const tooMuch = await w.call("POST", "/bo/claims/CL-CARD-3/settle", {
      token: w.tokens.staff1,
      body: { payment: cash, shoppingCard: { cardId, amountFen: 1 + 110_000 } },
      headers: key(),
    });
    expect(tooMuch.status).toBe(400);
    const all = await w.call("POST", "/bo/claims/CL-CARD-3/settle", {
      token: w.tokens.staff1,
      body: { payment: cash, shoppingCard: { cardId } },
      headers: key(),
    });
    expect(all.status).toBe(200);
    const payable = all.body.payableFen as number;
    expect(all.body).toMatchObject({ shoppingCard: { fen: payable, balanceFen: 110_000 - payable }, payment: { amountFen: 0 } });
    expect((await w.call("GET", "/bo/claims/CL-CARD-2", { token: w.tokens.staff1 })).body.status).toBe("open");
  });

  it("refunding a card top-up after spending from the card: the rest the card still holds comes back, its bonus share kept, never below zero", async () => {
    const { memberId, cardId: memberCard } = await w.register();
    const { cardId, topUpId } = await cardWith(memberId);
    ticket("CL-CARD-4", memberId, memberCard);
    const spend = await w.call("POST", "/bo/claims/CL-CARD-4/settle", {
      token: w.tokens.staff1,
      body: { payment: cash, shoppingCard: { cardId, amountFen: 20_000 } },
      headers: key(),
    });
    expect(spend.status).toBe(200);
    const refund = (principalFen?: number) =>
      w.call("POST", `/bo/top-ups/${topUpId}/refund`, {
        token: w.tokens.mgr1,
        body: { payment: cash, reason: "rest", ...(principalFen !== undefined ? { principalFen } : {}) },
        headers: key(),
      });
    // The whole principal is no longer on the card: refused, nothing moves.
    expect((await refund()).body.reason).toBe("INSUFFICIENT_BALANCE");
    // The rest the card holds (110,000 less 20,000 spent): all of it off the card, the bonus share it carried is not paid out.
    const rest = await refund(90_000);
    expect(rest.status).toBe(200);
    const card = (await w.call("GET", `/bo/members/${memberId}/shopping-cards`, { token: w.tokens.staff1 })).body.cards as Array<{ balanceFen: number }>;
    expect(card[0]!.balanceFen).toBe(0);
    expect(w.members.get(memberId)!.shoppingCards).toEqual([{ cardId, balanceFen: 0 }]);
    // What went back in cash and off the card add up: the card's log sums to zero.
    const sum = w.db.prepare("SELECT SUM(delta_fen) AS s FROM shopping_card_log WHERE card_id = ?").get<{ s: number }>(cardId)!.s;
    expect(Number(sum)).toBe(0);
    // The top-up refund policy (bonus follows the principal kept): refunding 900.00 of the 1000.00 principal makes
    // 90.00 of the card bonus due; the card no longer holds it apart, so it is deducted: 810.00 in cash.
    expect(rest.body).toMatchObject({ principalFen: 90_000, bonusSpentFen: 9000, cashBackFen: 81_000, shoppingCard: { cardId, fen: 90_000, balanceFen: 0 } });
  });
});
