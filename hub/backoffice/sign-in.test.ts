// Console sign-in over real HTTP handling (hono app.request, real SQLite): first-admin setup, sessions, CSRF, idle timeout, race-free lockout, sign-in links, password resets, member search.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";
import { LoginThrottle } from "../auth/throttle.js";
import { ManualClock } from "../../protocol/clock.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

interface Browser {
  cookie: string;
  csrf: string;
}

async function req(
  method: string,
  path: string,
  o: { body?: unknown; cookie?: string; csrf?: string; origin?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; setCookie: string | null }> {
  const headers: Record<string, string> = {};
  if (o.body !== undefined) headers["content-type"] = "application/json";
  if (o.cookie) headers.cookie = o.cookie;
  if (o.csrf) headers["x-csrf-token"] = o.csrf;
  if (o.origin) headers.origin = o.origin;
  const res = await w.app.request(`http://hub.test${path}`, { method, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, setCookie: res.headers.get("set-cookie") };
}

function browserOf(r: { body: Record<string, unknown>; setCookie: string | null }): Browser {
  expect(r.setCookie).toMatch(/^mk_session=[A-Za-z0-9_-]+;/);
  return { cookie: r.setCookie!.split(";")[0]!, csrf: String(r.body.csrfToken) };
}

async function setPassword(userId: string, password: string): Promise<void> {
  const r = await w.call("PUT", `/bo/users/${userId}/password`, { body: { password } });
  expect(r.status).toBe(200);
}

describe("first administrator", () => {
  it("the one-time setup link creates the first hq-admin once, with a session, and never again", async () => {
    expect((await req("GET", "/bo/auth/session")).body.setupNeeded).toBe(true);
    const link = w.bo.setupLink("http://hub.test/console/")!;
    const token = link.split("#/setup/")[1]!;
    expect(
      (await req("POST", "/bo/auth/setup", { body: { token: "x".repeat(30), userId: "boss", name: "Boss", password: "correct horse battery" } })).body.reason,
    ).toBe("SETUP_LINK_INVALID");
    const r = await req("POST", "/bo/auth/setup", { body: { token, userId: "boss", name: "Boss", password: "correct horse battery" } });
    expect(r.status).toBe(200);
    expect(r.setCookie).toContain("HttpOnly");
    expect(r.setCookie).toContain("SameSite=Strict");
    expect(r.setCookie).toContain("Path=/bo");
    expect(r.setCookie).not.toContain("Secure");
    const b = browserOf(r);
    const me = await req("GET", "/bo/me", { cookie: b.cookie });
    expect(me.body).toMatchObject({ userId: "boss", role: "hq-admin" });
    expect((await req("GET", "/bo/auth/session")).body.setupNeeded).toBe(false);
    expect(w.bo.setupLink("http://hub.test/console/")).toBeUndefined();
    const again = await req("POST", "/bo/auth/setup", { body: { token, userId: "boss2", name: "B", password: "correct horse battery" } });
    expect(again.status).toBe(409);
  });

  it("the cookie is Secure behind TLS (X-Forwarded-Proto)", async () => {
    await setPassword("hq", "hq-password-123");
    const res = await w.app.request("http://hub.test/bo/auth/sign-in", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-proto": "https" },
      body: JSON.stringify({ userId: "hq", password: "hq-password-123" }),
    });
    expect(res.headers.get("set-cookie")).toContain("Secure");
  });
});

describe("sessions", () => {
  it("signs in, writes only with the CSRF token from this site, times out when idle, and signs out", async () => {
    await setPassword("staff1", "counter-pass-1");
    const b = browserOf(await req("POST", "/bo/auth/sign-in", { body: { userId: "staff1", password: "counter-pass-1" } }));
    const body = { storeId: "s1", channel: "till", name: "王小明", phone: "13800138000" };
    expect((await req("POST", "/bo/members", { cookie: b.cookie, body })).body.reason).toBe("CSRF_CHECK_FAILED");
    expect((await req("POST", "/bo/members", { cookie: b.cookie, csrf: "wrong-token-wrong-token-x", body })).status).toBe(403);
    expect((await req("POST", "/bo/members", { cookie: b.cookie, csrf: b.csrf, origin: "http://evil.test", body })).status).toBe(403);
    expect((await req("POST", "/bo/members", { cookie: b.cookie, csrf: b.csrf, origin: "http://hub.test", body })).status).toBe(201);
    // Role still enforced by the API for a session.
    expect((await req("POST", "/bo/members/x/block", { cookie: b.cookie, csrf: b.csrf, body: { reason: "r" } })).status).toBe(403);
    // Idle: 29 min keeps it (and refreshes it), 30 min of silence ends it.
    w.clock.advance(29 * 60_000);
    expect((await req("GET", "/bo/me", { cookie: b.cookie })).status).toBe(200);
    w.clock.advance(29 * 60_000);
    expect((await req("GET", "/bo/me", { cookie: b.cookie })).status).toBe(200);
    w.clock.advance(30 * 60_000);
    expect((await req("GET", "/bo/me", { cookie: b.cookie })).status).toBe(401);
    const b2 = browserOf(await req("POST", "/bo/auth/sign-in", { body: { userId: "staff1", password: "counter-pass-1" } }));
    expect((await req("POST", "/bo/auth/sign-out", { cookie: b2.cookie })).status).toBe(200);
    expect((await req("GET", "/bo/me", { cookie: b2.cookie })).status).toBe(401);
    // Bearer tokens keep working for scripts.
    expect((await w.call("GET", "/bo/me", { token: w.tokens.staff1 })).status).toBe(200);
  });

  it("a one-time sign-in link works once", async () => {
    const link = w.bo.signInLink("http://hub.test/console/", "mgr1");
    const token = link.split("#/link/")[1]!;
    const r = await req("POST", "/bo/auth/link", { body: { token } });
    expect(r.status).toBe(200);
    expect((await req("GET", "/bo/me", { cookie: browserOf(r).cookie })).body.userId).toBe("mgr1");
    expect((await req("POST", "/bo/auth/link", { body: { token } })).body.reason).toBe("SIGN_IN_LINK_INVALID");
  });

  it("a password reset by the manager ends the user's sessions; a manager cannot reset another store's staff", async () => {
    await setPassword("staff1", "counter-pass-1");
    const b = browserOf(await req("POST", "/bo/auth/sign-in", { body: { userId: "staff1", password: "counter-pass-1" } }));
    expect((await w.call("PUT", "/bo/users/staff2/password", { token: w.tokens.mgr1, body: { password: "another-pass-1" } })).status).toBe(403);
    expect((await w.call("PUT", "/bo/users/staff1/password", { token: w.tokens.mgr1, body: { password: "short" } })).status).toBe(400);
    expect((await w.call("PUT", "/bo/users/staff1/password", { token: w.tokens.mgr1, body: { password: "another-pass-1" } })).status).toBe(200);
    expect((await req("GET", "/bo/me", { cookie: b.cookie })).status).toBe(401);
    expect((await req("POST", "/bo/auth/sign-in", { body: { userId: "staff1", password: "counter-pass-1" } })).body.reason).toBe("BAD_CREDENTIALS");
    expect((await req("POST", "/bo/auth/sign-in", { body: { userId: "staff1", password: "another-pass-1" } })).status).toBe(200);
  });
});

describe("lockout", () => {
  it("20 parallel wrong guesses: exactly 5 are checked, the rest locked, and then the right password is locked out too", async () => {
    await setPassword("mgr1", "manager-pass-1");
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => req("POST", "/bo/auth/sign-in", { body: { userId: "mgr1", password: `guess-${i}` } })),
    );
    const reasons = replies.map((r) => r.body.reason);
    expect(reasons.filter((r) => r === "BAD_CREDENTIALS")).toHaveLength(5);
    expect(reasons.filter((r) => r === "SIGN_IN_LOCKED")).toHaveLength(15);
    expect((await req("POST", "/bo/auth/sign-in", { body: { userId: "MGR1", password: "manager-pass-1" } })).body.reason).toBe("SIGN_IN_LOCKED");
    w.clock.advance(15 * 60_000 + 1);
    expect((await req("POST", "/bo/auth/sign-in", { body: { userId: "mgr1", password: "manager-pass-1" } })).status).toBe(200);
  });

  it("an unknown user name fails like a wrong password and is counted", async () => {
    for (let i = 0; i < 5; i++)
      expect((await req("POST", "/bo/auth/sign-in", { body: { userId: "nobody", password: "x" } })).body.reason).toBe("BAD_CREDENTIALS");
    expect((await req("POST", "/bo/auth/sign-in", { body: { userId: "nobody", password: "x" } })).body.reason).toBe("SIGN_IN_LOCKED");
  });

  it("memory stays bounded and locks survive a flood of other names", () => {
    const clock = new ManualClock(0);
    const t = new LoginThrottle(clock, { maxFailures: 2, lockMs: 1000, maxEntries: 100 });
    for (let i = 0; i < 2; i++) {
      const s = t.reserve("victim");
      if (s.ok) s.settle(false);
    }
    for (let i = 0; i < 10_000; i++) {
      const s = t.reserve(`flood-${i}`);
      if (s.ok) s.settle(false);
    }
    expect(t.size).toBeLessThanOrEqual(100);
    expect(t.reserve("victim").ok).toBe(false);
  });
});

