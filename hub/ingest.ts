// Applies kiosk ledger entries exactly once per (device, sequence), in order, each in one transaction with its effects.
//
// The devices.acked_seq column is the high-water mark and the ledger primary key is the guard: an
// entry is applied only when it is exactly acked+1, in the same transaction that moves the mark with
// a compare-and-set, so duplicates, replays and concurrent hub instances cannot apply it twice. An
// entry above acked+1 means something was lost in between (for example a broker dropping queued
// messages): nothing after the gap is applied and the kiosk is asked to resend from the gap.
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import type { DeviceAddress } from "../protocol/topics.js";
import type { Ack, LedgerBatch, LedgerEntry, MemberRecord, ReturnFact, SaleFact } from "../protocol/messages.js";
import type { MemberRegistry, ScopedChange } from "./members.js";
import { toRecord } from "./member-row.js";
import type { ConfigService } from "./config-service.js";
import { checkSaleBounds, evaluateReturn, evaluateSale, hubBalanceSplit, ReturnRejected, SaleRejected, saleTenders } from "./evaluate.js";
import { IngestGuard } from "./ingest-guard.js";
import { memberActivity, overdrafts, saleForReturn, type MemberActivity, type OverdraftRow } from "./ingest-queries.js";
import { rowLocks } from "./sql-dialect.js";
import { BALANCE_LOG, BatchWrites, POINTS_LOG, runEnd } from "./ingest-batch.js";
import { recordReturnInTx, returnedBefore } from "./ingest-returns.js";
import { recordRowChangesInTx } from "./member-changes.js";
import { MoneyLedger } from "./backoffice/ledger.js";
import { cardDebit, creditCardInTx, debitCardInTx } from "./ingest-cards.js";
import { recordPlainFactInTx } from "./ingest-records.js";
import type { Authorizer } from "./authorizer.js";
import { hashReceiptToken, RECEIPT_TOKEN } from "./app/receipts.js";
import { purchaseReceipt } from "./notify/templates.js";
import { pricedCartText, tenderPlanText } from "../protocol/compact-lines.js";

export interface IngestStats {
  applied: number;
  duplicates: number;
  rejected: number;
  gaps: number;
  disagreements: number;
  overdrafts: number;
  returns: number;
  gateEntries: number;
  verifications: number;
  claims: number;
}

/** Ingest counters all at zero (a new Ingest, or a count per batch). */
export function zeroIngestStats(): IngestStats {
  return { applied: 0, duplicates: 0, rejected: 0, gaps: 0, disagreements: 0, overdrafts: 0, returns: 0, gateEntries: 0, verifications: 0, claims: 0 };
}

