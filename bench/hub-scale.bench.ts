// Hub ingest scale-out over a real Mosquitto: events per second with (a) one hub on SQLite (the default store, the
// baseline), (b) one, (c) two and (d) three hub processes on one PostgreSQL schema behind a shared subscription,
// and (e) one hub on SQLite applying the batches in an ingest worker process (store.ingestWorkers 1), with the CPU
// each part used (hubs, their ingest workers, PostgreSQL backends, Mosquitto, the simulated kiosks).
//
//   npx tsx bench/hub-scale.bench.ts [--kiosks 20] [--per-kiosk 500] [--only a,b,c,d,e] [--members store|kiosk]
//                                    [--members-per-store 100] [--ingest-workers N] [--feed kiosks|replay] [--json]
//
// Each scenario: fresh store, hubs started and subscribed, kiosks get their config and members, then go
// offline and queue `per-kiosk` sales each; the clock starts when they reconnect (first publish) and stops
// at the last ack. PostgreSQL scenarios need the server of test/postgres.ts (TEST_POSTGRES_URL); their hubs
// apply batches in `--ingest-workers` worker processes each (hub/ingest-pool.ts; the hub's default when absent).
// --feed replay: the kiosks' queued batches are recorded and sent by a light feeder under their identities
// with the kiosk's sending rules (bench/ledger-replay.ts) instead of the kiosks themselves, so the 20
// simulated kiosks (about a sixth of the machine's CPU in the window) do not take the hubs' cores.
// Meanwhile a separate process (bench/http-probe.ts) times `GET /healthz` and `GET /bo/members/:id` on hub 0,
// one after the other with a 10 ms pause: the p50/p99 say whether the hub answers while ingest runs flat out.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { openDatabase } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { openPostgres } from "../storage/postgres.js";
import { startMosquitto, type RunningMosquitto } from "../test/mosquitto.js";
import { postgresReachable, postgresUrl } from "../test/postgres.js";
import { HubCluster, type IngestStats } from "../test/hub-cluster.js";
import { childPids, cpuSeconds, pidsByExe } from "../test/proc-stats.js";
import { recordBatches, replayBatches } from "./ledger-replay.js";

const { values } = parseArgs({
  options: {
    kiosks: { type: "string", default: "20" },
    "per-kiosk": { type: "string", default: "500" },
    only: { type: "string", default: "a,b,c,d,e" },
    /** store: a store's kiosks all sell to the store's members (concurrent batches share member rows); kiosk: disjoint. */
    members: { type: "string", default: "store" },
    "members-per-store": { type: "string", default: "100" },
    "ingest-workers": { type: "string", default: "" },
    /** kiosks: the simulated kiosks send; replay: their recorded batches are sent by a light feeder (bench/ledger-replay.ts). */
    feed: { type: "string", default: "kiosks" },
    json: { type: "boolean", default: false },
  },
});
const REPLAY = values.feed === "replay";
if (values.feed !== "kiosks" && !REPLAY) throw new Error("--feed is kiosks or replay");
const KIOSKS = Number(values.kiosks);
const PER_KIOSK = Number(values["per-kiosk"]);
const EVENTS = KIOSKS * PER_KIOSK;
const MEMBER_SCOPE = values.members === "kiosk" ? "kiosk" : "store";
const MEMBERS_PER_STORE = Number(values["members-per-store"]);
const INGEST_WORKERS = values["ingest-workers"] ? Number(values["ingest-workers"]) : undefined;
const say = (s: string): void => {
  if (!values.json) process.stdout.write(`${s}\n`);
};

interface Scenario {
  key: string;
  name: string;
  instances: number;
  store: "sqlite" | "postgres";
  shareGroup?: string;
  /** SQLite: ledger batches applied in an ingest worker process (store.ingestWorkers 1) instead of the hub's thread. */
  sqliteWorker?: boolean;
}
const SCENARIOS: Scenario[] = [
  { key: "a", name: "(a) 1 hub, SQLite", instances: 1, store: "sqlite" },
  { key: "b", name: "(b) 1 hub, PostgreSQL", instances: 1, store: "postgres", shareGroup: "hubs" },
  { key: "c", name: "(c) 2 hubs, PostgreSQL", instances: 2, store: "postgres", shareGroup: "hubs" },
  { key: "d", name: "(d) 3 hubs, PostgreSQL", instances: 3, store: "postgres", shareGroup: "hubs" },
  { key: "e", name: "(e) 1 hub, SQLite, ingest worker", instances: 1, store: "sqlite", sqliteWorker: true },
];

