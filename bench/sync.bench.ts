// Sync benchmarks over a real Mosquitto: hub ingest rate from many kiosks next to raw mosquitto_pub/sub throughput,
// catch-up time for 10,000 queued events, and config fan-out to 1,000 simulated kiosks.
//
//   npx tsx bench/sync.bench.ts [--kiosks 10] [--per-kiosk 1000] [--catchup 10000] [--fanout 1000] [--json]
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import mqtt, { type MqttClient } from "mqtt";
import { deviceTopic } from "../protocol/topics.js";
import { openEnvelope } from "../protocol/signing.js";
import { ConfigContentSchema, encodeMessage } from "../protocol/messages.js";
import { waitUntil } from "../scripts/demo-env.js";
import { startMosquitto, type RunningMosquitto } from "../test/mosquitto.js";
import { SyncWorld, allSynced, type TestMember } from "../test/sync-harness.js";
import type { Kiosk } from "../device/kiosk.js";

const { values } = parseArgs({
  options: {
    kiosks: { type: "string", default: "10" },
    "per-kiosk": { type: "string", default: "1000" },
    catchup: { type: "string", default: "10000" },
    fanout: { type: "string", default: "1000" },
    json: { type: "boolean", default: false },
  },
});
const KIOSKS = Number(values.kiosks);
const PER_KIOSK = Number(values["per-kiosk"]);
const CATCHUP = Number(values.catchup);
const FANOUT = Number(values.fanout);
const results: Record<string, number> = {};
const say = (s: string): void => {
  if (!values.json) process.stdout.write(`${s}\n`);
};

