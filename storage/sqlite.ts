// One small SQLite interface over bun:sqlite (under Bun) and better-sqlite3 (under Node), chosen at runtime.
//
// Both engines are synchronous, which is what a ledger wants: a transaction is a plain function call
// and nothing else can interleave with it. The differences we hide:
// - `get()` returns `undefined` (better-sqlite3) vs `null` (bun): we always return `undefined`;
// - parameters: we only use positional `?` parameters, which both accept the same way;
// - booleans: better-sqlite3 throws on them, bun stores them; we convert to 0/1 before binding;
// - Bun's database is opened with `{ strict: true }`; PRAGMAs go through `exec` on both.
// The engine module is loaded by dynamic import, because a static `import "bun:sqlite"` breaks Node
// and better-sqlite3 cannot load under Bun.

export type SqlValue = string | number | bigint | Uint8Array | null;
export type SqlParam = SqlValue | boolean | undefined;
export type Row = Record<string, SqlValue>;

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement {
  run(...params: SqlParam[]): RunResult;
  get<T = Row>(...params: SqlParam[]): T | undefined;
  all<T = Row>(...params: SqlParam[]): T[];
}

export interface Database {
  /** Which engine is underneath: "bun:sqlite" or "better-sqlite3", or "postgres" (storage/postgres.ts). */
  readonly engine: "bun:sqlite" | "better-sqlite3" | "postgres";
  readonly path: string;
  exec(sql: string): void;
  prepare(sql: string): Statement;
  /**
   * Runs `fn` in a transaction (BEGIN IMMEDIATE); commits when it returns, rolls back when it throws.
   * `isolation` matters on PostgreSQL only (SQLite has one writer at a time): the default is
   * SERIALIZABLE; "read committed" is for callers that take their row locks themselves
   * (SELECT ... FOR UPDATE, sql-dialect.ts), so that contention waits instead of aborting.
   */
  transaction<T>(fn: () => T, opts?: TransactionOptions): T;
  /**
   * Runs `fn` inside the current transaction right before it commits (after the callback returned),
   * in registration order; outside a transaction it runs at once. For appends that must become
   * visible in commit order (changelog cursors): they happen last, under a short lock.
   */
  beforeCommit(fn: () => void): void;
  /**
   * Inside a transaction: runs `fn` under a savepoint; if it throws, its writes and the before-commit
   * hooks it registered are undone and the error is rethrown, the transaction goes on.
   */
  savepoint<T>(fn: () => T): T;
  close(): void;
}

export interface TransactionOptions {
  isolation?: "serializable" | "read committed";
}

export interface OpenOptions {
  /** `FULL` fsyncs on every commit (ledger writers); `NORMAL` is enough for caches. Default FULL. */
  synchronous?: "FULL" | "NORMAL";
  readonly?: boolean;
}

export class StorageError extends Error {
  constructor(
    readonly code: "STORAGE_ENGINE_UNAVAILABLE" | "STORAGE_MIGRATION_FAILED" | "STORAGE_NESTED_TRANSACTION",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StorageError";
  }
}

/** The transaction bookkeeping both engines share: nesting depth, before-commit hooks, savepoints. */
export abstract class TransactionScope {
  protected depth = 0;
  protected hooks: Array<() => void> = [];

  abstract exec(sql: string): void;

  beforeCommit(fn: () => void): void {
    if (this.depth === 0) fn();
    else this.hooks.push(fn);
  }

  savepoint<T>(fn: () => T): T {
    if (this.depth === 0) throw new StorageError("STORAGE_NESTED_TRANSACTION", "a savepoint needs a transaction");
    const hooks = this.hooks.length;
    this.exec("SAVEPOINT sp");
    try {
      const result = fn();
      this.exec("RELEASE sp");
      return result;
    } catch (err) {
      this.exec("ROLLBACK TO sp");
      this.exec("RELEASE sp");
      this.hooks.length = hooks;
      throw err;
    }
  }

  /** Runs the hooks in order, including any a hook registers while they run. */
  protected runHooks(): void {
    for (let i = 0; i < this.hooks.length; i++) this.hooks[i]!();
  }
}

/** True when running under Bun. */
export function isBun(): boolean {
  return typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
}

function bindable(params: SqlParam[]): SqlValue[] {
  return params.map((p) => (p === undefined ? null : typeof p === "boolean" ? (p ? 1 : 0) : p));
}

