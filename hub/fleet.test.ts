// The fleet routes and the hub's command records on a fake clock: view and filters, who may send, idempotency, the signed message, answers only from the right kiosk, expiry (OFFLINE / NO_ANSWER), a late answer, rate limits.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openEnvelope, type SignedEnvelope } from "../protocol/signing.js";
import { KioskCommandSchema } from "../protocol/commands.js";
import { boWorld, type BoWorld } from "./backoffice/test-kit.js";
import { DeviceRegistry } from "./devices.js";
import { kioskView } from "./fleet-view.js";

let w: BoWorld;
let sent: Array<{ deviceId: string; envelope: SignedEnvelope }>;
const key = (n: number) => ({ "idempotency-key": `test-key-${n}-abcdef` });

beforeEach(async () => {
  w = await boWorld();
  for (const [d, s] of [
    ["k1", "s1"],
    ["k2", "s2"],
  ])
    w.db.prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at) VALUES (?, 'acme', ?, 'x', 0)").run(d, s);
  sent = [];
  w.bo.fleet.commands.onSend = (a, envelope) => {
    sent.push({ deviceId: a.deviceId, envelope });
    return true;
  };
  new DeviceRegistry(w.db, w.clock).recordStatus("k1", {
    online: true,
    at: w.clock.now(),
    configVersion: 1,
    outboxDepth: 3,
    clockOffsetMs: -42,
    hub: { presence: "online", oldestUnackedAgeMs: 6 * 60_000 },
    software: { version: "0.1.0", runtime: "node 22" },
    health: { level: "degraded", drivers: [{ component: "printer", driver: "tcp", level: "down", errorCode: "PRINTER_PAPER_OUT", at: 0, metrics: {} }] },
  });
});
afterEach(() => w.close());

describe("fleet view", () => {
  it("shows presence, outbox, clock, hardware and software, and filters behind / offline / errors", async () => {
    const all = await w.call("GET", "/bo/stores/s1/fleet");
    expect(all.status).toBe(200);
    const k1 = (all.body.kiosks as Array<Record<string, unknown>>)[0]!;
    expect(k1).toMatchObject({
      deviceId: "k1",
      presence: "online",
      outboxDepth: 3,
      clockOffsetMs: -42,
      software: { version: "0.1.0" },
      flags: { behind: true, offlineLong: false, errors: true },
      health: { drivers: [{ component: "printer", level: "down", errorCode: "PRINTER_PAPER_OUT" }] },
    });
    expect(k1.oldestUnsentAt).toBe(w.clock.now() - 6 * 60_000);
    expect((await w.call("GET", "/bo/stores/s1/fleet?filter=errors")).body.kiosks).toHaveLength(1);
    expect((await w.call("GET", "/bo/stores/s1/fleet?filter=offline")).body.kiosks).toHaveLength(0);
    // k2 was never seen: offline filter; and a manager of s1 may not look at s2.
    expect((await w.call("GET", "/bo/stores/s2/fleet?filter=offline")).body.kiosks).toHaveLength(1);
    expect((await w.call("GET", "/bo/stores/s2/fleet", { token: w.tokens.mgr1 })).status).toBe(403);
    expect((await w.call("GET", "/bo/stores/s1/fleet?filter=nope")).status).toBe(400);
  });

  it("goes stale without heartbeats, offline on the will, and keeps the last figures while offline", () => {
    const devices = new DeviceRegistry(w.db, w.clock);
    w.clock.advance(3 * 60_000);
    expect(kioskView(devices.get("k1")!, w.clock.now()).presence).toBe("stale");
    devices.recordStatus("k1", { online: false, at: 0 });
    const off = devices.get("k1")!;
    expect(off.lastStatus).toMatchObject({ online: false, outboxDepth: 3, software: { version: "0.1.0" } });
    const seen = off.lastSeenAt;
    w.clock.advance(11 * 60_000);
    // The retained will again (a hub restart) does not move "last seen".
    devices.recordStatus("k1", { online: false, at: 0 });
    expect(devices.get("k1")!.lastSeenAt).toBe(seen);
    expect(kioskView(devices.get("k1")!, w.clock.now())).toMatchObject({ presence: "offline", flags: { offlineLong: true } });
  });
});

