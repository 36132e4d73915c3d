// hubctl for scripts: config versions, config rollback --to, rollout stop / continue, against the hub's /bo API with the admin token file.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminTokenFile, hubctlOn, type HubctlRun } from "./hubctl.testkit.js";
import { FULL_RULES, boWorld, type BoWorld } from "./backoffice/test-kit.js";

let w: BoWorld;
let dir: string;
let tokenFile: string;
beforeAll(async () => {
  w = await boWorld();
  for (const k of ["k1", "k2"])
    w.db.prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at) VALUES (?, 'acme', 's1', 'x', 0)").run(k);
  dir = mkdtempSync(join(tmpdir(), "cli-rollouts-"));
  tokenFile = adminTokenFile(dir);
});
afterAll(() => {
  w.close();
  rmSync(dir, { recursive: true, force: true });
});

const hubctl = (args: string[], token = tokenFile): Promise<HubctlRun> => hubctlOn(w, ["--token-file", token, ...args]);

const audits = (action: string): Array<{ actor: string; note: string | null }> =>
  w.db.prepare("SELECT actor, note FROM audit_log WHERE action = ? ORDER BY id").all<{ actor: string; note: string | null }>(action);

describe("hubctl config versions / rollback, rollout stop / continue", () => {
  it("lists versions, rolls back through a first wave, stops and continues the rollout, each audited", async () => {
    const first = w.configs.latest("s1")!.version;
    const cheaper = (FULL_RULES.levels as Array<Record<string, unknown>>).map((l) => (l.id === "l90" ? { ...l, discountPercent: 80 } : l));
    w.configs.publish("s1", { rules: { ...FULL_RULES, levels: cheaper }, device: { storeName: "s1" } });
    const second = w.configs.latest("s1")!.version;

    const list = await hubctl(["config", "versions", "--store", "s1"]);
    expect(list.code).toBe(0);
    const lines = list.out.trim().split("\n");
    expect(lines[1]).toMatch(new RegExp(`^${second}\\s.*in force$`));
    expect(lines[2]).toMatch(new RegExp(`^${first}\\s`));
    expect(lines[2]).not.toContain("in force");

    expect((await hubctl(["config", "rollback", "--store", "s1"])).code).toBe(2);
    const missing = await hubctl(["config", "rollback", "--store", "s1", "--to", "999"]);
    expect(missing.code).toBe(3);
    expect(missing.err).toContain("999");

    const rb = await hubctl(["config", "rollback", "--store", "s1", "--to", String(first), "--first-wave-devices", "k1", "--note", "discount typo", "--json"]);
    expect(rb.code).toBe(0);
    const out = JSON.parse(rb.out) as {
      version: number;
      contentOf: number;
      rollout: { id: number; state: string; targets: Array<{ deviceId: string; status: string }> };
    };
    expect(out).toMatchObject({ version: second + 1, contentOf: first });
    expect(out.rollout.targets.map((t) => [t.deviceId, t.status])).toEqual([
      ["k1", "sent"],
      ["k2", "waiting"],
    ]);
    expect(w.configs.latest("s1")!.content.rules).toEqual(w.configs.get("s1", first)!.content.rules);
    expect(audits("config.rollback")).toEqual([expect.objectContaining({ note: "discount typo" })]);

    const id = String(out.rollout.id);
    expect((await hubctl(["rollout", "stop", "--id", id])).code).toBe(2);
    const stop = await hubctl(["rollout", "stop", "--id", id, "--reason", "k1 printer jammed"]);
    expect(stop.code).toBe(0);
    expect(stop.out).toContain(`rollout ${id}: store s1 version ${second + 1} stopped`);
    expect(w.bo.rollouts.status(Number(id)).state).toBe("stopped");
    const again = await hubctl(["rollout", "stop", "--id", id, "--reason", "again"]);
    expect(again.code).toBe(1);

    const cont = await hubctl(["rollout", "continue", "--id", id, "--note", "printer fixed"]);
    expect(cont.code).toBe(0);
    expect(w.bo.rollouts.status(Number(id)).state).toBe("in-progress");
    expect(audits("rollout.stop")).toEqual([expect.objectContaining({ note: "k1 printer jammed" })]);
    expect(audits("rollout.continue")).toEqual([expect.objectContaining({ note: "printer fixed" })]);
  });

  it("needs the admin token: a wrong one is refused with exit code 5 and changes nothing", async () => {
    const bad = join(dir, "bad-token");
    writeFileSync(bad, "not-the-token\n");
    const before = w.configs.latest("s1")!.version;
    const r = await hubctl(["config", "rollback", "--store", "s1", "--to", "1"], bad);
    expect(r.code).toBe(5);
    expect(w.configs.latest("s1")!.version).toBe(before);
    expect((await hubctl(["rollout", "stop", "--id", "abc", "--reason", "x"])).code).toBe(2);
  });
});
