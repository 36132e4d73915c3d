// Ingest totals read from the database (they survive restarts and cover every hub instance), for GET /stats/ingest.
import type { Database } from "../storage/database.js";

export interface IngestTotals {
  /** Ledger entries applied, and kept as rejected (with their reason). */
  applied: number;
  rejected: number;
  disagreements: number;
  overdrafts: number;
  returns: number;
  /** Ledger entries by fact type (sale, return, gate_entry, ...), applied or rejected. */
  byType: Record<string, number>;
}

export function readIngestTotals(db: Database): IngestTotals {
  const count = (sql: string): number => Number(db.prepare(sql).get<{ n: number | string }>()?.n ?? 0);
  const byType: Record<string, number> = {};
  for (const r of db.prepare("SELECT type, COUNT(*) AS n FROM ledger GROUP BY type ORDER BY type").all<{ type: string; n: number | string }>())
    byType[r.type] = Number(r.n);
  return {
    applied: count("SELECT COUNT(*) AS n FROM ledger WHERE status = 'applied'"),
    rejected: count("SELECT COUNT(*) AS n FROM ledger WHERE status = 'rejected'"),
    disagreements: count("SELECT COUNT(*) AS n FROM disagreements"),
    overdrafts: count("SELECT COUNT(*) AS n FROM overdrafts"),
    returns: count("SELECT COUNT(*) AS n FROM returns"),
    byType,
  };
}
