// Applies kiosk ledger entries exactly once per (device, sequence), in order, each in one transaction with its effects.
//
// The devices.acked_seq column is the high-water mark and the ledger primary key is the guard: an
// entry is applied only when it is exactly acked+1, in the same transaction that moves the mark with
// a compare-and-set, so duplicates, replays and concurrent hub instances cannot apply it twice. An
// entry above acked+1 means something was lost in between (for example a broker dropping queued
// messages): nothing after the gap is applied and the kiosk is asked to resend from the gap.
import type { Database } from "../storage/sqlite.js";
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../protocol/log.js";
import type { DeviceAddress } from "../protocol/topics.js";
import type { Ack, LedgerBatch, LedgerEntry, SaleFact } from "../protocol/messages.js";
import type { MemberRegistry, ScopedChange } from "./members.js";
import type { ConfigService } from "./config-service.js";
import { evaluateSale, SaleRejected } from "./evaluate.js";
import type { Authorizer } from "./authorizer.js";

export interface IngestStats {
  applied: number;
  duplicates: number;
  rejected: number;
  gaps: number;
  disagreements: number;
  overdrafts: number;
}

export class Ingest {
  readonly stats: IngestStats = { applied: 0, duplicates: 0, rejected: 0, gaps: 0, disagreements: 0, overdrafts: 0 };

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly members: MemberRegistry,
    private readonly configs: ConfigService,
    private readonly log: Logger,
    private readonly authorizer?: Authorizer,
  ) {}

  /** Totals over everything applied so far (all devices), from the database. */
  totals(): { sales: number; totalFen: number; pointsEarned: number } {
    const r = this.db
      .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(total_fen), 0) AS t, COALESCE(SUM(points_earned), 0) AS p FROM sales")
      .get<{ n: number; t: number; p: number }>();
    return { sales: r?.n ?? 0, totalFen: r?.t ?? 0, pointsEarned: r?.p ?? 0 };
  }

  ackedSeq(deviceId: string): number {
    return this.db.prepare("SELECT acked_seq FROM devices WHERE device_id = ?").get<{ acked_seq: number }>(deviceId)?.acked_seq ?? 0;
  }

  /** Applies what it can of the batch and returns the ack to send back, plus member changes to fan out. */
  handleBatch(device: DeviceAddress, batch: LedgerBatch): { ack: Ack; changes: ScopedChange[] } {
    const entries = [...batch.entries].sort((a, b) => a.seq - b.seq);
    const changes: ScopedChange[] = [];
    const rejected: NonNullable<Ack["rejected"]> = [];
    let resendFrom: number | undefined;
    // One transaction per batch (one fsync): every entry in it is still applied exactly once, in order.
    const acked = this.db.transaction(() => {
      let mark = this.ackedSeq(device.deviceId);
      for (const entry of entries) {
        if (entry.seq <= mark) {
          this.stats.duplicates++;
          continue;
        }
        if (entry.seq > mark + 1) {
          this.stats.gaps++;
          resendFrom = mark + 1;
          this.log.warn({ device: device.deviceId, expected: mark + 1, got: entry.seq }, "ledger gap: asking the kiosk to resend");
          break;
        }
        const outcome = this.applyOneInTx(device, entry, mark);
        mark = outcome.acked;
        if (outcome.changes) changes.push(...outcome.changes);
        if (outcome.rejected) rejected.push({ seq: entry.seq, reason: outcome.rejected });
      }
      return mark;
    });
    const ack: Ack = { ackedSeq: acked };
    if (resendFrom !== undefined) ack.resendFrom = resendFrom;
    if (rejected.length > 0) ack.rejected = rejected;
    return { ack, changes };
  }

  /** Inside the batch transaction: applies one entry and moves the mark, or applies nothing if the mark moved. */
  private applyOneInTx(
    device: DeviceAddress,
    entry: LedgerEntry,
    expectedAcked: number,
  ): { acked: number; changes?: ScopedChange[]; rejected?: string } {
    // Compare-and-set on the high-water mark: if another writer moved it, apply nothing.
    const moved = this.db
      .prepare("UPDATE devices SET acked_seq = ? WHERE device_id = ? AND acked_seq = ?")
      .run(entry.seq, device.deviceId, expectedAcked);
    if (moved.changes === 0) {
      this.stats.duplicates++;
      return { acked: this.ackedSeq(device.deviceId) };
    }
    const now = this.clock.now();
    let status: "applied" | "rejected" = "applied";
    let reason: string | undefined;
    let changes: ScopedChange[] | undefined;
    try {
      changes = this.applyFact(device, entry);
    } catch (err) {
      if (!(err instanceof SaleRejected)) throw err;
      status = "rejected";
      reason = err.message;
    }
    this.db
      .prepare(
        `INSERT INTO ledger (device_id, seq, entry_id, type, at, config_version, body, status, reason, applied_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(device.deviceId, entry.seq, entry.entryId, entry.fact.type, entry.at, entry.configVersion,
        JSON.stringify(entry.fact), status, reason, now);
    if (status === "rejected") {
      this.stats.rejected++;
      this.log.warn({ device: device.deviceId, seq: entry.seq, reason }, "ledger entry rejected; kept for review");
      return { acked: entry.seq, rejected: reason ?? "rejected" };
    }
    this.stats.applied++;
    return changes ? { acked: entry.seq, changes } : { acked: entry.seq };
  }

  private applyFact(device: DeviceAddress, entry: LedgerEntry): ScopedChange[] | undefined {
    switch (entry.fact.type) {
      case "sale":
        return this.applySale(device, entry, entry.fact);
    }
  }

  private applySale(device: DeviceAddress, entry: LedgerEntry, sale: SaleFact): ScopedChange[] {
    const config = this.configs.get(device.storeId, entry.configVersion);
    if (!config) throw new SaleRejected(`unknown config version ${entry.configVersion} for store ${device.storeId}`);
    const member = this.members.get(sale.memberId);
    if (!member) throw new SaleRejected(`unknown member ${sale.memberId}`);
    if (member.cardId !== sale.cardId) throw new SaleRejected(`card ${sale.cardId} does not belong to member ${sale.memberId}`);
    const result = evaluateSale(config.content, member, sale, entry.at);
    const now = this.clock.now();
    const hints = sale.hints;
    const pairs: Array<[string, number, number]> = [
      ["subtotalFen", hints.subtotalFen, result.subtotalFen],
      ["totalFen", hints.totalFen, result.totalFen],
      ["savingsFen", hints.savingsFen, result.savingsFen],
      ["pointsEarned", hints.pointsEarned, result.pointsEarned],
    ];
    for (const [field, kiosk, hub] of pairs) {
      if (kiosk === hub) continue;
      this.stats.disagreements++;
      this.db
        .prepare("INSERT INTO disagreements (device_id, seq, field, kiosk_value, hub_value, at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(device.deviceId, entry.seq, field, kiosk, hub, now);
      this.log.warn({ device: device.deviceId, seq: entry.seq, field, kiosk, hub }, "kiosk and hub disagree; the hub's figure is used");
    }
    const balanceFen = sale.tenders.filter((t) => t.kind === "balance").reduce((s, t) => s + t.amountFen, 0);
    const pointsSpent = sale.tenders.filter((t) => t.kind === "points").reduce((s, t) => s + t.amountFen, 0);
    this.db
      .prepare(
        `INSERT INTO sales (sale_id, device_id, seq, member_id, at, subtotal_fen, total_fen, savings_fen, points_earned, offline_approved)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(sale.saleId, device.deviceId, entry.seq, sale.memberId, entry.at, result.subtotalFen, result.totalFen,
        result.savingsFen, result.pointsEarned, sale.offlineApproved);
    if (result.pointsEarned !== 0) {
      this.db
        .prepare("INSERT INTO points_log (member_id, delta, reason, ref, at) VALUES (?, ?, 'sale', ?, ?)")
        .run(sale.memberId, result.pointsEarned, sale.saleId, now);
    }
    if (pointsSpent !== 0) {
      this.db
        .prepare("INSERT INTO points_log (member_id, delta, reason, ref, at) VALUES (?, ?, 'sale-redeem', ?, ?)")
        .run(sale.memberId, -pointsSpent, sale.saleId, now);
    }
    if (balanceFen !== 0) {
      this.db
        .prepare("INSERT INTO balance_log (member_id, delta_fen, reason, ref, at) VALUES (?, ?, 'sale', ?, ?)")
        .run(sale.memberId, -balanceFen, sale.saleId, now);
    }
    if (sale.authorization?.mode === "online") this.authorizer?.consumeInTx(sale.authorization.requestId);
    const changes = this.members.adjustInTx(sale.memberId, result.pointsEarned - pointsSpent, -balanceFen);
    // The money was taken at the kiosk (offline approvals, or a lapsed hold): record, never refuse.
    const after = this.members.get(sale.memberId);
    if (after && balanceFen > 0 && after.balanceFen < 0) this.recordOverdraft(device, entry, sale, "balance", balanceFen, after.balanceFen);
    if (after && pointsSpent > 0 && after.pointsBalance < 0) this.recordOverdraft(device, entry, sale, "points", pointsSpent, after.pointsBalance);
    return changes;
  }

  private recordOverdraft(device: DeviceAddress, entry: LedgerEntry, sale: SaleFact, kind: "balance" | "points", amount: number, after: number): void {
    this.stats.overdrafts++;
    this.db
      .prepare("INSERT INTO overdrafts (device_id, seq, member_id, kind, amount, balance_after, offline, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(device.deviceId, entry.seq, sale.memberId, kind, amount, after, sale.offlineApproved, this.clock.now());
    this.log.warn({ member: sale.memberId, sale: sale.saleId, kind, after, offline: sale.offlineApproved }, "overdraft: flagged for reconciliation");
  }

  overdrafts(): Array<{ deviceId: string; seq: number; memberId: string; kind: string; amount: number; balanceAfter: number; offline: boolean }> {
    return this.db
      .prepare("SELECT device_id, seq, member_id, kind, amount, balance_after, offline FROM overdrafts ORDER BY at, device_id, seq")
      .all<{ device_id: string; seq: number; member_id: string; kind: string; amount: number; balance_after: number; offline: number }>()
      .map((r) => ({ deviceId: r.device_id, seq: r.seq, memberId: r.member_id, kind: r.kind, amount: r.amount, balanceAfter: r.balance_after, offline: r.offline === 1 }));
  }
}
