// Environment overrides typed by the config schema, errors that name the variable, secrets read from files.
import { describe, it, expect } from "vitest";
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { applyEnvOverrides, describeIssues, readSecretFile, secretFileWarning } from "./config-env.js";

const schema = z.object({
  storeId: z.string(),
  logLevel: z.enum(["info", "debug"]).default("info"),
  http: z.object({ port: z.number().int(), open: z.boolean().default(false) }).default({ port: 1, open: false }),
  broker: z
    .discriminatedUnion("mode", [
      z.object({ mode: z.literal("embedded"), port: z.number() }),
      z.object({ mode: z.literal("external"), url: z.string(), protocolVersion: z.union([z.literal(4), z.literal(5)]) }),
    ])
    .optional(),
  trustedKeys: z.record(z.string(), z.string()).optional(),
});

describe("applyEnvOverrides", () => {
  it("converts each value to the type the schema expects at its path", () => {
    const o = applyEnvOverrides(
      schema,
      { storeId: "s1", http: { port: 80 } },
      {
        APP__STORE_ID: "007",
        APP__LOG_LEVEL: "debug",
        APP__HTTP__PORT: "9090",
        APP__HTTP__OPEN: "yes",
        APP__BROKER__MODE: "external",
        APP__BROKER__URL: "mqtts://hq:8883",
        APP__BROKER__PROTOCOL_VERSION: "5",
        APP__TRUSTED_KEYS: '{"k1":"abc"}',
        OTHER__HTTP__PORT: "1",
      },
      "APP",
    );
    expect(o.errors).toEqual([]);
    expect(schema.parse(o.config)).toEqual({
      storeId: "007",
      logLevel: "debug",
      http: { port: 9090, open: true },
      broker: { mode: "external", url: "mqtts://hq:8883", protocolVersion: 5 },
      trustedKeys: { k1: "abc" },
    });
    expect(o.sources.get("http.port")).toBe("APP__HTTP__PORT");
  });

  it("names the variable for unknown settings and wrong kinds, never echoing the value", () => {
    const o = applyEnvOverrides(schema, {}, { APP__HTTP__PROT: "1", APP__HTTP__PORT: "hunter2", APP__TRUSTED_KEYS: "{nope" }, "APP");
    expect(o.errors).toEqual(["APP__HTTP__PORT: expected a number", "APP__HTTP__PROT: no such setting", "APP__TRUSTED_KEYS: expected JSON"]);
    expect(o.errors.join()).not.toContain("hunter2");
  });

  it("reports schema issues with the variable that set the field", () => {
    const o = applyEnvOverrides(schema, { storeId: "s" }, { APP__HTTP__PORT: "1.5" }, "APP");
    const r = schema.safeParse(o.config);
    expect(r.success).toBe(false);
    if (!r.success) expect(describeIssues(r.error.issues, o.sources)[0]).toMatch(/^http\.port \(from APP__HTTP__PORT\): /);
  });
});

describe("secret files", () => {
  it("reads and trims; names the file, never the content; warns when world-readable", () => {
    const dir = mkdtempSync(join(tmpdir(), "secret-"));
    try {
      const f = join(dir, "s");
      writeFileSync(f, "  s3cret\n", { mode: 0o600 });
      expect(readSecretFile(f, "device secret")).toBe("s3cret");
      expect(secretFileWarning(f)).toBeUndefined();
      chmodSync(f, 0o644);
      expect(secretFileWarning(f)).toMatch(/accessible to every user \(mode 0644\)/);
      writeFileSync(f, "\n");
      expect(() => readSecretFile(f, "device secret")).toThrow(expect.objectContaining({ code: "SECRET_FILE_EMPTY" }));
      expect(() => readSecretFile(join(dir, "missing"), "device secret")).toThrow(
        expect.objectContaining({ code: "SECRET_FILE_UNREADABLE", message: expect.stringContaining("ENOENT") }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