export class Ingest {
  readonly stats: IngestStats = zeroIngestStats();
  private readonly guard: IngestGuard;
  /** Shopping-card debits and credits (hub/ingest-cards.ts). */
  private readonly cards: MoneyLedger;
  /** The members the batch in its transaction moved (one changelog entry each at the end, with the row as the batch leaves it). */
  private readonly moved = new Set<string>();
  /** The batch's writes, held until its end (hub/ingest-batch.ts); a fresh one for each try of the transaction. */
  private tx!: BatchWrites;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly members: MemberRegistry,
    private readonly configs: ConfigService,
    private readonly log: Logger,
    private readonly authorizer?: Authorizer,
    /** Row by row: every row and member change written when it is made (the batched path's reference, tests). */
    private readonly opts: { rowByRow?: boolean } = {},
  ) {
    this.guard = new IngestGuard(db, clock, members, authorizer);
    this.cards = new MoneyLedger(db, clock, members);
  }

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
    let changes: ScopedChange[] = [];
    let rejected: NonNullable<Ack["rejected"]> = [];
    let resendFrom: number | undefined;
    const statsBefore = { ...this.stats };
    // One transaction per batch (one fsync): every entry in it is still applied exactly once, in order.
    // On PostgreSQL a batch the server aborts (a deadlock with another writer) runs again from the
    // start: what the lost attempt collected or counted is dropped first.
    const acked = this.transactionCounted(statsBefore, () => {
      Object.assign(this.stats, statsBefore);
      changes = [];
      rejected = [];
      resendFrom = undefined;
      this.moved.clear();
      this.tx = new BatchWrites(this.db, this.clock, this.opts.rowByRow === true);
      // Row locks (PostgreSQL; the transaction runs READ COMMITTED): the device's mark first, so two
      // instances holding batches of one kiosk take turns, then the members whose money and points
      // the batch moves, in id order, so batches touching the same members wait instead of aborting
      // (read in the same statement: the batch keeps them, hub/ingest-batch.ts).
      let mark = this.db.prepare(rowLocks.deviceMarkSql(this.db)).get<{ acked_seq: number }>(device.deviceId)?.acked_seq ?? 0;
      const touched = entries.flatMap((e) => (e.seq > mark && (e.fact.type === "sale" || e.fact.type === "return") ? [e.fact.memberId] : []));
      this.tx.members.load(touched);
      // Each sale queues a receipt: where the members' receipts go, read once.
      this.tx.loadRecipients("purchase-receipt", touched);
      /** The mark the batch has moved to already (the compare-and-set covers a run of entries at once). */
      let claimed = mark;
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
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
        if (entry.seq > claimed) {
          // Compare-and-set on the high-water mark, once for the run of consecutive entries from here
          // (every one is applied or kept as rejected; anything else fails the whole batch): if another
          // writer moved it, apply nothing and go on from where it stands.
          const last = runEnd(entries, i);
          const moved = this.db.prepare("UPDATE devices SET acked_seq = ? WHERE device_id = ? AND acked_seq = ?").run(last, device.deviceId, mark);
          if (moved.changes === 0) {
            this.stats.duplicates++;
            mark = this.ackedSeq(device.deviceId);
            claimed = mark;
            continue;
          }
          claimed = last;
        }
        const outcome = this.applyOneInTx(device, entry);
        mark = entry.seq;
        if (outcome.changes) changes.push(...outcome.changes);
        if (outcome.rejected) rejected.push({ seq: entry.seq, reason: outcome.rejected });
      }
      // One changelog entry per member the batch moved, with the row as the batch leaves it (a kiosk
      // pulling or taking the push gets the member's latest state either way): 60 members in a batch
      // of 500 sales are 60 entries and a push of 60 records, not 500.
      const rows = [...this.moved].flatMap((id) => this.tx.members.get(id) ?? []);
      this.tx.flush();
      changes.push(...(this.opts.rowByRow ? rows.flatMap((row) => this.members.recordRowChangeInTx(row)) : recordRowChangesInTx(this.db, this.clock, rows)));
      this.moved.clear();
      return mark;
    });
    const ack: Ack = { ackedSeq: acked };
    if (resendFrom !== undefined) ack.resendFrom = resendFrom;
    if (rejected.length > 0) ack.rejected = rejected;
    return { ack, changes };
  }

  /** Runs the batch transaction; if it fails for good, the counters are as they were before it. */
  private transactionCounted<T>(statsBefore: IngestStats, fn: () => T): T {
    try {
      return this.db.transaction(fn, { isolation: "read committed" });
    } catch (err) {
      Object.assign(this.stats, statsBefore);
      throw err;
    }
  }

  /** Inside the batch transaction, the mark already moved past it: applies one entry, or keeps it as rejected. */
  private applyOneInTx(device: DeviceAddress, entry: LedgerEntry): { changes?: ScopedChange[]; rejected?: string } {
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
    this.tx.rows.add("INSERT INTO ledger (device_id, seq, entry_id, type, at, config_version, body, status, reason, applied_at)", [
      device.deviceId,
      entry.seq,
      entry.entryId,
      entry.fact.type,
      entry.at,
      entry.configVersion,
      JSON.stringify(entry.fact),
      status,
      reason,
      now,
    ]);
    if (status === "rejected") {
      this.stats.rejected++;
      this.log.warn({ device: device.deviceId, seq: entry.seq, reason }, "ledger entry rejected; kept for review");
      return { rejected: reason ?? "rejected" };
    }
    this.stats.applied++;
    return changes ? { changes } : {};
  }

  private applyFact(device: DeviceAddress, entry: LedgerEntry): ScopedChange[] | undefined {
    switch (entry.fact.type) {
      case "sale":
        return this.applySale(device, entry, entry.fact);
      case "return":
        return this.applyReturn(device, entry, entry.fact);
      default: {
        const counter = recordPlainFactInTx(this.tx.rows, device, entry);
        if (counter) this.stats[counter]++;
        return undefined;
      }
    }
  }

  /** Records where the kiosk's figures differ from the hub's; the hub's are used. */
  private disagree(device: DeviceAddress, entry: LedgerEntry, pairs: ReadonlyArray<[string, number, number]>): void {
    const now = this.clock.now();
    for (const [field, kiosk, hub] of pairs) {
      if (kiosk === hub) continue;
      this.stats.disagreements++;
      this.tx.rows.add("INSERT INTO disagreements (device_id, seq, field, kiosk_value, hub_value, at)", [device.deviceId, entry.seq, field, kiosk, hub, now]);
      this.log.warn({ device: device.deviceId, seq: entry.seq, field, kiosk, hub }, "kiosk and hub disagree; the hub's figure is used");
    }
  }

  /**
   * Inside the ingest transaction: coupon instances leave (or come back to) the member and the bonus
   * part of the stored value moves, before adjustInTx writes the member's changelog entry.
   */
  private memberExtrasInTx(member: MemberRecord, use: readonly string[], restore: MemberRecord["coupons"], bonusDeltaFen: number): void {
    if (use.length > 0 || restore.length > 0) {
      const kept = member.coupons.filter((c) => !use.includes(c.instanceId));
      const back = restore.filter((c) => !kept.some((k) => k.instanceId === c.instanceId));
      this.tx.members.setCoupons(member.memberId, JSON.stringify([...kept, ...back]));
    }
    // Never below zero.
    if (bonusDeltaFen !== 0) this.tx.members.addBonus(member.memberId, bonusDeltaFen);
  }

  /**
   * Every money and points effect comes from the hub: its pricing of the cart, its cap on what the sale
   * may take (the hold, or the offline limit; never more than the re-priced amount to pay) and its own
   * principal/bonus split. The kiosk's figures are compared and the differences recorded.
   */
  private applySale(device: DeviceAddress, entry: LedgerEntry, sale: SaleFact): undefined {
    // The bundle the kiosk used, with the store catalog version that priced the sale when it names one.
    const config = this.configs.forFact(device.storeId, entry.configVersion, sale.catalogVersion);
    if (!config)
      throw new SaleRejected(`unknown config version ${entry.configVersion} (catalog ${sale.catalogVersion ?? "in the bundle"}) for store ${device.storeId}`);
    const row = this.tx.members.get(sale.memberId);
    if (!row) throw new SaleRejected(`unknown member ${sale.memberId}`);
    const member = toRecord(row);
    if (member.cardId !== sale.cardId) throw new SaleRejected(`card ${sale.cardId} does not belong to member ${sale.memberId}`);
    const refusal = this.guard.refusal(device, member, JSON.parse(row.stores) as string[]);
    if (refusal) throw new SaleRejected(refusal);
    checkSaleBounds(sale);
    // The offline limits sum the day's sales so far, this batch's included: they are written first.
    const allowance = this.guard.allowance(device, sale, config.content, entry.at, () => this.tx.rows.flush());
    const result = evaluateSale(config.content, member, sale, entry.at, allowance.points);
    const pointsSpent = result.pointsRedeemed;
    const tenderedBalance = sale.tenders.filter((t) => t.kind === "balance").reduce((s, t) => s + t.amountFen, 0);
    // Tender order: the shopping card first, the balance from what it leaves (protocol/rules/tenders.ts).
    const card = cardDebit(this.db, sale, result.priced.totals.payableFen, allowance);
    const balanceFen = Math.min(tenderedBalance, result.priced.totals.payableFen - card.fen, allowance.balanceFen);
    const split = hubBalanceSplit(config.content, member, balanceFen);
    const range = this.guard.outOfRange(member, -balanceFen, result.pointsEarned - pointsSpent);
    if (range) throw new SaleRejected(range);
    const now = this.clock.now();
    const hints = sale.hints;
    this.disagree(device, entry, [
      ["subtotalFen", hints.subtotalFen, result.subtotalFen],
      ["totalFen", hints.totalFen, result.totalFen],
      ["savingsFen", hints.savingsFen, result.savingsFen],
      ["pointsEarned", hints.pointsEarned, result.pointsEarned],
      ["pointsRedeemed", sale.pointsRedeemed ?? 0, pointsSpent],
      ["balanceFen", tenderedBalance, balanceFen],
      ["shoppingCardFen", card.claimedFen, card.fen],
      ...(sale.balanceSplit
        ? ([
            ["balanceSplit.principalFen", sale.balanceSplit.principalFen, split.principalFen],
            ["balanceSplit.bonusFen", sale.balanceSplit.bonusFen, split.bonusFen],
          ] as Array<[string, number, number]>)
        : []),
    ]);
    // offline_approved: the hub counted this sale's debit against the offline limits.
    const offline = allowance.holdId === undefined && (balanceFen > 0 || pointsSpent > 0 || card.fen > 0);
    const rows = this.tx.rows;
    rows.add(
      "INSERT INTO sales (sale_id, device_id, seq, member_id, at, subtotal_fen, total_fen, savings_fen, points_earned, offline_approved, coupons, points_redeemed, balance_fen)",
      [
        sale.saleId,
        device.deviceId,
        entry.seq,
        sale.memberId,
        entry.at,
        result.subtotalFen,
        result.totalFen,
        result.savingsFen,
        result.pointsEarned,
        offline ? 1 : 0,
        JSON.stringify(sale.coupons ?? []),
        pointsSpent,
        balanceFen,
      ],
    );
    // The tender plan the hub took (what returns refund from), never the kiosk's breakdown.
    const tenders = saleTenders(config.content, result.priced, split, card.cardId !== undefined ? { cardId: card.cardId, fen: card.fen } : undefined);
    rows.add("INSERT INTO sale_details (sale_id, priced, tenders)", [sale.saleId, pricedCartText(result.priced), tenderPlanText(tenders)]);
    // The kiosk's receipt token (a second token for the same sale is ignored; hub/app/receipts.ts).
    if (sale.receiptToken && RECEIPT_TOKEN.test(sale.receiptToken))
      rows.add(
        "INSERT INTO receipt_tokens (token_hash, sale_id, created_at)",
        [hashReceiptToken(sale.receiptToken), sale.saleId, now],
        "ON CONFLICT DO NOTHING",
      );
    // The coupons the kiosk used are gone, whatever the hub's evaluation says (the customer had the discount).
    this.memberExtrasInTx(member, sale.coupons ?? [], [], -split.bonusFen);
    if (result.pointsEarned !== 0) rows.add(POINTS_LOG, [sale.memberId, result.pointsEarned, "sale", sale.saleId, now]);
    if (pointsSpent !== 0) rows.add(POINTS_LOG, [sale.memberId, -pointsSpent, "sale-redeem", sale.saleId, now]);
    if (balanceFen !== 0) rows.add(BALANCE_LOG, [sale.memberId, -balanceFen, "sale", sale.saleId, now]);
    // The money ledger reads the member and the logs and updates the sale row: it sees everything first.
    const debits = card.cardId !== undefined && card.fen > 0;
    if (debits) this.tx.flush();
    const cardAfter = debitCardInTx(this.cards, this.db, sale, card);
    if (debits) this.tx.members.forget(sale.memberId);
    if (allowance.holdId !== undefined) this.authorizer?.consumeInTx(allowance.holdId);
    const after = this.adjustMemberInTx(sale.memberId, result.pointsEarned - pointsSpent, -balanceFen);
    // Within the hold or the offline limits the money was taken at the kiosk: record, never refuse.
    if (after && balanceFen > 0 && after.balanceFen < 0) this.recordOverdraft(device, entry, sale, "balance", balanceFen, after.balanceFen, offline);
    if (after && pointsSpent > 0 && after.pointsBalance < 0) this.recordOverdraft(device, entry, sale, "points", pointsSpent, after.pointsBalance, offline);
    if (card.fen > 0 && cardAfter < 0) this.recordOverdraft(device, entry, sale, "shopping-card", card.fen, cardAfter, offline);
    // The member's purchase receipt, in this transaction: once per sale, whatever the kiosk resends.
    this.tx.notify(
      purchaseReceipt({
        saleId: sale.saleId,
        memberId: sale.memberId,
        storeId: device.storeId,
        totalFen: result.totalFen,
        pointsEarned: result.pointsEarned,
        pointsRedeemed: pointsSpent,
        balancePaidFen: balanceFen,
        balanceFen: after?.balanceFen ?? null,
        pointsBalance: after?.pointsBalance ?? null,
        at: entry.at,
      }),
    );
    return undefined;
  }

  /** Inside the batch transaction: moves the member's points and balance (written with the batch); the changelog entry is the batch's, at its end. */
  private adjustMemberInTx(memberId: string, pointsDelta: number, balanceDeltaFen: number): MemberRecord | undefined {
    const row = this.tx.members.adjust(memberId, pointsDelta, balanceDeltaFen);
    if (!row) return undefined;
    this.moved.add(memberId);
    return toRecord(row);
  }

  /**
   * A return reverses the returned units' share of the sale exactly once (the ledger's exactly-once
   * guard, plus UNIQUE log refs): stored value back (principal and bonus), points spent as cash given
   * back, earned points (base and level share) taken back, coupons restored when the kiosk says so.
   * The hub computes it from its own evaluation of the sale and credits its figures.
   */
  private applyReturn(device: DeviceAddress, entry: LedgerEntry, ret: ReturnFact): undefined {
    // The return reads its sale and what was returned of it before (this batch's rows included) and
    // writes its own row row by row (the card credit updates it): the batch so far is written first.
    this.tx.flush();
    const sale = saleForReturn(this.db, this.configs, this.members, ret.saleId);
    if (!sale) throw new ReturnRejected(`unknown or rejected sale ${ret.saleId}`);
    if (sale.memberId !== ret.memberId) throw new ReturnRejected(`sale ${ret.saleId} is not member ${ret.memberId}'s`);
    if (sale.storeId !== device.storeId) throw new ReturnRejected(`sale ${ret.saleId} was made in another store`);
    const row = this.tx.members.get(ret.memberId);
    if (!row) throw new ReturnRejected(`unknown member ${ret.memberId}`);
    const member = toRecord(row);
    const refusal = this.guard.refusal(device, member, JSON.parse(row.stores) as string[]);
    if (refusal) throw new ReturnRejected(refusal);
    const previously = returnedBefore(this.db, ret.saleId);
    const result = evaluateReturn(sale, ret, previously);
    const t = result.totals;
    const range = this.guard.outOfRange(member, t.principalFen + t.bonusFen, t.pointsGivenBack - t.pointsTakenBack);
    if (range) throw new ReturnRejected(range);
    const h = ret.hints;
    this.disagree(device, entry, [
      ["return.refundFen", h.refundFen, t.refundFen],
      ["return.principalFen", h.principalFen, t.principalFen],
      ["return.bonusFen", h.bonusFen, t.bonusFen],
      ["return.externalFen", h.externalFen, t.externalFen],
      ["return.shoppingCardFen", h.shoppingCardFen ?? 0, t.shoppingCardFen ?? 0],
      ["return.pointsGivenBack", h.pointsGivenBack, t.pointsGivenBack],
      ["return.pointsTakenBack", h.pointsTakenBack, t.pointsTakenBack],
    ]);
    const now = this.clock.now();
    recordReturnInTx(this.db, device, entry, ret, t, result.lines);
    // The money ledger writes the member's row (its shopping cards): read again after it.
    this.tx.flush();
    if (creditCardInTx(this.cards, this.db, ret, sale.tenders, t.shoppingCardFen ?? 0)) this.tx.members.forget(ret.memberId);
    const balanceBack = t.principalFen + t.bonusFen;
    const netPoints = t.pointsGivenBack - t.pointsTakenBack;
    if (netPoints !== 0) this.tx.rows.add(POINTS_LOG, [ret.memberId, netPoints, "return", ret.returnId, now]);
    if (balanceBack !== 0) this.tx.rows.add(BALANCE_LOG, [ret.memberId, balanceBack, "return", ret.returnId, now]);
    // Coupons come back only when the hub agrees the whole order is back.
    const restorable = new Set(result.couponsRestorable);
    this.memberExtrasInTx(
      member,
      [],
      ret.couponsRestored.filter((c) => restorable.has(c.instanceId)),
      t.bonusFen,
    );
    this.stats.returns++;
    this.adjustMemberInTx(ret.memberId, netPoints, balanceBack);
    return undefined;
  }

  /** Gate entries, verifications and returns recorded for a member (newest first), for reports and tests. */
  memberActivity(memberId: string): MemberActivity {
    return memberActivity(this.db, memberId);
  }

  private recordOverdraft(
    device: DeviceAddress,
    entry: LedgerEntry,
    sale: SaleFact,
    kind: "balance" | "points" | "shopping-card",
    amount: number,
    after: number,
    offline: boolean,
  ): void {
    this.stats.overdrafts++;
    this.tx.rows.add("INSERT INTO overdrafts (device_id, seq, member_id, kind, amount, balance_after, offline, at)", [
      device.deviceId,
      entry.seq,
      sale.memberId,
      kind,
      amount,
      after,
      offline ? 1 : 0,
      this.clock.now(),
    ]);
    this.log.warn({ member: sale.memberId, sale: sale.saleId, kind, after, offline }, "overdraft: flagged for reconciliation");
  }

  overdrafts(): OverdraftRow[] {
    return overdrafts(this.db);
  }
}
