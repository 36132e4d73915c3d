// The storage/database.ts Database interface over PostgreSQL, so the hub's repositories run unchanged on either engine.
//
// The hub's repositories are synchronous: a ledger batch is one function call inside one transaction
// and nothing else in the process interleaves with it. To keep that property (and the same
// interfaces) on PostgreSQL, each Database holds ONE connection driven through libpq's synchronous
// calls (pg-native's connectSync/prepareSync/executeSync, from the node-postgres project). The thread
// waits during a round trip, as it waits for an SQLite fsync; that is why the hub applies ledger
// batches in worker processes with connections of their own (hub/ingest-pool.ts, README "Scaling out").
//
// What is hidden so the same SQL and code run on both engines:
// - positional `?` parameters become `$1..$n` (outside quotes and comments);
// - BIGINT, NUMERIC (SUM, AVG) and booleans come back as JS numbers (SQLite has no bool: 1/0);
//   a BIGINT beyond 2^53 throws rather than silently rounding;
// - parameters: booleans as 1/0, Uint8Array as bytea, numbers/bigints as decimal text;
// - transactions run SERIALIZABLE, like SQLite's single writer: a transaction that loses a
//   serialisation race (SQLSTATE 40001) or a deadlock (40P01) is rolled back and `fn` runs again,
//   so transaction callbacks must keep their JavaScript side effects (counters, pushes) until the
//   call returns (a caller that locks its rows itself may ask for READ COMMITTED instead);
// - a full disk (53100), a read-only server (25006), a lock timeout (55P03) or an I/O error (58030)
//   come out as a StorageError with its code (storage/errors.ts); ROLLBACK runs only while libpq
//   says a transaction is open, so the first error is the one reported;
// - `lastInsertRowid` does not exist here: use `INSERT ... RETURNING` (which SQLite also supports).
import { createRequire } from "node:module";
import pgTypes from "pg-types";
import { StorageError, fromPostgresState } from "./errors.js";
import { TransactionScope, type Database, type RunResult, type Row, type SqlParam, type Statement, type TransactionOptions } from "./database.js";

const require = createRequire(import.meta.url);

interface PqHandle {
  cmdTuples(): string;
  resultErrorFields(): { sqlState?: string } | undefined;
  transactionStatus(): number;
  errorMessage(): string;
}
interface NativeClient {
  pq: PqHandle;
  connectSync(params: string): void;
  querySync(text: string, values?: Array<string | null>): Row[];
  prepareSync(name: string, text: string, nParams: number): void;
  executeSync(name: string, values: Array<string | null>): Row[];
  escapeIdentifier(value: string): string;
  end(): void;
}
type NativeClientCtor = new (opts: { types: { getTypeParser(oid: number): (v: string) => unknown } }) => NativeClient;

export interface PostgresOptions {
  /** libpq connection string or URL (passwords belong in PGPASSFILE, not here). */
  url: string;
  /** Schema for every table (created when missing); default `public`. */
  schema?: string;
  /** Tries per transaction when PostgreSQL reports a serialisation failure or deadlock; default 30. */
  maxAttempts?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
}

const OID = { bool: 16, int8: 20, numeric: 1700 } as const;
const RETRYABLE = new Set(["40001", "40P01"]);
const TX_IDLE = 0;

function int8(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new StorageError("STORAGE_ENGINE_UNAVAILABLE", `integer ${v} does not fit a JavaScript number`);
  return n;
}

const TYPES = {
  getTypeParser(oid: number): (v: string) => unknown {
    if (oid === OID.int8) return int8;
    if (oid === OID.numeric) return Number;
    if (oid === OID.bool) return (v: string) => (v === "t" ? 1 : 0);
    return pgTypes.getTypeParser(oid, "text") as (v: string) => unknown;
  },
};

/** SQL with `?` placeholders rewritten as `$n`; quoted text, identifiers and comments are left alone. */
export function numberPlaceholders(sql: string): { text: string; count: number } {
  let out = "";
  let count = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop + 1);
      i = stop;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "?") {
      out += `$${++count}`;
    } else {
      out += c;
    }
  }
  return { text: out, count };
}

