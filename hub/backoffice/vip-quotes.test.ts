// Counter quotes keep their word: the VIP upgrade, gift and extension quotes and the paid level upgrade quote equal what the write then does; managers-only quotes refuse counter staff.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DAY_MS } from "../../protocol/rules/time.js";
import { boWorld, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

const key = (s: string): Record<string, string> => ({ "idempotency-key": `quote-key-${s}` });
const cash = { method: "cash" } as const;

async function vipRecords(memberId: string): Promise<Array<{ kind: string; feeFen: number; expiresAt: number | null; classAfter: string }>> {
  const r = await w.call("GET", `/bo/members/${memberId}/vip`, { token: w.tokens.staff1 });
  return r.body.records as Array<{ kind: string; feeFen: number; expiresAt: number | null; classAfter: string }>;
}

describe("VIP upgrade quote", () => {
  it("the upgrade quote's price is what the upgrade charges (from stored value, once), and the expiry stays", async () => {
    const { memberId } = await w.register();
    await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: cash },
      headers: key("u0"),
    });
    const topUp = await w.call("POST", `/bo/members/${memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 50000, payment: cash },
      headers: key("t0"),
    });
    expect(topUp.status).toBe(201);
    w.clock.advance(40 * DAY_MS);
    const expiry = w.members.get(memberId)!.vipExpiresAt!;
    const balanceBefore = w.members.get(memberId)!.balanceFen;
    // The purchase quote refuses a 'difference' plan; the upgrade quote prices it.
    const asPurchase = await w.call("GET", `/bo/members/${memberId}/vip/quote?storeId=s1&planId=diamond-1y`, { token: w.tokens.staff1 });
    expect(asPurchase.body.reason).toBe("RULES_VIP_NOT_ALLOWED");
    const q = await w.call("GET", `/bo/members/${memberId}/vip/quote?storeId=s1&planId=diamond-1y&mode=upgrade`, { token: w.tokens.staff1 });
    expect(q.status).toBe(200);
    // (55800/366 - 36600/366) x 356 remaining days = 18674.86 -> 18675 fen
    expect(q.body).toMatchObject({ kind: "upgrade", priceFen: 18675, classAfter: "vip-diamond", expiresAt: expiry, bonusDays: 0 });
    const body = { storeId: "s1", planId: "diamond-1y", payment: { method: "balance" }, expectedPriceFen: q.body.priceFen };
    const up = await w.call("POST", `/bo/members/${memberId}/vip/upgrade`, { token: w.tokens.staff1, body, headers: key("u1") });
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body).toMatchObject({ kind: "upgrade", priceFen: q.body.priceFen, cardClass: q.body.classAfter, expiresAt: q.body.expiresAt });
    const again = await w.call("POST", `/bo/members/${memberId}/vip/upgrade`, { token: w.tokens.staff1, body, headers: key("u1") });
    expect(again.body).toEqual(up.body);
    const m = w.members.get(memberId)!;
    expect(m).toMatchObject({ cardClass: "vip-diamond", vipExpiresAt: expiry });
    expect(m.balanceFen).toBe(balanceBefore - (q.body.priceFen as number));
    expect((await vipRecords(memberId)).filter((r) => r.kind === "upgrade")).toEqual([
      expect.objectContaining({ feeFen: q.body.priceFen, expiresAt: expiry, classAfter: "vip-diamond" }),
    ]);
    // A stale quote (the price moved with the days) is refused, not charged.
    w.clock.advance(5 * DAY_MS);
    const other = await w.register();
    await w.call("POST", `/bo/members/${other.memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: cash },
      headers: key("u2"),
    });
    const stale = await w.call("POST", `/bo/members/${other.memberId}/vip/upgrade`, {
      token: w.tokens.staff1,
      body: { ...body, payment: cash },
      headers: key("u3"),
    });
    expect(stale.body.reason).toBe("PRICE_CHANGED");
    expect(w.members.get(other.memberId)!.cardClass).toBe("vip-gold");
  });
});

