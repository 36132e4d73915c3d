// Test kit: the storage/database.ts contract every engine must keep (statements, transactions, isolation, savepoints, hooks, close), registered by each engine's test file.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { insertRows, type Database, type SqlParam } from "./database.js";
import { StorageError } from "./errors.js";

/** How an engine's test file gives the contract its databases: two connections onto the same empty storage. */
export interface ContractEngine {
  /** Opens a connection; every call made for one contract run reaches the same tables. */
  open(): Promise<Database>;
  /** Removes what the run left (temp dir, schema); called once after every connection is closed. */
  cleanup?(): Promise<void>;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof StorageError ? err.code : `not a StorageError: ${String(err)}`;
  }
  return undefined;
}

/** Registers the whole Database contract as a describe block named `name`, run against `engine`. */
export function describeDatabaseContract(name: string, engine: ContractEngine): void {
  describe(`Database contract: ${name}`, () => {
    let db: Database;
    let other: Database;
    const names = (on: Database = db): string[] =>
      on
        .prepare("SELECT name FROM contract_items ORDER BY name")
        .all<{ name: string }>()
        .map((r) => r.name);
    const insert = (value: string, n = 0): void => void db.prepare("INSERT INTO contract_items (name, n) VALUES (?, ?)").run(value, n);

    beforeAll(async () => {
      db = await engine.open();
      other = await engine.open();
      db.exec(
        "CREATE TABLE contract_items (name TEXT PRIMARY KEY, n BIGINT NOT NULL DEFAULT 0, flag BIGINT, note TEXT); CREATE TABLE contract_named (name TEXT PRIMARY KEY)",
      );
    });
    afterAll(async () => {
      db?.close();
      other?.close();
      await engine.cleanup?.();
    });

    it("names its engine and where it is", () => {
      expect(["bun:sqlite", "better-sqlite3", "postgres"]).toContain(db.engine);
      expect(db.path.length).toBeGreaterThan(0);
    });

    it("exec runs several statements; run reports changes; get and all read rows back", () => {
      db.exec("INSERT INTO contract_items (name, n) VALUES ('ex-a', 1); INSERT INTO contract_items (name, n) VALUES ('ex-b', 2)");
      expect(db.prepare("UPDATE contract_items SET n = n + 10 WHERE name LIKE ?").run("ex-%").changes).toBe(2);
      expect(db.prepare("UPDATE contract_items SET n = 0 WHERE name = ?").run("nobody").changes).toBe(0);
      expect(db.prepare("SELECT name, n FROM contract_items WHERE name = ?").get("ex-b")).toEqual({ name: "ex-b", n: 12 });
      expect(db.prepare("SELECT name, n FROM contract_items WHERE name LIKE ? ORDER BY name").all("ex-%")).toEqual([
        { name: "ex-a", n: 11 },
        { name: "ex-b", n: 12 },
      ]);
      // A missing row is undefined (never null) and an empty result an empty array, on every engine.
      expect(db.prepare("SELECT name FROM contract_items WHERE name = ?").get("nobody")).toBeUndefined();
      expect(db.prepare("SELECT name FROM contract_items WHERE name = ?").all("nobody")).toEqual([]);
      expect(db.prepare("DELETE FROM contract_items WHERE name LIKE ?").run("ex-%").changes).toBe(2);
    });

    it("binds booleans as 1/0, undefined as NULL and reuses a prepared statement", () => {
      const add = db.prepare("INSERT INTO contract_items (name, flag, note) VALUES (?, ?, ?)");
      expect(db.prepare("INSERT INTO contract_items (name, flag, note) VALUES (?, ?, ?)")).toBe(add);
      add.run("b-yes", true, "x");
      add.run("b-no", false, undefined);
      expect(db.prepare("SELECT name, flag, note FROM contract_items WHERE name LIKE 'b-%' ORDER BY name").all()).toEqual([
        { name: "b-no", flag: 0, note: null },
        { name: "b-yes", flag: 1, note: "x" },
      ]);
      db.prepare("DELETE FROM contract_items WHERE name LIKE 'b-%'").run();
    });

    it("commits a transaction with its callback's value and rolls it back, rethrowing the callback's own error", () => {
      expect(
        db.transaction(() => {
          insert("tx-kept");
          return 42;
        }),
      ).toBe(42);
      const boom = new Error("boom");
      let caught: unknown;
      try {
        db.transaction(() => {
          insert("tx-lost");
          throw boom;
        });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBe(boom);
      expect(names()).toEqual(["tx-kept"]);
      // After a failed transaction the connection is usable, in and out of a transaction.
      db.transaction(() => insert("tx-after"));
      expect(names()).toEqual(["tx-after", "tx-kept"]);
      db.prepare("DELETE FROM contract_items").run();
    });

    it("refuses nested transactions and asynchronous callbacks with STORAGE_NESTED_TRANSACTION, changing nothing", () => {
      expect(codeOf(() => db.transaction(() => db.transaction(() => insert("nested-inner"))))).toBe("STORAGE_NESTED_TRANSACTION");
      expect(
        codeOf(() =>
          db.transaction(() => {
            insert("nested-async");
            return Promise.resolve(1);
          }),
        ),
      ).toBe("STORAGE_NESTED_TRANSACTION");
      expect(names()).toEqual([]);
    });

    it("keeps a transaction's writes from another connection until it commits (isolation), with either isolation option", () => {
      for (const isolation of [undefined, "serializable", "read committed"] as const) {
        const key = `iso-${isolation ?? "default"}`;
        db.transaction(
          () => {
            insert(key);
            expect(names(other)).not.toContain(key);
          },
          isolation ? { isolation } : undefined,
        );
        expect(names(other)).toContain(key);
      }
      if (db.engine === "postgres") {
        const level = (opts?: { isolation: "read committed" | "serializable" }): string | undefined =>
          db.transaction(() => db.prepare("SELECT current_setting('transaction_isolation') AS level").get<{ level: string }>()?.level, opts);
        expect(level()).toBe("serializable");
        expect(level({ isolation: "read committed" })).toBe("read committed");
      }
      db.prepare("DELETE FROM contract_items").run();
    });

    it("runs before-commit hooks last, in order, and drops those of a failed savepoint or transaction", () => {
      checkHooksAndSavepoints(db, "contract_named");
    });

    it("nests savepoints: an inner one that fails is undone, the outer one and the transaction keep their writes", () => {
      db.transaction(() => {
        db.savepoint(() => {
          insert("sp-outer");
          expect(() =>
            db.savepoint(() => {
              insert("sp-inner");
              throw new Error("inner refused");
            }),
          ).toThrow("inner refused");
          insert("sp-outer-after");
        });
        // A savepoint returns its callback's value.
        expect(db.savepoint(() => 7)).toBe(7);
      });
      expect(names()).toEqual(["sp-outer", "sp-outer-after"]);
      db.prepare("DELETE FROM contract_items").run();
    });

    it("insertRows writes many rows in order, as one-row INSERTs would, in few statements; a failing row fails it and the transaction keeps nothing", () => {
      // 300 rows: more than one statement's worth (256), the rest in powers of two; nulls, undefined, booleans, bigints as one-row INSERTs take them.
      const rows = Array.from({ length: 300 }, (_, i): SqlParam[] => [
        `ir-${String(i).padStart(3, "0")}`,
        i % 7 === 0 ? BigInt(i) : i,
        i % 2 === 0,
        i % 3 === 0 ? null : undefined,
      ]);
      let prepared = 0;
      const counting = new Proxy(db, {
        get(t, p) {
          if (p === "prepare")
            return (sql: string) => {
              prepared++;
              return t.prepare(sql);
            };
          const v = Reflect.get(t, p) as unknown;
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        },
      });
      expect(db.transaction(() => insertRows(counting, "INSERT INTO contract_items (name, n, flag, note)", rows))).toBe(300);
      expect(prepared).toBeLessThanOrEqual(4);
      const back = db.prepare("SELECT name, n, flag, note FROM contract_items WHERE name LIKE 'ir-%' ORDER BY name").all();
      expect(back).toEqual(rows.map((r, i) => ({ name: r[0], n: i, flag: i % 2 === 0 ? 1 : 0, note: null })));
      // The tail is every row's: a conflicting row is skipped, the others go in.
      expect(
        insertRows(
          db,
          "INSERT INTO contract_items (name, n)",
          [
            ["ir-000", 9],
            ["ir-new", 9],
          ],
          "ON CONFLICT (name) DO NOTHING",
        ),
      ).toBe(1);
      expect(db.prepare("SELECT n FROM contract_items WHERE name = ?").get<{ n: number }>("ir-000")?.n).toBe(0);
      // Without a tail a duplicate fails the statement: inside a transaction nothing of it stays.
      expect(() => db.transaction(() => insertRows(db, "INSERT INTO contract_items (name)", [["ir-fresh"], ["ir-001"]]))).toThrow();
      expect(db.prepare("SELECT COUNT(*) AS c FROM contract_items WHERE name = 'ir-fresh'").get<{ c: number }>()?.c).toBe(0);
      expect(insertRows(db, "INSERT INTO contract_items (name)", [])).toBe(0);
      expect(() => insertRows(db, "INSERT INTO contract_items (name, n)", [["a", 1], ["b"]])).toThrow(/rows of/);
      db.prepare("DELETE FROM contract_items").run();
    });

    it("close() ends the connection: later calls throw and a second close is harmless", async () => {
      const extra = await engine.open();
      expect(extra.prepare("SELECT COUNT(*) AS c FROM contract_items").get<{ c: number }>()?.c).toBe(0);
      extra.close();
      expect(() => extra.prepare("SELECT 1 AS one").get()).toThrow();
      expect(() => extra.exec("SELECT 1")).toThrow();
      expect(codeOf(() => extra.transaction(() => 1))).toBe("STORAGE_CLOSED");
      expect(() => extra.close()).not.toThrow();
      // The other connections are unaffected.
      expect(db.prepare("SELECT 1 AS one").get()).toEqual({ one: 1 });
    });
  });
}

/** Checks hooks and savepoints on `db`, whose table `table` has a TEXT column `name` and nothing else required. */
export function checkHooksAndSavepoints(db: Database, table: string): void {
  const names = (): string[] =>
    db
      .prepare(`SELECT name FROM ${table} WHERE name LIKE 'hk-%' ORDER BY name`)
      .all<{ name: string }>()
      .map((r) => r.name);
  const insert = (name: string): void => void db.prepare(`INSERT INTO ${table} (name) VALUES (?)`).run(name);
  const order: string[] = [];
  db.transaction(() => {
    db.beforeCommit(() => {
      order.push("first");
      insert("hk-1");
      db.beforeCommit(() => order.push("added by a hook"));
    });
    db.beforeCommit(() => order.push("second"));
    // Inside a savepoint that fails: its writes and the hooks it registered are gone, the transaction goes on.
    expect(() =>
      db.savepoint(() => {
        insert("hk-undone");
        db.beforeCommit(() => insert("hk-undone-hook"));
        throw new Error("row refused");
      }),
    ).toThrow("row refused");
    db.savepoint(() => db.beforeCommit(() => insert("hk-2")));
    order.push("callback done");
  });
  expect(order).toEqual(["callback done", "first", "second", "added by a hook"]);
  expect(names()).toEqual(["hk-1", "hk-2"]);
  // A rolled-back transaction runs none of its hooks; outside a transaction a hook runs at once.
  expect(() =>
    db.transaction(() => {
      db.beforeCommit(() => insert("hk-never"));
      throw new Error("boom");
    }),
  ).toThrow("boom");
  db.beforeCommit(() => insert("hk-3"));
  expect(names()).toEqual(["hk-1", "hk-2", "hk-3"]);
  expect(() => db.savepoint(() => 1)).toThrow(/needs a transaction/);
}
