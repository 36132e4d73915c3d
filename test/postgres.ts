// Test kit for PostgreSQL: where the test server is, fresh schemas per test, and the hub store tests run on (HUB_TEST_STORE).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { openDatabase, migrate } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { openPostgres } from "../storage/postgres.js";
import { HUB_MIGRATIONS } from "../hub/schema.js";
import { migratePostgres } from "../hub/store.js";
import { isRequired } from "./support/requires.js";

/** The PostgreSQL the tests use (trust auth on this machine and in CI). */
export function postgresUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
}

/** True when CI, REQUIRE_POSTGRES=1 or HUB_TEST_STORE=postgres demands the PostgreSQL suites (they must fail, not skip, when the server is absent). */
export function postgresRequired(): boolean {
  return isRequired("postgres") || process.env.HUB_TEST_STORE === "postgres";
}

let reachable: boolean | undefined;
/** Whether the test server answers; cached for the test file. */
export async function postgresReachable(): Promise<boolean> {
  if (reachable !== undefined) return reachable;
  try {
    const db = await openPostgres({ url: postgresUrl() });
    db.prepare("SELECT 1 AS one").get();
    db.close();
    reachable = true;
  } catch {
    reachable = false;
  }
  return reachable;
}

/** A schema name no other test uses. */
export function freshSchemaName(prefix = "t"): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const db = await openPostgres({ url: postgresUrl() });
  try {
    db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    db.close();
  }
}

/** Which store hub tests run on: SQLite unless HUB_TEST_STORE=postgres. */
export function hubTestStore(): "sqlite" | "postgres" {
  return process.env.HUB_TEST_STORE === "postgres" ? "postgres" : "sqlite";
}

/**
 * A migrated hub database for a test: an SQLite file in `dir`, or (HUB_TEST_STORE=postgres) a fresh
 * PostgreSQL schema that close() drops again. The hub suites run on both (see .ci/run).
 */
export async function openTestHubDb(dir: string, options: { synchronous?: "FULL" | "NORMAL" } = {}): Promise<Database> {
  if (hubTestStore() === "sqlite") {
    const db = await openDatabase(join(dir, "hub.db"), options);
    migrate(db, HUB_MIGRATIONS);
    return db;
  }
  const schema = freshSchemaName("hubtest");
  const db = await openPostgres({ url: postgresUrl(), schema });
  migratePostgres(db);
  const close = db.close.bind(db);
  db.close = () => {
    db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    close();
  };
  return db;
}