describe("remote commands", () => {
  it("a store manager sends one signed command for their kiosk, once per idempotency key; others may not", async () => {
    const r = await w.call("POST", "/bo/kiosks/k1/commands", { token: w.tokens.mgr1, headers: key(1), body: { type: "open-gate", args: { pulseMs: 300 } } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ deviceId: "k1", storeId: "s1", type: "open-gate", status: "sent", kioskOnline: true, actor: "mgr1" });
    const again = await w.call("POST", "/bo/kiosks/k1/commands", {
      token: w.tokens.mgr1,
      headers: key(1),
      body: { type: "open-gate", args: { pulseMs: 300 } },
    });
    expect(again.body.commandId).toBe(r.body.commandId);
    expect(sent).toHaveLength(1);
    const cmd = openEnvelope(sent[0]!.envelope, w.configs.publicKeys, KioskCommandSchema);
    expect(cmd).toMatchObject({ commandId: r.body.commandId, type: "open-gate", args: { pulseMs: 300 }, chainId: "acme", storeId: "s1", deviceId: "k1" });
    expect(cmd.expiresAt - cmd.issuedAt).toBe(30_000);
    expect((await w.call("POST", "/bo/kiosks/k1/commands", { token: w.tokens.mgr1, body: { type: "open-gate" } })).status).toBe(400);
    expect((await w.call("POST", "/bo/kiosks/k2/commands", { token: w.tokens.mgr1, headers: key(2), body: { type: "open-gate" } })).status).toBe(403);
    expect((await w.call("POST", "/bo/kiosks/k1/commands", { token: w.tokens.staff1, headers: key(3), body: { type: "open-gate" } })).status).toBe(403);
    expect((await w.call("POST", "/bo/kiosks/k1/commands", { headers: key(4), body: { type: "format-disk" } })).status).toBe(400);
    expect((await w.call("POST", "/bo/kiosks/k1/commands", { headers: key(5), body: { type: "printer-test", args: { pulseMs: 300 } } })).status).toBe(400);
    expect((await w.call("POST", "/bo/kiosks/nope/commands", { headers: key(6), body: { type: "open-gate" } })).status).toBe(404);
    expect(sent).toHaveLength(1);
    expect(w.bo.deps.audit.list({ action: "kiosk.command", limit: 10 })).toHaveLength(1);
  });

  it("takes the answer only from its kiosk, expires the unanswered (OFFLINE / NO_ANSWER), records a late answer", async () => {
    const f = w.bo.fleet.commands;
    const a = f.send({ deviceId: "k1", type: "resync-members", actor: { id: "hq", role: "hq-admin" } });
    const b = f.send({ deviceId: "k1", type: "printer-test", actor: { id: "hq", role: "hq-admin" } });
    const c = f.send({ deviceId: "k2", type: "open-gate", actor: { id: "hq", role: "hq-admin" } });
    expect(c.kioskOnline).toBe(false);
    const answer = { outcome: "ok" as const, code: "OK" as const, message: "done", at: w.clock.now() };
    expect(f.onResult("k2", { ...answer, commandId: a.commandId })).toBe(false);
    expect(f.onResult("k1", { ...answer, commandId: a.commandId })).toBe(true);
    expect(f.onResult("k1", { ...answer, commandId: a.commandId, outcome: "failed", code: "FAILED" })).toBe(false);
    w.clock.advance(120_000 + 6_000);
    const list = await w.call("GET", "/bo/stores/s1/kiosk-commands");
    // Sent in the same millisecond (fake clock): compared in type order.
    expect((list.body.commands as Array<Record<string, unknown>>).map((x) => [x.type, x.status, x.code]).sort()).toEqual([
      ["printer-test", "expired", "NO_ANSWER"],
      ["resync-members", "ok", "OK"],
    ]);
    expect((await w.call("GET", `/bo/kiosk-commands/${c.commandId}`)).body).toMatchObject({ status: "expired", code: "OFFLINE" });
    expect((await w.call("GET", `/bo/kiosk-commands/${c.commandId}`, { token: w.tokens.mgr1 })).status).toBe(403);
    // The kiosk's word on whether it ran wins, even late.
    expect(f.onResult("k1", { ...answer, commandId: b.commandId, outcome: "failed", code: "PRINTER_FAILED" })).toBe(true);
    expect(f.get(b.commandId)).toMatchObject({ status: "failed", code: "PRINTER_FAILED" });
    expect(f.stats.lateAnswers).toBe(1);
  });

  it("limits commands per kiosk and per person, per minute", async () => {
    const f = w.bo.fleet.commands;
    const hq = { id: "hq", role: "hq-admin" };
    for (let i = 0; i < 6; i++) f.send({ deviceId: "k1", type: "resync-members", actor: hq });
    const r = await w.call("POST", "/bo/kiosks/k1/commands", { headers: key(9), body: { type: "resync-members" } });
    expect(r).toMatchObject({ status: 422, body: { error: "REFUSED", reason: "COMMAND_RATE_LIMITED" } });
    w.clock.advance(61_000);
    expect(f.send({ deviceId: "k1", type: "resync-members", actor: hq }).status).toBe("sent");
  });

  it("says when this hub cannot provision (the hub's own compose gives it the token maker)", async () => {
    const r = await w.call("POST", "/bo/stores/s1/kiosks/provision", { body: { deviceId: "k9" } });
    expect(r).toMatchObject({ status: 422, body: { reason: "PROVISIONING_UNAVAILABLE" } });
    expect((await w.call("POST", "/bo/stores/s1/kiosks/provision", { token: w.tokens.mgr1, body: { deviceId: "k9" } })).status).toBe(403);
  });
});
