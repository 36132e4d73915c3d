// Test kit: the transaction contract both Database engines must keep (before-commit hooks, savepoints), run by each engine's test.
import { expect } from "vitest";
import type { Database } from "./sqlite.js";

/** Checks hooks and savepoints on `db`, whose table `table` has a TEXT column `name` and nothing else required. */
export function checkHooksAndSavepoints(db: Database, table: string): void {
  const names = (): string[] => db.prepare(`SELECT name FROM ${table} WHERE name LIKE 'hk-%' ORDER BY name`).all<{ name: string }>().map((r) => r.name);
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
