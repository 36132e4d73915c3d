// Members imported from an old system: their import day and the old system's cumulative spend and top-up (member_openings), read by the level metrics, portraits and consultant multipliers.
//
// The old system's purchases and top-ups are not in the hub's ledger; the opening figures stand for
// them. A member with a row here was imported: the hub knows their purchases from `importedOn` on, so
// "no purchase for N days" (lost, won back) counts from the import day, not from the card's issue.
import type { Database } from "../../storage/database.js";
import type { IsoDate } from "../../protocol/rules/time.js";

export interface MemberOpening {
  importedOn: IsoDate;
  spendFen: number;
  topUpFen: number;
  /** When the row was written (ms): the figures count in metrics "as of" any later time. */
  at: number;
}

/** The member's opening figures, or undefined for a member not imported through the back office. */
export function openingOf(db: Database, memberId: string): MemberOpening | undefined {
  const r = db
    .prepare("SELECT imported_on, spend_fen, top_up_fen, created_at FROM member_openings WHERE member_id = ?")
    .get<{ imported_on: string; spend_fen: number; top_up_fen: number; created_at: number }>(memberId);
  return r ? { importedOn: r.imported_on, spendFen: Number(r.spend_fen), topUpFen: Number(r.top_up_fen), at: Number(r.created_at) } : undefined;
}

/** Inside the row's savepoint: records the import (and its opening figures). */
export function saveOpeningInTx(db: Database, memberId: string, o: MemberOpening): void {
  db.prepare("INSERT INTO member_openings (member_id, imported_on, spend_fen, top_up_fen, created_at) VALUES (?, ?, ?, ?, ?)").run(
    memberId,
    o.importedOn,
    o.spendFen,
    o.topUpFen,
    o.at,
  );
}