interface RawStatement {
  run(...params: SqlValue[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
}
interface RawDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): RawStatement;
  close(): void;
}

class SqliteDatabase extends TransactionScope implements Database {
  private readonly statements = new Map<string, Statement>();

  constructor(
    readonly engine: Database["engine"],
    readonly path: string,
    private readonly raw: RawDatabase,
  ) {
    super();
  }

  exec(sql: string): void {
    this.raw.exec(sql);
  }

  prepare(sql: string): Statement {
    const cached = this.statements.get(sql);
    if (cached) return cached;
    const stmt = this.raw.prepare(sql);
    const wrapped: Statement = {
      run: (...params) => {
        const r = stmt.run(...bindable(params));
        return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
      },
      get: <T>(...params: SqlParam[]) => (stmt.get(...bindable(params)) ?? undefined) as T | undefined,
      all: <T>(...params: SqlParam[]) => stmt.all(...bindable(params)) as T[],
    };
    this.statements.set(sql, wrapped);
    return wrapped;
  }

  transaction<T>(fn: () => T): T {
    if (this.depth > 0) {
      throw new StorageError("STORAGE_NESTED_TRANSACTION", "nested transactions are not supported");
    }
    this.depth++;
    this.hooks = [];
    this.raw.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      if (result instanceof Promise) {
        throw new StorageError("STORAGE_NESTED_TRANSACTION", "transaction callbacks must be synchronous");
      }
      this.runHooks();
      this.raw.exec("COMMIT");
      return result;
    } catch (err) {
      this.raw.exec("ROLLBACK");
      throw err;
    } finally {
      this.depth--;
      this.hooks = [];
    }
  }


  close(): void {
    this.statements.clear();
    this.raw.close();
  }
}

/** Opens (creating if needed) an SQLite database file with WAL and the requested durability. */
export async function openDatabase(path: string, options: OpenOptions = {}): Promise<Database> {
  let db: SqliteDatabase;
  if (isBun()) {
    const specifier = "bun:sqlite";
    const mod = (await import(/* @vite-ignore */ specifier)) as {
      Database: new (p: string, o: Record<string, boolean>) => RawDatabase;
    };
    const opts: Record<string, boolean> = options.readonly ? { readonly: true, strict: true } : { create: true, strict: true };
    db = new SqliteDatabase("bun:sqlite", path, new mod.Database(path, opts));
  } else {
    let Ctor: new (p: string, o: Record<string, unknown>) => RawDatabase;
    try {
      const mod = (await import("better-sqlite3")) as unknown as {
        default: new (p: string, o: Record<string, unknown>) => RawDatabase;
      };
      Ctor = mod.default;
    } catch (cause) {
      throw new StorageError(
        "STORAGE_ENGINE_UNAVAILABLE",
        "better-sqlite3 could not be loaded (was its native addon built? run `npm rebuild better-sqlite3`)",
        { cause },
      );
    }
    db = new SqliteDatabase("better-sqlite3", path, new Ctor(path, { readonly: options.readonly ?? false }));
  }
  if (!options.readonly) {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${options.synchronous ?? "FULL"}`);
  }
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA busy_timeout = 5000");
  return db;
}

/** A numbered schema step. Steps run in order, each in its own transaction, exactly once. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Applies every migration not yet recorded, in version order, and returns the highest version in
 * force. A version is recorded when applied, so a migration numbered below one already applied (two
 * branches of work landing in either order) is still applied, exactly once.
 */
export function migrate(db: Database, migrations: readonly Migration[]): number {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.version === sorted[i - 1]!.version) {
      throw new StorageError("STORAGE_MIGRATION_FAILED", `duplicate migration version ${sorted[i]!.version}`);
    }
  }
  const applied = new Set(db.prepare("SELECT version FROM schema_version").all<{ version: number }>().map((r) => r.version));
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)").run(
          m.version,
          m.name,
          new Date().toISOString(),
        );
      });
    } catch (cause) {
      throw new StorageError("STORAGE_MIGRATION_FAILED", `migration ${m.version} (${m.name}) failed`, { cause });
    }
  }
  return db.prepare("SELECT MAX(version) AS v FROM schema_version").get<{ v: number | null }>()?.v ?? 0;
}
