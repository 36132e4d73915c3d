// Ledger batches applied off the main thread: worker processes (hub/ingest-worker.ts), each with its own connection, a kiosk always on the same one.
//
// On SQLite (store.ingestWorkers 1) one worker opens the hub's own file: SQLite has one writer at a
// time, and a batch applied in the hub's thread held it for the whole batch (HTTP p99 of 0.6-0.9 s
// during a catch-up, bench/hub-scale.bench.ts (a) against (e)); the hub's thread then only waits
// for the write lock when it writes itself. The rest of this note is about PostgreSQL.
//
// The hub's repositories are synchronous (storage/postgres.ts drives libpq synchronously), so a
// batch applied on the main thread holds its event loop for every round trip: MQTT keepalives,
// HTTP and the console wait behind ingest. Here the main thread only decodes, posts {device,
// batch} and, with the answer, sends the ack and pushes the member changes; the round trips happen
// in a worker. Correctness does not depend on the routing: the acked_seq compare-and-set and the
// row locks already keep several writers (instances, or these workers) exactly-once; routing a
// kiosk to one worker keeps its batches in order and off each other's locks. The counters a batch
// moved come back with it and are added to the hub's Ingest.stats, so /healthz and /metrics read
// the same object as on SQLite.
//
// Processes, not worker threads: libpq's addon (under pg-native) is not context-aware, so once the
// main thread has loaded it no worker thread of the same process can ("Module did not self-register").
// A worker whose hub dies (even SIGKILL) sees its IPC channel close and exits; its connection goes
// with it, and the server rolls back a transaction it left open.
import { fork, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { getPriority, setPriority } from "node:os";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Logger } from "../runtime/log.js";
import type { Clock } from "../protocol/clock.js";
import type { DeviceAddress } from "../protocol/topics.js";
import type { Ack, ConfigReport, LedgerBatch } from "../protocol/messages.js";
import { ProtocolError, type ProtocolErrorCode } from "../protocol/errors.js";
import type { ScopedChange } from "./members.js";
import type { IngestStats } from "./ingest.js";

/** The database a worker opens: the hub's PostgreSQL schema, or its SQLite file (already migrated by the hub). */
export type IngestWorkerDatabase = { kind: "postgres"; url: string; schema: string } | { kind: "sqlite"; path: string };

/** What a worker is started with (no secrets: the connection string carries none, PGPASSFILE does). */
export interface IngestWorkerData {
  database: IngestWorkerDatabase;
  applicationName: string;
  chainId: string;
  keyId: string;
  publicKey: string;
  logLevel: string;
}

export type ToWorker =
  /** `payload`: the message as it came from the broker (the worker decodes and checks it); `batch`: already decoded. */
  | { kind: "batch"; id: number; device: DeviceAddress; batch?: LedgerBatch; payload?: Uint8Array; now: number }
  | { kind: "status"; id: number; deviceId: string; status: unknown; now: number }
  | { kind: "config-report"; id: number; deviceId: string; report: ConfigReport; now: number }
  | { kind: "close" };

export type FromWorker =
  | { kind: "done"; id: number; ack: Ack; changes: ScopedChange[]; stats: Partial<IngestStats> }
  | { kind: "recorded"; id: number }
  | { kind: "failed"; id: number; error: { name: string; message: string; code?: string }; stats: Partial<IngestStats> }
  | { kind: "log"; line: string };

export interface IngestPoolOptions {
  /** Worker processes (connections) per hub instance; a kiosk's batches always go to the same one. */
  workers: number;
  worker: Omit<IngestWorkerData, "logLevel">;
  /** The hub's Ingest.stats: each batch's counters are added to it. */
  stats: IngestStats;
  clock: Clock;
  log: Logger;
  /** How long close() lets batches in flight finish before ending the workers anyway (default 10 s). */
  drainMs?: number;
}

interface Pending {
  resolve: (r: { ack: Ack; changes: ScopedChange[] } | undefined) => void;
  reject: (err: Error) => void;
}

/** A batch the worker could not apply (the database failed, or the worker is gone); `code` as the worker saw it. */
export class IngestWorkerError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "IngestWorkerError";
  }
}

const LEVELS: Record<number, "trace" | "debug" | "info" | "warn" | "error" | "fatal"> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** The worker's entry: compiled JavaScript next to this file, or (sources run through tsx, vitest) the TypeScript one under tsx's loader. */
function workerEntry(): { path: string; execArgv: string[] } {
  if (!import.meta.url.endsWith(".ts")) return { path: fileURLToPath(new URL("./ingest-worker.js", import.meta.url)), execArgv: [] };
  const tsx = createRequire(import.meta.url).resolve("tsx");
  return { path: fileURLToPath(new URL("./ingest-worker.ts", import.meta.url)), execArgv: ["--import", new URL(`file://${tsx}`).href] };
}

