// Mosquitto `$7$` hashes (checked against mosquitto_passwd), the ACL derived from protocol/topics.ts, mosquitto.conf, and EMQX's HTTP hooks.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HUB_PUBLISHES, KIOSK_PUBLISHES, deviceTopic, kioskMayPublish, kioskMaySubscribe, storeTopic } from "../protocol/topics.js";
import { requireTool } from "../test/support/requires.js";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import { DeviceRegistry } from "./devices.js";
import { LoginGuard } from "./login-guard.js";
import { secretStats } from "./secrets.js";
import {
  checkMosquittoHash,
  createBrokerAuthRoutes,
  kioskReadTopics,
  kioskWriteTopics,
  mosquittoHash,
  renderAcl,
  renderMosquittoConf,
  renderPasswordFile,
} from "./mosquitto-auth.js";

const k1 = { chainId: "acme", storeId: "s01", deviceId: "k1" };
const k2 = { chainId: "acme", storeId: "s02", deviceId: "k2" };
const mosquittoPasswd = requireTool("mosquitto_passwd");

describe("mosquitto password hashes", () => {
  it("makes $7$ PBKDF2-SHA512 hashes that verify, and rejects other passwords", () => {
    const h = mosquittoHash("s3cret");
    expect(h).toMatch(/^\$7\$101\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}$/);
    expect(checkMosquittoHash("s3cret", h)).toBe(true);
    expect(checkMosquittoHash("s3cret!", h)).toBe(false);
    expect(checkMosquittoHash("s3cret", "$6$x$y")).toBe(false);
  });

  mosquittoPasswd.it("agrees with mosquitto_passwd both ways", () => {
    const dir = mkdtempSync(join(tmpdir(), "mpw-"));
    try {
      const f = join(dir, "pw");
      writeFileSync(f, "");
      const r = spawnSync("mosquitto_passwd", ["-b", f, "alice", "s3cret"], { encoding: "utf8" });
      expect(r.status).toBe(0);
      const theirs = readFileSync(f, "utf8").trim().split(":")[1]!;
      expect(checkMosquittoHash("s3cret", theirs)).toBe(true);
      // The same salt gives the very same hash as mosquitto_passwd.
      const [, , iter, salt] = theirs.split("$");
      expect(mosquittoHash("s3cret", Number(iter), Buffer.from(salt!, "base64"))).toBe(theirs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses usernames that could forge a line", () => {
    expect(renderPasswordFile([{ username: "k1", hash: "$7$x" }])).toBe("k1:$7$x\n");
    expect(() => renderPasswordFile([{ username: "k1:evil\nroot", hash: "$7$x" }])).toThrow(/invalid broker username/);
  });
});

describe("ACL from protocol/topics.ts", () => {
  it("lists exactly what the embedded broker allows a kiosk", () => {
    expect(kioskWriteTopics(k1).sort()).toEqual(KIOSK_PUBLISHES.map((c) => deviceTopic(k1, c)).sort());
    for (const t of kioskWriteTopics(k1)) expect(kioskMayPublish(k1, t)).toBe(true);
    for (const t of kioskReadTopics(k1)) expect(kioskMaySubscribe(k1, t)).toBe(true);
    for (const c of HUB_PUBLISHES) expect(kioskReadTopics(k1)).toContain(deviceTopic(k1, c));
    expect(kioskReadTopics(k1)).toContain(storeTopic(k1, "members"));
    // Nothing of another kiosk or store.
    for (const t of [...kioskReadTopics(k1), ...kioskWriteTopics(k1)]) expect(t).not.toMatch(/\/s02\/|\/k2\//);
  });

  it("renders a user block per kiosk and the hub's chain-wide access", () => {
    const acl = renderAcl("acme", "hub", [k2, k1, { chainId: "other", storeId: "s", deviceId: "x" }]);
    expect(acl).toContain("user hub\ntopic readwrite mk/v1/acme/#\n");
    expect(acl).toContain(`user k1\ntopic write ${deviceTopic(k1, "ledger")}\n`);
    expect(acl).toContain(`topic read ${deviceTopic(k2, "ack")}`);
    expect(acl.indexOf("user k1")).toBeLessThan(acl.indexOf("user k2"));
    expect(acl).not.toContain("user x");
    expect(acl).not.toMatch(/pattern|%u/);
  });

  it("renders a TLS-only mosquitto.conf without anonymous access", () => {
    const conf = renderMosquittoConf({
      port: 8883,
      cafile: "/c/ca.pem",
      certfile: "/c/s.pem",
      keyfile: "/c/s.key",
      passwordFile: "/m/passwd",
      aclFile: "/m/acl",
      pidFile: "/run/m.pid",
    });
    expect(conf).toContain("allow_anonymous false");
    expect(conf).toContain("listener 8883\n");
    expect(conf).toContain("password_file /m/passwd");
    expect(conf).toContain("pid_file /run/m.pid");
    expect(conf).not.toMatch(/^listener 1883/m);
    // Issue 13 finding 8: the client id is the username, so a kiosk cannot take over another's session.
    expect(conf).toMatch(/^listener 8883\nprotocol mqtt\nuse_username_as_clientid true$/m);
  });

  it("gives every hub instance's username chain-wide access", () => {
    const acl = renderAcl("acme", ["hub", "hub-b"], [k1]);
    expect(acl).toContain("user hub\ntopic readwrite mk/v1/acme/#\n");
    expect(acl).toContain("user hub-b\ntopic readwrite mk/v1/acme/#\n");
  });
});

describe("EMQX HTTP hooks", () => {
  const app = createBrokerAuthRoutes({
    authenticate: async (u, p) => (u === "k1" && p === "pw1" ? k1 : undefined),
    address: (u) => (u === "k1" ? k1 : undefined),
    hubUsername: "hub",
    hubPassword: "hubpw",
  });
  const post = async (path: string, body: unknown): Promise<unknown> =>
    (await app.request(path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })).json();

  it("authenticates devices and the hub", async () => {
    expect(await post("/auth", { username: "k1", password: "pw1" })).toMatchObject({ result: "allow" });
    expect(await post("/auth", { username: "k1", password: "nope" })).toMatchObject({ result: "deny" });
    expect(await post("/auth", { username: "hub", password: "hubpw" })).toMatchObject({ result: "allow" });
    expect(await post("/auth", { username: "hub", password: "x" })).toMatchObject({ result: "deny" });
  });

  it("authorises by the same rules as the embedded broker", async () => {
    expect(await post("/acl", { username: "k1", topic: deviceTopic(k1, "ledger"), action: "publish" })).toEqual({ result: "allow" });
    expect(await post("/acl", { username: "k1", topic: deviceTopic(k2, "ledger"), action: "publish" })).toEqual({ result: "deny" });
    expect(await post("/acl", { username: "k1", topic: deviceTopic(k1, "ack"), action: "subscribe" })).toEqual({ result: "allow" });
    expect(await post("/acl", { username: "k1", topic: deviceTopic(k2, "ack"), action: "subscribe" })).toEqual({ result: "deny" });
    expect(await post("/acl", { username: "ghost", topic: deviceTopic(k1, "ack"), action: "subscribe" })).toEqual({ result: "deny" });
  });
});

describe("EMQX HTTP hooks against real device credentials (issue 13, findings 8, 11, 12)", () => {
  let dir: string;
  let db: Database;
  let devices: DeviceRegistry;
  let pw1: string;
  let pw2: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "broker-auth-"));
    db = await openTestHubDb(dir);
    devices = new DeviceRegistry(db, new ManualClock(0));
    pw1 = devices.provision(k1).password;
    pw2 = devices.provision(k2).password;
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const routes = (guard?: LoginGuard) =>
    createBrokerAuthRoutes({
      authenticate: (u, p) => devices.authenticate(u, p),
      address: (u) => devices.get(u),
      hubUsername: "hub",
      hubPassword: "hub-password-0123456789",
      ...(guard ? { guard } : {}),
    });
  const auth = async (app: ReturnType<typeof routes>, body: unknown): Promise<{ status: number; result: unknown }> => {
    const res = await app.request("/auth", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    return { status: res.status, result: res.status === 200 ? ((await res.json()) as { result: unknown }).result : await res.text() };
  };

  it("answers a multibyte password of the right length with deny, not 500", async () => {
    const app = routes();
    expect(await auth(app, { username: "hub", password: "密".repeat("hub-password-0123456789".length) })).toEqual({ status: 200, result: "deny" });
    expect(await auth(app, { username: "k1", password: "密".repeat(pw1.length) })).toEqual({ status: 200, result: "deny" });
    expect(await auth(app, { username: "hub", password: "hub-password-0123456789" })).toEqual({ status: 200, result: "allow" });
  });

  it("puts unknown and known usernames through the same scrypt", async () => {
    const app = routes();
    const before = secretStats.verifications;
    expect((await auth(app, { username: "ghost", password: "x" })).result).toBe("deny");
    expect(secretStats.verifications - before).toBe(1);
    expect((await auth(app, { username: "k1", password: "x" })).result).toBe("deny");
    expect(secretStats.verifications - before).toBe(2);
  });

  it("binds a kiosk's login to its own client id when EMQX sends it", async () => {
    const app = routes();
    expect((await auth(app, { username: "k1", password: pw1, clientid: "kiosk-k1" })).result).toBe("allow");
    expect((await auth(app, { username: "k1", password: pw1, clientid: "kiosk-k2" })).result).toBe("deny");
    expect((await auth(app, { username: "hub", password: "hub-password-0123456789", clientid: "kiosk-k2" })).result).toBe("deny");
  });

  it("locks a username after repeated failures and a peer after too many, without hashing", async () => {
    const guard = new LoginGuard(new ManualClock(0), {
      perSource: { maxFailures: 5, windowMs: 60_000, lockMs: 60_000, maxEntries: 100 },
      perId: { maxFailures: 2, windowMs: 60_000, lockMs: 60_000, maxEntries: 100 },
    });
    const app = routes(guard);
    for (let i = 0; i < 2; i++) expect((await auth(app, { username: "k1", password: "bad", peerhost: "10.0.0.9" })).result).toBe("deny");
    const before = secretStats.verifications;
    expect((await auth(app, { username: "k1", password: pw1, peerhost: "10.0.0.1" })).result).toBe("deny");
    expect(secretStats.verifications).toBe(before);
    // The guessing peer has 3 of its 5 tries left: junk ids use them up, then even k2's right password is refused there.
    for (let i = 0; i < 3; i++) expect((await auth(app, { username: `junk${i}`, password: "bad", peerhost: "10.0.0.9" })).result).toBe("deny");
    expect((await auth(app, { username: "k2", password: pw2, peerhost: "10.0.0.9" })).result).toBe("deny");
    expect((await auth(app, { username: "k2", password: pw2, peerhost: "10.0.0.2" })).result).toBe("allow");
  });

  it("refuses a body over 4 KiB with 413 before reading it", async () => {
    const app = routes();
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        pulled += 65536;
        if (pulled > 64 * 1024 * 1024) return ctl.close();
        ctl.enqueue(new Uint8Array(65536).fill(0x20));
      },
    });
    const res = await app.request("/auth", { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe("TOO_LARGE");
    expect(pulled).toBeLessThan(1024 * 1024);
    const lie = await app.request("/auth", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json", "content-length": String(256 * 1024 * 1024) },
    });
    expect(lie.status).toBe(413);
  });
});
