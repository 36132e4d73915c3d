// An ingest worker process (hub/ingest-pool.ts forks it): its own connection (PostgreSQL, or the hub's SQLite file) and Ingest, applying the ledger batches the main thread posts, one at a time, in arrival order.
//
// Everything the batch needs lives in the database (marks, members, holds, config versions), so the
// worker's registries hold no state the main thread relies on: the config cache is keyed by
// (store, version), which never changes once published, and the counters a batch moved travel back
// with its answer. Time is the main thread's clock reading when it posted the batch, so a hub on a
// test clock applies batches at that clock's time, as the in-thread path does.
import { pino } from "pino";
import { openPostgres } from "../storage/postgres.js";
import { openDatabase } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import { REDACT_PATHS } from "../runtime/log.js";
import { decodeLedgerBatch } from "../protocol/ledger-batch-decode.js";
import { MemberRegistry } from "./members.js";
import { ConfigService } from "./config-service.js";
import { Authorizer } from "./authorizer.js";
import { DeviceRegistry } from "./devices.js";
import { Rollouts } from "./rollouts.js";
import { Ingest, type IngestStats } from "./ingest.js";
import type { IngestWorkerData, ToWorker, FromWorker } from "./ingest-pool.js";

const send = process.send?.bind(process);
const raw = process.env.INGEST_WORKER_DATA;
if (!send || !raw) throw new Error("hub/ingest-worker.ts runs as a worker process of hub/ingest-pool.ts");
const data = JSON.parse(raw) as IngestWorkerData;
const post = (msg: FromWorker): void => {
  send(msg);
};

/** Log lines go to the hub process, which writes them through its logger. */
const log = pino(
  { level: data.logLevel, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: undefined, timestamp: false },
  { write: (line: string) => post({ kind: "log", line }) },
);

let now = 0;
const clock: Clock = { now: () => now };

function statsDelta(after: IngestStats, before: IngestStats): Partial<IngestStats> {
  const delta: Partial<IngestStats> = {};
  for (const key of Object.keys(after) as Array<keyof IngestStats>) if (after[key] !== before[key]) delta[key] = after[key] - before[key];
  return delta;
}

async function open(): Promise<{ db: Database; ingest: Ingest; devices: DeviceRegistry; rollouts: Rollouts }> {
  const where = data.database;
  const db =
    where.kind === "postgres"
      ? await openPostgres({ url: where.url, schema: where.schema, applicationName: data.applicationName })
      : await openDatabase(where.path);
  const members = new MemberRegistry(db, clock);
  // This worker reads published versions only; it never signs (no private key crosses to it).
  const configs = new ConfigService(db, clock, data.chainId, { keyId: data.keyId, keys: { publicKey: data.publicKey, privateKey: "" } });
  const authorizer = new Authorizer(db, clock, members);
  return {
    db,
    ingest: new Ingest(db, clock, members, configs, log, authorizer),
    devices: new DeviceRegistry(db, clock),
    // Only its device-row half (recordApplied) runs here; waves are sent from the hub process.
    rollouts: new Rollouts(db, clock, configs, log),
  };
}

const opened = open();
// The connection failing to open is reported with the first batch (and every later one).
opened.catch(() => undefined);
let queue: Promise<void> = Promise.resolve();

function handle(msg: ToWorker): Promise<void> {
  if (msg.kind === "close") {
    return opened
      .then(
        ({ db }) => db.close(),
        () => undefined,
      )
      .then(() => process.disconnect?.());
  }
  if (msg.kind === "status" || msg.kind === "config-report") {
    return opened.then(
      ({ devices, rollouts }) => {
        now = msg.now;
        try {
          if (msg.kind === "status") devices.recordStatus(msg.deviceId, msg.status);
          else rollouts.recordApplied(msg.deviceId, msg.report);
          post({ kind: "recorded", id: msg.id });
        } catch (err) {
          post({ kind: "failed", id: msg.id, error: describe(err), stats: {} });
        }
      },
      (err: unknown) => post({ kind: "failed", id: msg.id, error: describe(err), stats: {} }),
    );
  }
  return opened.then(
    ({ ingest }) => {
      now = msg.now;
      const before = { ...ingest.stats };
      try {
        const batch = msg.batch ?? decodeLedgerBatch(msg.payload ?? new Uint8Array());
        const { ack, changes } = ingest.handleBatch(msg.device, batch);
        post({ kind: "done", id: msg.id, ack, changes, stats: statsDelta(ingest.stats, before) });
      } catch (err) {
        post({ kind: "failed", id: msg.id, error: describe(err), stats: statsDelta(ingest.stats, before) });
      }
    },
    (err: unknown) => post({ kind: "failed", id: msg.id, error: describe(err), stats: {} }),
  );
}

function describe(err: unknown): { name: string; message: string; code?: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? { name: e.name, message: e.message, code } : { name: e.name, message: e.message };
}

// One batch at a time, in the order sent: a kiosk's batches all come to the same worker.
process.on("message", (msg: ToWorker) => {
  queue = queue.then(() => handle(msg));
});
// The hub is gone (stopped, crashed or killed): end too; a batch being applied has finished (it is synchronous).
process.on("disconnect", () => process.exit(0));