/**
 * How much nicer than the hub a worker runs (Linux nice, 0-19): ingest is throughput work, the hub's
 * own thread answers HTTP and MQTT keepalives, so when the cores are busy the scheduler serves the hub
 * first (about 3:1 at +5). The workers lose nothing when a core is free. +10 (about 9:1) starved ingest
 * when other work kept the cores busy: the cluster test's kiosks sold faster than the hubs applied.
 */
export const INGEST_WORKER_NICENESS = 5;

function lowerPriority(child: ChildProcess, log: Logger): void {
  if (child.pid === undefined) return;
  try {
    setPriority(child.pid, Math.min(19, getPriority(child.pid) + INGEST_WORKER_NICENESS));
  } catch (err) {
    log.warn({ err }, "could not lower the ingest worker's priority; it competes with the hub's HTTP for the CPU");
  }
}

class IngestThread {
  readonly pending = new Map<number, Pending>();
  private readonly child: ChildProcess;
  private exited: Promise<void>;
  gone = false;

  constructor(
    data: IngestWorkerData,
    private readonly log: Logger,
    private readonly stats: IngestStats,
    onGone: (thread: IngestThread) => void,
  ) {
    const { path, execArgv } = workerEntry();
    this.child = fork(path, [], {
      execArgv,
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, INGEST_WORKER_DATA: JSON.stringify(data) },
    });
    lowerPriority(this.child, log);
    this.child.on("message", (msg: FromWorker) => this.onMessage(msg));
    this.child.on("error", (err) => log.error({ err }, "ingest worker failed; its batches are answered again when the kiosks resend"));
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => {
        this.gone = true;
        this.failAll(`the ingest worker exited (${signal ?? `code ${code}`})`);
        onGone(this);
        resolve();
      }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  post(msg: ToWorker, pending?: Pending): void {
    if (pending && msg.kind !== "close") this.pending.set(msg.id, pending);
    if (!this.gone && this.child.connected) this.child.send(msg);
    else if (msg.kind !== "close") this.failAll("the ingest worker is gone");
  }

  private onMessage(msg: FromWorker): void {
    if (msg.kind === "log") {
      this.relayLog(msg.line);
      return;
    }
    const pending = this.pending.get(msg.id);
    this.pending.delete(msg.id);
    if (msg.kind === "recorded") {
      pending?.resolve(undefined);
      return;
    }
    for (const [key, n] of Object.entries(msg.stats) as Array<[keyof IngestStats, number]>) this.stats[key] += n;
    if (!pending) return;
    if (msg.kind === "done") pending.resolve({ ack: msg.ack, changes: msg.changes });
    else pending.reject(revive(msg.error));
  }

  private relayLog(line: string): void {
    try {
      const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
      this.log[LEVELS[level] ?? "info"](fields, msg ?? "");
    } catch {
      this.log.warn({ line: line.slice(0, 300) }, "ingest worker: unreadable log line");
    }
  }

  failAll(reason: string): void {
    for (const p of this.pending.values()) p.reject(new IngestWorkerError(reason, "INGEST_WORKER_GONE"));
    this.pending.clear();
  }

