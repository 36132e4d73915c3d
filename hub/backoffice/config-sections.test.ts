// PUT /bo/config/fields: set one field of a store's overrides (the rest inherited), reset it to the chain, refuse bad values and unknown keys naming the field, chain edits start from the rules in force.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { boWorld, type BoWorld } from "./test-kit.js";

let w: BoWorld;
beforeEach(async () => {
  w = await boWorld();
});
afterEach(() => w.close());

describe("config fields", () => {
  it("overrides one device field for a store, keeps the rest of its policy, and resets it to the chain", async () => {
    const set = await w.call("PUT", "/bo/config/fields", { token: w.tokens.mgr1, body: { storeId: "s1", set: { device: { verification: { oneInN: 5 } } } } });
    expect(set.status).toBe(200);
    expect(w.configs.getLayer({ kind: "store", storeId: "s1" })).toEqual({ device: { verification: { oneInN: 5 } } });
    // The composed draft keeps the store name from the version in force (the chain has no device layer).
    const draft = w.configs.check("s1", w.configs.compose("s1"));
    expect(draft.device).toMatchObject({ storeName: "s1", verification: { oneInN: 5 } });
    const store = await w.call("GET", "/bo/config/stores/s1", { token: w.tokens.mgr1 });
    expect((store.body as { overridden: { device: string[] } }).overridden.device).toEqual(["verification"]);
    const reset = await w.call("PUT", "/bo/config/fields", { token: w.tokens.mgr1, body: { storeId: "s1", reset: ["device.verification.oneInN"] } });
    expect(reset.status).toBe(200);
    expect(w.configs.getLayer({ kind: "store", storeId: "s1" })).toEqual({});
  });

  it("refuses a bad value and an unknown key with the field's path, saving nothing; another store's manager is refused", async () => {
    const bad = await w.call("PUT", "/bo/config/fields", { token: w.tokens.mgr1, body: { storeId: "s1", set: { device: { returns: { windowDays: 999 } } } } });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toContain("device.returns.windowDays");
    const typo = await w.call("PUT", "/bo/config/fields", { token: w.tokens.mgr1, body: { storeId: "s1", set: { device: { gate: { pulse: 1 } } } } });
    expect(typo.status).toBe(400);
    expect((typo.body as { message: string }).message).toContain("device.gate.pulse: unknown key");
    expect(w.configs.getLayer({ kind: "store", storeId: "s1" })).toBeUndefined();
    expect(
      (await w.call("PUT", "/bo/config/fields", { token: w.tokens.mgr2, body: { storeId: "s1", set: { device: { returns: { windowDays: 7 } } } } })).status,
    ).toBe(403);
    expect((await w.call("PUT", "/bo/config/fields", { token: w.tokens.mgr1, body: { set: { rules: { yearlyClear: false } } } })).status).toBe(403);
  });

  it("edits a chain points rule starting from the chain's rules in force; a cross-check failure names the field", async () => {
    const ok = await w.call("PUT", "/bo/config/fields", { body: { set: { rules: { points: { spend: { fenPerPoint: 5000 } } } } } });
    expect(ok.status).toBe(200);
    const rules = w.configs.getLayer({ kind: "chain" })?.rules as { points: { spend: { fenPerPoint: number }; yearlyClear: boolean }; catalog: unknown[] };
    expect(rules.points.spend.fenPerPoint).toBe(5000);
    expect(rules.points.yearlyClear).toBe(true); // the rest of the points section is the rules in force
    expect(rules.catalog.length).toBe(10);
    const cross = await w.call("PUT", "/bo/config/fields", { body: { set: { rules: { points: { redemption: { mode: "tiered", tiers: [] } } } } } });
    expect(cross.status).toBe(400);
    expect((cross.body as { message: string }).message).toContain("rules.points.redemption.tiers");
    expect((await w.call("PUT", "/bo/config/fields", { body: { reset: ["rules.points"] } })).status).toBe(400);
  });
});
