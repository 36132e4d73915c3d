// Idempotency keys are bound to the member they were used for: a key replayed against another member is refused, never answered with the first member's result.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

describe("Idempotency-Key and the member it was used for", () => {
  it("refuses the same key and body against a second member (409 IDEMPOTENCY_KEY_REUSED) and moves nothing for either", async () => {
    const a = await w.register();
    const b = await w.register();
    const headers = { "idempotency-key": `idem-${Math.random().toString(36).slice(2)}` };
    const body = { storeId: "s1", amountFen: 10000, payment: { method: "cash" } };
    const first = await w.call("POST", `/bo/members/${a.memberId}/top-ups`, { token: w.tokens.staff1, body, headers });
    expect(first.status).toBe(201);
    const balanceA = w.members.get(a.memberId)!.balanceFen;
    const balanceB = w.members.get(b.memberId)!.balanceFen;
    const other = await w.call("POST", `/bo/members/${b.memberId}/top-ups`, { token: w.tokens.staff1, body, headers });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ reason: "IDEMPOTENCY_KEY_REUSED" });
    expect(JSON.stringify(other.body)).not.toContain(a.memberId);
    expect(w.members.get(a.memberId)!.balanceFen).toBe(balanceA);
    expect(w.members.get(b.memberId)!.balanceFen).toBe(balanceB);
    // The same key for the first member still replays its own answer.
    const again = await w.call("POST", `/bo/members/${a.memberId}/top-ups`, { token: w.tokens.staff1, body, headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(w.members.get(a.memberId)!.balanceFen).toBe(balanceA);
  });

  it("registering with a key creates one member however often it is sent; a bad key is refused; no key still works for scripts", async () => {
    const count = (): number => Number(w.db.prepare("SELECT COUNT(*) AS n FROM members").get<{ n: number }>()?.n ?? 0);
    const before = count();
    const body = { storeId: "s1", channel: "till", name: "韩梅梅", phone: "13900001111" };
    const headers = { "idempotency-key": "register-dialog-key-1" };
    const first = await w.call("POST", "/bo/members", { token: w.tokens.staff1, body, headers });
    expect(first.status).toBe(201);
    const again = await Promise.all([1, 2, 3].map(() => w.call("POST", "/bo/members", { token: w.tokens.staff1, body, headers })));
    for (const r of again) expect(r.body).toEqual(first.body);
    expect(count()).toBe(before + 1);
    const changed = await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { ...body, name: "李雷" }, headers });
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ reason: "IDEMPOTENCY_KEY_REUSED" });
    expect((await w.call("POST", "/bo/members", { token: w.tokens.staff1, body, headers: { "idempotency-key": "x" } })).status).toBe(400);
    expect(count()).toBe(before + 1);
    expect((await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { ...body, phone: "13900002222" } })).status).toBe(201);
    expect(count()).toBe(before + 2);
  });
});
