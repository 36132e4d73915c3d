// Card validity (seed 000): HQ sets it, a VIP purchase replaces it with the VIP's expiry, the VIP's end restores it.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";
import { revertExpiredVips } from "./vip.js";
import { jobActor } from "../audit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

const DAY = 86_400_000;
const cash = { method: "cash" } as const;

describe("card validity", () => {
  it("is replaced by a VIP purchase and restored when the VIP ends; set during VIP it is what comes back", async () => {
    const { memberId } = await w.register();
    const path = `/bo/members/${memberId}/card-validity`;
    const until = Date.parse("2025-06-30T00:00:00+08:00");
    expect((await w.call("PUT", path, { token: w.tokens.mgr1, body: { validUntil: until, reason: "x" } })).status).toBe(403);
    expect((await w.call("PUT", path, { token: w.tokens.hq, body: { validUntil: until } })).status).toBe(400);
    expect((await w.call("PUT", path, { token: w.tokens.hq, body: { validUntil: until, reason: "old system" } })).body).toEqual({
      cardValidUntil: until,
      restoresTo: null,
      vip: false,
    });
    const buy = await w.call("POST", `/bo/members/${memberId}/vip/purchase`, {
      token: w.tokens.staff1,
      body: { storeId: "s1", planId: "gold-trial-7d", payment: cash },
      headers: { "idempotency-key": "card-validity-vip-1" },
    });
    expect(buy.status).toBe(200);
    const vipUntil = w.clock.now() + 7 * DAY;
    const view = async () => (await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.hq })).body.vip as Record<string, unknown>;
    expect(await view()).toMatchObject({ active: true, cardValidUntil: vipUntil });
    // Changed during the VIP: the VIP's expiry stays the card's validity, the new date is restored at its end.
    const later = until + 30 * DAY;
    expect((await w.call("PUT", path, { token: w.tokens.hq, body: { validUntil: later, reason: "extended" } })).body).toEqual({
      cardValidUntil: vipUntil,
      restoresTo: later,
      vip: true,
    });
    w.clock.advance(8 * DAY);
    expect(revertExpiredVips(w.bo.deps, jobActor("vip-expiry"))).toBe(1);
    expect(await view()).toMatchObject({ active: false, cardValidUntil: later });
  });
});
