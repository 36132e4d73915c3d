// Loading the kiosk config file: each way it can fail has its own KioskConfigError code, and kioskctl maps them to exit codes by code.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "./cli/common.js";
import { KioskConfigError, loadKioskConfig } from "./config.js";

const dir = mkdtempSync(join(tmpdir(), "kiosk-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof KioskConfigError ? err.code : `not a KioskConfigError: ${String(err)}`;
  }
  return undefined;
}

describe("loadKioskConfig error codes", () => {
  it("CONFIG_NOT_FOUND, CONFIG_NOT_JSON and CONFIG_INVALID for a missing, garbled and wrong file", () => {
    expect(codeOf(() => loadKioskConfig(join(dir, "absent.json"), {}))).toBe("CONFIG_NOT_FOUND");
    writeFileSync(join(dir, "garbled.json"), "{ not json");
    expect(codeOf(() => loadKioskConfig(join(dir, "garbled.json"), {}))).toBe("CONFIG_NOT_JSON");
    writeFileSync(join(dir, "wrong.json"), JSON.stringify({ deviceId: 5 }));
    expect(codeOf(() => loadKioskConfig(join(dir, "wrong.json"), {}))).toBe("CONFIG_INVALID");
  });

  it("CONFIG_UNREADABLE for a path that exists but cannot be read as a file", () => {
    expect(codeOf(() => loadKioskConfig(dir, {}))).toBe("CONFIG_UNREADABLE");
    const locked = join(dir, "locked.json");
    writeFileSync(locked, "{}");
    chmodSync(locked, 0o000);
    // root reads anything; elsewhere the mode makes it unreadable.
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    expect(codeOf(() => loadKioskConfig(locked, {}))).toBe(isRoot ? "CONFIG_INVALID" : "CONFIG_UNREADABLE");
  });

  it("kioskctl exits 3 with a provisioning hint for a missing file and 78 for a bad one, by code", () => {
    const missing = (() => {
      try {
        loadConfig(join(dir, "absent.json"), {});
      } catch (err) {
        return err as { exitCode: number; code: string; message: string };
      }
    })();
    expect(missing).toMatchObject({ exitCode: 3, code: "CONFIG_NOT_FOUND" });
    expect(missing?.message).toContain("kioskctl provision");
    const bad = (() => {
      try {
        loadConfig(join(dir, "garbled.json"), {});
      } catch (err) {
        return err as { exitCode: number; code: string };
      }
    })();
    expect(bad).toMatchObject({ exitCode: 78, code: "CONFIG_NOT_JSON" });
  });
});
