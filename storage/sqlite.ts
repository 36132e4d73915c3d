// The storage/database.ts Database over SQLite: bun:sqlite (under Bun) and better-sqlite3 (under Node), chosen at runtime, plus the migrations runner.
//
// Both engines are synchronous, which is what a ledger wants: a transaction is a plain function call
// and nothing else can interleave with it. The differences we hide:
// - `get()` returns `undefined` (better-sqlite3) vs `null` (bun): we always return `undefined`;
// - parameters: we only use positional `?` parameters, which both accept the same way;
// - booleans: better-sqlite3 throws on them, bun stores them; we convert to 0/1 before binding;
// - Bun's database is opened with `{ strict: true }`; PRAGMAs go through `exec` on both.
// The engine module is loaded by dynamic import, because a static `import "bun:sqlite"` breaks Node
// and better-sqlite3 cannot load under Bun.
//
// Engine errors that a caller can act on (full, read-only, busy, I/O, corrupt) come out as a
// StorageError with a code and the engine's error as cause (storage/errors.ts). When a statement
// fails with SQLITE_FULL (or BUSY, IOERR), SQLite may already have rolled the transaction back: the
// ROLLBACK that follows is then skipped, so the real error is what the caller sees.
import { StorageError, fromSqliteError } from "./errors.js";
import { TransactionScope, type Database, type SqlParam, type SqlValue, type Statement } from "./database.js";

export { StorageError, isUnwritable, type StorageErrorCode } from "./errors.js";

export interface OpenOptions {
  /** `FULL` fsyncs on every commit (ledger writers); `NORMAL` is enough for caches. Default FULL. */
  synchronous?: "FULL" | "NORMAL";
  readonly?: boolean;
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
  /** Both engines expose it: false once SQLite has rolled a failed transaction back by itself. */
  readonly inTransaction?: boolean;
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
    this.assertOpen();
    try {
      this.raw.exec(sql);
    } catch (err) {
      throw fromSqliteError(err);
    }
  }

  prepare(sql: string): Statement {
    this.assertOpen();
    const cached = this.statements.get(sql);
    if (cached) return cached;
    let stmt: RawStatement;
    try {
      stmt = this.raw.prepare(sql);
    } catch (err) {
      throw fromSqliteError(err);
    }
    const wrapped: Statement = {
      run: (...params) => {
        try {
          const r = stmt.run(...bindable(params));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        } catch (err) {
          throw fromSqliteError(err);
        }
      },
      get: <T>(...params: SqlParam[]) => {
        try {
          return (stmt.get(...bindable(params)) ?? undefined) as T | undefined;
        } catch (err) {
          throw fromSqliteError(err);
        }
      },
      all: <T>(...params: SqlParam[]) => {
        try {
          return stmt.all(...bindable(params)) as T[];
        } catch (err) {
          throw fromSqliteError(err);
        }
      },
    };
    this.statements.set(sql, wrapped);
    return wrapped;
  }

  transaction<T>(fn: () => T): T {
    this.assertOpen();
    if (this.depth > 0) {
      throw new StorageError("STORAGE_NESTED_TRANSACTION", "nested transactions are not supported");
    }
    this.depth++;
    this.hooks = [];
    try {
      this.exec("BEGIN IMMEDIATE");
      const result = fn();
      if (result instanceof Promise) {
        throw new StorageError("STORAGE_NESTED_TRANSACTION", "transaction callbacks must be synchronous");
      }
      this.runHooks();
      this.exec("COMMIT");
      return result;
    } catch (err) {
      this.rollback();
      throw fromSqliteError(err);
    } finally {
      this.depth--;
      this.hooks = [];
    }
  }

  /** Rolls back what is still open; a transaction SQLite already rolled back (SQLITE_FULL, BUSY, IOERR) is left alone. */
  private rollback(): void {
    if (this.raw.inTransaction === false) return;
    try {
      this.raw.exec("ROLLBACK");
    } catch {
      // "cannot rollback - no transaction is active" (an engine without inTransaction): nothing to undo.
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
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
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.version === sorted[i - 1]!.version) {
      throw new StorageError("STORAGE_MIGRATION_FAILED", `duplicate migration version ${sorted[i]!.version}`);
    }
  }
  const applied = new Set(
    db
      .prepare("SELECT version FROM schema_version")
      .all<{ version: number }>()
      .map((r) => r.version),
  );
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, new Date().toISOString());
      });
    } catch (cause) {
      throw new StorageError("STORAGE_MIGRATION_FAILED", `migration ${m.version} (${m.name}) failed`, { cause });
    }
  }
  return db.prepare("SELECT MAX(version) AS v FROM schema_version").get<{ v: number | null }>()?.v ?? 0;
}
