// The production broker setup for real: certificates from deploy/make-test-certs.sh, the hub's generated Mosquitto password file, ACL and mosquitto.conf; hub and kiosk over TLS; a kiosk refused another kiosk's topics.
import { it, expect, beforeAll, afterAll } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { systemClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { deviceTopic, storeTopic } from "../protocol/topics.js";
import type { Hub } from "../hub/hub.js";
import { buildHub } from "../hub/compose.js";
import { parseHubConfig } from "../hub/config.js";
import { renderMosquittoConf } from "../hub/mosquitto-auth.js";
import type { ProvisionGrant } from "../hub/provisioning.js";
import type { Kiosk } from "../device/kiosk.js";
import { demoRules, startKiosk, waitUntil } from "../scripts/demo-env.js";
import { freePort, mosquittoBinary } from "./mosquitto.js";
import { requireTool } from "./support/requires.js";

const here = new URL(".", import.meta.url).pathname;
const tools = requireTool("mosquitto", "openssl");

interface Broker {
  proc: ChildProcess;
  log: () => string;
}

async function startBroker(conf: string): Promise<Broker> {
  const bin = mosquittoBinary();
  if (!bin) throw new Error("mosquitto binary not found (apt-get install mosquitto)");
  const proc = spawn(bin, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let out = "";
  proc.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  await waitUntil(() => out.includes("running") || proc.exitCode !== null, "mosquitto started", 10_000).catch(() => undefined);
  if (proc.exitCode !== null) throw new Error(`mosquitto exited: ${out}`);
  return { proc, log: () => out };
}

function connect(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 5, ...opts });
    c.once("connect", () => resolve(c));
    c.once("error", (err) => {
      c.end(true);
      reject(err);
    });
    c.once("close", () => reject(new Error("closed before connect")));
  });
}

