// Hub ingest scale-out over a real Mosquitto: events per second with (a) one hub on SQLite (the default store, the
// baseline), (b) one, (c) two and (d) three hub processes on one PostgreSQL schema behind a shared subscription,
// with the CPU each part used (hubs, their PostgreSQL backends, Mosquitto, the simulated kiosks).
//
//   npx tsx bench/hub-scale.bench.ts [--kiosks 20] [--per-kiosk 500] [--only a,b,c,d] [--members store|kiosk]
//                                    [--members-per-store 100] [--json]
//
// Each scenario: fresh store, hubs started and subscribed, kiosks get their config and members, then go
// offline and queue `per-kiosk` sales each; the clock starts when they reconnect (first publish) and stops
// at the last ack. PostgreSQL scenarios need the server of test/postgres.ts (TEST_POSTGRES_URL).
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { openPostgres } from "../storage/postgres.js";
import { startMosquitto, type RunningMosquitto } from "../test/mosquitto.js";
import { postgresReachable, postgresUrl } from "../test/postgres.js";
import { HubCluster, type IngestStats } from "../test/hub-cluster.js";
import { childPids, cpuSeconds, pidsByExe } from "../test/proc-stats.js";

const { values } = parseArgs({
  options: {
    kiosks: { type: "string", default: "20" },
    "per-kiosk": { type: "string", default: "500" },
    only: { type: "string", default: "a,b,c,d" },
    /** store: a store's kiosks all sell to the store's members (concurrent batches share member rows); kiosk: disjoint. */
    members: { type: "string", default: "store" },
    "members-per-store": { type: "string", default: "100" },
    json: { type: "boolean", default: false },
  },
});
const KIOSKS = Number(values.kiosks);
const PER_KIOSK = Number(values["per-kiosk"]);
const EVENTS = KIOSKS * PER_KIOSK;
const MEMBER_SCOPE = values.members === "kiosk" ? "kiosk" : "store";
const MEMBERS_PER_STORE = Number(values["members-per-store"]);
const say = (s: string): void => {
  if (!values.json) process.stdout.write(`${s}\n`);
};

interface Scenario {
  key: string;
  name: string;
  instances: number;
  store: "sqlite" | "postgres";
  shareGroup?: string;
}
const SCENARIOS: Scenario[] = [
  { key: "a", name: "(a) 1 hub, SQLite", instances: 1, store: "sqlite" },
  { key: "b", name: "(b) 1 hub, PostgreSQL", instances: 1, store: "postgres", shareGroup: "hubs" },
  { key: "c", name: "(c) 2 hubs, PostgreSQL", instances: 2, store: "postgres", shareGroup: "hubs" },
  { key: "d", name: "(d) 3 hubs, PostgreSQL", instances: 3, store: "postgres", shareGroup: "hubs" },
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
  cpu: { hubs: number; pgBackends: number; pgAll: number; mosquitto: number; kiosks: number };
  /** Transactions PostgreSQL rolled back meanwhile (serialisation failures and deadlocks the hubs retried), database-wide. */
  pgRollbacks: number | null;
}

/** The database's rolled-back transaction count (pg_stat_database; the server publishes it within about a second). */
function pgRollbacks(db: Database | undefined): number | null {
  if (!db) return null;
  db.exec("SELECT pg_stat_clear_snapshot()");
  return db.prepare("SELECT xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()").get<{ n: number }>()?.n ?? null;
}

/** CPU seconds so far of each part. */
function cpuSnapshot(cluster: HubCluster, mosquittoPids: number[], pgBackendPids: number[]): Result["cpu"] {
  const sum = (pids: number[]): number => pids.reduce((s, p) => s + (cpuSeconds(p) ?? 0), 0);
  const self = process.cpuUsage();
  return {
    hubs: sum(cluster.hubs.map((h) => h.pid)),
    pgBackends: sum(pgBackendPids),
    pgAll: sum(pidsByExe("postgres")),
    mosquitto: sum(mosquittoPids),
    kiosks: (self.user + self.system) / 1e6,
  };
}

/** The PostgreSQL backends serving the hubs (each hub names its connection after its instance, see /healthz). */
function hubBackends(db: Database | undefined, cluster: HubCluster): number[] {
  if (!db) return [];
  const names = new Set(cluster.hubs.map((h) => h.instance ?? `hub-${h.pid}`));
  return db
    .prepare("SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE 'hub-%'")
    .all<{ pid: number; application_name: string }>()
    .filter((r) => names.has(r.application_name))
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
    say(`${s.name}: queued in ${((performance.now() - selling) / 1000).toFixed(1)} s; kiosks reconnect`);
    const mosquittoPids = childPids(process.pid, "mosquitto");
    const backends = hubBackends(db, cluster);
    await new Promise((r) => setTimeout(r, 1_200));
    const rollbacks0 = pgRollbacks(db);
    const cpu0 = cpuSnapshot(cluster, mosquittoPids, backends);
    const started = performance.now();
    await Promise.all(cluster.kiosks.map((k) => k.sync.start()));
    await cluster.allAcked(900_000);
    const seconds = (performance.now() - started) / 1000;
    const cpu1 = cpuSnapshot(cluster, mosquittoPids, backends);
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
    `${padEnd("scenario", 26)}${pad("events/s", 10)}${pad("seconds", 9)}${pad("vs (a)", 8)}${pad("pg rollbacks", 14)}   applied per hub (duplicates skipped)`,
  );
  for (const r of results) {
    const ratio = base ? (r.eventsPerSec / base.eventsPerSec).toFixed(2) : "-";
    const perHub = r.appliedPerHub.map((a, i) => `${a} (${r.duplicatesPerHub[i] ?? 0})`).join(" / ");
    say(
      `${padEnd(r.scenario, 26)}${pad(Math.round(r.eventsPerSec), 10)}${pad(r.seconds.toFixed(2), 9)}${pad(ratio, 8)}${pad(r.pgRollbacks ?? "-", 14)}   ${perHub}`,
    );
  }
  say("applied per hub: each instance's own counter (/stats/ingest); duplicates: entries it received again and skipped (kiosk resends).");
  say("pg rollbacks: batch transactions PostgreSQL aborted (serialisation failures, deadlocks) that a hub ran again; database-wide.");
  say("");
  say("CPU seconds during the measured interval (2 cores: at most 2 s per wall second)");
  say(
    `${padEnd("scenario", 26)}${pad("hubs", 8)}${pad("pg(hubs)", 10)}${pad("pg(all)", 9)}${pad("mosq", 8)}${pad("kiosks", 8)}${pad("total", 8)}${pad("ms/event", 10)}`,
  );
  for (const r of results) {
    const c = r.cpu;
    const total = c.hubs + c.pgAll + c.mosquitto + c.kiosks;
    say(
      `${padEnd(r.scenario, 26)}${pad(c.hubs.toFixed(2), 8)}${pad(c.pgBackends.toFixed(2), 10)}${pad(c.pgAll.toFixed(2), 9)}${pad(c.mosquitto.toFixed(2), 8)}${pad(c.kiosks.toFixed(2), 8)}${pad(total.toFixed(2), 8)}${pad(((total / r.events) * 1000).toFixed(3), 10)}`,
    );
  }
  say("pg(hubs): the backends of the hubs' connections; pg(all): every postgres process on the machine (other activity included).");
  say(`kiosks: this process (the ${KIOSKS} simulated kiosks receiving acks and member pushes).`);
}

await main();
process.exit(0);
