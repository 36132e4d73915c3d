// A return's own rows at ingest, written row by row inside the batch (its card credit updates the row; a later return of the same sale reads the units): the returns row and the units returned.
import type { Database } from "../storage/database.js";
import type { DeviceAddress } from "../protocol/topics.js";
import type { LedgerEntry, ReturnFact } from "../protocol/messages.js";
import type { evaluateReturn } from "./evaluate.js";

type ReturnResult = ReturnType<typeof evaluateReturn>;

/** The units of the sale returned before (by line), this batch's returns included (they are written at once). */
export function returnedBefore(db: Database, saleId: string): Array<{ index: number; qty: number }> {
  return db
    .prepare("SELECT line, qty FROM returned_units WHERE sale_id = ?")
    .all<{ line: number; qty: number }>(saleId)
    .map((r) => ({ index: r.line, qty: r.qty }));
}

/** Inside the ingest transaction: the return as the hub computed it, and its units added to what was returned of the sale. */
export function recordReturnInTx(
  db: Database,
  device: DeviceAddress,
  entry: LedgerEntry,
  ret: ReturnFact,
  t: ReturnResult["totals"],
  lines: ReturnResult["lines"],
): void {
  db.prepare(
    `INSERT INTO returns (return_id, sale_id, device_id, seq, member_id, staff_id, at, refund_fen, principal_fen, bonus_fen, external_fen,
       points_given_back, points_taken_back, lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    ret.returnId,
    ret.saleId,
    device.deviceId,
    entry.seq,
    ret.memberId,
    ret.staffId,
    entry.at,
    t.refundFen,
    t.principalFen,
    t.bonusFen,
    t.externalFen,
    t.pointsGivenBack,
    t.pointsTakenBack,
    JSON.stringify(lines.map((l) => ({ index: l.index, qty: l.qty }))),
  );
  for (const l of lines) {
    db.prepare(
      "INSERT INTO returned_units (sale_id, line, qty) VALUES (?, ?, ?) ON CONFLICT (sale_id, line) DO UPDATE SET qty = returned_units.qty + excluded.qty",
    ).run(ret.saleId, l.index, l.qty);
  }
}
