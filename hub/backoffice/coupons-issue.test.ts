// Issuing coupons: to one member, to a segment in a batch (quantity and budget limits, report, recall), registration gift, birthday coupons once a year, level gift pack; kiosks get them through the member changelog.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { DAY_MS } from "../../protocol/rules/time.js";
import { boWorld, insertSale, type BoWorld } from "./test-kit.js";
import { runBirthdayCoupons } from "./coupons-issue.js";
import { jobActor } from "../audit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `cp-test-${++n}-${Math.random().toString(36).slice(2)}` });
const coupons = (memberId: string) => w.members.get(memberId)!.coupons;
const pushedCoupons = (memberId: string): number[] =>
  w.pushes
    .flat()
    .filter((c) => c.change.kind === "upsert" && c.change.member.memberId === memberId)
    .map((c) => (c.change.kind === "upsert" ? c.change.member.coupons.length : -1));

async function settings(coupons: Record<string, unknown>): Promise<void> {
  const cur = (await w.call("GET", "/bo/settings", { token: w.tokens.hq })).body;
  const r = await w.call("PUT", "/bo/settings", { token: w.tokens.hq, body: { ...cur, coupons } });
  expect(r.status).toBe(200);
}

describe("coupons to one member", () => {
  it("gives a coupon of the rules with its validity, pushes it to kiosks, and replays the key", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/coupons`;
    const body = { storeId: "s1", gift: { couponId: "c-100-20", count: 2, validDays: 10 }, reason: "apology" };
    expect((await w.call("POST", path, { token: w.tokens.staff1, body, headers: key() })).status).toBe(403);
    const headers = key();
    const r = await w.call("POST", path, { token: w.tokens.mgr1, body, headers });
    expect(r.status).toBe(201);
    expect(r.body.coupons).toEqual([
      expect.objectContaining({ couponId: "c-100-20", validFrom: "2024-06-15", expiresOn: "2024-06-24" }),
      expect.objectContaining({ couponId: "c-100-20", validFrom: "2024-06-15", expiresOn: "2024-06-24" }),
    ]);
    expect((await w.call("POST", path, { token: w.tokens.mgr1, body, headers })).body).toEqual(r.body);
    expect(coupons(memberId)).toHaveLength(2);
    expect(pushedCoupons(memberId).at(-1)).toBe(2);
    const unknown = await w.call("POST", path, { token: w.tokens.mgr1, body: { ...body, gift: { couponId: "nope" } }, headers: key() });
    expect(unknown.body.reason).toBe("UNKNOWN_COUPON");
    expect(
      (await w.call("POST", path, { token: w.tokens.mgr1, body: { ...body, gift: { packId: "pack-welcome" } }, headers: key() })).body.coupons,
    ).toHaveLength(3);
  });
});

describe("batches to a segment", () => {
  it("stops at the quantity limit or before the budget, reports issued / used / expired / recalled, and recalls the rest", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await w.register()).memberId);
    const post = (body: Record<string, unknown>) =>
      w.call("POST", "/bo/coupon-batches", { token: w.tokens.mgr1, body: { storeId: "s1", name: "June", ...body }, headers: key() });
    // 20 yuan coupons, budget 50 yuan: 2 members (a third would make 60).
    const byBudget = await post({ gift: { couponId: "c-100-20", validDays: 5 }, segment: { cardClass: "standard" }, budgetFen: 5000 });
    expect(byBudget.status).toBe(201);
    expect(byBudget.body).toMatchObject({ members: 2, issued: 2, outstanding: 2, stoppedBy: "budget", valueFen: 2000 });
    // The welcome pack is 3 coupons a member: at most 7 coupons = 2 members.
    const byCount = await post({ gift: { packId: "pack-welcome" }, memberIds: ids, maxCount: 7 });
    expect(byCount.body).toMatchObject({ members: 2, issued: 6, stoppedBy: "quantity" });
    expect((await post({ gift: { couponId: "c-100-20" }, segment: { levelId: "nobody" } })).body.reason).toBe("NO_AUDIENCE");
    expect((await post({ gift: { couponId: "c-100-20" }, segment: { bogus: "1" } })).status).toBe(400);
    expect((await post({ gift: { couponId: "c-100-20" }, memberIds: ids, segment: {} })).status).toBe(400);
    expect(
      (
        await w.call("POST", "/bo/coupon-batches", {
          token: w.tokens.mgr2,
          body: { storeId: "s1", name: "x", gift: { couponId: "c-100-20" }, memberIds: ids },
          headers: key(),
        })
      ).status,
    ).toBe(403);

    const batchId = byCount.body.batchId as string;
    const issued = ids.slice(0, 2).flatMap((id) =>
      coupons(id)
        .filter((c) => c.couponId === "c-voucher-10")
        .map((c) => ({ id, c })),
    );
    // One used at a kiosk (the ingest removes it and records it on the sale).
    const used = issued[0]!;
    insertSale(w, { memberId: used.id, saleId: "s-used", at: w.clock.now(), totalFen: 5000 });
    w.db.prepare("UPDATE sales SET coupons = ? WHERE sale_id = 's-used'").run(JSON.stringify([used.c.instanceId]));
    w.members.update(used.id, { coupons: coupons(used.id).filter((c) => c.instanceId !== used.c.instanceId) });
    const report = await w.call("GET", `/bo/coupon-batches/${batchId}`, { token: w.tokens.mgr1 });
    expect(report.body).toMatchObject({ issued: 6, used: 1, outstanding: 5, expired: 0, recalled: 0 });

    // The budget batch's 5-day coupons expire; recall takes back only what is still outstanding.
    w.clock.advance(6 * DAY_MS);
    const budgetId = byBudget.body.batchId as string;
    expect((await w.call("GET", `/bo/coupon-batches/${budgetId}`, { token: w.tokens.mgr1 })).body).toMatchObject({ expired: 2, outstanding: 0 });
    const recall = await w.call("POST", `/bo/coupon-batches/${batchId}/recall`, { token: w.tokens.mgr1, body: { reason: "campaign cancelled" } });
    expect(recall.body).toMatchObject({ recalledNow: 5, used: 1, recalled: 5, outstanding: 0 });
    for (const id of ids.slice(0, 2)) expect(coupons(id).filter((c) => c.couponId === "c-voucher-10")).toEqual([]);
    expect(pushedCoupons(ids[0]!).at(-1)).toBe(coupons(ids[0]!).length);
    const again = await w.call("POST", `/bo/coupons/${used.c.instanceId}/recall`, { token: w.tokens.mgr1, body: { reason: "x" } });
    expect(again.status).toBe(409);
  });

  it("recalls one issued coupon", async () => {
    const { memberId } = await w.register();
    const r = await w.call("POST", `/bo/members/${memberId}/coupons`, {
      token: w.tokens.mgr1,
      body: { storeId: "s1", gift: { couponId: "c-100-20" }, reason: "x" },
      headers: key(),
    });
    const instanceId = (r.body.coupons as Array<{ instanceId: string }>)[0]!.instanceId;
    expect((await w.call("POST", `/bo/coupons/${instanceId}/recall`, { token: w.tokens.mgr1, body: { reason: "wrong member" } })).body).toMatchObject({
      state: "recalled",
    });
    expect(coupons(memberId)).toEqual([]);
    expect((await w.call("POST", `/bo/coupons/${instanceId}/recall`, { token: w.tokens.mgr1, body: { reason: "x" } })).status).toBe(404);
  });
});

describe("automatic gifts", () => {
  it("gives the registration gift once at registration", async () => {
    await settings({ registration: { packId: "pack-welcome" } });
    const { memberId } = await w.register();
    expect(
      coupons(memberId)
        .map((c) => c.couponId)
        .sort(),
    ).toEqual(["c-100-20", "c-voucher-10", "c-voucher-10"]);
    const reg = await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.staff1 });
    expect(reg.status).toBe(200);
    expect(w.db.prepare("SELECT COUNT(*) AS n FROM coupon_issues WHERE member_id = ? AND source = 'registration'").get<{ n: number }>(memberId)!.n).toBe(3);
  });

  it("birthday coupons: a daily job, daysBefore ahead, once per member and year, with the coupon's own validity", async () => {
    await settings({ birthday: { gift: { couponId: "c-200-50", validDays: 7 }, daysBefore: 3 } });
    const a = await w.register({ birthDate: "1990-06-18" });
    const b = await w.register({ birthDate: "1985-06-19" });
    const actor = jobActor("birthday-coupons");
    expect(runBirthdayCoupons(w.bo.deps, "2024-06-15", actor)).toBe(1);
    expect(runBirthdayCoupons(w.bo.deps, "2024-06-15", actor)).toBe(0); // a restart or a second instance gives nothing more
    expect(coupons(a.memberId)).toEqual([expect.objectContaining({ couponId: "c-200-50", validFrom: "2024-06-15", expiresOn: "2024-06-21" })]);
    expect(coupons(b.memberId)).toEqual([]);
    expect(runBirthdayCoupons(w.bo.deps, "2024-06-16", actor)).toBe(1);
    expect(runBirthdayCoupons(w.bo.deps, "2025-06-15", actor)).toBe(1); // next year again
    // Last year's coupon has expired (dropped when the new one comes); this year's has its own 7 days.
    expect(coupons(a.memberId)).toEqual([expect.objectContaining({ couponId: "c-200-50", validFrom: "2025-06-15", expiresOn: "2025-06-21" })]);
    expect(w.db.prepare("SELECT COUNT(*) AS n FROM coupon_issues WHERE member_id = ? AND source = 'birthday'").get<{ n: number }>(a.memberId)!.n).toBe(2);
  });

  it("gives the level's gift pack once on reaching it (a top-up that raises the level)", async () => {
    await settings({ levelGifts: { l95: "pack-vip-60" } });
    const { memberId } = await w.register();
    const t = await w.call("POST", `/bo/members/${memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 100000, payment: { method: "cash" } },
      headers: key(),
    });
    expect(t.body).toMatchObject({ details: { level: "l95" } });
    expect(coupons(memberId).filter((c) => c.couponId === "c-100-20")).toHaveLength(3);
    expect(w.db.prepare("SELECT COUNT(*) AS n FROM coupon_once WHERE member_id = ?").get<{ n: number }>(memberId)!.n).toBe(1);
  });
});
