// Sync benchmarks over a real Mosquitto: hub ingest rate from many kiosks next to raw mosquitto_pub/sub throughput,
// catch-up time for 10,000 queued events, and config fan-out to 1,000 simulated kiosks.
//
//   npx tsx bench/sync.bench.ts [--kiosks 10] [--per-kiosk 1000] [--catchup 10000] [--fanout 1000] [--items 50000] [--only ingest] [--json]
//
// Ingest runs twice: on the demo catalog and on a --items catalog (the demo's products plus seeded
// generated ones, bench/big-catalog.ts), each against the same raw broker rate at the same payload size.
import { parseArgs } from "node:util";
import mqtt, { type MqttClient } from "mqtt";
import { deviceTopic } from "../protocol/topics.js";
import { openEnvelope } from "../protocol/signing.js";
import { ConfigContentSchema, encodeMessage } from "../protocol/messages.js";
import { waitUntil } from "../scripts/demo-env.js";
import { startMosquitto, type RunningMosquitto } from "../test/mosquitto.js";
import { SyncWorld, allSynced, type TestMember } from "../test/sync-harness.js";
import type { Kiosk } from "../device/kiosk.js";
import { bigCatalog } from "./big-catalog.js";
import { rawThroughput } from "./raw-broker.js";

const { values } = parseArgs({
  options: {
    kiosks: { type: "string", default: "10" },
    "per-kiosk": { type: "string", default: "1000" },
    catchup: { type: "string", default: "10000" },
    fanout: { type: "string", default: "1000" },
    items: { type: "string", default: "50000" },
    only: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const KIOSKS = Number(values.kiosks);
const PER_KIOSK = Number(values["per-kiosk"]);
const CATCHUP = Number(values.catchup);
const FANOUT = Number(values.fanout);
const ITEMS = Number(values.items);
const results: Record<string, number> = {};
const say = (s: string): void => {
  if (!values.json) process.stdout.write(`${s}\n`);
};

async function sellOffline(w: SyncWorld, kiosk: Kiosk, members: readonly TestMember[], n: number): Promise<void> {
  for (let i = 0; i < n; i++) await w.checkout(kiosk, members[i % members.length]!, i % 2 ? ["6901234560015"] : ["6901234560022", "6901234560046"]);
}

/** The demo rules with generated products added up to `items` (the demo's own products and barcodes are kept). */
async function rulesWith(items: number): Promise<Record<string, unknown>> {
  const rules = (await import("../scripts/demo-env.js")).demoRules() as Record<string, unknown> & { catalog: unknown[] };
  if (items <= rules.catalog.length) return rules;
  const extra = bigCatalog(items - rules.catalog.length + 10).slice(10);
  return { ...rules, catalog: [...rules.catalog, ...extra] };
}

async function ingestBench(m: RunningMosquitto, items: number, key: string): Promise<void> {
  const w = new SyncWorld(m);
  try {
    const hub = await w.startHub();
    const rules = await rulesWith(items);
    hub.publishConfig("s01", { rules, device: {} });
    const catalogSize = (rules.catalog as unknown[]).length;
    const members = Array.from({ length: 60 }, (_, i) => w.addMember(`m${i}`));
    const kiosks: Kiosk[] = [];
    for (let i = 0; i < KIOSKS; i++) kiosks.push(await w.addKiosk(`k${i}`, "s01"));
    // A 50,000-item bundle takes each kiosk a while to verify and validate on a loaded machine.
    for (const k of kiosks) await waitUntil(() => k.sync.current !== undefined, "kiosk has the config", 600_000);
    for (const k of kiosks)
      await w.ready(
        k,
        members.map((x) => x.memberId),
      );
    await w.hub.stop();
    say(`ingest: queueing ${KIOSKS} x ${PER_KIOSK} sales offline...`);
    await Promise.all(kiosks.map((k) => sellOffline(w, k, members, PER_KIOSK)));
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    await w.startHub();
    await allSynced(kiosks, 600_000);
    const secs = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const events = KIOSKS * PER_KIOSK;
    const rate = Math.round(events / secs);
    const entryBytes = Buffer.byteLength(JSON.stringify(kiosks[0]!.store.entries()[0]));
    const raw = Math.round(await rawThroughput(m, 20_000, entryBytes));
    results[`${key}EventsPerSec`] = rate;
    results[`${key}EntryBytes`] = entryBytes;
    results[`${key}RawMsgsPerSec`] = raw;
    results[`${key}VsRaw`] = rate / raw;
    // This process runs the hub and every kiosk: its CPU per event is what the 2 cores cap.
    results[`${key}CpuMsPerEvent`] = (cpu.user + cpu.system) / 1000 / events;
    say(`ingest (${catalogSize.toLocaleString("en-US")}-item catalog): ${rate} events/s from ${KIOSKS} kiosks (hub on SQLite, exactly-once, re-priced)`);
    say(`raw:    ${raw} msgs/s (mosquitto_pub -> mosquitto_sub, QoS 1, ${entryBytes} B each)`);
    say(
      `ratio:  hub ingest / raw broker = ${(rate / raw).toFixed(2)} (goal 0.5); hub + ${KIOSKS} kiosks in this process: ${(results[`${key}CpuMsPerEvent`] ?? 0).toFixed(2)} ms CPU per event`,
    );
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
    await w.ready(
      k,
      members.map((x) => x.memberId),
    );
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
    say(
      `fan-out: ${FANOUT} kiosks verified and applied the bundle in ${results.fanoutAppliedSeconds.toFixed(2)} s; rollout completed (all reports in) at ${results.fanoutCompletedSeconds.toFixed(2)} s`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await w.stop();
  }
}

const mosq = await startMosquitto(["max_queued_messages 100000", "max_inflight_messages 0"]);
try {
  if (values.only === undefined || values.only === "ingest") {
    await ingestBench(mosq, 10, "ingest");
    await ingestBench(mosq, ITEMS, "ingestBig");
  }
  if (values.only === undefined || values.only === "catchup") await catchupBench(mosq);
  if (values.only === undefined || values.only === "fanout") await fanoutBench(mosq);
} finally {
  await mosq.stop();
}
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