describe("VIP gift quote", () => {
  it("quotes the class and expiry the gift then gives; counter staff are refused the quote and the gift", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/vip/gift/quote?storeId=s1&planId=diamond-7d`;
    const refused = await w.call("GET", path, { token: w.tokens.staff1 });
    expect(refused.status).toBe(403);
    const q = await w.call("GET", path, { token: w.tokens.mgr1 });
    expect(q.status).toBe(200);
    expect(q.body).toEqual({
      kind: "gift",
      planId: "diamond-7d",
      classBefore: "standard",
      classAfter: "vip-diamond",
      expiresAt: w.clock.now() + 7 * DAY_MS,
    });
    expect(w.members.get(memberId)!.cardClass).toBe("standard"); // a quote changes nothing
    const staffGift = await w.call("POST", `/bo/members/${memberId}/vip/gift`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "diamond-7d", reason: "x" },
      headers: key("g0"),
    });
    expect(staffGift.status).toBe(403);
    const gift = await w.call("POST", `/bo/members/${memberId}/vip/gift`, {
      token: w.tokens.mgr1,
      body: { storeId: "s1", planId: "diamond-7d", reason: "complaint" },
      headers: key("g1"),
    });
    expect(gift.body).toEqual({ kind: "gift", cardClass: q.body.classAfter, expiresAt: q.body.expiresAt });
    expect(w.members.get(memberId)).toMatchObject({ cardClass: q.body.classAfter, vipExpiresAt: q.body.expiresAt, baseCardClass: "standard" });
    expect(await vipRecords(memberId)).toEqual([expect.objectContaining({ kind: "gift", feeFen: 0, expiresAt: q.body.expiresAt })]);
    // Now VIP: the quote refuses as the gift would; another store's manager cannot quote here.
    expect((await w.call("GET", path, { token: w.tokens.mgr1 })).body.reason).toBe("RULES_VIP_LIMIT_REACHED"); // once per member
    expect((await w.call("GET", path.replace("diamond-7d", "diamond-1m"), { token: w.tokens.mgr1 })).body.reason).toBe("RULES_VIP_NOT_ALLOWED");
    expect((await w.call("GET", path.replace("s1", "s2"), { token: w.tokens.mgr1 })).status).toBe(403);
  });
});

describe("VIP extension quote", () => {
  it("quotes the expiry the extension then sets, by days and by date; counter staff are refused", async () => {
    const { memberId } = await w.register();
    await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "diamond-1m", payment: cash },
      headers: key("e0"),
    });
    const first = w.members.get(memberId)!.vipExpiresAt!;
    const base = `/bo/members/${memberId}/vip/extend`;
    expect((await w.call("GET", `${base}/quote?days=10`, { token: w.tokens.staff1 })).status).toBe(403);
    expect((await w.call("POST", base, { token: w.tokens.staff1, body: { days: 10, reason: "x" }, headers: key("e1") })).status).toBe(403);
    expect((await w.call("GET", `${base}/quote?days=10&untilDate=2024-09-01`, { token: w.tokens.mgr1 })).status).toBe(400);

    const byDays = await w.call("GET", `${base}/quote?days=10`, { token: w.tokens.mgr1 });
    expect(byDays.body).toEqual({ expiresAt: first + 10 * DAY_MS, previousExpiresAt: first });
    const ext = await w.call("POST", base, { token: w.tokens.mgr1, body: { days: 10, reason: "store closed" }, headers: key("e2") });
    expect(ext.body).toEqual(byDays.body);
    expect(w.members.get(memberId)!.vipExpiresAt).toBe(byDays.body.expiresAt);

    const byDate = await w.call("GET", `${base}/quote?untilDate=2024-12-31`, { token: w.tokens.mgr1 });
    expect(byDate.body).toEqual({ expiresAt: Date.parse("2025-01-01T00:00:00+08:00"), previousExpiresAt: byDays.body.expiresAt });
    const ext2 = await w.call("POST", base, { token: w.tokens.mgr1, body: { untilDate: "2024-12-31", reason: "renovation" }, headers: key("e3") });
    expect(ext2.body).toEqual(byDate.body);
    expect(w.members.get(memberId)!.vipExpiresAt).toBe(byDate.body.expiresAt);
    expect((await vipRecords(memberId)).filter((r) => r.kind === "extension").map((r) => r.expiresAt)).toEqual([byDate.body.expiresAt, byDays.body.expiresAt]);
    // Earlier than now: the quote refuses as the write does.
    expect((await w.call("GET", `${base}/quote?untilDate=2024-07-01`, { token: w.tokens.mgr1 })).body.reason).toBe("RULES_INVALID_INPUT");
    const notVip = await w.register();
    expect((await w.call("GET", `/bo/members/${notVip.memberId}/vip/extend/quote?days=3`, { token: w.tokens.mgr1 })).body.reason).toBe("RULES_VIP_NOT_ALLOWED");
  });
});

describe("paid level upgrade quote", () => {
  it("quotes the price, reward and day the paid upgrade then applies; counter staff may quote and buy", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/level/paid-upgrade`;
    const q = await w.call("GET", `${path}/quote?storeId=s1&levelId=l90`, { token: w.tokens.staff1 });
    expect(q.status).toBe(200);
    expect(q.body).toEqual({
      levelBefore: "normal",
      levelId: "l90",
      priceFen: 9900,
      reward: { points: 50, couponPackIds: ["pack-welcome"] },
      effectiveOn: "2024-06-15",
    });
    expect((await w.call("GET", `${path}/quote?storeId=s1&levelId=l85`, { token: w.tokens.staff1 })).body.reason).toBe("RULES_LEVEL_NOT_ALLOWED");
    expect((await w.call("GET", `${path}/quote?storeId=s2&levelId=l90`, { token: w.tokens.staff1 })).status).toBe(403);
    const pointsBefore = w.members.get(memberId)!.pointsBalance;
    const couponsBefore = w.members.get(memberId)!.coupons.length;
    const body = { storeId: "s1", levelId: "l90", payment: cash, expectedPriceFen: q.body.priceFen };
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { ...body, expectedPriceFen: 100 }, headers: key("l0") })).body.reason).toBe(
      "PRICE_CHANGED",
    );
    const buy = await w.call("POST", path, { token: w.tokens.staff1, body, headers: key("l1") });
    expect(buy.status).toBe(200);
    expect(buy.body).toMatchObject({ levelId: q.body.levelId, priceFen: q.body.priceFen, reward: q.body.reward, payment: { method: "cash", amountFen: 9900 } });
    expect((await w.call("POST", path, { token: w.tokens.staff1, body, headers: key("l1") })).body).toEqual(buy.body);
    const m = w.members.get(memberId)!;
    expect(m.levelId).toBe("l90");
    expect(m.pointsBalance).toBe(pointsBefore + 50);
    expect(m.coupons.length).toBeGreaterThan(couponsBefore);
    const level = await w.call("GET", `/bo/members/${memberId}/level`, { token: w.tokens.staff1 });
    expect(level.body.history).toEqual([expect.objectContaining({ from: "normal", to: "l90", kind: "paid-upgrade", effectiveOn: q.body.effectiveOn })]);
    // Bought: the same quote is refused now (not above the member's level).
    expect((await w.call("GET", `${path}/quote?storeId=s1&levelId=l90`, { token: w.tokens.staff1 })).body.reason).toBe("RULES_LEVEL_NOT_ALLOWED");
  });
});