interface Result {
  scenario: string;
  instances: number;
  store: string;
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** Entries each hub applied (its /stats/ingest), and the duplicates it skipped (resends). */
  appliedPerHub: number[];
  duplicatesPerHub: number[];
  /** hubs: the hub processes; workers: their ingest worker processes. */
  cpu: { hubs: number; workers: number; pgBackends: number; pgAll: number; mosquitto: number; kiosks: number };
  /** Transactions PostgreSQL rolled back meanwhile (serialisation failures and deadlocks the hubs retried), database-wide. */
  pgRollbacks: number | null;
  /** Hub 0's HTTP answers during the measured interval (ms), timed by bench/http-probe.ts. */
  http: { healthz: Latency; member: Latency; lag: Latency; errors: number };
}

interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Starts bench/http-probe.ts against one hub; stop() ends it and returns what it measured. */
async function startProbe(url: string, memberId: string, token: string): Promise<{ stop(): Promise<Result["http"]> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/http-probe.ts", url, memberId, token], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      if (out.startsWith("ready\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`http probe exited (${code})`)));
  });
  return {
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      const raw = JSON.parse(out.slice("ready\n".length)) as { healthz: number[]; member: number[]; lag: number[]; errors: number };
      return { healthz: latency(raw.healthz), member: latency(raw.member), lag: latency(raw.lag), errors: raw.errors };
    },
  };
}

/** The hubs' ingest worker processes (PostgreSQL). */
function workerPids(cluster: HubCluster): number[] {
  return cluster.hubs.flatMap((h) => childPids(h.pid, "ingest-worker"));
}

/** The database's rolled-back transaction count (pg_stat_database; the server publishes it within about a second). */
function pgRollbacks(db: Database | undefined): number | null {
  if (!db) return null;
  db.exec("SELECT pg_stat_clear_snapshot()");
  return db.prepare("SELECT xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()").get<{ n: number }>()?.n ?? null;
}

/** CPU seconds so far of each part. */
function cpuSnapshot(cluster: HubCluster, workers: number[], mosquittoPids: number[], pgBackendPids: number[]): Result["cpu"] {
  const sum = (pids: number[]): number => pids.reduce((s, p) => s + (cpuSeconds(p) ?? 0), 0);
  const self = process.cpuUsage();
  return {
    hubs: sum(cluster.hubs.map((h) => h.pid)),
    workers: sum(workers),
    pgBackends: sum(pgBackendPids),
    pgAll: sum(pidsByExe("postgres")),
    mosquitto: sum(mosquittoPids),
    kiosks: (self.user + self.system) / 1e6,
  };
}

/** The PostgreSQL backends serving the hubs (each hub names its connection after its instance, see /healthz; its ingest workers' `<instance>-w<n>`). */
function hubBackends(db: Database | undefined, cluster: HubCluster): number[] {
  if (!db) return [];
  const names = cluster.hubs.map((h) => h.instance ?? `hub-${h.pid}`);
  return db
    .prepare("SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE 'hub-%'")
    .all<{ pid: number; application_name: string }>()
    .filter((r) => names.some((n) => r.application_name === n || r.application_name.startsWith(`${n}-w`)))
    .map((r) => r.pid);
}