/** Raw broker throughput: mosquitto_pub -l sends `n` lines of `bytes` each, mosquitto_sub counts them. */
async function rawThroughput(m: RunningMosquitto, n: number, bytes: number): Promise<number> {
  const topic = "bench/raw";
  const sub = spawn("mosquitto_sub", ["-h", "127.0.0.1", "-p", String(m.port), "-t", topic, "-q", "1", "-C", String(n)], { stdio: ["ignore", "pipe", "inherit"] });
  sub.stdout.resume();
  await new Promise((r) => setTimeout(r, 300));
  const line = "x".repeat(bytes);
  const started = performance.now();
  const pub = spawn("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(m.port), "-t", topic, "-q", "1", "-l"], { stdio: ["pipe", "ignore", "inherit"] });
  for (let i = 0; i < n; i++) pub.stdin.write(`${line}\n`);
  pub.stdin.end();
  await new Promise((r) => sub.once("exit", r));
  return n / ((performance.now() - started) / 1000);
}

async function sellOffline(w: SyncWorld, kiosk: Kiosk, members: readonly TestMember[], n: number): Promise<void> {
  for (let i = 0; i < n; i++) await w.checkout(kiosk, members[i % members.length]!, i % 2 ? ["6901234560015"] : ["6901234560022", "6901234560046"]);
}

async function ingestBench(m: RunningMosquitto): Promise<void> {
  const w = new SyncWorld(m);
  try {
    await w.startHub();
    w.publishDemoConfig("s01");
    const members = Array.from({ length: 60 }, (_, i) => w.addMember(`m${i}`));
    const kiosks: Kiosk[] = [];
    for (let i = 0; i < KIOSKS; i++) kiosks.push(await w.addKiosk(`k${i}`, "s01"));
    for (const k of kiosks) await w.ready(k, members.map((x) => x.memberId));
    await w.hub.stop();
    say(`ingest: queueing ${KIOSKS} x ${PER_KIOSK} sales offline...`);
    await Promise.all(kiosks.map((k) => sellOffline(w, k, members, PER_KIOSK)));
    const started = performance.now();
    await w.startHub();
    await allSynced(kiosks, 600_000);
    const secs = (performance.now() - started) / 1000;
    results.ingestEventsPerSec = Math.round((KIOSKS * PER_KIOSK) / secs);
    const entryBytes = Buffer.byteLength(JSON.stringify(kiosks[0]!.store.entries()[0]));
    results.entryBytes = entryBytes;
    results.rawMsgsPerSec = Math.round(await rawThroughput(m, 20_000, entryBytes));
    results.ingestVsRaw = results.ingestEventsPerSec / results.rawMsgsPerSec;
    say(`ingest: ${results.ingestEventsPerSec} events/s from ${KIOSKS} kiosks (hub on SQLite, exactly-once, re-priced)`);
    say(`raw:    ${results.rawMsgsPerSec} msgs/s (mosquitto_pub -> mosquitto_sub, QoS 1, ${entryBytes} B each)`);
    say(`ratio:  hub ingest / raw broker = ${results.ingestVsRaw.toFixed(2)}`);
  } finally {
    await w.stop();
  }
}

async function catchupBench(m: RunningMosquitto): Promise<void> {
  const w = new SyncWorld(m);
  try {
    await w.startHub();
    w.publishDemoConfig("s01");
    const members = Array.from({ length: 200 }, (_, i) => w.addMember(`c${i}`));
    const k = await w.addKiosk("solo", "s01");
    await w.ready(k, members.map((x) => x.memberId));
    await w.hub.stop();
    say(`catch-up: queueing ${CATCHUP} sales on one kiosk...`);
    await sellOffline(w, k, members, CATCHUP);
    const started = performance.now();
    await w.startHub();
    await allSynced([k], 600_000);
    results.catchupSeconds = (performance.now() - started) / 1000;
    say(`catch-up: ${CATCHUP} queued events acknowledged in ${results.catchupSeconds.toFixed(2)} s (${Math.round(CATCHUP / results.catchupSeconds)} events/s)`);
  } finally {
    await w.stop();
  }
}

async function fanoutBench(m: RunningMosquitto): Promise<void> {
  const w = new SyncWorld(m);
  const clients: MqttClient[] = [];
  try {
    const hub = await w.startHub();
    w.publishDemoConfig("s01");
    // Devices are inserted directly (bench only): scrypt-hashing 1,000 secrets would dominate the setup.
    const db = (hub as unknown as { db: { prepare(sql: string): { run(...a: unknown[]): unknown } } }).db;
    for (let i = 0; i < FANOUT; i++) {
      db.prepare("INSERT INTO devices (device_id, chain_id, store_id, secret_hash, created_at) VALUES (?, 'demo', 's01', 'bench', 0)").run(`f${i}`);
    }
    // 1,000 simulated kiosks: each verifies the bundle's signature and schema, then reports it applied.
    let applied = 0;
    const target = { version: 0 };
    for (let i = 0; i < FANOUT; i++) {
      const a = { chainId: "demo", storeId: "s01", deviceId: `f${i}` };
      const c = await mqtt.connectAsync(m.url, { clientId: `fan-${i}`, protocolVersion: 5, reconnectPeriod: 0 });
      c.on("message", (_t, payload) => {
        const content = openEnvelope(JSON.parse(payload.toString()), hub.trustedKeys, ConfigContentSchema);
        if (content.version !== target.version) return;
        applied++;
        c.publish(deviceTopic(a, "config/report"), encodeMessage({ version: content.version, status: "applied", appliedVersion: content.version }), { qos: 1 });
      });
      await c.subscribeAsync(deviceTopic(a, "config"), { qos: 1 });
      clients.push(c);
    }
    const started = performance.now();
    const { config, rollout } = hub.publishConfig("s01", { rules: (await import("../scripts/demo-env.js")).demoRules(), device: { storeName: "fan-out" } });
    target.version = config.version;
    await waitUntil(() => applied === FANOUT, "every kiosk applied", 300_000);
    results.fanoutAppliedSeconds = (performance.now() - started) / 1000;
    await waitUntil(() => hub.rollouts.status(rollout.id).state === "completed", "rollout completed", 300_000);
    results.fanoutCompletedSeconds = (performance.now() - started) / 1000;
    say(`fan-out: ${FANOUT} kiosks verified and applied the bundle in ${results.fanoutAppliedSeconds.toFixed(2)} s; rollout completed (all reports in) at ${results.fanoutCompletedSeconds.toFixed(2)} s`);
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await w.stop();
  }
}

const mosq = await startMosquitto(["max_queued_messages 100000", "max_inflight_messages 0"]);
try {
  await ingestBench(mosq);
  await catchupBench(mosq);
  await fanoutBench(mosq);
} finally {
  await mosq.stop();
}
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
