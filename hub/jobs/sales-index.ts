// Follows the ledger's applied sales: indexes their lines (sku, category, brand) for segments, adds growth value, and marks level metrics changed.
//
// Runs on every scheduler tick over the sales not yet marked indexed, oldest first, in one
// transaction per batch that reads them, indexes them and marks them, so each sale is counted once
// (also when the transaction is retried, or two instances index at once: PostgreSQL serialises
// them). A flag rather than a rowid cursor: with several hub instances a lower id can commit after a
// higher one. Growth-value upgrades happen here, at once.
import type { BackofficeDeps } from "../backoffice/deps.js";
import { growthOf, growthUpgradeInTx } from "../backoffice/levels.js";
import { localDate } from "../../protocol/rules/time.js";
import type { Actor } from "../audit.js";
import { transact } from "../backoffice/work.js";
import type { Product } from "../../protocol/rules/config.js";

interface SaleRow {
  sale_id: string;
  member_id: string;
  at: number;
  total_fen: number;
  body: string | null;
  config_version: number | null;
  store_id: string | null;
}

/** Products by sku, built once per catalog (a 50,000-item catalog was searched line by line per sale line). */
const skuMaps = new WeakMap<readonly Product[], Map<string, Product>>();
function productsBySku(catalog: readonly Product[]): Map<string, Product> {
  let m = skuMaps.get(catalog);
  if (!m) {
    m = new Map();
    // The first product with a sku wins, as Array.find did.
    for (const p of catalog) if (!m.has(p.sku)) m.set(p.sku, p);
    skuMaps.set(catalog, m);
  }
  return m;
}

/** Indexes up to `batch` not yet indexed sales in one transaction; how many it took. */
function indexBatch(d: BackofficeDeps, actor: Actor, batch: number): number {
  const chainRules = d.rules.chain();
  return transact(d.db, d.registry, (w) => {
    const rows = d.db
      .prepare(
        `SELECT s.sale_id, s.member_id, s.at, s.total_fen, l.body, l.config_version, dv.store_id
         FROM sales s LEFT JOIN ledger l ON l.device_id = s.device_id AND l.seq = s.seq LEFT JOIN devices dv ON dv.device_id = s.device_id
         WHERE s.indexed = 0 ORDER BY s.rowid LIMIT ?`,
      )
      .all<SaleRow>(batch);
    // Growth value per member over the batch: one level-state read and write per member, not per sale.
    const growth = new Map<string, number>();
    for (const r of rows) {
      const storeId = r.store_id ?? "unknown";
      const fact = r.body ? (JSON.parse(r.body) as { catalogVersion?: number; lines?: Array<{ sku: string; qty: number }> }) : undefined;
      const config = r.store_id && r.config_version !== null ? d.configs.forFact(r.store_id, r.config_version, fact?.catalogVersion) : undefined;
      const rules = config?.content.rules ?? chainRules;
      const products = productsBySku(rules.catalog);
      const day = localDate(r.at, rules.utcOffsetMinutes);
      const lines = fact?.lines ?? [];
      lines.forEach((line, i) => {
        const product = products.get(line.sku);
        d.db
          .prepare(
            "INSERT INTO sale_lines (sale_id, line, member_id, store_id, day, sku, category, brand, qty) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          )
          .run(r.sale_id, i, r.member_id, storeId, day, line.sku, product?.category ?? null, product?.brand ?? null, line.qty);
      });
      d.db.prepare("UPDATE sales SET indexed = 1 WHERE sale_id = ? AND indexed = 0").run(r.sale_id);
      growth.set(r.member_id, (growth.get(r.member_id) ?? 0) + growthOf(r.total_fen));
    }
    const touched: string[] = [];
    for (const [memberId, g] of growth) {
      if (!d.registry.get(memberId)) continue;
      const s = d.data.levelState(memberId);
      d.data.saveLevelStateInTx(memberId, { ...s, growth: s.growth + g, windowGrowth: s.windowGrowth + g, dirty: true });
      touched.push(memberId);
    }
    for (const id of touched) growthUpgradeInTx(d, w, id, chainRules, actor);
    return rows.length;
  });
}

/** Indexes every not yet indexed sale, in one go (tests, benches; the scheduler uses indexNewSalesYielding). */
export function indexNewSales(d: BackofficeDeps, actor: Actor, batch = 1000): number {
  let total = 0;
  for (;;) {
    const done = indexBatch(d, actor, batch);
    total += done;
    if (done < batch) return total;
  }
}

/**
 * The same, handing the event loop back between batches (the hub's ingest and HTTP share it): a
 * backlog of tens of thousands of sales no longer blocks the process for seconds at start.
 */
export async function indexNewSalesYielding(d: BackofficeDeps, actor: Actor, batch = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const done = indexBatch(d, actor, batch);
    total += done;
    if (done < batch) return total;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