async function runScenario(s: Scenario, mosquitto: RunningMosquitto): Promise<Result> {
  const cluster = new HubCluster({
    mosquitto,
    instances: s.instances,
    store: s.store,
    ...(s.shareGroup ? { shareGroup: s.shareGroup } : {}),
    kiosks: KIOSKS,
    stores: 4,
    membersPerStore: MEMBERS_PER_STORE,
    memberScope: MEMBER_SCOPE,
    hubLogLevel: "warn",
    ...(s.store === "postgres" && INGEST_WORKERS ? { ingestWorkers: INGEST_WORKERS } : {}),
    ...(s.sqliteWorker ? { ingestWorkers: 1 } : {}),
  });
  let db: Database | undefined;
  const setup = performance.now();
  try {
    await cluster.seed();
    // Hub 0 sets the store up alone (start-up races are the test's business, not the bench's).
    await cluster.startHubs({ firstAlone: true });
    await cluster.startKiosks();
    if (s.store === "postgres") db = await openPostgres({ url: postgresUrl(), schema: cluster.schema, applicationName: "hub-scale-bench" });
    await Promise.all(cluster.kiosks.map((k) => k.sync.stop()));
    say(`${s.name}: ready in ${((performance.now() - setup) / 1000).toFixed(1)} s; queueing ${KIOSKS} x ${PER_KIOSK} sales offline...`);
    const selling = performance.now();
    await Promise.all(cluster.kiosks.map((_, k) => cluster.sell(k, PER_KIOSK)));
    const recorded = REPLAY ? recordBatches(cluster.kiosks.map((kiosk, k) => ({ kiosk, config: cluster.kioskConfig(k) }))) : undefined;
    say(`${s.name}: queued in ${((performance.now() - selling) / 1000).toFixed(1)} s; ${recorded ? "their batches replayed" : "kiosks reconnect"}`);
    const mosquittoPids = childPids(process.pid, "mosquitto");
    const backends = hubBackends(db, cluster);
    const workers = workerPids(cluster);
    await new Promise((r) => setTimeout(r, 1_200));
    const probe = await startProbe(cluster.hubs[0]!.url, cluster.members[0]!.memberId, cluster.adminToken);
    const rollbacks0 = pgRollbacks(db);
    const cpu0 = cpuSnapshot(cluster, workers, mosquittoPids, backends);
    const started = performance.now();
    if (recorded) await replayBatches(recorded, 900_000);
    else {
      await Promise.all(cluster.kiosks.map((k) => k.sync.start()));
      await cluster.allAcked(900_000);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu1 = cpuSnapshot(cluster, workers, mosquittoPids, backends);
    const http = await probe.stop();
    await new Promise((r) => setTimeout(r, 1_200));
    const rollbacks1 = pgRollbacks(db);
    const stats: IngestStats[] = await Promise.all(cluster.hubs.map((h) => cluster.ingestStats(h.index)));
    // The store has every event once (the bench measures nothing if it does not).
    const store = db ?? (await openDatabase(join(cluster.hubConfig(0).dataDir, "hub.db"), { readonly: true }));
    const rows = store.prepare("SELECT COUNT(*) AS n FROM ledger").get<{ n: number }>()?.n;
    if (!db) store.close();
    if (rows !== EVENTS) throw new Error(`${s.name}: the store has ${rows} ledger rows, expected ${EVENTS}`);
    const cpu = Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, v - cpu0[k as keyof Result["cpu"]]])) as Result["cpu"];
    return {
      scenario: s.name,
      instances: s.instances,
      store: s.store,
      events: EVENTS,
      seconds,
      eventsPerSec: EVENTS / seconds,
      appliedPerHub: stats.map((x) => x.applied),
      duplicatesPerHub: stats.map((x) => x.duplicates),
      cpu,
      pgRollbacks: rollbacks0 === null || rollbacks1 === null ? null : rollbacks1 - rollbacks0,
      http,
    };
  } finally {
    db?.close();
    await cluster.stop();
  }
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);
const padEnd = (s: string, n: number): string => s.padEnd(n);

