// The kiosk's local HTTP API without a browser (app.request): validation, the loopback-only customer API, staff sign-in and roles, returns over HTTP.
import { describe, it, expect, afterEach } from "vitest";
import type { Hono } from "hono";
import { createMemberCode } from "../protocol/member-code.js";
import type { Kiosk } from "../device/kiosk.js";
import { createKioskApp } from "../device/http.js";
import { hashSecret } from "../hub/secrets.js";
import { SyncWorld, type TestMember } from "./sync-harness.js";
import { BARCODE, sessionRules } from "./session-world.js";

let w: SyncWorld;
afterEach(async () => {
  await w.stop();
});

async function world(): Promise<{ kiosk: Kiosk; app: Hono; m: TestMember }> {
  w = new SyncWorld();
  await w.startHub();
  w.hub.publishConfig("s01", {
    rules: sessionRules(),
    device: {
      staff: [
        { staffId: "s01", name: "Zhang", pinHash: hashSecret("2468") },
        { staffId: "s02", name: "Li", pinHash: hashSecret("1357"), roles: ["verify"] },
      ],
    },
  });
  const m = w.addMember("m1", { balanceFen: 10_000 });
  const kiosk = await w.addKiosk("k1", "s01");
  await w.ready(kiosk, ["m1"]);
  return { kiosk, app: createKioskApp(kiosk), m };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

describe("kiosk HTTP API", () => {
  it("drives a session: scan, quantity, points, remove, pay; refusing bad input with a code", async () => {
    const { kiosk, app, m } = await world();
    expect(await (await app.request("/session/scan", json({ text: createMemberCode(m.cardId, m.keys, kiosk.clock.now()) }))).json()).toMatchObject({
      kind: "member",
      memberId: "m1",
    });
    expect(await (await app.request("/session/scan", json({ text: BARCODE.rice }))).json()).toMatchObject({ kind: "product", sku: "rice-5kg", qty: 1 });
    await app.request("/session/scan", json({ text: BARCODE.milk }));
    const put = await app.request("/session/lines/milk-1l", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ qty: 3 }),
    });
    expect(await put.json()).toEqual({
      lines: [
        { sku: "rice-5kg", qty: 1 },
        { sku: "milk-1l", qty: 3 },
      ],
    });
    expect(
      (await app.request("/session/lines/milk-1l", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ qty: -1 }) }))
        .status,
    ).toBe(400);
    expect(await (await app.request("/session/lines/nope", { method: "DELETE" })).json()).toMatchObject({ error: "LINE_NOT_FOUND" });
    expect(await (await app.request("/session/lines/rice-5kg", { method: "DELETE" })).json()).toEqual({ lines: [{ sku: "milk-1l", qty: 3 }] });
    expect((await app.request("/session/points", json({ use: "yes" }))).status).toBe(400);
    const view = (await (await app.request("/session/view")).json()) as { state: string; cart: { totals: { totalFen: number } }; member: { name: string } };
    expect(view).toMatchObject({ state: "shopping", cart: { totals: { totalFen: 3 * 1125 } } });
    expect((await app.request("/session/finish", json({ payWith: "cash" }))).status).toBe(400);
    const paid = await app.request("/session/finish", json({ payWith: "balance" }));
    expect(await paid.json()).toMatchObject({ totals: { totalFen: 3375 }, tenders: [{ method: "balance", amountFen: 3375 }] });
    expect(await (await app.request("/session")).json()).toMatchObject({ state: "done", memberId: "m1" });
    expect(await (await app.request("/session/finish", json({}))).json()).toMatchObject({ error: "NOT_SHOPPING" });
  });

  it("answers the customer API only to the kiosk itself", async () => {
    const { app } = await world();
    const lan = { incoming: { socket: { remoteAddress: "192.168.1.23" } } };
    const local = { incoming: { socket: { remoteAddress: "::ffff:127.0.0.1" } } };
    expect((await app.request("/session/view", {}, lan)).status).toBe(403);
    expect((await app.request("/session/scan", json({ text: BARCODE.rice }), lan)).status).toBe(403);
    expect((await app.request("/ui/display", {}, lan)).status).toBe(403);
    expect((await app.request("/session/view", {}, local)).status).toBe(200);
    // The staff page itself is reachable from the LAN (its API needs a session).
    expect((await app.request("/ui/staff", {}, lan)).status).toBe(200);
    expect((await app.request("/staff/view", {}, lan)).status).toBe(401);
  });

  it("signs staff in with a PIN, checks roles, takes JSON only, and runs a return over HTTP", async () => {
    const { kiosk, app, m } = await world();
    const sale = await w.checkout(kiosk, m, [BARCODE.rice, BARCODE.milk], "balance");
    expect((await app.request("/staff/login", json({ staffId: "s01", pin: "0000" }))).status).toBe(401);
    expect((await app.request("/staff/login", json({ staffId: "s01" }))).status).toBe(400);
    const login = await app.request("/staff/login", json({ staffId: "s01", pin: "2468" }));
    expect(login.headers.get("set-cookie")).toMatch(/kiosk_staff=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Strict/);
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    expect(await (await app.request("/staff/me", { headers: auth })).json()).toEqual({ staffId: "s01", name: "Zhang", roles: ["verify", "returns"] });
    expect((await app.request("/staff/returns/start", { method: "POST", headers: auth, body: "staffId=s01" })).status).toBe(415);
    expect((await app.request("/staff/returns/start", json({}, auth))).status).toBe(200);
    const loaded = (await (await app.request("/staff/returns/receipt", json({ text: sale.receipt.eReceiptUrl }, auth))).json()) as {
      saleId: string;
      lines: unknown[];
    };
    expect(loaded).toMatchObject({
      saleId: sale.saleId,
      lines: [
        { index: 0, sku: "rice-5kg", sold: 1, returned: 0 },
        { index: 1, sku: "milk-1l", sold: 1, returned: 0 },
      ],
    });
    expect(await (await app.request("/staff/returns/preview", json({ lines: [{ index: 1, qty: 1 }] }, auth))).json()).toMatchObject({
      totals: { refundFen: 1125, principalFen: 1125 },
    });
    expect(await (await app.request("/staff/returns/confirm", json({ lines: [{ index: 1, qty: 2 }] }, auth))).json()).toMatchObject({
      error: "RETURN_INVALID",
    });
    expect(await (await app.request("/staff/returns/confirm", json({ lines: [{ index: 1, qty: 1 }] }, auth))).json()).toMatchObject({
      saleId: sale.saleId,
      totals: { refundFen: 1125 },
    });
    expect(kiosk.store.member("m1")?.balanceFen).toBe(10_000 - sale.priced.totals.totalFen + 1125);
    expect(await (await app.request("/staff/returns/receipt", json({ text: "https://receipts.example.invalid/r/unknown" }, auth))).json()).toMatchObject({
      error: "RETURN_NOT_STARTED",
    });
    // A verifier may not do returns; a decision on a request that is not pending is gone.
    const li = (await (await app.request("/staff/login", json({ staffId: "s02", pin: "1357" }))).json()) as { token: string };
    const liAuth = { authorization: `Bearer ${li.token}` };
    expect(await (await app.request("/staff/returns/start", json({}, liAuth))).json()).toMatchObject({ error: "STAFF_FORBIDDEN" });
    expect((await app.request("/staff/verifications/v-nope/decision", json({ decision: "approve" }, liAuth))).status).toBe(410);
    expect((await app.request("/staff/logout", json({}, liAuth))).status).toBe(200);
    expect((await app.request("/staff/me", { headers: liAuth })).status).toBe(401);
  });
});
