// Contract test for the SQLite adapter; runs under Node (vitest) and under Bun (`bun test storage/`).
import { describe, it, expect, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate, isBun, StorageError } from "./sqlite.js";
import type { Database } from "./database.js";
import { describeDatabaseContract } from "./contract.testkit.js";

const dirs: string[] = [];
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "sqlite-test-"));
  dirs.push(dir);
  return join(dir, "t.db");
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const migrations = [
  { version: 1, name: "items", sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, flag INTEGER, blob BLOB)" },
  { version: 2, name: "items-qty", sql: "ALTER TABLE items ADD COLUMN qty INTEGER NOT NULL DEFAULT 0" },
];

async function fresh(): Promise<Database> {
  const db = await openDatabase(tempPath());
  migrate(db, migrations);
  return db;
}

// The whole storage/database.ts contract, on one file opened by several connections.
const contractDir = mkdtempSync(join(tmpdir(), "sqlite-contract-"));
describeDatabaseContract(isBun() ? "bun:sqlite" : "better-sqlite3", {
  open: () => openDatabase(join(contractDir, "contract.db")),
  cleanup: async () => rmSync(contractDir, { recursive: true, force: true }),
});

describe("sqlite adapter", () => {
  it("picks the engine of the runtime", async () => {
    const db = await fresh();
    expect(db.engine).toBe(isBun() ? "bun:sqlite" : "better-sqlite3");
    db.close();
  });

  it("uses WAL and FULL synchronous by default", async () => {
    const db = await fresh();
    expect(db.prepare("PRAGMA journal_mode").get<{ journal_mode: string }>()?.journal_mode).toBe("wal");
    expect(db.prepare("PRAGMA synchronous").get<{ synchronous: number }>()?.synchronous).toBe(2);
    db.close();
  });

  it("returns undefined for a missing row on both engines", async () => {
    const db = await fresh();
    expect(db.prepare("SELECT * FROM items WHERE id = ?").get(42)).toBeUndefined();
    db.close();
  });

  it("binds booleans, undefined and bytes", async () => {
    const db = await fresh();
    db.prepare("INSERT INTO items (name, flag, blob) VALUES (?, ?, ?)").run("a", true, new Uint8Array([1, 2, 3]));
    db.prepare("INSERT INTO items (name, flag, blob) VALUES (?, ?, ?)").run("b", false, undefined);
    const rows = db.prepare("SELECT name, flag, blob FROM items ORDER BY id").all<{ name: string; flag: number; blob: Uint8Array | null }>();
    expect(rows.map((r) => [r.name, r.flag])).toEqual([
      ["a", 1],
      ["b", 0],
    ]);
    expect(Array.from(rows[0]!.blob!)).toEqual([1, 2, 3]);
    expect(rows[1]!.blob).toBeNull();
    db.close();
  });

  it("commits a transaction and rolls it back when it throws", async () => {
    const db = await fresh();
    db.transaction(() => db.prepare("INSERT INTO items (name) VALUES (?)").run("kept"));
    expect(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO items (name) VALUES (?)").run("lost");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    const names = db
      .prepare("SELECT name FROM items")
      .all<{ name: string }>()
      .map((r) => r.name);
    expect(names).toEqual(["kept"]);
    db.close();
  });

  it("refuses nested transactions", async () => {
    const db = await fresh();
    let code: string | undefined;
    try {
      db.transaction(() => db.transaction(() => 1));
    } catch (err) {
      code = (err as StorageError).code;
    }
    expect(code).toBe("STORAGE_NESTED_TRANSACTION");
    db.close();
  });

  it("migrates once and keeps the version across reopen", async () => {
    const path = tempPath();
    const db = await openDatabase(path);
    expect(migrate(db, migrations)).toBe(2);
    db.prepare("INSERT INTO items (name, qty) VALUES (?, ?)").run("x", 3);
    db.close();
    const again = await openDatabase(path);
    expect(migrate(again, migrations)).toBe(2);
    expect(again.prepare("SELECT qty FROM items").get<{ qty: number }>()?.qty).toBe(3);
    expect(again.prepare("SELECT COUNT(*) AS n FROM schema_version").get<{ n: number }>()?.n).toBe(2);
    again.close();
  });

  it("applies a lower-numbered migration that arrived after a higher one, once", async () => {
    const path = tempPath();
    const db = await openDatabase(path);
    migrate(db, [migrations[0]!, { version: 10, name: "later", sql: "CREATE TABLE later (x)" }]);
    expect(migrate(db, [...migrations, { version: 10, name: "later", sql: "CREATE TABLE later (x)" }])).toBe(10);
    expect(db.prepare("SELECT qty FROM items").all()).toEqual([]);
    expect(
      db
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .all<{ version: number }>()
        .map((r) => r.version),
    ).toEqual([1, 2, 10]);
    db.close();
  });

  it("rolls back a failing migration and reports it", async () => {
    const db = await fresh();
    let code: string | undefined;
    try {
      migrate(db, [...migrations, { version: 3, name: "bad", sql: "CREATE TABLE ok (x); CREATE TABLE items (y)" }]);
    } catch (err) {
      code = (err as StorageError).code;
    }
    expect(code).toBe("STORAGE_MIGRATION_FAILED");
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok'").get()).toBeUndefined();
    expect(db.prepare("SELECT MAX(version) AS v FROM schema_version").get<{ v: number }>()?.v).toBe(2);
    db.close();
  });

  it("reports SQLITE_FULL in a transaction as STORAGE_FULL, not as a failed ROLLBACK, and writes again once the limit is raised", async () => {
    const db = await fresh();
    db.prepare("INSERT INTO items (name) VALUES (?)").run("before");
    const pages = db.prepare("PRAGMA page_count").get<{ page_count: number }>()!.page_count;
    // A database that cannot grow: as a full disk looks to SQLite.
    db.exec(`PRAGMA max_page_count = ${pages}`);
    let caught: unknown;
    try {
      db.transaction(() => {
        for (let i = 0; i < 50; i++) db.prepare("INSERT INTO items (name, blob) VALUES (?, randomblob(4000))").run(`big-${i}`);
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StorageError);
    expect((caught as StorageError).code).toBe("STORAGE_FULL");
    expect((caught as StorageError).engineCode).toBe("SQLITE_FULL");
    expect((caught as Error).message).not.toMatch(/cannot rollback/);
    // Nothing of the failed transaction is left, the adapter is usable, and a statement outside a transaction maps the same way.
    expect(
      db
        .prepare("SELECT name FROM items")
        .all<{ name: string }>()
        .map((r) => r.name),
    ).toEqual(["before"]);
    let single: unknown;
    try {
      db.prepare("INSERT INTO items (name, blob) VALUES (?, randomblob(40000))").run("one");
    } catch (err) {
      single = err;
    }
    expect((single as StorageError).code).toBe("STORAGE_FULL");
    db.exec(`PRAGMA max_page_count = ${pages + 100}`);
    db.transaction(() => db.prepare("INSERT INTO items (name, blob) VALUES (?, randomblob(4000))").run("after"));
    expect(db.prepare("SELECT COUNT(*) AS n FROM items").get<{ n: number }>()?.n).toBe(2);
    db.close();
  });

  it("keeps the first error when a savepoint's transaction was already rolled back by SQLite", async () => {
    const db = await fresh();
    const pages = db.prepare("PRAGMA page_count").get<{ page_count: number }>()!.page_count;
    db.exec(`PRAGMA max_page_count = ${pages}`);
    let code: string | undefined;
    try {
      db.transaction(() => db.savepoint(() => db.prepare("INSERT INTO items (name, blob) VALUES (?, randomblob(40000))").run("x")));
    } catch (err) {
      code = (err as StorageError).code;
    }
    expect(code).toBe("STORAGE_FULL");
    db.close();
  });

  it("leaves other engine errors as they were (a constraint is not a storage condition)", async () => {
    const db = await fresh();
    let err: unknown;
    try {
      db.prepare("INSERT INTO items (id, name) VALUES (1, NULL)").run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StorageError);
    expect((err as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    db.close();
  });
});
