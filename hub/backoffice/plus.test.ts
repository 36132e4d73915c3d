// PLUS (online-only paid tier): HQ gives, extends and revokes it (audited); member reads show it; it lapses at its expiry.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

const DAY = 86_400_000;
let n = 0;
const key = (): Record<string, string> => ({ "idempotency-key": `plus-test-${++n}-${Math.random().toString(36).slice(2)}` });
const plus = (memberId: string, action: "give" | "extend" | "revoke", body: Record<string, unknown>, token: string | null = w.tokens.hq, headers = key()) =>
  w.call("POST", `/bo/members/${memberId}/plus/${action}`, { token, body, headers });

describe("PLUS", () => {
  it("is given, extended and revoked by HQ, shown in member reads and audited", async () => {
    const { memberId } = await w.register();
    const t0 = w.clock.now();
    expect((await w.call("GET", `/bo/members/${memberId}/plus`, { token: w.tokens.staff1 })).body).toEqual({ active: false, since: null, expiresAt: null });
    const headers = key();
    const give = await plus(memberId, "give", { days: 30, reason: "online launch" }, w.tokens.hq, headers);
    expect(give.status).toBe(200);
    expect(give.body).toEqual({ active: true, since: t0, expiresAt: t0 + 30 * DAY });
    expect((await plus(memberId, "give", { days: 30, reason: "online launch" }, w.tokens.hq, headers)).body).toEqual(give.body);
    const view = await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.staff1 });
    expect(view.body.plus).toEqual({ active: true, since: t0, expiresAt: t0 + 30 * DAY });
    const twice = await plus(memberId, "give", { days: 5, reason: "x" });
    expect([twice.status, twice.body.reason]).toEqual([422, "PLUS_ACTIVE"]);
    expect((await plus(memberId, "extend", { days: 10, reason: "shop closed" })).body).toEqual({ active: true, since: t0, expiresAt: t0 + 40 * DAY });
    w.clock.advance(DAY);
    const revoke = await plus(memberId, "revoke", { reason: "chargeback" });
    expect(revoke.body).toEqual({ active: false, since: t0, expiresAt: t0 + DAY });
    expect((await plus(memberId, "revoke", { reason: "again" })).body.reason).toBe("NOT_PLUS");
    expect((await plus(memberId, "extend", { days: 1, reason: "x" })).body.reason).toBe("NOT_PLUS");
    const audit = await w.call("GET", `/bo/audit?entityId=${memberId}`, { token: w.tokens.hq });
    const entries = (audit.body.entries as Array<{ action: string; note: string }>).filter((e) => e.action.startsWith("plus."));
    expect(entries.map((e) => [e.action, e.note])).toEqual([
      ["plus.revoke", "chargeback"],
      ["plus.extend", "shop closed"],
      ["plus.give", "online launch"],
    ]);
  });

  it("lapses at its expiry and can be given again", async () => {
    const { memberId } = await w.register();
    await plus(memberId, "give", { days: 1, reason: "trial" });
    w.clock.advance(2 * DAY);
    expect((await w.call("GET", `/bo/members/${memberId}/plus`, { token: w.tokens.mgr1 })).body).toMatchObject({ active: false });
    expect((await plus(memberId, "extend", { days: 1, reason: "x" })).body.reason).toBe("NOT_PLUS");
    expect((await plus(memberId, "give", { days: 7, reason: "bought a week" })).body).toEqual({
      active: true,
      since: w.clock.now(),
      expiresAt: w.clock.now() + 7 * DAY,
    });
  });

  it("refuses other roles, bad input, unknown and blocked members", async () => {
    const { memberId } = await w.register();
    expect((await plus(memberId, "give", { days: 30, reason: "x" }, w.tokens.mgr1)).status).toBe(403);
    expect((await plus(memberId, "give", { days: 30, reason: "x" }, w.tokens.staff1)).status).toBe(403);
    expect((await plus(memberId, "give", { days: 30, reason: "x" }, null)).status).toBe(401);
    expect((await plus(memberId, "give", { days: 0, reason: "x" })).status).toBe(400);
    expect((await plus(memberId, "give", { days: 1.5, reason: "x" })).status).toBe(400);
    expect((await plus(memberId, "give", { days: 30 })).status).toBe(400);
    expect((await plus(memberId, "give", { days: 30, reason: "x", until: 1 })).status).toBe(400);
    expect((await w.call("POST", `/bo/members/${memberId}/plus/give`, { token: w.tokens.hq, body: { days: 30, reason: "x" } })).status).toBe(400);
    expect((await plus("nobody", "give", { days: 30, reason: "x" })).status).toBe(404);
    expect((await w.call("GET", "/bo/members/nobody/plus", { token: w.tokens.staff1 })).status).toBe(404);
    const headers = key();
    await plus(memberId, "give", { days: 30, reason: "x" }, w.tokens.hq, headers);
    expect((await plus(memberId, "give", { days: 31, reason: "x" }, w.tokens.hq, headers)).status).toBe(409);
    const other = await w.register();
    await w.call("POST", `/bo/members/${other.memberId}/block`, { token: w.tokens.mgr1, body: { reason: "fraud" } });
    expect((await plus(other.memberId, "give", { days: 30, reason: "x" })).body.reason).toBe("MEMBER_BLOCKED");
    expect((await w.call("GET", `/bo/members/${memberId}`, { token: w.tokens.staff1 })).body.plus).toMatchObject({ active: true });
  });
});
