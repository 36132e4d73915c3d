// Pay-at-the-counter claims through the real ingest: looked up by code, settled once (points, coupons, growth, consultant credit), unclaimed tickets expire and are reported.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { jobActor } from "../audit.js";
import { indexNewSales } from "../jobs/sales-index.js";
import { boWorld, type BoWorld } from "./test-kit.js";
import { claimKiosk } from "./claims.testkit.js";
import { expireClaims } from "./claims.js";

let w: BoWorld;
let ticket: ReturnType<typeof claimKiosk>["ticket"];
const K = { chainId: "acme", storeId: "s1", deviceId: "k-claims" };
beforeEach(async () => {
  w = await boWorld();
  ({ ticket } = claimKiosk(w, K));
});
afterEach(() => w.close());

let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `claim-test-${++n}-${Math.random().toString(36).slice(2)}` });

describe("pay-at-the-counter claims", () => {
  it("the counter looks up the code, takes the payment, and the sale is applied exactly once", async () => {
    const { memberId, cardId } = await w.register();
    expect((await w.call("POST", "/bo/consultants", { token: w.tokens.mgr1, body: { consultantId: "c1", name: "c1", storeId: "s1" } })).status).toBe(201);
    expect((await w.call("PUT", `/bo/members/${memberId}/consultant`, { token: w.tokens.staff1, body: { consultantId: "c1" } })).status).toBe(200);
    const given = await w.call("POST", `/bo/members/${memberId}/coupons`, {
      token: w.tokens.mgr1,
      body: { storeId: "s1", gift: { couponId: "c-100-20" }, reason: "x" },
      headers: key(),
    });
    const couponId = (given.body.coupons as Array<{ instanceId: string }>)[0]!.instanceId;
    ticket("CL-0001", memberId, cardId, { coupons: [couponId] });

    const look = await w.call("GET", "/bo/claims/CL-0001", { token: w.tokens.staff1 });
    expect(look.status).toBe(200);
    expect(look.body).toMatchObject({ status: "open", memberId, coupons: [couponId] });
    const payable = look.body.payableFen as number;
    const points = look.body.pointsEarned as number;
    expect(payable).toBeGreaterThan(0);
    expect(points).toBeGreaterThan(0);
    expect((await w.call("GET", "/bo/claims/CL-0001", { token: w.tokens.staff2 })).status).toBe(403);
    expect((await w.call("GET", "/bo/claims/CL-nope", { token: w.tokens.staff1 })).status).toBe(404);

    const before = w.members.get(memberId)!.pointsBalance;
    const path = "/bo/claims/CL-0001/settle";
    const wrong = await w.call("POST", path, {
      token: w.tokens.staff1,
      body: { payment: { method: "cash" }, expectedPayableFen: payable + 1 },
      headers: key(),
    });
    expect(wrong.body.reason).toBe("PRICE_CHANGED");
    const headers = key();
    const paid = await w.call("POST", path, {
      token: w.tokens.staff1,
      body: { payment: { method: "wechat", reference: "wx-9" }, expectedPayableFen: payable },
      headers,
    });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({
      status: "paid",
      payableFen: payable,
      pointsEarned: points,
      couponsUsed: [couponId],
      payment: { method: "wechat", amountFen: payable },
    });
    // A replay answers the same; a second settle with another key is refused; nothing is applied twice.
    expect(
      (await w.call("POST", path, { token: w.tokens.staff1, body: { payment: { method: "wechat", reference: "wx-9" }, expectedPayableFen: payable }, headers }))
        .body,
    ).toEqual(paid.body);
    const twice = await w.call("POST", path, { token: w.tokens.staff1, body: { payment: { method: "cash" } }, headers: key() });
    expect(twice.status).toBe(409);
    expect(twice.body.reason).toBe("CLAIM_NOT_OPEN");
    const m = w.members.get(memberId)!;
    expect(m.pointsBalance).toBe(before + points);
    expect(m.coupons.some((c) => c.instanceId === couponId)).toBe(false);
    expect(w.db.prepare("SELECT COUNT(*) AS n FROM sales WHERE sale_id = 'CL-0001'").get<{ n: number }>()!.n).toBe(1);
    expect(w.db.prepare("SELECT COUNT(*) AS n FROM points_log WHERE ref = 'CL-0001'").get<{ n: number }>()!.n).toBe(1);

    // Growth and segments from the ticket's lines, consultant credit from the sale.
    const growth = w.bo.deps.data.levelState(memberId).growth;
    indexNewSales(w.bo.deps, jobActor("levels"));
    expect(w.db.prepare("SELECT COUNT(*) AS n FROM sale_lines WHERE sale_id = 'CL-0001'").get<{ n: number }>()!.n).toBe(2);
    expect(w.bo.deps.data.levelState(memberId).growth).toBe(growth + Math.floor((paid.body.totalFen as number) / 100));
    const report = await w.call("GET", "/bo/reports/consultants?storeId=s1&month=2024-06", { token: w.tokens.mgr1 });
    expect((report.body.consultants as Array<Record<string, unknown>>)[0]).toMatchObject({ consultantId: "c1", sales: 1, spendFen: paid.body.totalFen });
    expect((await w.call("GET", "/bo/claims/CL-0001", { token: w.tokens.staff1 })).body).toMatchObject({
      status: "paid",
      settledBy: "staff1",
      payableFen: null,
    });
  });

  it("pays from the balance, and refuses without enough", async () => {
    const { memberId, cardId } = await w.register();
    ticket("CL-0002", memberId, cardId);
    const bal = await w.call("POST", "/bo/claims/CL-0002/settle", { token: w.tokens.staff1, body: { payment: { method: "balance" } }, headers: key() });
    expect(bal.body.reason).toBe("INSUFFICIENT_BALANCE");
    expect((await w.call("GET", "/bo/claims/CL-0002", { token: w.tokens.staff1 })).body.status).toBe("open"); // nothing moved
    await w.call("POST", `/bo/members/${memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 100000, payment: { method: "cash" } },
      headers: key(),
    });
    const ok = await w.call("POST", "/bo/claims/CL-0002/settle", { token: w.tokens.staff1, body: { payment: { method: "balance" } }, headers: key() });
    expect(ok.status).toBe(200);
    expect(ok.body.balances).toMatchObject({ balanceFen: 110000 - (ok.body.payableFen as number) });
  });

  it("unclaimed tickets expire (the job), are reported, and cannot be paid", async () => {
    const { memberId, cardId } = await w.register();
    ticket("CL-0003", memberId, cardId, { expiresAt: w.clock.now() + 60_000 });
    ticket("CL-0004", memberId, cardId, { expiresAt: w.clock.now() + 7200_000 });
    expect(expireClaims(w.bo.deps, jobActor("claims-expiry"))).toBe(0);
    w.clock.advance(120_000);
    const late = await w.call("POST", "/bo/claims/CL-0003/settle", { token: w.tokens.staff1, body: { payment: { method: "cash" } }, headers: key() });
    expect(late.body.reason).toBe("CLAIM_EXPIRED");
    expect(expireClaims(w.bo.deps, jobActor("claims-expiry"))).toBe(1);
    expect(expireClaims(w.bo.deps, jobActor("claims-expiry"))).toBe(0);
    const list = await w.call("GET", "/bo/claims?storeId=s1", { token: w.tokens.staff1 });
    expect(list.body.totals).toEqual({ open: 1, paid: 0, expired: 1 });
    const expired = await w.call("GET", "/bo/claims?storeId=s1&status=expired", { token: w.tokens.staff1 });
    expect((expired.body.claims as Array<{ claimId: string }>).map((c) => c.claimId)).toEqual(["CL-0003"]);
    expect((await w.call("GET", "/bo/claims?storeId=s1", { token: w.tokens.staff2 })).status).toBe(403);
  });
});
