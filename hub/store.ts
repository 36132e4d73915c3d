// Opens the hub's store as configured: SQLite under dataDir (one hub) or PostgreSQL (several hub instances), with its migrations applied.
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { openDatabase, migrate } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { openPostgres } from "../storage/postgres.js";
import type { HubConfig } from "./config.js";
import { HUB_MIGRATIONS } from "./schema.js";
import { HUB_PG_MIGRATIONS } from "./pg-schema.js";

/**
 * Applies the PostgreSQL migrations while holding a session advisory lock keyed by the schema (as
 * every hub lock is: `hashtext(current_schema())`), so instances starting together apply each
 * migration once (the others wait, then find it recorded).
 */
export function migratePostgres(db: Database): number {
  db.prepare("SELECT pg_advisory_lock(hashtext(current_schema()), hashtext('migrate'))").get();
  try {
    return migrate(db, HUB_PG_MIGRATIONS);
  } finally {
    db.prepare("SELECT pg_advisory_unlock(hashtext(current_schema()), hashtext('migrate'))").get();
  }
}

/** Where a one-box hub keeps its SQLite database. */
export function sqliteHubPath(config: HubConfig): string {
  return join(config.dataDir, "hub.db");
}

/** The hub's database, migrated; `instance` names the connection in pg_stat_activity. */
export async function openHubStore(config: HubConfig, instance = `hub-${process.pid}`): Promise<Database> {
  if (config.store.kind === "postgres") {
    const db = await openPostgres({ url: config.store.url, schema: config.store.schema, applicationName: instance });
    try {
      migratePostgres(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return db;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const db = await openDatabase(sqliteHubPath(config));
  migrate(db, HUB_MIGRATIONS);
  return db;
}
