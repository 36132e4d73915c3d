// VIP at the counter: purchase with the promotion bonus, renewal, upgrade by the price difference, once-per-member, gifts, extension, expiry revert; secondary cards.
import { testJpeg } from "./image-fixtures.testkit.js";
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { generateKeyPair } from "../../protocol/signing.js";
import { DAY_MS } from "../../protocol/rules/time.js";
import { boWorld, type BoWorld } from "./test-kit.js";
import { revertExpiredVips } from "./vip.js";
import { jobActor } from "../audit.js";
import { memberProof } from "../app/proof.testkit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

const key = (s: string): Record<string, string> => ({ "idempotency-key": `test-key-${s}` });
const cash = { method: "cash" } as const;

describe("VIP purchase and renewal", () => {
  it("opens with the window bonus and coupon pack, renews without it, and replays an idempotency key", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/vip/purchase`;
    const quote = await w.call("GET", `/bo/members/${memberId}/vip/quote?storeId=s1&planId=gold-1y`, { token: w.tokens.staff1 });
    expect(quote.body).toMatchObject({ kind: "purchase", priceFen: 36600, bonusDays: 30, couponPackIds: ["pack-vip-60"] });
    const body = { storeId: "s1", planId: "gold-1y", payment: cash, expectedPriceFen: 36600 };
    const buy = await w.call("POST", path, { token: w.tokens.staff1, body, headers: key("a1") });
    expect(buy.status).toBe(200);
    expect(buy.body).toMatchObject({ kind: "purchase", priceFen: 36600, bonusDays: 30, cardClass: "vip-gold", expiresAt: w.clock.now() + 396 * DAY_MS });
    const m = w.members.get(memberId)!;
    expect(m).toMatchObject({ cardClass: "vip-gold", baseCardClass: "standard", vipExpiresAt: w.clock.now() + 396 * DAY_MS });
    expect(m.coupons.filter((c) => c.couponId === "c-100-20")).toHaveLength(3);
    expect(m.coupons[0]).toMatchObject({ validFrom: "2024-06-15", expiresOn: "2024-09-12" });

    const replay = await w.call("POST", path, { token: w.tokens.staff1, body, headers: key("a1") });
    expect(replay.body).toEqual(buy.body);
    expect(w.members.get(memberId)!.coupons).toHaveLength(3);
    const reused = await w.call("POST", path, { token: w.tokens.staff1, body: { ...body, expectedPriceFen: undefined }, headers: key("a1") });
    expect(reused.status).toBe(409);
    expect(reused.body.reason).toBe("IDEMPOTENCY_KEY_REUSED");

    w.clock.advance(10 * DAY_MS);
    const renew = await w.call("POST", path, { token: w.tokens.staff1, body: { storeId: "s1", planId: "gold-1y", payment: cash }, headers: key("a2") });
    expect(renew.body).toMatchObject({ kind: "renewal", bonusDays: 0 });
    expect(w.members.get(memberId)!.vipExpiresAt).toBe((buy.body.expiresAt as number) + 366 * DAY_MS);
    const changed = await w.call("POST", path, { token: w.tokens.staff1, body: { ...body, expectedPriceFen: 100 }, headers: key("a3") });
    expect(changed.body.reason).toBe("PRICE_CHANGED");

    const records = await w.call("GET", `/bo/vip/records?memberId=${memberId}`, { token: w.tokens.mgr1 });
    expect((records.body.records as Array<{ kind: string; feeFen: number; actor: string }>).map((r) => [r.kind, r.feeFen, r.actor])).toEqual([
      ["renewal", 36600, "staff1"],
      ["purchase", 36600, "staff1"],
    ]);
  });

  it("gives a renewal-only bonus only to a VIP renewing before expiry, at the price for their class", async () => {
    const { memberId } = await w.register();
    const buy = (planId: string) =>
      w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
        token: w.tokens.staff1,
        body: { storeId: "s1", planId, payment: cash },
        headers: key(`r-${planId}-${Math.random()}`),
      });
    const open = await buy("diamond-1y");
    expect(open.body).toMatchObject({ kind: "purchase", priceFen: 58800, bonusDays: 0, couponPackIds: [] });
    const renew = await buy("diamond-1y");
    expect(renew.body).toMatchObject({ kind: "renewal", bonusDays: 30, couponPackIds: ["pack-vip-60"] });
    expect(renew.body.expiresAt).toBe(w.clock.now() + (366 + 366 + 30) * DAY_MS);
  });

  it("upgrade scenario 'difference' (补差价): the upgrade keeps the expiry, a full re-purchase is refused; once-per-member plans", async () => {
    const { memberId } = await w.register();
    await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: cash },
      headers: key("b1"),
    });
    const expiry = w.members.get(memberId)!.vipExpiresAt;
    const crossBuy = await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "diamond-1y", payment: cash },
      headers: key("b2"),
    });
    expect(crossBuy.status).toBe(422);
    expect(crossBuy.body.reason).toBe("RULES_VIP_NOT_ALLOWED");
    // (55800/366 - 36600/366) x 396 remaining days = 20773.77 -> 20774 fen
    const up = await w.call("POST", `/bo/members/${memberId}/vip/upgrade`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "diamond-1y", payment: cash },
      headers: key("b3"),
    });
    expect(up.body).toMatchObject({ kind: "upgrade", priceFen: 20774, cardClass: "vip-diamond" });
    expect(w.members.get(memberId)).toMatchObject({ cardClass: "vip-diamond", baseCardClass: "standard", vipExpiresAt: expiry });

    const other = await w.register();
    const trial = { storeId: "s1", planId: "gold-trial-7d", payment: cash };
    expect((await w.call("POST", `/bo/members/${other.memberId}/vip/purchase`, { token: w.tokens.staff1, body: trial, headers: key("b4") })).status).toBe(200);
    w.clock.advance(8 * DAY_MS);
    const again = await w.call("POST", `/bo/members/${other.memberId}/vip/purchase`, { token: w.tokens.staff1, body: trial, headers: key("b5") });
    expect(again.body.reason).toBe("RULES_VIP_LIMIT_REACHED");
    expect(
      (await w.call("POST", `/bo/members/${other.memberId}/vip/purchase`, { token: w.tokens.staff1, body: { ...trial, planId: "nope" }, headers: key("b6") }))
        .body.reason,
    ).toBe("RULES_UNKNOWN_PLAN");
    expect((await w.call("POST", `/bo/members/${other.memberId}/vip/purchase`, { token: w.tokens.staff1, body: trial })).status).toBe(400); // no Idempotency-Key
    expect((await w.call("POST", `/bo/members/${other.memberId}/vip/purchase`, { token: w.tokens.staff2, body: trial, headers: key("b7") })).status).toBe(403);
  });

  it("upgrade scenario 'repay' (VIP会员只能重新付费升级到当前VIP卡类): the full price buys the class from now, the difference is refused", async () => {
    const { memberId } = await w.register();
    await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: cash },
      headers: key("f1"),
    });
    const byDiff = await w.call("GET", `/bo/members/${memberId}/vip/quote?storeId=s1&planId=diamond-1m&mode=upgrade`, { token: w.tokens.staff1 });
    expect(byDiff.status).toBe(422);
    expect(byDiff.body.reason).toBe("RULES_VIP_NOT_ALLOWED");
    const up = await w.call("POST", `/bo/members/${memberId}/vip/upgrade`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "diamond-1m", payment: cash },
      headers: key("f2"),
    });
    expect(up.body.reason).toBe("RULES_VIP_NOT_ALLOWED");
    const repay = await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "diamond-1m", payment: cash },
      headers: key("f3"),
    });
    // Full price 100 yuan, a fresh 31 days + 22 promotion days from now; the rest of VIP Gold is dropped.
    expect(repay.body).toMatchObject({ kind: "purchase", priceFen: 10000, bonusDays: 22, cardClass: "vip-diamond", expiresAt: w.clock.now() + 53 * DAY_MS });
    expect(w.members.get(memberId)).toMatchObject({ cardClass: "vip-diamond", baseCardClass: "standard" });
  });

  it("gives, extends with a reason, and reverts at expiry to the class before", async () => {
    const { memberId } = await w.register();
    const gift = await w.call("POST", `/bo/members/${memberId}/vip/gift`, {
      token: w.tokens.mgr1,
      body: { storeId: "s1", planId: "diamond-7d", reason: "complaint" },
      headers: key("c1"),
    });
    expect(gift.body).toMatchObject({ kind: "gift", cardClass: "vip-diamond" });
    expect(
      (
        await w.call("POST", `/bo/members/${memberId}/vip/gift`, {
          token: w.tokens.staff1,
          body: { storeId: "s1", planId: "diamond-7d", reason: "x" },
          headers: key("c2"),
        })
      ).status,
    ).toBe(403);
    const twice = await w.call("POST", `/bo/members/${memberId}/vip/gift`, {
      token: w.tokens.mgr1,
      body: { storeId: "s1", planId: "diamond-1m", reason: "x" },
      headers: key("c3"),
    });
    expect(twice.body.reason).toBe("RULES_VIP_NOT_ALLOWED");
    expect((await w.call("POST", `/bo/members/${memberId}/vip/extend`, { token: w.tokens.mgr1, body: { days: 3 }, headers: key("c4") })).status).toBe(400);
    expect(
      (
        await w.call("POST", `/bo/members/${memberId}/vip/extend`, {
          token: w.tokens.mgr1,
          body: { days: 3, untilDate: "2024-07-01", reason: "x" },
          headers: key("c5"),
        })
      ).status,
    ).toBe(400);
    const ext = await w.call("POST", `/bo/members/${memberId}/vip/extend`, {
      token: w.tokens.mgr1,
      body: { untilDate: "2024-07-01", reason: "store renovation" },
      headers: key("c6"),
    });
    expect(ext.body.expiresAt).toBe(Date.parse("2024-07-02T00:00:00+08:00"));
    const earlier = await w.call("POST", `/bo/members/${memberId}/vip/extend`, {
      token: w.tokens.mgr1,
      body: { untilDate: "2024-06-20", reason: "x" },
      headers: key("c7"),
    });
    expect(earlier.body.reason).toBe("RULES_INVALID_INPUT");

    expect(revertExpiredVips(w.bo.deps, jobActor("vip-expiry"))).toBe(0);
    w.clock.set(Date.parse("2024-07-02T00:00:00+08:00"));
    expect(revertExpiredVips(w.bo.deps, jobActor("vip-expiry"))).toBe(1);
    expect(revertExpiredVips(w.bo.deps, jobActor("vip-expiry"))).toBe(0);
    // The kiosks' record keeps the expired class and date (the gate says when it ended) and names the class it reverted to.
    expect(w.members.get(memberId)).toMatchObject({
      cardClass: "vip-diamond",
      vipExpiresAt: Date.parse("2024-07-02T00:00:00+08:00"),
      baseCardClass: "standard",
    });
    expect((await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.staff1 })).body).toMatchObject({
      effectiveCardClass: "standard",
      vip: { active: false, vip: null },
    });
    expect((await w.call("GET", "/bo/members?cardClass=standard", { token: w.tokens.hq })).body.total).toBe(1);
    const vip = await w.call("GET", `/bo/members/${memberId}/vip`, { token: w.tokens.staff1 });
    expect((vip.body.records as Array<{ kind: string; actor: string }>).map((r) => `${r.kind}:${r.actor}`)).toEqual([
      "revert:job:vip-expiry",
      "extension:mgr1",
      "gift:mgr1",
    ]);
    expect(vip.body.active).toBe(false);
    // Bought again later, it opens from the class it reverted to.
    const again = await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: cash },
      headers: key("c8"),
    });
    expect(again.body).toMatchObject({ kind: "purchase", cardClass: "vip-gold" });
    expect(w.members.get(memberId)).toMatchObject({ cardClass: "vip-gold", baseCardClass: "standard" });
  });
});

describe("secondary cards", () => {
  it("lets a VIP create up to N cards that holders activate with the share code and that follow the primary", async () => {
    const primary = await w.register();
    const create = (k: string, token = w.tokens.staff1) =>
      w.call("POST", `/bo/members/${primary.memberId}/secondary-cards`, { token, body: {}, headers: key(k) });
    expect((await create("d0")).body.reason).toBe("NOT_VIP");
    await w.call("POST", `/bo/members/${primary.memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: cash },
      headers: key("d1"),
    });
    await w.call("PUT", "/bo/settings", { token: w.tokens.hq, body: { secondaryCards: { maxPerMember: 2, priceFen: 0 } } });
    const first = await create("d2");
    expect(first.status).toBe(201);
    const shareCode = first.body.shareCode as string;
    expect(shareCode).toMatch(/^SC/);
    expect((await create("d2")).body).toEqual(first.body); // replay
    expect((await create("d3")).status).toBe(201);
    expect((await create("d4")).body.reason).toBe("LIMIT_REACHED");

    const holderKey = generateKeyPair();
    const act = await w.call("POST", "/bo/secondary-cards/activate", {
      token: null,
      body: { shareCode, name: "Li Junior", cardPublicKey: holderKey.publicKey },
    });
    expect(act.status).toBe(201);
    const secId = act.body.memberId as string;
    expect(w.members.get(secId)).toMatchObject({
      primaryMemberId: primary.memberId,
      cardClass: "vip-gold",
      vipExpiresAt: w.members.get(primary.memberId)!.vipExpiresAt,
      cardPublicKey: holderKey.publicKey,
    });
    expect(
      (await w.call("POST", "/bo/secondary-cards/activate", { token: null, body: { shareCode, name: "Again", cardPublicKey: holderKey.publicKey } })).status,
    ).toBe(409);
    expect(
      (
        await w.call("POST", "/bo/secondary-cards/activate", {
          token: null,
          body: { shareCode: "SCxxxxxxxxxxxxxxxxxxxx", name: "X", cardPublicKey: holderKey.publicKey },
        })
      ).status,
    ).toBe(404);
    // The holder uploads their own headshot with their own code.
    const photo = testJpeg(200, 9);
    const hsPath = `/bo/members/${secId}/headshot`;
    const hs = await w.call("PUT", hsPath, {
      token: null,
      raw: photo,
      headers: { authorization: memberProof(act.body.cardId as string, holderKey, "PUT", hsPath, photo, w.clock.now()), "content-type": "image/jpeg" },
    });
    expect(hs.status).toBe(200);
    // A secondary card cannot buy VIP itself, and follows the primary's extension.
    expect(
      (
        await w.call("POST", `/bo/members/${secId}/vip/purchase`, {
          token: w.tokens.staff1,
          body: { storeId: "s1", planId: "gold-1y", payment: cash },
          headers: key("d5"),
        })
      ).body.reason,
    ).toBe("IS_SECONDARY");
    await w.call("POST", `/bo/members/${primary.memberId}/vip/extend`, { token: w.tokens.mgr1, body: { days: 10, reason: "renovation" }, headers: key("d6") });
    expect(w.members.get(secId)!.vipExpiresAt).toBe(w.members.get(primary.memberId)!.vipExpiresAt);

    const list = await w.call("GET", `/bo/members/${primary.memberId}/secondary-cards`, { token: w.tokens.staff1 });
    const cards = list.body.cards as Array<{ cardRef: string; state: string }>;
    expect(cards.map((c) => c.state).sort()).toEqual(["active", "pending"]);
    const activeRef = cards.find((c) => c.state === "active")!.cardRef;
    expect((await w.call("DELETE", `/bo/secondary-cards/${activeRef}`, { token: w.tokens.staff1, body: { reason: "x" } })).status).toBe(403);
    const cancel = await w.call("DELETE", `/bo/secondary-cards/${activeRef}`, { token: w.tokens.mgr1, body: { reason: "family left" } });
    expect(cancel.body).toMatchObject({ state: "cancelled" });
    expect(w.members.get(secId)).toBeUndefined();
    expect(w.pushes.flat().some((c) => c.change.kind === "delete" && c.change.memberId === secId)).toBe(true);
    expect((await create("d7")).status).toBe(201); // room again
  });

  it("charges the price and refuses expired share codes", async () => {
    const primary = await w.register();
    await w.call("POST", `/bo/members/${primary.memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-1y", payment: cash },
      headers: key("e1"),
    });
    await w.call("PUT", "/bo/settings", { token: w.tokens.hq, body: { secondaryCards: { priceFen: 5000, shareCodeTtlHours: 1 } } });
    const path = `/bo/members/${primary.memberId}/secondary-cards`;
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: {}, headers: key("e2") })).body.reason).toBe("PAYMENT_REQUIRED");
    expect((await w.call("POST", path, { token: w.tokens.staff1, body: { payment: { method: "balance" } }, headers: key("e3") })).body.reason).toBe(
      "INSUFFICIENT_BALANCE",
    );
    const paid = await w.call("POST", path, { token: w.tokens.staff1, body: { payment: { method: "wechat", reference: "wx-1" } }, headers: key("e4") });
    expect(paid.body).toMatchObject({ priceFen: 5000, payment: { method: "wechat", amountFen: 5000 } });
    w.clock.advance(2 * 3600_000);
    const late = await w.call("POST", "/bo/secondary-cards/activate", {
      token: null,
      body: { shareCode: paid.body.shareCode, name: "X", cardPublicKey: generateKeyPair().publicKey },
    });
    expect(late.body.reason).toBe("SHARE_CODE_EXPIRED");
  });
});