  /** Asks the worker to close its connection and exit; ends it after `graceMs` if it has not. */
  async close(graceMs: number): Promise<void> {
    if (!this.gone) this.post({ kind: "close" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export class IngestPool {
  private readonly threads: Array<IngestThread | undefined>;
  private nextId = 1;
  private closing = false;
  /** Batches posted and not answered yet, by kiosk and content (see handleBatch). */
  private readonly waiting = new Map<string, Promise<{ ack: Ack; changes: ScopedChange[] }>>();
  /** Resent batches answered with the answer of the same batch already waiting. */
  coalesced = 0;
  private readonly data: IngestWorkerData;

  constructor(private readonly opts: IngestPoolOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new RangeError(`ingest workers must be a positive integer, got ${opts.workers}`);
    this.data = { ...opts.worker, logLevel: opts.log.level };
    this.threads = Array.from({ length: opts.workers }, () => undefined);
  }

  /** The worker processes running (each started with start(), or on its first kiosk's batch). */
  get pids(): number[] {
    return this.threads.flatMap((t) => (t && !t.gone && t.pid !== undefined ? [t.pid] : []));
  }

  /** Batches posted and not yet answered. */
  get inFlight(): number {
    return this.threads.reduce((n, t) => n + (t?.pending.size ?? 0), 0);
  }

  /** Starts every worker now (each loads the hub's modules and connects), so the first batches do not wait for that. */
  start(): void {
    for (let i = 0; i < this.threads.length; i++) this.at(i);
  }

  private thread(deviceId: string): IngestThread {
    return this.at(slot(deviceId, this.threads.length));
  }

  private at(i: number): IngestThread {
    const existing = this.threads[i];
    if (existing && !existing.gone) return existing;
    const started = new IngestThread({ ...this.data, applicationName: `${this.data.applicationName}-w${i}` }, this.opts.log, this.opts.stats, (t) => {
      if (this.threads[i] === t) this.threads[i] = undefined;
    });
    this.threads[i] = started;
    return started;
  }

  /**
   * Applies a batch in the kiosk's worker; resolves with the ack to send and the member changes to push.
   * A kiosk resends a batch whose ack is late; while the same batch still waits in its worker the resend
   * shares its answer instead of queueing again (the second ack is the same as the first).
   * Given the message's bytes, the worker decodes and checks them (a malformed one fails with the
   * ProtocolError decodeMessage throws), so a burst of large batches does not hold this thread.
   */
  handleBatch(device: DeviceAddress, batch: LedgerBatch | Uint8Array): Promise<{ ack: Ack; changes: ScopedChange[] }> {
    if (this.closing) return Promise.reject(new IngestWorkerError("the hub is stopping", "INGEST_STOPPING"));
    const key = batchKey(device.deviceId, batch);
    const waiting = this.waiting.get(key);
    if (waiting) {
      this.coalesced++;
      // The member changes go out once, with the first answer.
      return waiting.then(({ ack }) => ({ ack, changes: [] }));
    }
    const id = this.nextId++;
    const { chainId, storeId, deviceId } = device;
    const answer = new Promise<{ ack: Ack; changes: ScopedChange[] }>((resolve, reject) => {
      const done = (r: { ack: Ack; changes: ScopedChange[] } | undefined): void =>
        r ? resolve(r) : reject(new IngestWorkerError("no answer to a batch", "INGEST_WORKER_GONE"));
      const body = batch instanceof Uint8Array ? { payload: batch } : { batch };
      this.thread(deviceId).post({ kind: "batch", id, device: { chainId, storeId, deviceId }, ...body, now: this.opts.clock.now() }, { resolve: done, reject });
    });
    this.waiting.set(key, answer);
    const forget = (): void => {
      this.waiting.delete(key);
    };
    answer.then(forget, forget);
    return answer;
  }

  /**
   * Records a kiosk's status in its worker, after its batches posted before: the batch transaction
   * locks the kiosk's device row, so the same UPDATE on the main thread would wait for it, event loop and all.
   */
  recordStatus(deviceId: string, status: unknown): Promise<void> {
    if (this.closing) return Promise.reject(new IngestWorkerError("the hub is stopping", "INGEST_STOPPING"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.thread(deviceId).post({ kind: "status", id, deviceId, status, now: this.opts.clock.now() }, { resolve: () => resolve(), reject });
    });
  }

  /** Records the config version a kiosk reports running on its device row, in its worker, after its batches (as recordStatus). */
  recordConfigApplied(deviceId: string, report: ConfigReport): Promise<void> {
    if (this.closing) return Promise.reject(new IngestWorkerError("the hub is stopping", "INGEST_STOPPING"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.thread(deviceId).post({ kind: "config-report", id, deviceId, report, now: this.opts.clock.now() }, { resolve: () => resolve(), reject });
    });
  }

  /** Lets the batches in flight finish (up to drainMs), then closes every worker's connection and ends the threads. */
  async close(): Promise<void> {
    this.closing = true;
    const drainMs = this.opts.drainMs ?? 10_000;
    const threads = this.threads.filter((t): t is IngestThread => t !== undefined);
    await Promise.all(threads.map((t) => t.close(drainMs)));
    this.threads.fill(undefined);
  }
}

/** A batch's identity: its kiosk and the entries it carries (a resend carries the same ones), or the digest of its bytes. */
function batchKey(deviceId: string, batch: LedgerBatch | Uint8Array): string {
  if (batch instanceof Uint8Array) return `${deviceId}\u0000${createHash("sha1").update(batch).digest("base64")}`;
  const first = batch.entries[0];
  const last = batch.entries[batch.entries.length - 1];
  return `${deviceId}\u0000${batch.entries.length}\u0000${first?.seq}:${first?.entryId}\u0000${last?.seq}:${last?.entryId}`;
}

/** The worker's error as the hub's own: a ProtocolError stays one (the link counts it as invalid input). */
function revive(e: { name: string; message: string; code?: string }): Error {
  if (e.name === "ProtocolError") return new ProtocolError((e.code ?? "SCHEMA_INVALID") as ProtocolErrorCode, e.message);
  return Object.assign(new Error(e.message), { name: e.name, ...(e.code ? { code: e.code } : {}) });
}

/** Which worker a kiosk's batches go to: a stable hash of its device id. */
export function slot(deviceId: string, workers: number): number {
  let h = 2166136261;
  for (let i = 0; i < deviceId.length; i++) h = Math.imul(h ^ deviceId.charCodeAt(i), 16777619);
  return (h >>> 0) % workers;
}
