// Mosquitto `$7$` hashes (checked against mosquitto_passwd), the ACL derived from protocol/topics.ts, mosquitto.conf, and EMQX's HTTP hooks.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HUB_PUBLISHES, KIOSK_PUBLISHES, deviceTopic, kioskMayPublish, kioskMaySubscribe, storeTopic } from "../protocol/topics.js";
import { checkMosquittoHash, createBrokerAuthRoutes, kioskReadTopics, kioskWriteTopics, mosquittoHash, renderAcl, renderMosquittoConf, renderPasswordFile } from "./mosquitto-auth.js";

const k1 = { chainId: "acme", storeId: "s01", deviceId: "k1" };
const k2 = { chainId: "acme", storeId: "s02", deviceId: "k2" };
const haveMosquittoPasswd = spawnSync("mosquitto_passwd", ["-h"]).error === undefined;

describe("mosquitto password hashes", () => {
  it("makes $7$ PBKDF2-SHA512 hashes that verify, and rejects other passwords", () => {
    const h = mosquittoHash("s3cret");
    expect(h).toMatch(/^\$7\$101\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}$/);
    expect(checkMosquittoHash("s3cret", h)).toBe(true);
    expect(checkMosquittoHash("s3cret!", h)).toBe(false);
    expect(checkMosquittoHash("s3cret", "$6$x$y")).toBe(false);
  });

  it.runIf(haveMosquittoPasswd || process.env.REQUIRE_MOSQUITTO === "1")("agrees with mosquitto_passwd both ways", () => {
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
    const conf = renderMosquittoConf({ port: 8883, cafile: "/c/ca.pem", certfile: "/c/s.pem", keyfile: "/c/s.key", passwordFile: "/m/passwd", aclFile: "/m/acl", pidFile: "/run/m.pid" });
    expect(conf).toContain("allow_anonymous false");
    expect(conf).toContain("listener 8883\n");
    expect(conf).toContain("password_file /m/passwd");
    expect(conf).toContain("pid_file /run/m.pid");
    expect(conf).not.toMatch(/^listener 1883/m);
  });
});

describe("EMQX HTTP hooks", () => {
  const app = createBrokerAuthRoutes({
    authenticate: (u, p) => (u === "k1" && p === "pw1" ? k1 : undefined),
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
