// The kiosk's copy of its store's catalog (migration 10): one row per product with its hash and the version held, written in one transaction per delta or snapshot.
import type { Database } from "../storage/database.js";
import type { Migration } from "../storage/sqlite.js";
import { EMPTY_CATALOG, catalogHash, type CatalogState } from "../protocol/catalog-delta.js";
import type { Product } from "../protocol/rules/config.js";

export const KIOSK_CATALOG_MIGRATIONS: readonly Migration[] = [
  {
    version: 10,
    name: "catalog-changelog",
    sql: `
      -- The store catalog this kiosk prices with, at catalog_state.version (protocol/catalog-delta.ts).
      CREATE TABLE catalog_items (
        sku   TEXT PRIMARY KEY,
        body  TEXT NOT NULL,
        hash  TEXT NOT NULL
      );
      CREATE TABLE catalog_state (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        version       INTEGER NOT NULL,
        catalog_hash  TEXT NOT NULL
      );
    `,
  },
];

/** Catalog rows read per statement when the kiosk loads its catalog. */
const LOAD_PAGE = 1_000;

/** What one verified message changes (protocol/catalog-delta.ts planCatalog's answer). */
export interface CatalogWrite {
  next: CatalogState;
  put: readonly Product[];
  remove: readonly string[];
  replace: boolean;
}

export class KioskCatalogStore {
  /** For tests: runs between the rows and the version inside the transaction (a throw there is a crash mid-apply). */
  duringApply: (() => void) | undefined;

  constructor(private readonly db: Database) {}

  /**
   * The catalog held, checked against the hash saved with it; a copy that does not hash to it (a
   * disk that lost a page) is dropped, so the kiosk takes a snapshot instead of pricing with it.
   */
  load(): { state: CatalogState; dropped: boolean } {
    const head = this.db.prepare("SELECT version, catalog_hash FROM catalog_state WHERE id = 1").get<{ version: number; catalog_hash: string }>();
    if (!head) return { state: EMPTY_CATALOG, dropped: false };
    const products = new Map<string, Product>();
    const hashes = new Map<string, string>();
    // In pages by rowid (the order the rows were written, as one SELECT gave it): never all 50,000 rows
    // and their JSON text in memory at once, which at start-up was the kiosk's peak (README "Real size").
    const page = this.db.prepare("SELECT rowid AS n, sku, body, hash FROM catalog_items WHERE rowid > ? ORDER BY rowid LIMIT ?");
    for (let after = 0; ; ) {
      const rows = page.all<{ n: number; sku: string; body: string; hash: string }>(after, LOAD_PAGE);
      for (const r of rows) {
        products.set(r.sku, JSON.parse(r.body) as Product);
        hashes.set(r.sku, r.hash);
      }
      if (rows.length < LOAD_PAGE) break;
      after = Number(rows[rows.length - 1]!.n);
    }
    const state: CatalogState = { version: Number(head.version), products, hashes, catalogHash: catalogHash(hashes) };
    if (state.catalogHash !== head.catalog_hash) {
      this.clear();
      return { state: EMPTY_CATALOG, dropped: true };
    }
    return { state, dropped: false };
  }

  /** Writes a verified message all or nothing: the rows and the version in one transaction. */
  apply(w: CatalogWrite): void {
    this.db.transaction(() => {
      if (w.replace) this.db.exec("DELETE FROM catalog_items");
      for (const sku of w.remove) this.db.prepare("DELETE FROM catalog_items WHERE sku = ?").run(sku);
      const put = this.db.prepare(
        "INSERT INTO catalog_items (sku, body, hash) VALUES (?, ?, ?) ON CONFLICT (sku) DO UPDATE SET body = excluded.body, hash = excluded.hash",
      );
      for (const p of w.put) put.run(p.sku, JSON.stringify(p), w.next.hashes.get(p.sku));
      this.duringApply?.();
      this.db
        .prepare(
          "INSERT INTO catalog_state (id, version, catalog_hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, catalog_hash = excluded.catalog_hash",
        )
        .run(w.next.version, w.next.catalogHash);
    });
  }

  clear(): void {
    this.db.transaction(() => {
      this.db.exec("DELETE FROM catalog_items");
      this.db.exec("DELETE FROM catalog_state");
    });
  }
}
