// hubctl kiosk command: sends through /bo with the admin token (audited), waits for the kiosk's answer, exits by the outcome.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminTokenFile, hubctlOn, type HubctlRun } from "./hubctl.testkit.js";
import { boWorld, type BoWorld } from "./backoffice/test-kit.js";

let w: BoWorld;
let dir: string;
let tokenFile: string;
beforeAll(async () => {
  w = await boWorld();
  w.db.prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at) VALUES ('k1', 'acme', 's1', 'x', 0)").run();
  dir = mkdtempSync(join(tmpdir(), "cli-fleet-"));
  tokenFile = adminTokenFile(dir);
});
afterAll(() => {
  w.close();
  rmSync(dir, { recursive: true, force: true });
});

const hubctl = (args: string[]): Promise<HubctlRun> => hubctlOn(w, ["--token-file", tokenFile, ...args]);

describe("hubctl kiosk command", () => {
  it("sends, waits for the answer and exits by it; refuses an unknown type", async () => {
    const f = w.bo.fleet.commands;
    // Plays the kiosk: answers each command as it is sent (the answers are awaited before the hub closes).
    const answers: Promise<void>[] = [];
    f.onSend = (_a, env) => {
      const { commandId } = JSON.parse(env.payload) as { commandId: string };
      answers.push(
        new Promise<void>((resolve) =>
          setTimeout(() => {
            f.onResult("k1", { commandId, outcome: "failed", code: "NO_RECEIPT", message: "no receipt printed since the service started", at: 0 });
            resolve();
          }, 50),
        ),
      );
      return true;
    };
    const r = await hubctl(["kiosk", "command", "--device", "k1", "--type", "reprint-last-receipt", "--wait"]);
    expect(r).toMatchObject({ code: 1 });
    expect(r.out).toMatch(/reprint-last-receipt -> k1: failed NO_RECEIPT/);
    expect(w.bo.deps.audit.list({ action: "kiosk.command", limit: 5 })[0]).toMatchObject({ actor: "admin", entityId: "k1" });
    const bad = await hubctl(["kiosk", "command", "--device", "k1", "--type", "format-disk"]);
    expect(bad.code).toBe(2);
    const sent = await hubctl(["kiosk", "command", "--device", "k1", "--type", "resync-members", "--json"]);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.out)).toMatchObject({ status: "sent", type: "resync-members" });
    await Promise.all(answers);
    expect(answers).toHaveLength(2);
  });
});