function toText(p: SqlParam): string | null {
  if (p === null || p === undefined) return null;
  if (typeof p === "boolean") return p ? "1" : "0";
  if (typeof p === "number") {
    if (!Number.isFinite(p)) throw new TypeError(`cannot store ${p} in PostgreSQL`);
    return String(p);
  }
  if (typeof p === "bigint") return p.toString();
  if (p instanceof Uint8Array) return `\\x${Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString("hex")}`;
  return p;
}

/** The SQLSTATE of a libpq error, when the server sent one. */
function sqlState(client: NativeClient): string | undefined {
  try {
    return client.pq.resultErrorFields()?.sqlState;
  } catch {
    return undefined;
  }
}

/** A PostgreSQL error with its SQLSTATE (for example 23505 for a unique violation). */
export class PostgresError extends Error {
  constructor(
    message: string,
    readonly sqlState: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PostgresError";
  }
}

/**
 * libpq's addon closes its socket watcher asynchronously (uv_close) when a connection ends: if the
 * client object were garbage-collected before the event loop finished that close, libuv would abort
 * the process. Ended clients are therefore kept referenced for a moment.
 */
const retired = new Set<NativeClient>();
function retire(client: NativeClient): void {
  try {
    client.end();
  } catch {
    // already gone
  }
  retired.add(client);
  setTimeout(() => retired.delete(client), 1000).unref();
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

class PostgresDatabase extends TransactionScope implements Database {
  readonly engine = "postgres" as const;
  private readonly statements = new Map<string, Statement>();
  private prepared = new Set<string>();
  private nextName = 0;
  /** Transactions retried after a serialisation failure or deadlock, since open. */
  retries = 0;

  constructor(
    readonly path: string,
    private client: NativeClient,
    private readonly connect: () => NativeClient,
    private readonly maxAttempts: number,
  ) {
    super();
  }

  /** Runs one call on the connection; a lost connection is re-opened for the next call (never inside a transaction). */
  private call<T>(what: string, fn: (c: NativeClient) => T): T {
    this.assertOpen();
    // A connection lost inside a transaction is replaced once the transaction is over.
    if (this.broken && this.depth === 0) this.reconnect();
    try {
      return fn(this.client);
    } catch (err) {
      const state = sqlState(this.client);
      const message = err instanceof Error ? err.message.trim() : String(err);
      if (state === undefined && /connection|server closed|terminat/i.test(message)) {
        this.broken = true;
        if (this.depth === 0) this.reconnect();
      }
      const pgErr = new PostgresError(`${what}: ${message}`, state, { cause: err });
      // Disk full, read-only, lock timeout, I/O: a StorageError with a code (storage/errors.ts), the PostgresError as its cause.
      throw fromPostgresState(state, `${what}: ${message}`, pgErr) ?? pgErr;
    }
  }

  private broken = false;

  private reconnect(): void {
    retire(this.client);
    this.prepared = new Set();
    this.client = this.connect();
    this.broken = false;
  }

  exec(sql: string): void {
    this.call("exec", (c) => c.querySync(sql));
  }

  prepare(sql: string): Statement {
    const cached = this.statements.get(sql);
    if (cached) return cached;
    const { text, count } = numberPlaceholders(sql);
    const name = `s${this.nextName++}`;
    const label = sql.replace(/\s+/g, " ").slice(0, 120);
    const execute = (params: SqlParam[]): { rows: Row[]; changes: number } => {
      if (params.length !== count) throw new TypeError(`expected ${count} parameters, got ${params.length}: ${sql.slice(0, 80)}`);
      const values = params.map(toText);
      return this.call(label, (c) => {
        if (!this.prepared.has(name)) {
          c.prepareSync(name, text, count);
          this.prepared.add(name);
        }
        const rows = c.executeSync(name, values);
        return { rows, changes: Number.parseInt(c.pq.cmdTuples(), 10) || 0 };
      });
    };
    const stmt: Statement = {
      run: (...params): RunResult => {
        const { changes } = execute(params);
        return {
          changes,
          get lastInsertRowid(): number {
            throw new StorageError("STORAGE_ENGINE_UNAVAILABLE", "PostgreSQL has no lastInsertRowid: use INSERT ... RETURNING");
          },
        };
      },
      get: <T = Row>(...params: SqlParam[]) => execute(params).rows[0] as T | undefined,
      all: <T = Row>(...params: SqlParam[]) => execute(params).rows as T[],
    };
    this.statements.set(sql, stmt);
    return stmt;
  }

  transaction<T>(fn: () => T, opts: TransactionOptions = {}): T {
    const begin = opts.isolation === "read committed" ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN ISOLATION LEVEL SERIALIZABLE";
    this.assertOpen();
    if (this.depth > 0) throw new StorageError("STORAGE_NESTED_TRANSACTION", "nested transactions are not supported");
    for (let attempt = 1; ; attempt++) {
      this.depth++;
      this.hooks = [];
      try {
        this.call("begin", (c) => c.querySync(begin));
        const result = fn();
        if (result instanceof Promise) {
          throw new StorageError("STORAGE_NESTED_TRANSACTION", "transaction callbacks must be synchronous");
        }
        this.runHooks();
        this.call("commit", (c) => c.querySync("COMMIT"));
        return result;
      } catch (err) {
        this.rollback();
        const state = err instanceof PostgresError ? err.sqlState : undefined;
        if (state === undefined || !RETRYABLE.has(state) || attempt >= this.maxAttempts) throw err;
        this.retries++;
        // Jittered backoff so two instances that collided do not collide again in step.
        sleepSync(Math.min(50, 2 ** Math.min(attempt, 5)) * Math.random());
      } finally {
        this.depth--;
        this.hooks = [];
      }
    }
  }

  private rollback(): void {
    try {
      if (this.client.pq.transactionStatus() !== TX_IDLE) this.client.querySync("ROLLBACK");
    } catch {
      // the connection is gone: the server has rolled the transaction back itself
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.prepared.clear();
    retire(this.client);
  }
}

/** Opens one synchronous PostgreSQL connection with the hub's session settings and the schema on its search path. */
export async function openPostgres(opts: PostgresOptions): Promise<Database & { retries: number }> {
  let Client: NativeClientCtor;
  try {
    Client = require("pg-native") as NativeClientCtor;
  } catch (cause) {
    throw new StorageError(
      "STORAGE_ENGINE_UNAVAILABLE",
      "pg-native could not be loaded (is libpq's addon built? apt-get install libpq-dev, then npm rebuild libpq)",
      { cause },
    );
  }
  const schema = opts.schema ?? "public";
  const connect = (): NativeClient => {
    const client = new Client({ types: TYPES });
    try {
      client.connectSync(opts.url);
    } catch (cause) {
      retired.add(client);
      setTimeout(() => retired.delete(client), 1000).unref();
      throw new StorageError("STORAGE_ENGINE_UNAVAILABLE", `cannot connect to PostgreSQL: ${(cause as Error).message.trim()}`, { cause });
    }
    const ident = client.escapeIdentifier(schema);
    const app = (opts.applicationName ?? "member-hub").replace(/'/g, "");
    client.querySync(`SET application_name = '${app}'; SET client_min_messages = warning`);
    try {
      client.querySync(`CREATE SCHEMA IF NOT EXISTS ${ident}`);
    } catch (err) {
      // Two instances starting together can both try to create it: one wins, which is all we need.
      if (!["23505", "42P06"].includes(sqlState(client) ?? "")) throw err;
    }
    // A hub that vanishes mid-transaction must not hold row locks for long; a lock wait ends with an error.
    client.querySync(`SET search_path TO ${ident}; SET idle_in_transaction_session_timeout = '60s'; SET lock_timeout = '30s'`);
    return client;
  };
  const redacted = opts.url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
  return new PostgresDatabase(`${redacted}#${schema}`, connect(), connect, opts.maxAttempts ?? 30);
}
