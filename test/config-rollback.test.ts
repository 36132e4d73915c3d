// End to end over the real broker: HQ changes gold's discount through /bo, previews it, publishes to a first wave of one kiosk, both kiosks apply it and price at the new discount; a rollback brings the old price back on both.
import { describe, it, expect, afterEach } from "vitest";
import { waitUntil } from "../scripts/demo-env.js";
import { priceSale } from "../protocol/sale-pricing.js";
import type { Kiosk } from "../device/kiosk.js";
import { SyncWorld } from "./sync-harness.js";
import { sessionRules } from "./session-world.js";

let w: SyncWorld;
afterEach(async () => {
  await w.stop();
});

describe("config publish and rollback reach the kiosks", () => {
  it("first wave of one, both kiosks apply, a kiosk prices at the new discount; rollback prices at the old", async () => {
    w = new SyncWorld();
    const hub = await w.startHub();
    const first = hub.publishConfig("s01", { rules: sessionRules(), device: {} }).config.version;
    w.addMember("m1");
    const k1 = await w.addKiosk("k1", "s01");
    const k2 = await w.addKiosk("k2", "s01");
    await w.ready(k1, ["m1"]);
    await w.ready(k2, ["m1"]);
    const bo = hub.backoffice;
    const token = bo.deps.db.transaction(() => {
      bo.deps.users.createInTx({ userId: "hq", name: "HQ", role: "hq-admin" });
      return bo.deps.users.issueTokenInTx("hq", "e2e").token;
    });
    const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await bo.app.request(path, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    /** What a kiosk charges member m1 for two bags of rice under the config it applied. */
    const price = (k: Kiosk): number => priceSale(k.sync.current!, k.store.member("m1")!, [{ sku: "rice-5kg", qty: 2 }], Date.now()).totals.totalFen;
    expect(price(k1)).toBe(Math.round(5990 * 0.9) * 2);

    const levels = (await call("GET", "/levels")).body as { levels: Array<Record<string, unknown>>; levelUpgrade: unknown };
    const gold80 = levels.levels.map((l) => (l.id === "gold" ? { ...l, discountPercent: 80 } : l));
    expect((await call("PUT", "/levels", { levels: gold80, levelUpgrade: levels.levelUpgrade })).status).toBe(200);
    const typo = await call("PUT", "/config/stores/s01/overrides", { layer: { device: { verificaton: {} } } });
    expect(typo.status).toBe(400);
    expect(String(typo.body.message)).toContain("device.verificaton: unknown key");
    const preview = await call("POST", "/config/preview", {
      scope: "chain",
      storeId: "s01",
      cart: { at: Date.now(), member: { id: "m1", levelId: "gold" }, lines: [{ sku: "rice-5kg", qty: 2 }] },
    });
    expect(preview.status).toBe(200);
    expect(preview.body.whatIf).toMatchObject({ inForce: { totals: { totalFen: 10782 } }, draft: { totals: { totalFen: 9584 } } });

    const pub = await call("POST", "/stores/s01/config/publish", { rollout: { firstWave: { devices: ["k1"] } } });
    expect(pub.status).toBe(201);
    const v = Number(pub.body.version);
    const rolloutId = (pub.body.rollout as { id: number }).id;
    await waitUntil(() => k1.sync.current?.version === v && k2.sync.current?.version === v, "both kiosks apply the new version", 20_000);
    await waitUntil(() => hub.rollouts.status(rolloutId).state === "completed", "rollout completes", 20_000);
    const status = (await call("GET", `/rollouts/${rolloutId}`)).body as {
      targets: Array<{ deviceId: string; wave: number; status: string; appliedVersion: number }>;
    };
    expect(status.targets.map((t) => [t.deviceId, t.wave, t.status, t.appliedVersion])).toEqual([
      ["k1", 1, "applied", v],
      ["k2", 2, "applied", v],
    ]);
    expect(price(k2)).toBe(9584);

    const back = await call("POST", "/stores/s01/config/rollback", { toVersion: first });
    expect(back.status).toBe(201);
    const rv = Number(back.body.version);
    expect(rv).toBe(v + 1);
    await waitUntil(() => k1.sync.current?.version === rv && k2.sync.current?.version === rv, "both kiosks apply the rollback", 20_000);
    expect(price(k1)).toBe(10782);
    expect(price(k2)).toBe(10782);
  }, 90_000);
});