describe("member search", () => {
  it("finds by phone (and its first digits), name prefix, member and card number, and a scanned live code; store roles see only their members", async () => {
    const a = await w.register({ name: "王小明" });
    await w.call("PATCH", `/bo/members/${a.memberId}`, { token: w.tokens.staff1, body: { phone: "13800138000" } });
    const b = await w.register({ name: "王大力" });
    const hidden = await w.call("POST", "/bo/members", { token: w.tokens.hq, body: { storeId: "s2", channel: "till", name: "王二", stores: ["s2"] } });
    expect(hidden.status).toBe(201);
    const find = async (q: string, token = w.tokens.staff1) => w.call("GET", `/bo/search/members?q=${encodeURIComponent(q)}`, { token });
    const ids = (r: { body: Record<string, unknown> }) => (r.body.members as Array<{ memberId: string }>).map((m) => m.memberId).sort();
    expect(ids(await find("13800138000"))).toEqual([a.memberId]);
    expect(ids(await find("138001"))).toEqual([a.memberId]);
    expect(ids(await find("王"))).toEqual([a.memberId, b.memberId].sort());
    expect(ids(await find("王", w.tokens.hq))).toHaveLength(3);
    expect(ids(await find(a.memberId))).toEqual([a.memberId]);
    expect(ids(await find(b.cardId))).toEqual([b.memberId]);
    const scanned = await find(w.memberCode(a.cardId, a.key));
    expect(scanned.body.matchedBy).toBe("code");
    expect(ids(scanned)).toEqual([a.memberId]);
    // The same code still works afterwards (search does not use it up) ...
    expect(ids(await find(w.memberCode(a.cardId, a.key)))).toEqual([a.memberId]);
    // ... but an old one is refused with its reason.
    const old = w.memberCode(a.cardId, a.key);
    w.clock.advance(61_000);
    expect((await find(old)).body.reason).toBe("CODE_EXPIRED");
    const paged = await w.call("GET", `/bo/search/members?q=${encodeURIComponent("王")}&limit=1&offset=1`, { token: w.tokens.hq });
    expect(paged.body.total).toBe(3);
    expect(ids(paged)).toHaveLength(1);
  });
});
