// The hand-kept SQLite (hub/schema.ts + backoffice + app) and PostgreSQL (hub/pg-schema.ts) migrations must give the same tables, columns, keys and indexes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrate, openDatabase } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { openPostgres } from "../storage/postgres.js";
import { freshSchemaName, postgresReachable, postgresRequired, postgresUrl } from "../test/postgres.js";
import { requirement } from "../test/support/requires.js";
import { HUB_MIGRATIONS } from "./schema.js";
import { HUB_PG_MIGRATIONS } from "./pg-schema.js";
import { diffShapes, normaliseType, postgresShape, sqliteShape, type SchemaShape } from "./schema-parity.testkit.js";
import { migratePostgres } from "./store.js";

const postgres = requirement(
  "postgres",
  (await postgresReachable()) ? undefined : `needs PostgreSQL at ${postgresUrl()} (apt-get install postgresql; bash deploy/ci-postgres.sh)`,
  postgresRequired(),
);

/**
 * Differences on purpose, each with its reason. SQLite's rowid is implicit in every index entry, so its
 * `(indexed) WHERE indexed = 0` is walked in rowid order; PostgreSQL needs the explicit rowid column.
 */
const KNOWN_DIFFERENCES: readonly string[] = [
  "table sales: index sales_not_indexed (indexed) WHERE ... only on SQLite",
  "table sales: index sales_not_indexed (rowid) WHERE ... only on PostgreSQL",
];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function sqliteOf(sql: string[]): Promise<{ db: Database; shape: () => SchemaShape }> {
  const dir = mkdtempSync(join(tmpdir(), "parity-"));
  dirs.push(dir);
  const db = await openDatabase(join(dir, "p.db"));
  for (const s of sql) db.exec(s);
  return { db, shape: () => sqliteShape(db) };
}

/** Runs `fn` on a fresh PostgreSQL schema, dropped afterwards. */
async function withPgSchema<T>(fn: (db: Database) => T): Promise<T> {
  const schema = freshSchemaName("parity");
  const db = await openPostgres({ url: postgresUrl(), schema });
  try {
    return fn(db);
  } finally {
    db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    db.close();
  }
}

describe("schema shape", () => {
  it("normalises engine types to one word", () => {
    expect(["INTEGER", "bigint", "int4", "BIGSERIAL"].map(normaliseType)).toEqual(["integer", "integer", "integer", "integer"]);
    expect(["TEXT", "character varying", "jsonb"].map(normaliseType)).toEqual(["text", "text", "text"]);
    expect(["REAL", "double precision"].map(normaliseType)).toEqual(["real", "real"]);
    expect(["BLOB", "bytea"].map(normaliseType)).toEqual(["blob", "blob"]);
  });
});

postgres.describe("SQLite and PostgreSQL hub schemas", () => {
  it("a drift in a column, its order, a key or an index is reported in words", async () => {
    const common = ["CREATE TABLE a (id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, n INTEGER)"];
    const { shape, db } = await sqliteOf([
      ...common,
      "CREATE TABLE only_here (x TEXT)",
      "CREATE INDEX a_n ON a (n)",
      "CREATE TABLE b (p TEXT, q TEXT, PRIMARY KEY (p, q))",
    ]);
    const lite = shape();
    db.close();
    const pg = await withPgSchema((pdb) => {
      pdb.exec("CREATE TABLE a (id BIGINT PRIMARY KEY, n BIGINT, k TEXT NOT NULL UNIQUE, extra DOUBLE PRECISION)");
      pdb.exec("CREATE TABLE b (p TEXT, q TEXT NOT NULL, PRIMARY KEY (p))");
      pdb.exec("CREATE INDEX a_n_k ON a (n, k) WHERE n > 0");
      return postgresShape(pdb);
    });
    expect(diffShapes(lite, pg)).toEqual([
      "table a: column 2 is `k text NOT NULL` on SQLite, `n integer` on PostgreSQL",
      "table a: column 3 is `n integer` on SQLite, `k text NOT NULL` on PostgreSQL",
      "table a: column 4 is `(none)` on SQLite, `extra real` on PostgreSQL",
      "table a: index a_n (n) only on SQLite",
      "table a: index a_n_k (n, k) WHERE ... only on PostgreSQL",
      "table b: primary key (p, q) on SQLite, (p) on PostgreSQL",
      "table only_here: only on SQLite",
    ]);
    // The same schema on both engines has no differences.
    const same = await withPgSchema((pdb) => {
      for (const s of common) pdb.exec(s);
      return postgresShape(pdb);
    });
    const lite2 = await sqliteOf(common);
    expect(diffShapes(lite2.shape(), same)).toEqual([]);
    lite2.db.close();
  });

  it("the hub's migrations give the same tables, columns (order, type, NOT NULL), primary keys and indexes", async () => {
    const lite = await sqliteOf([]);
    migrate(lite.db, HUB_MIGRATIONS);
    const liteShape = lite.shape();
    lite.db.close();
    const pgShape = await withPgSchema((db) => {
      migratePostgres(db);
      return postgresShape(db);
    });
    expect(Object.keys(liteShape).length).toBeGreaterThan(10);
    // PostgreSQL's migrations are fewer, larger steps (it started later); only the end state must agree.
    expect(HUB_PG_MIGRATIONS.length).toBeGreaterThan(0);
    const all = diffShapes(liteShape, pgShape);
    const drift = all.filter((d) => !KNOWN_DIFFERENCES.includes(d));
    expect(
      drift,
      `the SQLite and PostgreSQL schemas drifted (fix hub/schema.ts, hub/backoffice/migrations.ts or hub/pg-schema.ts):\n${drift.join("\n")}`,
    ).toEqual([]);
    // A known difference that went away is taken off the list, so the list stays true.
    expect(
      KNOWN_DIFFERENCES.filter((d) => !all.includes(d)),
      "no longer differs: remove it from KNOWN_DIFFERENCES",
    ).toEqual([]);
  }, 60_000);
});
