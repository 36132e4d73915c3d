// Messages to members through the back office: the top-up receipt (in the top-up's transaction), the daily warnings (coupons, VIP, points clear) once per event, opt-out, the outbox list and resending by hand.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";
import { runDailyNotifications } from "./notifications.js";
import { Outbox } from "../notify/outbox.js";
import { LogSender, SenderError } from "../app/messages.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `notify-test-${++n}-${Math.random().toString(36).slice(2)}` });
const cash = { method: "cash" } as const;
const at = (iso: string): number => Date.parse(iso);
type Msg = { notificationId: string; key: string; kind: string; status: string; text: string; memberId: string };
const list = async (query = ""): Promise<Msg[]> => (await w.call("GET", `/bo/notifications${query}`, { token: w.tokens.hq })).body.notifications as Msg[];

describe("messages to members", () => {
  it("queues the top-up receipt with the top-up (seed figures: 1000 yuan, 100 bonus), once for a replayed request, none for a refused one", async () => {
    const { memberId } = await w.register();
    const headers = key();
    const body = { storeId: "s1", amountFen: 100000, payment: cash };
    const t = await w.call("POST", `/bo/members/${memberId}/top-ups`, { token: w.tokens.staff1, body, headers });
    expect(t.status).toBe(201);
    expect((await w.call("POST", `/bo/members/${memberId}/top-ups`, { token: w.tokens.staff1, body, headers })).status).toBe(201);
    await w.call("POST", `/bo/members/${memberId}/block`, { token: w.tokens.mgr1, body: { reason: "fraud" } });
    expect((await w.call("POST", `/bo/members/${memberId}/top-ups`, { token: w.tokens.staff1, body, headers: key() })).status).toBe(422);
    const msgs = await list(`?memberId=${memberId}`);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({
      key: `top-up:${t.body.topUpId}`,
      kind: "top-up-receipt",
      status: "pending",
      text: "充值成功：¥1000.00（赠送 ¥100.00），当前储值余额 ¥1100.00。 Top-up received: ¥1000.00 (¥100.00 bonus); stored balance now ¥1100.00.",
    });
    // The sender job hands it to the log driver and marks it sent.
    await w.call("POST", "/bo/jobs/run", { token: w.tokens.hq, body: {} });
    const outbox = new Outbox(w.db, w.clock, undefined, { channels: { default: new LogSender() } });
    await outbox.sendDue();
    expect((await list(`?memberId=${memberId}`))[0]!.status).toBe("sent");
  });

  it("the daily job warns of coupons and VIP expiring and of the confirmed points clear, once per member and event", async () => {
    w.clock.set(at("2024-12-20T10:00:00+08:00"));
    const a = await w.register();
    const b = await w.register();
    const give = (memberId: string, validDays: number, count = 1) =>
      w.call("POST", `/bo/members/${memberId}/coupons`, {
        token: w.tokens.mgr1,
        body: { storeId: "s1", gift: { couponId: "c-100-20", count, validDays }, reason: "test" },
        headers: key(),
      });
    await give(a.memberId, 2, 2); // expires 2024-12-21: warned (within 3 days), one message for both
    await give(a.memberId, 30); // expires 2025-01-18: not yet
    await give(b.memberId, 5); // expires 2024-12-24: 4 days ahead, not yet
    expect(
      (
        await w.call("POST", `/bo/members/${b.memberId}/vip/purchase`, {
          token: w.tokens.staff1,
          body: { storeId: "s1", planId: "gold-trial-7d", payment: cash },
          headers: key(),
        })
      ).status,
    ).toBe(200);
    await w.call("POST", `/bo/members/${a.memberId}/points/adjustments`, { token: w.tokens.mgr1, body: { points: 500, reason: "opening" }, headers: key() });
    // Not confirmed yet: no clear warning to members.
    expect(runDailyNotifications(w.bo.deps, "2024-12-20")).toEqual({ coupons: 1, vips: 1, pointsClear: 0 });
    expect((await w.call("POST", "/bo/points/yearly-clear/acknowledge", { token: w.tokens.hq, body: {} })).status).toBe(200);
    expect(runDailyNotifications(w.bo.deps, "2024-12-20")).toEqual({ coupons: 0, vips: 0, pointsClear: 1 });
    expect(runDailyNotifications(w.bo.deps, "2024-12-20")).toEqual({ coupons: 0, vips: 0, pointsClear: 0 });
    w.clock.set(at("2024-12-21T10:00:00+08:00"));
    expect(runDailyNotifications(w.bo.deps, "2024-12-21")).toEqual({ coupons: 1, vips: 0, pointsClear: 0 });
    const msgs = (await list()).filter((m) => m.kind !== "top-up-receipt").sort((x, y) => x.key.localeCompare(y.key));
    expect(msgs.map((m) => [m.memberId, m.key])).toEqual([
      [a.memberId, `coupon-expiring:${a.memberId}:2024-12-21`],
      [b.memberId, `coupon-expiring:${b.memberId}:2024-12-24`],
      [a.memberId, `points-clear:2025-01-01:${a.memberId}`],
      [b.memberId, expect.stringMatching(new RegExp(`^vip-expiring:${b.memberId}:\\d+$`))],
    ]);
    expect(msgs[0]!.text).toBe(
      "您有 2 张优惠券（Spend 100 get 20 off、Spend 100 get 20 off）将于 2024-12-21 到期，请尽快使用。 2 coupon(s) (Spend 100 get 20 off、Spend 100 get 20 off) expire on 2024-12-21.",
    );
    expect(msgs[2]!.text).toContain("您的 500 积分将于 2025-01-01 00:00 清零");
    expect(msgs[3]!.text).toContain("将于 2024-12-27 到期");
  });

  it("a member opts out (app or staff), is not sent what was queued, and a caller without token cannot change it", async () => {
    const m = await w.register();
    const path = `/bo/members/${m.memberId}/notifications`;
    expect((await w.call("GET", path, { token: w.tokens.staff1 })).body).toEqual({ optOut: [], notifications: [] });
    await w.call("POST", `/bo/members/${m.memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 5000, payment: cash },
      headers: key(),
    });
    const set = await w.call("PUT", `${path}/opt-out`, { token: w.tokens.staff1, body: { optOut: ["top-up-receipt", "top-up-receipt"] } });
    expect(set.body).toMatchObject({ optOut: ["top-up-receipt"], notifications: [{ kind: "top-up-receipt", status: "pending" }] });
    expect((await w.call("PUT", `${path}/opt-out`, { token: null, body: { optOut: [] } })).status).toBe(401);
    expect((await w.call("PUT", `${path}/opt-out`, { token: w.tokens.staff1, body: { optOut: ["sms"] } })).status).toBe(400);
    const round = await new Outbox(w.db, w.clock, undefined, { channels: { default: new LogSender() } }).sendDue();
    expect(round).toMatchObject({ claimed: 1, skipped: 1, sent: 0 });
    expect((await w.call("GET", path, { token: w.tokens.staff1 })).body).toMatchObject({ notifications: [{ status: "skipped" }] });
    await w.call("PUT", `${path}/opt-out`, { token: w.tokens.staff1, body: { optOut: ["all"] } });
    await w.call("POST", `/bo/members/${m.memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 5000, payment: cash },
      headers: key(),
    });
    expect((await list(`?memberId=${m.memberId}&status=skipped`)).map((x) => x.kind)).toEqual(["top-up-receipt", "top-up-receipt"]);
    const audit = await w.call("GET", `/bo/audit?entityId=${m.memberId}`, { token: w.tokens.hq });
    expect((audit.body.entries as Array<{ action: string }>).filter((e) => e.action === "notifications.opt-out")).toHaveLength(2);
  });

  it("HQ lists the outbox and resends a failed message; a sent one cannot be resent", async () => {
    const m = await w.register();
    await w.call("POST", `/bo/members/${m.memberId}/top-ups`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", amountFen: 5000, payment: cash },
      headers: key(),
    });
    const refusing = { kind: "refusing", send: async () => Promise.reject(new SenderError("SENDER_REFUSED", "the message gateway answered 400")) };
    await new Outbox(w.db, w.clock, undefined, { channels: { default: refusing } }).sendDue();
    const all = await w.call("GET", "/bo/notifications?status=failed", { token: w.tokens.hq });
    expect(all.body.counts).toEqual({ failed: 1 });
    const id = (all.body.notifications as Msg[])[0]!.notificationId;
    expect((await w.call("GET", "/bo/notifications", { token: w.tokens.mgr1 })).status).toBe(403);
    expect((await w.call("POST", `/bo/notifications/${id}/resend`, { token: w.tokens.mgr1, body: { reason: "x" } })).status).toBe(403);
    const again = await w.call("POST", `/bo/notifications/${id}/resend`, { token: w.tokens.hq, body: { reason: "gateway fixed" } });
    expect(again.body).toMatchObject({ notificationId: id, status: "pending", attempts: 0 });
    await new Outbox(w.db, w.clock, undefined, { channels: { default: new LogSender() } }).sendDue();
    const sent = await w.call("POST", `/bo/notifications/${id}/resend`, { token: w.tokens.hq, body: { reason: "twice" } });
    expect([sent.status, sent.body.reason]).toEqual([422, "NOT_RESENDABLE"]);
    expect((await w.call("POST", "/bo/notifications/n_nope/resend", { token: w.tokens.hq, body: { reason: "x" } })).status).toBe(404);
  });
});
