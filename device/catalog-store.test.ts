// The kiosk catalog store: a catalog larger than one load page comes back whole, each product and hash as written, and a copy that lost a row is dropped.
import { describe, it, expect, afterEach } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, migrate } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { catalogState } from "../protocol/catalog-delta.js";
import { ProductSchema } from "../protocol/rules/config.js";
import { KIOSK_MIGRATIONS } from "./schema.js";
import { KioskCatalogStore } from "./catalog-store.js";

let dir: string;
let db: Database;
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("KioskCatalogStore.load", () => {
  it("reads back a 2,500-item catalog (several pages) whole, with its hashes", async () => {
    dir = mkdtempSync(join(tmpdir(), "kiosk-catalog-"));
    db = await openDatabase(join(dir, "kiosk.db"));
    migrate(db, KIOSK_MIGRATIONS);
    // Skus whose order differs from the insertion order: the catalog comes back in the order it was written.
    const products = Array.from({ length: 2_500 }, (_, i) =>
      ProductSchema.parse({ sku: `s${(i * 7919) % 2_500}`, name: `n${i}`, category: "c", priceFen: 100 + i }),
    );
    const next = catalogState(4, products);
    const store = new KioskCatalogStore(db);
    store.apply({ next, put: products, remove: [], replace: true });
    const { state, dropped } = store.load();
    expect(dropped).toBe(false);
    expect(state.version).toBe(4);
    expect(state.products.size).toBe(2_500);
    expect(state.catalogHash).toBe(next.catalogHash);
    expect([...state.products.values()]).toEqual(products);
    expect([...state.hashes]).toEqual(expect.arrayContaining([...next.hashes]));

    db.prepare("DELETE FROM catalog_items WHERE sku = ?").run(products[1]!.sku);
    expect(store.load().dropped).toBe(true);
  });
});
