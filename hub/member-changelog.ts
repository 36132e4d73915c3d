// The read side of the per-store member changelog: cursor positions (one store or many in one query), the compaction horizon, and compaction.
import type { Database } from "../storage/database.js";
import { jsonArraySql } from "./sql-dialect.js";

export class MemberChangelog {
  constructor(private readonly db: Database) {}

  /** The store's latest changelog position at or before `beforeSeq` (exclusive). */
  cursorBefore(storeId: string, beforeSeq: number): number {
    return (
      this.db
        .prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM member_changes WHERE seq < ? AND (store_id IS NULL OR store_id = ?)")
        .get<{ s: number }>(beforeSeq, storeId)?.s ?? 0
    );
  }

  /**
   * cursorBefore for many stores in one query (a chain-wide member change is pushed to every store:
   * one round trip, not one per store). Each store's maximum comes from the (store_id, seq) index.
   */
  cursorsBefore(storeIds: readonly string[], beforeSeq: number): Map<string, number> {
    if (storeIds.length === 0) return new Map();
    const stores = jsonArraySql(this.db, "?", "st");
    const rows = this.db
      .prepare(
        `SELECT ${stores.value} AS store_id,
           (SELECT COALESCE(MAX(c.seq), 0) FROM member_changes c WHERE c.store_id = ${stores.value} AND c.seq < ?) AS scoped,
           (SELECT COALESCE(MAX(g.seq), 0) FROM member_changes g WHERE g.store_id IS NULL AND g.seq < ?) AS everywhere
         FROM ${stores.from}`,
      )
      .all<{ store_id: string; scoped: number; everywhere: number }>(beforeSeq, beforeSeq, JSON.stringify(storeIds));
    return new Map(rows.map((r) => [r.store_id, Math.max(r.scoped, r.everywhere)]));
  }

  /** Changelog rows below this were compacted away: older cursors must take a snapshot. */
  horizon(): number {
    return this.db.prepare("SELECT CAST(value AS BIGINT) AS value FROM hub_meta WHERE key = 'changelog_horizon'").get<{ value: number }>()?.value ?? 0;
  }

  /** Drops superseded changelog rows and tombstones below `beforeSeq`; returns how many rows went. */
  compact(beforeSeq: number): number {
    return this.db.transaction(() => {
      const r = this.db
        .prepare(
          `DELETE FROM member_changes WHERE seq < ? AND (kind = 'delete' OR seq NOT IN (
             SELECT MAX(seq) FROM member_changes GROUP BY member_id, COALESCE(store_id, '')))`,
        )
        .run(beforeSeq);
      this.db
        .prepare(
          `INSERT INTO hub_meta (key, value) VALUES ('changelog_horizon', ?) ON CONFLICT (key) DO UPDATE SET value =
             CASE WHEN CAST(hub_meta.value AS BIGINT) >= CAST(excluded.value AS BIGINT) THEN hub_meta.value ELSE excluded.value END`,
        )
        .run(beforeSeq);
      return r.changes;
    });
  }
}
