// Users and tokens: hashed at rest, revocation, expiry, deactivation, the admin token file as hq-admin, who may manage whom, and the hub's admin routes.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, ADMIN_TOKEN, type BoWorld } from "../backoffice/test-kit.js";
import { sha256Hex } from "./users.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

describe("tokens", () => {
  it("stores only the sha256 of a token and resolves it to the user's principal", async () => {
    const rows = w.db.prepare("SELECT token_hash FROM bo_tokens").all<{ token_hash: string }>();
    expect(rows.map((r) => r.token_hash)).toContain(sha256Hex(w.tokens.staff1));
    const dump = JSON.stringify(w.db.prepare("SELECT * FROM bo_tokens").all());
    for (const t of Object.values(w.tokens)) expect(dump).not.toContain(t);
    const me = await w.call("GET", "/bo/me", { token: w.tokens.staff1bonus });
    expect(me.body).toMatchObject({ userId: "staff1bonus", role: "counter-staff", stores: ["s1"], permissions: ["top-up:edit-bonus"] });
    expect((await w.call("GET", "/bo/me", { token: ADMIN_TOKEN })).body).toMatchObject({ userId: "admin", role: "hq-admin", tokenId: "admin-file" });
  });

  it("stops revoked and expired tokens and the tokens of deactivated users", async () => {
    const issued = await w.call("POST", "/bo/users/staff1/tokens", { token: w.tokens.mgr1, body: { label: "till 2", ttlDays: 1 } });
    expect(issued.status).toBe(201);
    const token = issued.body.token as string;
    expect((await w.call("GET", "/bo/me", { token })).status).toBe(200);
    w.clock.advance(86_400_000);
    expect((await w.call("GET", "/bo/me", { token })).status).toBe(401);
    const list = await w.call("GET", "/bo/users/staff1/tokens", { token: w.tokens.mgr1 });
    expect(JSON.stringify(list.body)).not.toContain(token);
    const tokenId = (list.body.tokens as Array<{ tokenId: string; label: string }>).find((t) => t.label === "test")!.tokenId;
    expect((await w.call("DELETE", `/bo/tokens/${tokenId}`, { token: w.tokens.mgr2 })).status).toBe(403);
    expect((await w.call("DELETE", `/bo/tokens/${tokenId}`, { token: w.tokens.mgr1 })).body).toMatchObject({ revokedAt: w.clock.now() });
    expect((await w.call("GET", "/bo/me", { token: w.tokens.staff1 })).status).toBe(401);
    expect((await w.call("PATCH", "/bo/users/staff2", { token: w.tokens.mgr2, body: { active: false } })).status).toBe(200);
    expect((await w.call("GET", "/bo/me", { token: w.tokens.staff2 })).status).toBe(401);
    expect((await w.call("POST", "/bo/users/staff2/tokens", { token: w.tokens.mgr2, body: {} })).body.reason).toBe("USER_INACTIVE");
    expect((await w.call("DELETE", "/bo/tokens/tok_nothex", { token: w.tokens.hq })).status).toBe(400);
    expect((await w.call("DELETE", "/bo/tokens/tok_000000000000", { token: w.tokens.hq })).status).toBe(404);
  });
});

describe("users", () => {
  it("lets HQ manage everyone and a store manager only counter staff of their stores", async () => {
    const mk = (token: string, body: Record<string, unknown>) => w.call("POST", "/bo/users", { token, body });
    expect((await mk(w.tokens.mgr1, { userId: "cs9", name: "n", role: "counter-staff", stores: ["s1"] })).status).toBe(201);
    expect((await mk(w.tokens.mgr1, { userId: "cs10", name: "n", role: "counter-staff", stores: ["s2"] })).status).toBe(403);
    expect((await mk(w.tokens.mgr1, { userId: "m9", name: "n", role: "store-manager", stores: ["s1"] })).status).toBe(403);
    expect((await mk(w.tokens.staff1, { userId: "cs11", name: "n", role: "counter-staff", stores: ["s1"] })).status).toBe(403);
    expect((await mk(w.tokens.hq, { userId: "m9", name: "n", role: "store-manager", stores: [] })).status).toBe(400);
    expect((await mk(w.tokens.hq, { userId: "m9", name: "n", role: "boss", stores: ["s1"] })).status).toBe(400);
    expect((await mk(w.tokens.hq, { userId: "staff1", name: "n", role: "counter-staff", stores: ["s1"] })).status).toBe(409);
    expect((await mk(w.tokens.hq, { userId: "admin", name: "n", role: "hq-admin" })).status).toBe(409);
    expect((await w.call("PATCH", "/bo/users/staff1", { token: w.tokens.mgr1, body: { role: "store-manager" } })).status).toBe(403);
    expect((await w.call("PATCH", "/bo/users/staff1", { token: w.tokens.mgr1, body: { permissions: ["top-up:edit-bonus"] } })).body).toMatchObject({
      permissions: ["top-up:edit-bonus"],
    });
    expect((await w.call("PATCH", "/bo/users/nobody", { token: w.tokens.hq, body: {} })).status).toBe(404);
    const seen = await w.call("GET", "/bo/users", { token: w.tokens.mgr1 });
    expect((seen.body.users as Array<{ userId: string }>).map((u) => u.userId).sort()).toEqual(["cs9", "mgr1", "staff1", "staff1bonus"]);
    const audit = await w.call("GET", "/bo/audit?entity=user&entityId=staff1&action=user.update", { token: w.tokens.hq });
    expect(audit.body.entries).toEqual([
      expect.objectContaining({
        actor: "mgr1",
        before: expect.objectContaining({ permissions: [] }),
        after: expect.objectContaining({ permissions: ["top-up:edit-bonus"] }),
      }),
    ]);
  });

  it("lets hq-admin user tokens use the hub's admin endpoints and refuses other roles there", async () => {
    const body = JSON.stringify({ rows: [] });
    const headers = (t: string) => ({ authorization: `Bearer ${t}`, "content-type": "application/json" });
    expect((await w.app.request("/members/import", { method: "POST", body, headers: headers(w.tokens.hq) })).status).toBe(200);
    expect((await w.app.request("/members/import", { method: "POST", body, headers: headers(ADMIN_TOKEN) })).status).toBe(200);
    expect((await w.app.request("/members/import", { method: "POST", body, headers: headers(w.tokens.mgr1) })).status).toBe(403);
    expect((await w.app.request("/members/import", { method: "POST", body, headers: headers("wrong") })).status).toBe(401);
  });

  it("keeps settings for HQ and validates them", async () => {
    expect((await w.call("GET", "/bo/settings", { token: w.tokens.staff1 })).body).toMatchObject({
      defaultCardClass: "standard",
      secondaryCards: { maxPerMember: 15, priceFen: 0 },
    });
    expect((await w.call("PUT", "/bo/settings", { token: w.tokens.mgr1, body: {} })).status).toBe(403);
    expect((await w.call("PUT", "/bo/settings", { token: w.tokens.hq, body: { secondaryCards: { maxPerMember: 99 } } })).status).toBe(400);
    expect((await w.call("PUT", "/bo/settings", { token: w.tokens.hq, body: { memberNumberPrefix: "ACME" } })).body).toMatchObject({
      memberNumberPrefix: "ACME",
    });
    const m = await w.call("POST", "/bo/members", { token: w.tokens.staff1, body: { storeId: "s1", channel: "till", name: "x" } });
    expect((m.body.member as { memberId: string }).memberId).toMatch(/^ACME\d{8}$/);
  });
});
