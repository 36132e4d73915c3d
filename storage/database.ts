// The engine-neutral storage contract: Database, statements, transaction options and the before-commit/savepoint bookkeeping both engines share.
//
// storage/sqlite.ts (bun:sqlite, better-sqlite3) and storage/postgres.ts implement it; kiosk and hub code
// depends on this file only, and opens a database through one of those two.
import { StorageError } from "./errors.js";

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
  /** Which engine is underneath: "bun:sqlite" or "better-sqlite3" (storage/sqlite.ts), or "postgres" (storage/postgres.ts). */
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
  /** Ends the connection; later calls fail with STORAGE_CLOSED, a second close does nothing. */
  close(): void;
}

export interface TransactionOptions {
  isolation?: "serializable" | "read committed";
}

/** The transaction bookkeeping both engines share: nesting depth, before-commit hooks, savepoints. */
export abstract class TransactionScope {
  protected depth = 0;
  protected hooks: Array<() => void> = [];
  /** Set by close(): every later call fails with STORAGE_CLOSED instead of reaching (or re-opening) the engine. */
  protected closed = false;

  protected assertOpen(): void {
    if (this.closed) throw new StorageError("STORAGE_CLOSED", "the database was closed");
  }

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
      this.hooks.length = hooks;
      try {
        this.exec("ROLLBACK TO sp");
        this.exec("RELEASE sp");
      } catch {
        // The engine already rolled the whole transaction back (SQLite on SQLITE_FULL, for one):
        // the savepoint is gone with it, and the error worth reporting is the first one.
      }
      throw err;
    }
  }

  /** Runs the hooks in order, including any a hook registers while they run. */
  protected runHooks(): void {
    for (let i = 0; i < this.hooks.length; i++) this.hooks[i]!();
  }
}