async function main(): Promise<void> {
  const wanted = new Set(values.only.split(",").map((x) => x.trim()));
  let scenarios = SCENARIOS.filter((s) => wanted.has(s.key));
  if (scenarios.some((s) => s.store === "postgres") && !(await postgresReachable())) {
    say(`PostgreSQL at ${postgresUrl()} is unreachable: only the SQLite scenario runs`);
    scenarios = scenarios.filter((s) => s.store === "sqlite");
  }
  // Same broker for every scenario; queues large enough that nothing is dropped for being slow.
  const mosquitto = await startMosquitto(["max_queued_messages 100000", "max_inflight_messages 0"]);
  const results: Result[] = [];
  try {
    for (const s of scenarios) {
      const r = await runScenario(s, mosquitto);
      results.push(r);
      say(`${r.scenario}: ${Math.round(r.eventsPerSec)} events/s (${r.seconds.toFixed(2)} s)`);
    }
  } finally {
    await mosquitto.stop();
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ kiosks: KIOSKS, perKiosk: PER_KIOSK, results })}\n`);
    return;
  }
  const base = results.find((r) => r.store === "sqlite" && r.instances === 1);
  say("");
  say(`hub ingest, ${KIOSKS} kiosks x ${PER_KIOSK} queued sales = ${EVENTS} events, first publish to last ack (exactly-once, re-priced)`);
  say(
    MEMBER_SCOPE === "store"
      ? `4 stores, ${MEMBERS_PER_STORE} members each, every kiosk of a store selling to all of them (two hubs' batches touch the same members)`
      : `4 stores, ${MEMBERS_PER_STORE} members each, split between the store's kiosks (no member in two kiosks' batches)`,
  );
  say(
    `${padEnd("scenario", 34)}${pad("events/s", 10)}${pad("seconds", 9)}${pad("vs (a)", 8)}${pad("pg rollbacks", 14)}   applied per hub (duplicates skipped)`,
  );
  for (const r of results) {
    const ratio = base ? (r.eventsPerSec / base.eventsPerSec).toFixed(2) : "-";
    const perHub = r.appliedPerHub.map((a, i) => `${a} (${r.duplicatesPerHub[i] ?? 0})`).join(" / ");
    say(
      `${padEnd(r.scenario, 34)}${pad(Math.round(r.eventsPerSec), 10)}${pad(r.seconds.toFixed(2), 9)}${pad(ratio, 8)}${pad(r.pgRollbacks ?? "-", 14)}   ${perHub}`,
    );
  }
  say("applied per hub: each instance's own counter (/stats/ingest); duplicates: entries it received again and skipped (kiosk resends).");
  say("pg rollbacks: batch transactions PostgreSQL aborted (serialisation failures, deadlocks) that a hub ran again; database-wide.");
  say("");
  say("CPU seconds during the measured interval (2 cores: at most 2 s per wall second)");
  say(
    `${padEnd("scenario", 34)}${pad("hubs", 8)}${pad("workers", 9)}${pad("pg(hubs)", 10)}${pad("pg(all)", 9)}${pad("mosq", 8)}${pad("kiosks", 8)}${pad("total", 8)}${pad("ms/event", 10)}`,
  );
  for (const r of results) {
    const c = r.cpu;
    const total = c.hubs + c.workers + c.pgAll + c.mosquitto + c.kiosks;
    say(
      `${padEnd(r.scenario, 34)}${pad(c.hubs.toFixed(2), 8)}${pad(c.workers.toFixed(2), 9)}${pad(c.pgBackends.toFixed(2), 10)}${pad(c.pgAll.toFixed(2), 9)}${pad(c.mosquitto.toFixed(2), 8)}${pad(c.kiosks.toFixed(2), 8)}${pad(total.toFixed(2), 8)}${pad(((total / r.events) * 1000).toFixed(3), 10)}`,
    );
  }
  say(
    "hubs: the hub processes (decoding, acks, member pushes, HTTP); workers: their ingest worker processes (applying the batches: PostgreSQL, and SQLite in (e)).",
  );
  say("pg(hubs): the backends of the hubs' connections; pg(all): every postgres process on the machine (other activity included).");
  say(
    REPLAY
      ? `kiosks: this process (the feeder replaying the ${KIOSKS} kiosks' recorded batches; the kiosks themselves are stopped).`
      : `kiosks: this process (the ${KIOSKS} simulated kiosks receiving acks and member pushes).`,
  );
  say("");
  say("hub 0's HTTP answers during the measured interval, ms (bench/http-probe.ts, its own process; goal: p99 <= 50 on PostgreSQL)");
  say(
    `${padEnd("scenario", 34)}${pad("healthz p50", 13)}${pad("p99", 8)}${pad("max", 8)}${pad("member p50", 12)}${pad("p99", 8)}${pad("max", 8)}${pad("samples", 9)}${pad("probe lag p99", 15)}${pad("max", 8)}`,
  );
  for (const r of results) {
    const { healthz: h, member: m, lag } = r.http;
    say(
      `${padEnd(r.scenario, 34)}${pad(h.p50.toFixed(1), 13)}${pad(h.p99.toFixed(1), 8)}${pad(h.max.toFixed(1), 8)}${pad(m.p50.toFixed(1), 12)}${pad(m.p99.toFixed(1), 8)}${pad(m.max.toFixed(1), 8)}${pad(`${h.n}+${m.n}`, 9)}${pad(lag.p99.toFixed(1), 15)}${pad(lag.max.toFixed(1), 8)}${r.http.errors ? `  (${r.http.errors} failed)` : ""}`,
    );
  }
  say("probe lag: how late the probe's own 10 ms timer fired; it waits for a CPU as the hub does, so it is the machine's share of the hub's figures.");
  const one = results.find((r) => r.store === "postgres" && r.instances === 1);
  const two = results.find((r) => r.store === "postgres" && r.instances === 2);
  say("");
  if (base && one) say(`1 PostgreSQL hub / SQLite hub: ${(one.eventsPerSec / base.eventsPerSec).toFixed(2)}x (goal >= 0.5)`);
  if (one && two) say(`2 PostgreSQL hubs / 1: ${(two.eventsPerSec / one.eventsPerSec).toFixed(2)}x (goal > 1)`);
  say(
    `ingest workers per PostgreSQL hub: ${INGEST_WORKERS ?? "the hub's default"}; load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
}

await main();
process.exit(0);
