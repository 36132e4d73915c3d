// Changelog entries for many member rows in one statement (a ledger batch's members, hub/ingest.ts): MemberRegistry.recordRowChangeInTx for each row, appended together.
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import { toRecord, type MemberRow } from "./member-row.js";
import type { ScopedChange } from "./members.js";
import { changelogAppendManySql } from "./sql-dialect.js";

/**
 * Inside the caller's transaction: the entries recordRowChangeInTx would make for each row (one upsert
 * per store scope, the stores unchanged), in the same order, appended in one statement before commit
 * (commit order, sql-dialect.ts); each change carries its seq once the transaction has committed.
 */
export function recordRowChangesInTx(db: Database, clock: Clock, rows: readonly MemberRow[]): ScopedChange[] {
  const out: Array<{ memberId: string; scoped: ScopedChange }> = [];
  for (const row of rows) {
    const stores = JSON.parse(row.stores) as string[];
    for (const storeId of stores.length === 0 ? [null] : stores)
      out.push({ memberId: row.member_id, scoped: { storeId, change: { kind: "upsert", seq: 0, member: toRecord(row) } } });
  }
  if (out.length === 0) return [];
  const now = clock.now();
  db.beforeCommit(() => {
    const entries = out.map((c, i) => ({ i, member_id: c.memberId, kind: "upsert", at: now, store_id: c.scoped.storeId }));
    const seqs = db.prepare(changelogAppendManySql(db)).all<{ seq: number; member_id: string; store_id: string | null }>(JSON.stringify(entries));
    if (seqs.length !== out.length) throw new Error(`member changelog: ${seqs.length} of ${out.length} rows appended`);
    const byKey = new Map(out.map((c) => [`${c.memberId}\u0000${c.scoped.storeId ?? ""}`, c.scoped.change]));
    for (const s of seqs) byKey.get(`${s.member_id}\u0000${s.store_id ?? ""}`)!.seq = Number(s.seq);
  });
  return out.map((c) => c.scoped);
}
