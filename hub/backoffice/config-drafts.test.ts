// /bo config over HTTP: drafts (chain, store overrides, VIP plans, top-up rules) refused on unknown keys and audited; preview (diff + what-if); publish with a staged rollout, stop / continue, rollback.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { FULL_RULES, boWorld, insertSale, type BoWorld } from "./test-kit.js";

let w: BoWorld;
const hq = (): string => w.tokens.hq;
const levels = FULL_RULES.levels as Array<Record<string, unknown>>;
/** l90 pays 90%; the draft makes it 80%. */
const l90At80 = levels.map((l) => (l.id === "l90" ? { ...l, discountPercent: 80 } : l));
const CART = { at: "2024-06-15T10:30:00+08:00", member: { id: "M1", levelId: "l90", cardClass: "standard" }, lines: [{ sku: "rice-5kg", qty: 2 }] };

beforeAll(async () => {
  w = await boWorld();
  for (const k of ["k1", "k2"])
    w.db.prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at) VALUES (?, 'acme', 's1', 'x', 0)").run(k);
});
afterAll(() => w.close());

const audits = (action: string): number => Number(w.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = ?").get<{ n: number }>(action)?.n ?? 0);

describe("drafts", () => {
  it("PUT /bo/config/vip-plans: unknown key refused with its path; roles; saved in the layer and audited", async () => {
    const plans = FULL_RULES.vipPlans as Array<Record<string, unknown>>;
    const typo = await w.call("PUT", "/bo/config/vip-plans", { token: hq(), body: { vipPlans: [{ ...plans[0], priceFenn: 1 }] } });
    expect(typo.status).toBe(400);
    expect(String(typo.body.message)).toContain("vipPlans.0");
    expect(String(typo.body.message)).toContain("priceFenn");
    expect((await w.call("PUT", "/bo/config/vip-plans", { token: w.tokens.mgr1, body: { vipPlans: plans } })).status).toBe(403);
    expect((await w.call("PUT", "/bo/config/vip-plans", { token: w.tokens.mgr1, body: { storeId: "s2", vipPlans: plans } })).status).toBe(403);
    expect((await w.call("PUT", "/bo/config/vip-plans", { token: w.tokens.staff1, body: { storeId: "s1", vipPlans: plans } })).status).toBe(403);
    const badRef = await w.call("PUT", "/bo/config/vip-plans", { token: hq(), body: { vipPlans: [{ ...plans[0], classId: "no-class" }] } });
    expect(badRef.status).toBe(400);
    expect(String(badRef.body.message)).toContain("vipPlans.0.classId");
    const cheaper = plans.map((p) => (p.id === "gold-1y" ? { ...p, priceFen: 30000 } : p));
    const ok = await w.call("PUT", "/bo/config/vip-plans", { token: hq(), body: { vipPlans: cheaper } });
    expect(ok.status).toBe(200);
    const chain = await w.call("GET", "/bo/config/chain", { token: hq() });
    expect(
      (chain.body.layer as { rules: { vipPlans: Array<{ id: string; priceFen: number }> } }).rules.vipPlans.find((p) => p.id === "gold-1y")?.priceFen,
    ).toBe(30000);
    expect(audits("config.vip-plans")).toBe(1);
  });

  it("PUT /bo/config/top-up-rules: a store-manager sets its own store's overrides; unknown key and bad level refused", async () => {
    const rules = FULL_RULES.topUpRules as Array<Record<string, unknown>>;
    const typo = await w.call("PUT", "/bo/config/top-up-rules", { token: w.tokens.mgr1, body: { storeId: "s1", topUpRules: [{ ...rules[0], amuntFen: 1 }] } });
    expect(typo.status).toBe(400);
    expect(String(typo.body.message)).toContain("amuntFen");
    const badLevel = await w.call("PUT", "/bo/config/top-up-rules", {
      token: w.tokens.mgr1,
      body: { storeId: "s1", topUpRules: [{ ...rules[0], bonus: { upgradeToLevelId: "nope" } }] },
    });
    expect(badLevel.status).toBe(400);
    expect(String(badLevel.body.message)).toContain("topUpRules.0.bonus.upgradeToLevelId");
    const ok = await w.call("PUT", "/bo/config/top-up-rules", { token: w.tokens.mgr1, body: { storeId: "s1", topUpRules: rules.slice(0, 2) } });
    expect(ok.status).toBe(200);
    const store = await w.call("GET", "/bo/config/stores/s1", { token: w.tokens.mgr1 });
    expect(store.status).toBe(200);
    expect(store.body.overridden).toEqual({ rules: ["topUpRules"], device: [] });
    expect((store.body.inherits as { rules: string[] }).rules).toContain("vipPlans");
    expect(audits("config.top-up-rules")).toBe(1);
    expect((await w.call("GET", "/bo/config/stores/s2", { token: w.tokens.mgr1 })).status).toBe(403);
  });

  it("PUT /bo/config/stores/:store/overrides refuses device.verificaton with its path", async () => {
    const r = await w.call("PUT", "/bo/config/stores/s1/overrides", {
      token: w.tokens.mgr1,
      body: { layer: { rules: { topUpRules: (FULL_RULES.topUpRules as unknown[]).slice(0, 2) }, device: { verificaton: { oneInN: 3 } } } },
    });
    expect(r.status).toBe(400);
    expect(String(r.body.message)).toContain("device.verificaton: unknown key");
  });
});

describe("preview before publish", () => {
  it("answers the diff against the version in force and prices a cart under both", async () => {
    const chain = (await w.call("GET", "/bo/config/chain", { token: hq() })).body.layer as { rules: Record<string, unknown> };
    const r = await w.call("POST", "/bo/config/preview", {
      token: hq(),
      body: { scope: "chain", storeId: "s1", layer: { rules: { ...chain.rules, levels: l90At80 } }, cart: CART },
    });
    expect(r.status).toBe(200);
    const changes = (r.body.diff as { changes: Array<{ path: string; before?: unknown; after?: unknown }> }).changes;
    expect(changes).toContainEqual({ path: "rules.levels[l90].discountPercent", before: 90, after: 80 });
    expect(changes).toContainEqual({ path: "rules.vipPlans[gold-1y].priceFen", before: 36600, after: 30000 });
    expect(changes.find((c) => c.path.startsWith("rules.topUpRules"))).toBeDefined();
    const wi = r.body.whatIf as { draft: { totals: { totalFen: number } }; inForce: { version: number; totals: { totalFen: number } } };
    expect(wi.inForce.totals.totalFen).toBe(Math.round(5990 * 0.9) * 2);
    expect(wi.draft.totals.totalFen).toBe(5990 * 0.8 * 2);
    const v = (await w.call("GET", "/stores/s1/config")).body.version;
    expect(wi.inForce.version).toBe(v);
    expect(r.body.draftVersion).toBe(Number(v) + 1);
  });

  it("prices a recorded sale by id, refuses a typo'd draft and needs the store's scope", async () => {
    const { memberId } = await w.register({ storeId: "s1" });
    w.db.prepare("UPDATE members SET level_id = 'l90' WHERE member_id = ?").run(memberId);
    insertSale(w, {
      memberId,
      storeId: "s2",
      saleId: "sale-1",
      at: Date.parse("2024-06-15T10:40:00+08:00"),
      totalFen: 10782,
      lines: [{ sku: "rice-5kg", qty: 2 }],
    });
    const layer = { rules: { ...((await w.call("GET", "/bo/config/chain", { token: hq() })).body.layer as { rules: object }).rules, levels: l90At80 } };
    const r = await w.call("POST", "/bo/config/preview", { token: hq(), body: { scope: "chain", storeId: "s1", layer, saleId: "sale-1" } });
    expect(r.status).toBe(200);
    const wi = r.body.whatIf as { kind: string; recordedTotalFen: number; draft: { totals: { totalFen: number } }; inForce: { totals: { totalFen: number } } };
    expect(wi.kind).toBe("sale");
    expect(wi.inForce.totals.totalFen).toBe(10782);
    expect(wi.draft.totals.totalFen).toBe(9584);
    expect((await w.call("POST", "/bo/config/preview", { token: hq(), body: { scope: "chain", storeId: "s1", saleId: "nope" } })).status).toBe(404);
    const typo = await w.call("POST", "/bo/config/preview", { token: hq(), body: { scope: "store", storeId: "s1", layer: { device: { verificaton: {} } } } });
    expect(typo.status).toBe(400);
    expect(String(typo.body.message)).toContain("device.verificaton");
    expect((await w.call("POST", "/bo/config/preview", { token: w.tokens.mgr1, body: { scope: "chain", storeId: "s1" } })).status).toBe(403);
    expect((await w.call("POST", "/bo/config/preview", { token: w.tokens.mgr1, body: { scope: "store", storeId: "s2" } })).status).toBe(403);
    expect((await w.call("POST", "/bo/config/preview", { token: w.tokens.mgr1, body: { scope: "store", storeId: "s1", cart: CART } })).status).toBe(200);
  });
});

describe("publish, rollout, stop / continue, rollback", () => {
  let first = 0;
  let published = 0;
  it("publishes the layers to a first wave of one kiosk; the second gets it when the first applied", async () => {
    first = Number((await w.call("GET", "/stores/s1/config")).body.version);
    const chain = (await w.call("GET", "/bo/config/chain", { token: hq() })).body.layer as { rules: object };
    expect((await w.call("PUT", "/bo/config/chain", { token: hq(), body: { layer: { rules: { ...chain.rules, levels: l90At80 } } } })).status).toBe(200);
    expect((await w.call("POST", "/bo/stores/s1/config/publish", { token: w.tokens.mgr1, body: {} })).status).toBe(403);
    const r = await w.call("POST", "/bo/stores/s1/config/publish", { token: hq(), body: { rollout: { firstWave: { devices: ["k1"] } } } });
    expect(r.status).toBe(201);
    published = Number(r.body.version);
    expect(published).toBe(first + 1);
    const rollout = r.body.rollout as { id: number; targets: Array<{ deviceId: string; status: string; desiredVersion: number }> };
    expect(rollout.targets.map((t) => [t.deviceId, t.status, t.desiredVersion])).toEqual([
      ["k1", "sent", published],
      ["k2", "waiting", 0],
    ]);
    w.bo.rollouts.report("k1", { version: published, status: "applied", appliedVersion: published });
    const s = await w.call("GET", `/bo/rollouts/${rollout.id}`, { token: w.tokens.mgr1 });
    expect(
      (s.body.targets as Array<{ deviceId: string; status: string; appliedVersion: number }>).map((t) => [t.deviceId, t.status, t.appliedVersion]),
    ).toEqual([
      ["k1", "applied", published],
      ["k2", "sent", 0],
    ]);
    w.bo.rollouts.report("k2", { version: published, status: "applied", appliedVersion: published });
    expect((await w.call("GET", `/bo/rollouts/${rollout.id}`, { token: hq() })).body.state).toBe("completed");
    expect(audits("config.publish")).toBe(1);
    expect((await w.call("GET", "/stores/s1/config")).body).toMatchObject({
      content: { rules: { levels: expect.arrayContaining([expect.objectContaining({ id: "l90", discountPercent: 80 })]) } },
    });
  });

  it("a failure stops the rollout with the kiosk's error; stop and continue are hq-only and audited", async () => {
    const r = await w.call("POST", "/bo/stores/s1/config/publish", { token: hq(), body: { rollout: { firstWave: { devices: ["k1"] } } } });
    const id = (r.body.rollout as { id: number }).id;
    const v = Number(r.body.version);
    w.bo.rollouts.report("k1", { version: v, status: "failed", appliedVersion: published, error: "SCHEMA_INVALID: payload: disk full" });
    const stopped = (await w.call("GET", `/bo/rollouts/${id}`, { token: hq() })).body as {
      state: string;
      targets: Array<{ deviceId: string; status: string; error: string | null; deviceError: string | null }>;
    };
    expect(stopped.state).toBe("stopped");
    expect(stopped.targets[0]).toMatchObject({
      deviceId: "k1",
      status: "failed",
      error: "SCHEMA_INVALID: payload: disk full",
      deviceError: "SCHEMA_INVALID: payload: disk full",
    });
    expect(stopped.targets[1]).toMatchObject({ deviceId: "k2", status: "waiting" });
    expect((await w.call("POST", `/bo/rollouts/${id}/continue`, { token: w.tokens.mgr1, body: {} })).status).toBe(403);
    const cont = await w.call("POST", `/bo/rollouts/${id}/continue`, { token: hq(), body: { note: "k1 disk replaced" } });
    expect(cont.status).toBe(200);
    expect(cont.body.state).toBe("in-progress");
    expect((cont.body.targets as Array<{ deviceId: string; status: string }>)[1]).toMatchObject({ deviceId: "k2", status: "sent" });
    const stop = await w.call("POST", `/bo/rollouts/${id}/stop`, { token: hq(), body: { reason: "prices look wrong" } });
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ state: "stopped", reason: expect.stringContaining("prices look wrong") });
    expect((await w.call("POST", `/bo/rollouts/${id}/stop`, { token: hq(), body: { reason: "again" } })).status).toBe(409);
    expect(audits("rollout.stop")).toBe(1);
    expect(audits("rollout.continue")).toBe(1);
    expect((await w.call("GET", "/bo/stores/s1/rollouts", { token: w.tokens.mgr1 })).body.rollouts).toHaveLength(2);
  });

  it("rolls back to an earlier version: a new, higher version with that content, rolled out to the first wave", async () => {
    const before = Number((await w.call("GET", "/stores/s1/config")).body.version);
    expect((await w.call("POST", "/bo/stores/s1/config/rollback", { token: hq(), body: { toVersion: 99 } })).status).toBe(404);
    expect((await w.call("POST", "/bo/stores/s1/config/rollback", { token: w.tokens.mgr1, body: { toVersion: first } })).status).toBe(403);
    const r = await w.call("POST", "/bo/stores/s1/config/rollback", {
      token: hq(),
      body: { toVersion: first, rollout: { firstWave: { devices: ["k1"] } }, note: "back to the old discounts" },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ version: before + 1, contentOf: first });
    expect((r.body.rollout as { targets: Array<{ status: string }> }).targets.map((t) => t.status)).toEqual(["sent", "waiting"]);
    const now = w.configs.latest("s1")!;
    const old = w.configs.get("s1", first)!;
    expect(now.content.rules).toEqual(old.content.rules);
    expect(now.content.device).toEqual(old.content.device);
    expect(now.content.rules.levels.find((l) => l.id === "l90")?.discountPercent).toBe(90);
    expect(audits("config.rollback")).toBe(1);
    const versions = await w.call("GET", "/bo/stores/s1/config/versions", { token: hq() });
    expect((versions.body.versions as Array<{ version: number; inForce: boolean }>)[0]).toMatchObject({ version: before + 1, inForce: true });
  });
});
