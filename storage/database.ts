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

/** Most rows one statement of insertRows carries: 256 (fewer when the rows are wide; far inside SQLite's 32,766 and PostgreSQL's 65,535 parameters). */
const MAX_PARAMS_PER_INSERT = 8192;
const valuesTexts = new Map<string, string>();

/**
 * Inserts `rows` in order with as few statements as it can: `head` is `INSERT INTO t (a, b, c)`, every
 * row has one value per column, `tail` is what follows the VALUES (`ON CONFLICT ... DO NOTHING`, the
 * same for every row). The rows go in chunks of up to 256, the rest in powers of two, so each table
 * prepares a handful of statement texts; each row gets exactly the parameters a one-row INSERT of it
 * would (same values, same conversions, same ids in the same order). Returns the rows the engine
 * reports inserted. A failing row fails its statement, as a one-row INSERT would fail the caller.
 */
export function insertRows(db: Database, head: string, rows: ReadonlyArray<readonly SqlParam[]>, tail = ""): number {
  if (rows.length === 0) return 0;
  const width = rows[0]!.length;
  if (width === 0) throw new TypeError("insertRows: a row needs at least one value");
  for (const r of rows) if (r.length !== width) throw new TypeError(`insertRows: rows of ${r.length} and ${width} values`);
  let most = 1;
  while (most * 2 <= 256 && most * 2 * width <= MAX_PARAMS_PER_INSERT) most *= 2;
  let inserted = 0;
  let at = 0;
  while (at < rows.length) {
    let n = most;
    while (n > rows.length - at) n /= 2;
    const key = `${n}\u0000${width}\u0000${head}\u0000${tail}`;
    let sql = valuesTexts.get(key);
    if (sql === undefined) {
      const one = `(${new Array<string>(width).fill("?").join(", ")})`;
      sql = `${head} VALUES ${new Array<string>(n).fill(one).join(", ")}${tail ? ` ${tail}` : ""}`;
      valuesTexts.set(key, sql);
    }
    const params: SqlParam[] = [];
    for (let i = at; i < at + n; i++) for (const v of rows[i]!) params.push(v);
    inserted += db.prepare(sql).run(...params).changes;
    at += n;
  }
  return inserted;
}
