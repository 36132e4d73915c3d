// Sync benchmarks over a real Mosquitto: hub ingest rate from many kiosks next to raw mosquitto_pub/sub throughput,
// catch-up time for 10,000 queued events, and config fan-out to 1,000 simulated kiosks.
//
//   npx tsx bench/sync.bench.ts [--kiosks 10] [--per-kiosk 1000] [--catchup 10000] [--fanout 1000] [--items 50000] [--only ingest]
//                               [--in-process] [--ingest-workers 0|1] [--feed kiosks|replay] [--profile DIR] [--json]
//
// Ingest runs twice: on the demo catalog and on a --items catalog (the demo's products plus seeded
// generated ones, bench/big-catalog.ts), each against the same raw broker rate at the same payload size.
// The simulated kiosks run in a process of their own (bench/kiosk-fleet.ts; real kiosks are other
// machines), so this process is the hub alone and its CPU per event is the hub's; --in-process puts
// them back into the hub's process as before. The CPU of the hub, the kiosks' process and Mosquitto
// over the window is printed per event, with the load average: on a 2-core machine the three share
// the cores, and the hub's own CPU per event is what says how fast it would go on a core of its own.
// The window is the hub's (re)start and its catch-up; the "steady" line is the same run from the
// moment the hub has applied a fifth of the backlog (the hub up, its config and catalog parsed).
// --ingest-workers 1 has the hub apply the batches in its ingest worker process on the same SQLite file
// (store.ingestWorkers, hub/ingest-pool.ts); the worker's CPU is counted with the hub's.
// --feed replay: the kiosks record the batches they would send and stop, and a light feeder replays
// them under their identities with the kiosk's sending rules (bench/ledger-replay.ts), so the cores
// are the hub's and the broker's, as they are for the raw baseline's C clients; the hub's side is the
// same messages, applied exactly once and re-priced.
// Each window ends with the hub's ledger checked: every sale once, as the kiosks committed them.
// --profile DIR writes a CPU profile of the hub's process over each window, DIR/ingest.cpuprofile (demo
// catalog) and DIR/ingestBig.cpuprofile, and of the kiosks' process, DIR/ingest-kiosks.cpuprofile and
// so on (`npx tsx bench/cpuprofile-top.ts <file>` prints its top functions).
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import mqtt, { type MqttClient } from "mqtt";
import { deviceTopic } from "../protocol/topics.js";
import { openEnvelope } from "../protocol/signing.js";
import { ConfigContentSchema, encodeMessage } from "../protocol/messages.js";
import { waitUntil } from "../scripts/demo-env.js";
import { startMosquitto, type RunningMosquitto } from "../test/mosquitto.js";
import { SyncWorld, allSynced, type TestMember } from "../test/sync-harness.js";
import type { Kiosk } from "../device/kiosk.js";
import type { Hub } from "../hub/hub.js";
import { bigCatalog } from "./big-catalog.js";
import { rawThroughput } from "./raw-broker.js";
import { KioskFleet } from "./fleet-client.js";
import { hasCatalog, sellOffline } from "./bench-kiosks.js";
import { WindowProfiler, ownCpuMs, processCpuMs } from "./process-meter.js";
import { childPids } from "../test/proc-stats.js";

