// One-time provisioning tokens (hashed, expiring, single use, bound to a device) and the Mosquitto files the hub keeps in step.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { DeviceRegistry } from "./devices.js";
import { Provisioning } from "./provisioning.js";
import { checkMosquittoHash } from "./mosquitto-auth.js";

let dir: string;
let db: Database;
let clock: ManualClock;
let devices: DeviceRegistry;
let sink: MemoryLogSink;

function provisioning(withMosquitto = true): Provisioning {
  return new Provisioning(
    db,
    clock,
    devices,
    {
      chainId: "acme",
      tokenTtlMs: 60 * 60_000,
      brokerUrl: () => "mqtts://hub.test:8883",
      caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
      trustedKeys: () => ({ hq: "k".repeat(43) }),
      ...(withMosquitto
        ? { mosquitto: { passwordFile: join(dir, "mq", "passwd"), aclFile: join(dir, "mq", "acl"), hubUsername: "hub", hubPassword: "hub-pw" } }
        : {}),
    },
    createLogger("t", { destination: sink }),
  );
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "prov-"));
  db = await openTestHubDb(dir);
  clock = new ManualClock(1_800_000_000_000);
  devices = new DeviceRegistry(db, clock);
  sink = new MemoryLogSink();
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("provisioning tokens", () => {
  it("are stored hashed and exchanged once for an identity, a secret, the broker URL, the CA and the HQ keys", async () => {
    const p = provisioning();
    const t = p.createToken("s01", "k1");
    expect(t).toMatchObject({ chainId: "acme", storeId: "s01", deviceId: "k1", expiresAt: clock.now() + 3_600_000 });
    const stored = db.prepare("SELECT token_hash FROM provision_tokens").all<{ token_hash: string }>();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toContain(t.token.slice(4));
    const g = p.redeem(t.token);
    expect(g).toMatchObject({
      chainId: "acme",
      storeId: "s01",
      deviceId: "k1",
      username: "k1",
      brokerUrl: "mqtts://hub.test:8883",
      trustedKeys: { hq: "k".repeat(43) },
    });
    expect(g.caPem).toContain("BEGIN CERTIFICATE");
    expect(await devices.authenticate("k1", g.password)).toEqual({ chainId: "acme", storeId: "s01", deviceId: "k1" });
    expect(() => p.redeem(t.token)).toThrow(expect.objectContaining({ code: "UNAUTHORIZED" }));
    expect(p.stats).toMatchObject({ tokensCreated: 1, redeemed: 1, refused: 1 });
    // Nothing secret in the log.
    expect(JSON.stringify(sink.lines)).not.toContain(g.password);
    expect(JSON.stringify(sink.lines)).not.toContain(t.token);
  });

  it("expire, and unknown tokens get the same answer", () => {
    const p = provisioning();
    const t = p.createToken("s01", "k1", 60_000);
    clock.advance(60_001);
    expect(() => p.redeem(t.token)).toThrow(/invalid, used or expired/);
    expect(() => p.redeem("mkp_nope")).toThrow(/invalid, used or expired/);
    expect(() => p.redeem("not-a-token")).toThrow(/invalid, used or expired/);
    clock.advance(86_400_000);
    expect(p.purgeTokens()).toBe(1);
  });

  it("refuse a token for another device without spending it when the kiosk holds a ledger", () => {
    const p = provisioning();
    const t = p.createToken("s01", "k2");
    expect(() => p.redeem(t.token, "k1")).toThrow(expect.objectContaining({ code: "CONFLICT" }));
    expect(p.redeem(t.token, "k2").deviceId).toBe("k2");
  });

  it("check ids and stores", () => {
    const p = provisioning();
    expect(() => p.createToken("s 1", "k1")).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    expect(() => p.createToken("s01", "hub")).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    p.redeem(p.createToken("s01", "k1").token);
    expect(() => p.createToken("s02", "k1")).toThrow(expect.objectContaining({ code: "CONFLICT" }));
  });

  it("rewrite Mosquitto's password file and ACL with each device's $7$ hash; re-provisioning rotates it", async () => {
    const p = provisioning();
    p.writeBrokerFiles();
    expect(readFileSync(join(dir, "mq", "passwd"), "utf8")).toMatch(/^hub:\$7\$101\$[^\n]+\n$/);
    const first = p.redeem(p.createToken("s01", "k1").token);
    const line = (): string =>
      readFileSync(join(dir, "mq", "passwd"), "utf8")
        .split("\n")
        .find((l) => l.startsWith("k1:"))!
        .slice(3);
    expect(checkMosquittoHash(first.password, line())).toBe(true);
    expect(
      checkMosquittoHash(
        "hub-pw",
        readFileSync(join(dir, "mq", "passwd"), "utf8")
          .split("\n")[0]!
          .slice(4),
      ),
    ).toBe(true);
    expect(readFileSync(join(dir, "mq", "acl"), "utf8")).toContain("user k1\ntopic write mk/v1/acme/s01/k1/ledger");
    const second = p.redeem(p.createToken("s01", "k1").token);
    expect(checkMosquittoHash(first.password, line())).toBe(false);
    expect(checkMosquittoHash(second.password, line())).toBe(true);
    expect(await devices.authenticate("k1", first.password)).toBeUndefined();
  });

  it("bring the files up to date when another hub instance provisioned a kiosk, and only then", () => {
    const here = provisioning();
    const elsewhere = provisioning(false); // another instance on the same database, no broker files of its own
    here.writeBrokerFiles();
    expect(here.syncBrokerFiles()).toBe(false);
    const creds = elsewhere.redeem(elsewhere.createToken("s02", "k9").token);
    expect(readFileSync(join(dir, "mq", "passwd"), "utf8")).not.toContain("k9:");
    expect(here.syncBrokerFiles()).toBe(true);
    const line = readFileSync(join(dir, "mq", "passwd"), "utf8")
      .split("\n")
      .find((l) => l.startsWith("k9:"))!
      .slice(3);
    expect(checkMosquittoHash(creds.password, line)).toBe(true);
    expect(readFileSync(join(dir, "mq", "acl"), "utf8")).toContain("user k9\ntopic write mk/v1/acme/s02/k9/ledger");
    expect(here.syncBrokerFiles()).toBe(false);
  });

  it("leave out devices provisioned without a broker hash, with a warning", () => {
    devices.provision({ chainId: "acme", storeId: "s01", deviceId: "old" });
    provisioning().writeBrokerFiles();
    expect(readFileSync(join(dir, "mq", "passwd"), "utf8")).not.toContain("old:");
    expect(sink.find((l) => String(l.msg).includes("re-provision it"))).toBeDefined();
  });
});
