// Read-only queries over what ingest recorded: a sale as the hub evaluated it (for its returns), gate entries, verifications, returns, overdrafts.
import type { Database } from "../storage/database.js";
import type { SaleFact } from "../protocol/messages.js";
import type { PricedCart } from "../protocol/rules/pricing-types.js";
import type { TenderPlan } from "../protocol/rules/tenders.js";
import type { ConfigService } from "./config-service.js";
import type { MemberRegistry } from "./members.js";
import { evaluateSale, saleTenders } from "./evaluate.js";
import { pricedCartOfText, tenderPlanOfText } from "../protocol/compact-lines.js";

export interface MemberActivity {
  gate: Array<{ deviceId: string; admitted: boolean; reason: string | null; at: number }>;
  verifications: Array<{ deviceId: string; staffId: string; decision: string; at: number }>;
  returns: Array<{ returnId: string; saleId: string; refundFen: number; pointsGivenBack: number; pointsTakenBack: number }>;
}

export interface OverdraftRow {
  deviceId: string;
  seq: number;
  memberId: string;
  kind: string;
  amount: number;
  balanceAfter: number;
  offline: boolean;
}

/** Gate entries, verifications and returns recorded for a member (newest first). */
export function memberActivity(db: Database, memberId: string): MemberActivity {
  return {
    gate: db
      .prepare("SELECT device_id, admitted, reason, at FROM gate_entries WHERE member_id = ? ORDER BY at DESC, seq DESC")
      .all<{ device_id: string; admitted: number; reason: string | null; at: number }>(memberId)
      .map((r) => ({ deviceId: r.device_id, admitted: r.admitted === 1, reason: r.reason, at: r.at })),
    verifications: db
      .prepare("SELECT device_id, staff_id, decision, at FROM verifications WHERE member_id = ? ORDER BY at DESC, seq DESC")
      .all<{ device_id: string; staff_id: string; decision: string; at: number }>(memberId)
      .map((r) => ({ deviceId: r.device_id, staffId: r.staff_id, decision: r.decision, at: r.at })),
    returns: db
      .prepare("SELECT return_id, sale_id, refund_fen, points_given_back, points_taken_back FROM returns WHERE member_id = ? ORDER BY at DESC")
      .all<{ return_id: string; sale_id: string; refund_fen: number; points_given_back: number; points_taken_back: number }>(memberId)
      .map((r) => ({
        returnId: r.return_id,
        saleId: r.sale_id,
        refundFen: r.refund_fen,
        pointsGivenBack: r.points_given_back,
        pointsTakenBack: r.points_taken_back,
      })),
  };
}

/** Sales that took a balance or points below zero, oldest first. */
export function overdrafts(db: Database): OverdraftRow[] {
  return db
    .prepare("SELECT device_id, seq, member_id, kind, amount, balance_after, offline FROM overdrafts ORDER BY at, device_id, seq")
    .all<{ device_id: string; seq: number; member_id: string; kind: string; amount: number; balance_after: number; offline: number }>()
    .map((r) => ({
      deviceId: r.device_id,
      seq: r.seq,
      memberId: r.member_id,
      kind: r.kind,
      amount: r.amount,
      balanceAfter: r.balance_after,
      offline: r.offline === 1,
    }));
}

/** The hub's evaluation of a sale it applied (stored at ingest; re-derived for sales from before migration 4). */
export function saleForReturn(
  db: Database,
  configs: ConfigService,
  members: MemberRegistry,
  saleId: string,
): { memberId: string; storeId: string | null; priced: PricedCart; tenders: TenderPlan | undefined } | undefined {
  const row = db
    .prepare(
      `SELECT s.member_id, s.balance_fen, v.store_id, d.priced, d.tenders FROM sales s LEFT JOIN sale_details d ON d.sale_id = s.sale_id
       LEFT JOIN devices v ON v.device_id = s.device_id WHERE s.sale_id = ?`,
    )
    .get<{ member_id: string; balance_fen: number | null; store_id: string | null; priced: string | null; tenders: string | null }>(saleId);
  if (!row) return undefined;
  if (row.priced !== null) {
    const tenders = row.tenders === null ? null : tenderPlanOfText(row.tenders);
    return { memberId: row.member_id, storeId: row.store_id, priced: pricedCartOfText(row.priced), tenders: tenders ?? undefined };
  }
  const ledger = db
    .prepare(
      "SELECT l.body, l.config_version, l.at, d.store_id FROM sales s JOIN ledger l ON l.device_id = s.device_id AND l.seq = s.seq JOIN devices d ON d.device_id = s.device_id WHERE s.sale_id = ?",
    )
    .get<{ body: string; config_version: number; at: number; store_id: string }>(saleId);
  const fact = ledger ? (JSON.parse(ledger.body) as SaleFact) : undefined;
  const config = ledger && fact ? configs.forFact(ledger.store_id, ledger.config_version, fact.catalogVersion) : undefined;
  const member = members.get(row.member_id);
  if (!ledger || !fact || !config || !member) return undefined;
  const priced = evaluateSale(config.content, member, fact, ledger.at).priced;
  // What the hub debited for it then (sales.balance_fen); the kiosk's split only as far as it fits inside that.
  const debited = Number(row.balance_fen ?? 0);
  const bonus = Math.min(fact.balanceSplit?.bonusFen ?? 0, debited);
  return {
    memberId: row.member_id,
    storeId: row.store_id,
    priced,
    tenders: saleTenders(config.content, priced, { principalFen: debited - bonus, bonusFen: bonus }),
  };
}
