// Reading a store's config: only with an hq-admin or the admin token, and never with the staff PIN hashes (#13 finding 7); hubctl config show.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashSecret } from "./secrets.js";
import { hubctlOn, type HubctlRun } from "./hubctl.testkit.js";
import { ADMIN_TOKEN, FULL_RULES, boWorld, type BoWorld } from "./backoffice/test-kit.js";
import { redactConfigSecrets } from "./config-redact.js";
import { checkPin } from "../device/staff-auth.js";

let w: BoWorld;
let dir: string;
beforeAll(async () => {
  w = await boWorld();
  dir = mkdtempSync(join(tmpdir(), "config-read-"));
  const published = await w.call("POST", "/stores/s1/config", {
    body: {
      rules: FULL_RULES,
      device: {
        storeName: "S1",
        staff: [
          { staffId: "s01", name: "Zhang", pinHash: hashSecret("246813") },
          { staffId: "s02", name: "Li", pinHash: hashSecret("1357"), roles: ["verify"] },
        ],
      },
    },
  });
  expect(published.status).toBe(201);
});
afterAll(() => {
  w.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /stores/:store/config", () => {
  it("needs a token: none, a wrong one, and store staff are refused", async () => {
    expect((await w.call("GET", "/stores/s1/config", { token: null })).status).toBe(401);
    expect((await w.call("GET", "/stores/s1/config", { token: "wrong" })).status).toBe(401);
    expect((await w.call("GET", "/stores/s1/config", { token: w.tokens.mgr1 })).status).toBe(403);
    expect((await w.call("GET", "/stores/s1/config", { token: w.tokens.staff1 })).status).toBe(403);
  });

  it("answers the admin token and hq-admins without any PIN hash", async () => {
    for (const token of [ADMIN_TOKEN, w.tokens.hq]) {
      const r = await w.call("GET", "/stores/s1/config", { token });
      expect(r.status).toBe(200);
      const text = JSON.stringify(r.body);
      expect(text).not.toContain("scrypt$");
      expect(text).not.toContain('pinHash":"s');
      expect(r.body).toMatchObject({
        content: {
          device: {
            storeName: "S1",
            staff: [
              { staffId: "s01", name: "Zhang", pinHash: "[redacted]" },
              { staffId: "s02", roles: ["verify"] },
            ],
          },
        },
      });
    }
  });

  it("redacts secrets wherever they sit in a config, and leaves the rest as it was", () => {
    const input = {
      device: { staff: [{ staffId: "a", pinHash: "scrypt$16384$x$y" }], note: "scrypt$1$2$3", nested: [{ password: "p", keep: 1 }] },
      rules: { a: [1, 2] },
    };
    expect(redactConfigSecrets(input)).toEqual({
      device: { staff: [{ staffId: "a", pinHash: "[redacted]" }], note: "[redacted]", nested: [{ password: "[redacted]", keep: 1 }] },
      rules: { a: [1, 2] },
    });
    expect(input.device.staff[0]?.pinHash).toBe("scrypt$16384$x$y");
  });
});

describe("hubctl config show", () => {
  const run = (args: string[]): Promise<HubctlRun> => hubctlOn(w, args);

  it("sends the admin token and prints the config without PIN hashes", async () => {
    const tokenFile = join(dir, "admin-token");
    writeFileSync(tokenFile, `${ADMIN_TOKEN}\n`);
    const shown = await run(["--token-file", tokenFile, "config", "show", "--store", "s1", "--json"]);
    expect(shown.err).toBe("");
    expect(shown.code).toBe(0);
    const parsed = JSON.parse(shown.out) as { version: number; content: { device: { staff: Array<{ pinHash: string }> } } };
    expect(parsed.version).toBeGreaterThan(0);
    expect(parsed.content.device.staff.map((s) => s.pinHash)).toEqual(["[redacted]", "[redacted]"]);
    expect(shown.out).not.toContain("scrypt$");
    const human = await run(["--token-file", tokenFile, "config", "show", "--store", "s1"]);
    expect(human.code).toBe(0);
    expect(human.out).toContain("s01");
    expect(human.out).not.toContain("scrypt$");
    const wrong = join(dir, "wrong-token");
    writeFileSync(wrong, "nope");
    expect((await run(["--token-file", wrong, "config", "show", "--store", "s1"])).code).toBe(5);
    expect((await run(["--token-file", tokenFile, "config", "show", "--store", "nowhere"])).code).toBe(3);
  });

  it("makes PIN hashes for 4-12 digit PINs from a file, warning below 6 digits", async () => {
    const pinFile = join(dir, "pin");
    writeFileSync(pinFile, "482915736024\n");
    const long = await run(["staff", "pin-hash", "--pin-file", pinFile]);
    expect(long.code).toBe(0);
    expect(long.err).toBe("");
    expect(await checkPin("482915736024", long.out.trim())).toBe(true);
    writeFileSync(pinFile, "1357");
    const short = await run(["staff", "pin-hash", "--pin-file", pinFile, "--json"]);
    expect(short.code).toBe(0);
    expect(short.err).toMatch(/6 or more digits are advised/);
    expect(await checkPin("1357", (JSON.parse(short.out) as { pinHash: string }).pinHash)).toBe(true);
    for (const bad of ["123", "1234567890123", "12ab", "１２３４"]) {
      writeFileSync(pinFile, bad);
      expect((await run(["staff", "pin-hash", "--pin-file", pinFile])).code, bad).toBe(2);
    }
    expect((await run(["staff", "pin-hash", "--pin-file", join(dir, "missing")])).code).toBe(3);
  });
});
