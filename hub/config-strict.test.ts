// Unknown config keys refused with their path (HTTP, hubctl), tolerated-but-reported at the kiosk; the direct path PUT /bo/levels then publish --store; GET /config/chain.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminTokenFile, hubctlOn, type HubctlRun } from "./hubctl.testkit.js";
import { hashSecret } from "./secrets.js";
import { FULL_RULES, boWorld, type BoWorld } from "./backoffice/test-kit.js";
import { parseConfigContentTolerant } from "../protocol/config-tolerant.js";

let w: BoWorld;
let dir: string;
let tokenFile: string;
beforeAll(async () => {
  w = await boWorld();
  dir = mkdtempSync(join(tmpdir(), "config-strict-"));
  tokenFile = adminTokenFile(dir);
});
afterAll(() => {
  w.close();
  rmSync(dir, { recursive: true, force: true });
});

const hubctl = (args: string[]): Promise<HubctlRun> => hubctlOn(w, ["--token-file", tokenFile, ...args]);

describe("unknown keys are refused with the field named", () => {
  it("POST /stores/:store/config: device.verificaton, a nested device key, a top-level key, a rules key", async () => {
    const before = (await w.call("GET", "/stores/s1/config")).body.version;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ rules: FULL_RULES, device: { storeName: "S1", verificaton: { oneInN: 5 } } }, "device.verificaton: unknown key"],
      [{ rules: FULL_RULES, device: { storeName: "S1", verification: { oneInN: 5, timout: 1 } } }, "device.verification.timout: unknown key"],
      [{ rules: FULL_RULES, device: { storeName: "S1" }, devcie: {} }, "devcie: unknown key"],
      [{ rules: { ...FULL_RULES, levls: [] }, device: { storeName: "S1" } }, "rules.levls"],
    ];
    for (const [body, field] of cases) {
      const r = await w.call("POST", "/stores/s1/config", { body });
      expect(r.status, field).toBe(400);
      expect(r.body.error).toBe("INVALID_INPUT");
      expect(String(r.body.message)).toContain(field);
    }
    expect((await w.call("GET", "/stores/s1/config")).body.version).toBe(before);
  });

  it("PUT /config/chain and store overrides refuse unknown keys at once (partial layers are fine)", async () => {
    const bad = await w.call("PUT", "/stores/s2/config/overrides", { body: { device: { verificaton: {} } } });
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain("device.verificaton: unknown key");
    const badChain = await w.call("PUT", "/config/chain", { body: { rules: { points: { yearlyClaer: true } } } });
    expect(badChain.status).toBe(400);
    expect(String(badChain.body.message)).toContain("rules.points.yearlyClaer: unknown key");
    const ok = await w.call("PUT", "/stores/s2/config/overrides", { body: { device: { storeName: "二号店 Store 2" } } });
    expect(ok.status).toBe(200);
  });

  it("hubctl config publish --file refuses the typo the same way (exit code non-zero, field named)", async () => {
    const file = join(dir, "typo.json");
    writeFileSync(file, JSON.stringify({ rules: FULL_RULES, device: { storeName: "S1", verificaton: {} } }));
    const r = await hubctl(["config", "publish", "--store", "s1", "--file", file]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("device.verificaton: unknown key");
  });

  it("a kiosk applies a bundle with keys it does not know and names them; other problems still refuse", async () => {
    const good = (await w.call("GET", "/stores/s1/config")).body.content as Record<string, unknown>;
    const newer = { ...good, device: { ...(good.device as object), futureFeature: { on: true } }, rules: { ...(good.rules as object), newSection: 1 } };
    const t = parseConfigContentTolerant(newer);
    expect(t.ignoredKeys.sort()).toEqual(["device.futureFeature", "rules.newSection"]);
    expect(t.content.device.storeName).toBe((good.device as { storeName: string }).storeName);
    expect(parseConfigContentTolerant(good).ignoredKeys).toEqual([]);
    expect(() => parseConfigContentTolerant({ ...newer, device: { ...(newer.device as object), memberCodeWindowSeconds: 1 } })).toThrow(
      /memberCodeWindowSeconds/,
    );
  });
});

describe("the direct path: PUT /bo/levels then publish the store", () => {
  it("a store published whole keeps its device policy and gets the new levels (was: device: expected object)", async () => {
    const pub = await w.call("POST", "/stores/s1/config", {
      body: { rules: FULL_RULES, device: { storeName: "一号店 S1", staff: [{ staffId: "s01", name: "Zhang", pinHash: hashSecret("246813") }] } },
    });
    expect(pub.status).toBe(201);
    const levels = (await w.call("GET", "/bo/levels", { token: w.tokens.hq })).body as {
      levels: Array<{ id: string; discountPercent: number }>;
      levelUpgrade: unknown;
    };
    const changed = levels.levels.map((l, i) => (i === levels.levels.length - 1 ? { ...l, discountPercent: 80 } : l));
    const put = await w.call("PUT", "/bo/levels", { token: w.tokens.hq, body: { levels: changed, levelUpgrade: levels.levelUpgrade } });
    expect(put.status).toBe(200);
    const r = await hubctl(["config", "publish", "--store", "s1", "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const shown = (await w.call("GET", "/stores/s1/config")).body as {
      version: number;
      content: { rules: { levels: Array<{ discountPercent: number }> }; device: { storeName: string; staff: unknown[] } };
    };
    expect(shown.version).toBe((JSON.parse(r.out) as { version: number }).version);
    expect(shown.content.rules.levels.at(-1)?.discountPercent).toBe(80);
    expect(shown.content.device.storeName).toBe("一号店 S1");
    expect(shown.content.device.staff).toHaveLength(1);
  });

  it("GET /config/chain answers the chain defaults to the admin token, secrets redacted; 401 without", async () => {
    expect((await w.call("GET", "/config/chain", { token: null })).status).toBe(401);
    expect((await w.call("GET", "/config/chain", { token: w.tokens.mgr1 })).status).toBe(403);
    const put = await w.call("PUT", "/config/chain", { body: { device: { staff: [{ staffId: "hq1", name: "HQ", pinHash: hashSecret("135790") }] } } });
    expect(put.status).toBe(200);
    const r = await w.call("GET", "/config/chain");
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).not.toContain("scrypt$");
    expect(r.body).toMatchObject({ scope: "chain", layer: { device: { staff: [{ staffId: "hq1", pinHash: "[redacted]" }] } } });
    expect((await w.call("GET", "/stores/s2/config/overrides")).body).toMatchObject({ layer: { device: { storeName: "二号店 Store 2" } } });
  });
});