tools.describe("hub and kiosk on a real Mosquitto with TLS, the hub's password file and ACL", () => {
  let dir: string;
  let broker: Broker;
  let hub: Hub;
  let kiosk: Kiosk | undefined;
  let url: string;
  let ca: Buffer;
  let hubPassword: string;
  const grants: Record<string, ProvisionGrant> = {};
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tls-mosq-"));
    const certs = join(dir, "certs");
    const made = spawnSync("bash", [join(here, "../deploy/make-test-certs.sh"), certs, "--ip", "127.0.0.1"], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    ca = readFileSync(join(certs, "ca.pem"));
    const port = await freePort();
    url = `mqtts://127.0.0.1:${port}`;
    const mosq = join(dir, "mosquitto");
    const passwordFile = join(mosq, "passwd");
    const aclFile = join(mosq, "acl");
    const pidFile = join(dir, "mosquitto.pid");
    // As on a fresh install: the broker starts with empty files; the hub fills them and signals a reload.
    spawnSync("mkdir", ["-p", mosq]);
    writeFileSync(passwordFile, "");
    writeFileSync(aclFile, "");
    const conf = join(dir, "mosquitto.conf");
    const rendered = renderMosquittoConf({
      port,
      bindAddress: "127.0.0.1",
      cafile: join(certs, "ca.pem"),
      certfile: join(certs, "server.pem"),
      keyfile: join(certs, "server.key"),
      passwordFile,
      aclFile,
      pidFile,
    });
    // Running as root, Mosquitto would drop to the "mosquitto" user, which cannot read a private temp folder.
    writeFileSync(conf, `${rendered}\nuser ${userInfo().username}\n`);
    broker = await startBroker(conf);

    hubPassword = "hub-secret-0123456789abcdef";
    writeFileSync(join(dir, "hub-password"), `${hubPassword}\n`, { mode: 0o600 });
    hub = await buildHub(
      parseHubConfig({
        chainId: "acme",
        dataDir: join(dir, "hub"),
        http: { host: "127.0.0.1", port: 0 },
        broker: { mode: "external", url, username: "hub", passwordFile: join(dir, "hub-password"), caFile: join(certs, "ca.pem"), protocolVersion: 5 },
        // "witness" is a second hub username (as a second hub instance would have): Mosquitto makes the
        // client id the username, so the test's witness must not share the hub's.
        mosquitto: { passwordFile, aclFile, pidFile, extraHubUsernames: ["witness"] },
        provisioning: { caFile: join(certs, "ca.pem") },
      }),
      { clock: systemClock, log: createLogger("hub", { destination: new MemoryLogSink() }) },
    );
    await hub.start();

    // Two kiosks in two stores, each through a one-time token over the hub's HTTP API.
    for (const [storeId, deviceId] of [
      ["s01", "k1"],
      ["s02", "k2"],
    ] as const) {
      const { token } = hub.provisioning.createToken(storeId, deviceId);
      const res = await fetch(`http://127.0.0.1:${hub.httpPort}/provision`, {
        method: "POST",
        body: JSON.stringify({ token }),
        headers: { "content-type": "application/json" },
      });
      expect(res.status).toBe(200);
      grants[deviceId] = (await res.json()) as ProvisionGrant;
    }
    expect(readFileSync(passwordFile, "utf8")).toMatch(/^hub:\$7\$101\$.*\nwitness:\$7\$.*\nk1:\$7\$.*\nk2:\$7\$/);
    expect(readFileSync(aclFile, "utf8")).toContain(`user k1\ntopic write ${deviceTopic({ chainId: "acme", storeId: "s01", deviceId: "k1" }, "ledger")}`);
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await kiosk?.stop();
    await hub?.stop();
    if (broker && broker.proc.exitCode === null) {
      const exited = new Promise((r) => broker.proc.once("exit", r));
      broker.proc.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("hands a kiosk the broker URL, the CA and the HQ keys; the kiosk syncs over TLS both ways", async () => {
    const g = grants.k1!;
    expect(g.brokerUrl).toBe(url);
    expect(g.caPem).toContain("BEGIN CERTIFICATE");
    const kdir = join(dir, "k1");
    spawnSync("mkdir", ["-p", kdir]);
    writeFileSync(join(kdir, "secret"), g.password, { mode: 0o600 });
    writeFileSync(join(kdir, "ca.pem"), g.caPem ?? "");
    const started = await startKiosk(
      {
        chainId: g.chainId,
        storeId: g.storeId,
        deviceId: g.deviceId,
        dataDir: kdir,
        hub: {
          url: g.brokerUrl,
          username: g.username,
          passwordFile: join(kdir, "secret"),
          caFile: join(kdir, "ca.pem"),
          trustedKeys: g.trustedKeys,
          protocolVersion: 5,
        },
        scan: { source: { driver: "simulated" }, decoder: "inline" },
      },
      systemClock,
      createLogger("kiosk", { destination: new MemoryLogSink() }),
    );
    kiosk = started.kiosk;
    const k = kiosk;
    await waitUntil(() => k.sync.connected, "kiosk connected over TLS");
    // Kiosk -> hub: the retained status reaches the hub.
    await waitUntil(() => hub.devices.get("k1")?.lastSeenAt !== null, "status at the hub");
    // Hub -> kiosk: a signed config is delivered and applied.
    hub.publishConfig("s01", { rules: demoRules(), device: { storeName: "TLS store" } });
    await waitUntil(() => k.store.configVersion() === 1, "config applied over TLS");
    expect(k.sync.stats.acks).toBeGreaterThan(0);
  });

  it("refuses a kiosk another kiosk's topics, and bad or plain-text logins", async () => {
    const k1 = { chainId: "acme", storeId: "s01", deviceId: "k1" };
    const k2 = { chainId: "acme", storeId: "s02", deviceId: "k2" };
    // The hub's own login sees everything under the chain: it is the witness.
    // k1's own kiosk would share the intruder's client id (the username): stop it first.
    await kiosk?.stop();
    kiosk = undefined;
    const witness = await connect(url, { ca, username: "witness", password: hubPassword, clientId: "witness" });
    clients.push(witness);
    const seen: string[] = [];
    witness.on("message", (topic) => seen.push(topic));
    await witness.subscribeAsync("mk/v1/acme/#", { qos: 1 });

    const intruder = await connect(url, { ca, username: "k1", password: grants.k1!.password, clientId: "k1-probe" });
    clients.push(intruder);
    // Reading: Mosquitto 2.0 may grant the subscription, but the ACL decides what is delivered.
    const received: string[] = [];
    intruder.on("message", (topic) => received.push(topic));
    const granted = await intruder.subscribeAsync([deviceTopic(k2, "ack"), storeTopic(k2, "members"), "mk/v1/acme/#", deviceTopic(k1, "ack")], { qos: 1 });
    expect(granted.at(-1)?.qos).toBe(1);
    for (const t of [deviceTopic(k2, "ack"), storeTopic(k2, "members"), deviceTopic(k2, "members/res"), deviceTopic(k1, "ack")]) {
      await witness.publishAsync(t, JSON.stringify({ ackedSeq: 0 }), { qos: 1 });
    }
    await waitUntil(() => received.includes(deviceTopic(k1, "ack")), "own ack delivered");
    await new Promise((r) => setTimeout(r, 300));
    expect(received.filter((t) => t.includes("/s02/"))).toEqual([]);

    // Writing: publishing as k2 is refused (MQTT 5 reason code 0x87) and reaches nobody.
    const spoofed = await intruder.publishAsync(deviceTopic(k2, "ledger"), JSON.stringify({ entries: [] }), { qos: 1 }).then(
      (p) => (p as { reasonCode?: number } | undefined)?.reasonCode ?? 0,
      (err: { code?: number }) => err.code ?? -1,
    );
    expect(spoofed).toBe(135);
    await intruder.publishAsync(deviceTopic(k1, "config/report"), JSON.stringify({ version: 1, status: "applied", appliedVersion: 1 }), { qos: 1 });
    await waitUntil(() => seen.includes(deviceTopic(k1, "config/report")), "own topic delivered");
    expect(seen).not.toContain(deviceTopic(k2, "ledger"));

    await expect(connect(url, { ca, username: "k1", password: "wrong-password", clientId: "k1-bad" })).rejects.toThrow(
      /Bad User Name or Password|Not authorized|Connection refused/i,
    );
    await expect(connect(url, { ca, username: "k1", password: grants.k2!.password, clientId: "k1-other" })).rejects.toThrow();
    await expect(connect(url.replace("mqtts:", "mqtt:"), { username: "k1", password: grants.k1!.password, clientId: "k1-plain" })).rejects.toThrow();
    // Without the CA the broker's certificate is not trusted.
    await expect(connect(url, { username: "k1", password: grants.k1!.password, clientId: "k1-noca" })).rejects.toThrow(
      /self.signed|unable to (get|verify)|certificate/i,
    );
    expect(existsSync(join(dir, "mosquitto.pid"))).toBe(true);
    expect(broker.log()).not.toMatch(/Error: Unable to open/);
  });

  it("binds the client id to the username: k1's credentials with k2's client id do not take k2 offline (issue 13, finding 8)", async () => {
    const victim = await connect(url, { ca, username: "k2", password: grants.k2!.password, clientId: "kiosk-k2" });
    clients.push(victim);
    let victimClosed = false;
    victim.on("close", () => (victimClosed = true));
    for (const clientId of ["kiosk-k2", "k2"]) {
      const attacker = await connect(url, { ca, username: "k1", password: grants.k1!.password, clientId });
      clients.push(attacker);
      await new Promise((r) => setTimeout(r, 300));
      attacker.end(true);
    }
    expect(victimClosed).toBe(false);
    expect(victim.connected).toBe(true);
    // And the victim still gets its own traffic.
    const got: string[] = [];
    victim.on("message", (t) => got.push(t));
    await victim.subscribeAsync(deviceTopic({ chainId: "acme", storeId: "s02", deviceId: "k2" }, "ack"), { qos: 1 });
    const hubSide = await connect(url, { ca, username: "witness", password: hubPassword, clientId: "witness-2" });
    clients.push(hubSide);
    await hubSide.publishAsync(deviceTopic({ chainId: "acme", storeId: "s02", deviceId: "k2" }, "ack"), JSON.stringify({ ackedSeq: 0 }), { qos: 1 });
    await waitUntil(() => got.length > 0, "k2 still receives its acks");
  });
});