const { values } = parseArgs({
  options: {
    kiosks: { type: "string", default: "10" },
    "per-kiosk": { type: "string", default: "1000" },
    catchup: { type: "string", default: "10000" },
    fanout: { type: "string", default: "1000" },
    items: { type: "string", default: "50000" },
    only: { type: "string" },
    "in-process": { type: "boolean", default: false },
    /** 1: the hub applies ledger batches in an ingest worker process (store.ingestWorkers); 0: in its thread. */
    "ingest-workers": { type: "string", default: "0" },
    /** kiosks: the simulated kiosks send; replay: their recorded batches are replayed by a light feeder (bench/ledger-replay.ts). */
    feed: { type: "string", default: "kiosks" },
    profile: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const KIOSKS = Number(values.kiosks);
const PER_KIOSK = Number(values["per-kiosk"]);
const CATCHUP = Number(values.catchup);
const FANOUT = Number(values.fanout);
const ITEMS = Number(values.items);
const IN_PROCESS = values["in-process"];
const INGEST_WORKERS = Number(values["ingest-workers"]);
const REPLAY = values.feed === "replay";
if (values.feed !== "kiosks" && !REPLAY) throw new Error("--feed is kiosks or replay");
if (REPLAY && values["in-process"]) throw new Error("--feed replay runs in the kiosks' own process (not with --in-process)");
const results: Record<string, number> = {};
const say = (s: string): void => {
  if (!values.json) process.stdout.write(`${s}\n`);
};

/** The demo rules with generated products added up to `items` (the demo's own products and barcodes are kept). */
async function rulesWith(items: number): Promise<Record<string, unknown>> {
  const rules = (await import("../scripts/demo-env.js")).demoRules() as Record<string, unknown> & { catalog: unknown[] };
  if (items <= rules.catalog.length) return rules;
  const extra = bigCatalog(items - rules.catalog.length + 10).slice(10);
  return { ...rules, catalog: [...rules.catalog, ...extra] };
}

/** The kiosks, in this process or in their own: set up, sell offline while the hub is down, then wait until all are acknowledged. */
interface Kiosks {
  sell(perKiosk: number): Promise<{ entryBytes: number }>;
  /** With --feed replay: records the batches the kiosks would send, then stops them. */
  record(): Promise<void>;
  /** Resolves when every kiosk's outbox is acknowledged, with the kiosks' CPU time (ms) meanwhile when they run elsewhere. */
  watch(profile: string | undefined): Promise<{ cpuMs: number | undefined }>;
  stop(): Promise<void>;
}

async function inProcessKiosks(w: SyncWorld, members: TestMember[], catalogItems: number): Promise<Kiosks> {
  const kiosks: Kiosk[] = [];
  for (let i = 0; i < KIOSKS; i++) kiosks.push(await w.addKiosk(`k${i}`, "s01"));
  await hasCatalog(kiosks, catalogItems);
  for (const k of kiosks)
    await w.ready(
      k,
      members.map((x) => x.memberId),
    );
  return {
    sell: async (n) => {
      await Promise.all(kiosks.map((k) => sellOffline(w, k, members, n)));
      return { entryBytes: Buffer.byteLength(JSON.stringify(kiosks[0]!.store.entries()[0])) };
    },
    record: async () => undefined,
    watch: async () => {
      await allSynced(kiosks, 600_000);
      return { cpuMs: undefined };
    },
    stop: async () => undefined,
  };
}

async function forkedKiosks(w: SyncWorld, members: TestMember[], catalogItems: number): Promise<Kiosks> {
  const fleet = new KioskFleet();
  const configs = Array.from({ length: KIOSKS }, (_, i) => w.provisionKiosk(`k${i}`, "s01"));
  try {
    await fleet.ask({ op: "start", kiosks: configs, members, catalogItems }, "ready");
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return {
    sell: (n) => fleet.ask({ op: "sell", perKiosk: n }, "sold"),
    record: async () => {
      await fleet.ask({ op: "record" }, "recorded");
    },
    watch: (profile) => fleet.ask({ op: "watch", profile }, "synced"),
    stop: () => fleet.stop(),
  };
}

/** The window's check: every sale in the hub's ledger and sales once, none refused, the hub's pricing agreeing with every kiosk's. */
function checkApplied(hub: Hub, events: number): void {
  const count = (sql: string): number => hub.backoffice.deps.db.prepare(sql).get<{ n: number }>()?.n ?? 0;
  const ledger = count("SELECT COUNT(*) AS n FROM ledger WHERE type = 'sale' AND status = 'applied'");
  const { sales } = hub.ingest.totals();
  const { applied, rejected, disagreements } = hub.ingest.stats;
  if (ledger !== events || sales !== events || applied !== events || rejected !== 0 || disagreements !== 0)
    throw new Error(
      `ingest check failed: ${events} sales sent; ledger ${ledger}, sales ${sales}, applied ${applied}, rejected ${rejected}, disagreements ${disagreements}`,
    );
}

async function ingestBench(m: RunningMosquitto, items: number, key: string): Promise<void> {
  const profile = values.profile === undefined ? undefined : join(values.profile, `${key}.cpuprofile`);
  const w = new SyncWorld(m, INGEST_WORKERS);
  let kiosks: Kiosks | undefined;
  try {
    const hub = await w.startHub();
    const rules = await rulesWith(items);
    hub.publishConfig("s01", { rules, device: {} });
    const catalogSize = (rules.catalog as unknown[]).length;
    const members = Array.from({ length: 60 }, (_, i) => w.addMember(`m${i}`));
    kiosks = IN_PROCESS ? await inProcessKiosks(w, members, catalogSize) : await forkedKiosks(w, members, catalogSize);
    await w.hub.stop();
    say(`ingest: queueing ${KIOSKS} x ${PER_KIOSK} sales offline (kiosks ${IN_PROCESS ? "in the hub's process" : "in a process of their own"})...`);
    const { entryBytes } = await kiosks.sell(PER_KIOSK);
    if (REPLAY) await kiosks.record();
    const profiler = profile ? new WindowProfiler() : undefined;
    await profiler?.start();
    const load0 = loadavg()[0]!;
    const broker0 = processCpuMs(m.pid);
    const events = KIOSKS * PER_KIOSK;
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    const synced = kiosks.watch(values.profile === undefined ? undefined : join(values.profile, `${key}-kiosks.cpuprofile`));
    const restarted = await w.startHub();
    // The hub's ingest worker (--ingest-workers 1), started with it: its CPU is the hub's too.
    const workers = INGEST_WORKERS > 0 ? childPids(process.pid, "ingest-worker") : [];
    const workersCpuMs = (): number => workers.reduce((s, pid) => s + (processCpuMs(pid) ?? 0), 0);
    // The hub's own count of applied entries, read in its process: the mark where a fifth is applied.
    let fifth: { at: number; cpu: NodeJS.CpuUsage; workersMs: number; left: number } | undefined;
    const marker = setInterval(() => {
      const applied = restarted.ingest.stats.applied;
      if (applied >= events / 5) {
        fifth = { at: performance.now(), cpu: process.cpuUsage(), workersMs: workersCpuMs(), left: events - applied };
        clearInterval(marker);
      }
    }, 5);
    const startupSecs = (performance.now() - started) / 1000;
    const { cpuMs: kioskCpuMs } = await synced;
    clearInterval(marker);
    const secs = (performance.now() - started) / 1000;
    checkApplied(restarted, events);
    const workersMs = workersCpuMs();
    const hubCpuMs = ownCpuMs(cpu0) + workersMs;
    // The last four fifths: the hub started, its caches warm (a 50,000-item config and catalog are parsed at the first batch).
    const steady = fifth
      ? { secs: (performance.now() - fifth.at) / 1000, cpuMs: ownCpuMs(fifth.cpu) + workersMs - fifth.workersMs, events: fifth.left }
      : undefined;
    const brokerCpuMs = broker0 === undefined ? undefined : (processCpuMs(m.pid) ?? broker0) - broker0;
    const load = loadavg()[0]!;
    if (profiler && profile) await profiler.stop(profile);
    const rate = Math.round(events / secs);
    const broker1 = processCpuMs(m.pid);
    const raw = Math.round(await rawThroughput(m, 20_000, entryBytes));
    const rawBrokerMs = broker1 === undefined ? undefined : ((processCpuMs(m.pid) ?? broker1) - broker1) / 20_000;
    const perEvent = (ms: number | undefined): string => (ms === undefined ? "n/a" : `${(ms / events).toFixed(3)} ms`);
    results[`${key}EventsPerSec`] = rate;
    results[`${key}EntryBytes`] = entryBytes;
    results[`${key}RawMsgsPerSec`] = raw;
    results[`${key}VsRaw`] = rate / raw;
    results[`${key}CpuMsPerEvent`] = hubCpuMs / events;
    results[`${key}HubAloneVsRaw`] = events / (hubCpuMs / 1000) / raw;
    results[`${key}LoadAverage`] = load;
    if (steady) {
      results[`${key}SteadyEventsPerSec`] = steady.events / steady.secs;
      results[`${key}SteadyVsRaw`] = steady.events / steady.secs / raw;
      results[`${key}SteadyCpuMsPerEvent`] = steady.cpuMs / steady.events;
    }
    if (kioskCpuMs !== undefined) results[`${key}KioskCpuMsPerEvent`] = kioskCpuMs / events;
    if (brokerCpuMs !== undefined) results[`${key}BrokerCpuMsPerEvent`] = brokerCpuMs / events;
    const where = `${IN_PROCESS ? `hub + ${KIOSKS} kiosks in this process` : "hub process alone"}${workers.length > 0 ? ` + its ingest worker (${perEvent(workersMs)})` : ""}`;
    say(
      `ingest (${catalogSize.toLocaleString("en-US")}-item catalog): ${rate} events/s from ${KIOSKS} kiosks${REPLAY ? " (their recorded batches replayed)" : ""} (hub on SQLite${workers.length > 0 ? ", batches applied in an ingest worker process" : ""}, exactly-once, re-priced)`,
    );
    say(`raw:    ${raw} msgs/s (mosquitto_pub -> mosquitto_sub, QoS 1, ${entryBytes} B each)`);
    say(`ratio:  hub ingest / raw broker = ${(rate / raw).toFixed(2)} (goal 0.5); load average ${load0.toFixed(1)} -> ${load.toFixed(1)} on 2 cores`);
    if (steady)
      say(
        `steady: the last ${steady.events} events (the hub up, caches warm): ${Math.round(steady.events / steady.secs)} events/s = ${(results[`${key}SteadyVsRaw`] ?? 0).toFixed(2)}x, ` +
          `hub ${(results[`${key}SteadyCpuMsPerEvent`] ?? 0).toFixed(3)} ms CPU per event (${Math.round(steady.events / (steady.cpuMs / 1000))} per CPU second = ${(steady.events / (steady.cpuMs / 1000) / raw).toFixed(2)}x)`,
      );
    say(
      `cpu:    ${where}: ${perEvent(hubCpuMs)} per event (hub start-up ${startupSecs.toFixed(2)} s of the ${secs.toFixed(2)} s window); ` +
        `${REPLAY ? "replay feeder" : "kiosks' process"} ${perEvent(kioskCpuMs)}; Mosquitto ${perEvent(brokerCpuMs)} (raw run: ${rawBrokerMs === undefined ? "n/a" : `${rawBrokerMs.toFixed(3)} ms`} per message)`,
    );
    say(
      `        per CPU second of the hub's process (GC threads included): ${Math.round(events / (hubCpuMs / 1000))} events = ${(results[`${key}HubAloneVsRaw`] ?? 0).toFixed(2)}x the raw broker's rate`,
    );
  } finally {
    await kiosks?.stop();
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

if (values.profile !== undefined) mkdirSync(values.profile, { recursive: true });
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
