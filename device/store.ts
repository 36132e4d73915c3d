// The kiosk's durable state: ledger (its tail past the hub's ack is the outbox) committed with its effects, member cache, applied config.
import { randomUUID } from "node:crypto";
import type { Database } from "../storage/database.js";
import {
  LedgerEntrySchema,
  MemberRecordSchema,
  type Fact,
  type LedgerEntry,
  type MemberChange,
  type MemberRecord,
  type SaleFact,
} from "../protocol/messages.js";
import type { SignedEnvelope } from "../protocol/signing.js";
import { encodePricedCart, encodeTenderPlan, storedSaleOf, type SaleRow, type StoredSale } from "./sale-record.js";

type SyncKey = "acked_seq" | "member_cursor" | "config_version";

export interface MemberEffect {
  memberId: string;
  pointsDelta: number;
  balanceDeltaFen: number;
  /** The part of balanceDeltaFen that is top-up bonus (stored value is principal + bonus). */
  bonusDeltaFen?: number;
  /** Coupon instances the fact used up or gave back. */
  coupons?: Array<{ action: "use" | "restore"; coupon: HeldCouponRecord }>;
  /** A shopping card paid (negative) or got a refund (positive). */
  shoppingCard?: { cardId: string; deltaFen: number };
  /** Set for an offline approval: counted against the member's offline limits for that day. */
  offline?: { day: string; balanceFen: number; points: number; shoppingCardFen?: number };
}

/** A member change the kiosk could not read: kept aside with the reason (device/sync/member-follower.ts). */
export interface QuarantinedChange {
  /** Its changelog position, 0 when even that was unreadable. */
  seq: number;
  memberId?: string;
  reason: string;
  /** The change as received (truncated). */
  raw: string;
  at: number;
}

export type HeldCouponRecord = MemberRecord["coupons"][number];

export type { StoredSale } from "./sale-record.js";

interface LedgerRow {
  seq: number;
  entry_id: string;
  at: number;
  config_version: number;
  body: string;
}

const entryOf = (r: LedgerRow): LedgerEntry =>
  LedgerEntrySchema.parse({ seq: r.seq, entryId: r.entry_id, at: r.at, configVersion: r.config_version, fact: JSON.parse(r.body) });

export class KioskStore {
  constructor(private readonly db: Database) {}

  get database(): Database {
    return this.db;
  }

  private getState(key: SyncKey): number {
    return this.db.prepare("SELECT value FROM sync_state WHERE key = ?").get<{ value: number }>(key)?.value ?? 0;
  }

  private setState(key: SyncKey, value: number): void {
    this.db.prepare("UPDATE sync_state SET value = ? WHERE key = ?").run(value, key);
  }

  // ------------------------------------------------------------ ledger and outbox

  /**
   * Appends one business fact: the ledger row, its outbox entry and its effect on the member's
   * local view, in one transaction. Returns the entry with its sequence number. `also` runs inside the
   * same transaction with the new sequence number (the fact's own tables: sales, returned units...).
   */
  appendFact(fact: Fact, at: number, configVersion: number, effect?: MemberEffect, also?: (seq: number) => void): LedgerEntry {
    return this.db.transaction(() => {
      const seq = this.lastSeq() + 1;
      const entry = LedgerEntrySchema.parse({ seq, entryId: randomUUID(), at, configVersion, fact });
      this.writeEntryInTx(entry, effect);
      also?.(seq);
      return entry;
    });
  }

  /**
   * Commits a sale the kiosk built itself (device/session/payment.ts): its ledger row, outbox row,
   * member effect and the stored receipt, in one transaction. The fact is typed and not parsed again
   * here; it is validated where it leaves (the outbox sender reads it through LedgerEntrySchema) and
   * where it arrives (the hub).
   */
  appendSale(fact: SaleFact, at: number, configVersion: number, effect: MemberEffect, sale: Omit<StoredSale, "seq">): LedgerEntry {
    // Encoded before the write lock is taken, so the transaction holds it only for the inserts.
    const body = JSON.stringify(fact);
    const record = [encodePricedCart(sale.priced), encodeTenderPlan(sale.tenders), JSON.stringify(sale.coupons)] as const;
    return this.db.transaction(() => {
      const seq = this.lastSeq() + 1;
      // The entry is named by its sale: the ledger's entry_id index then finds the sale, with no index of its own.
      const entry: LedgerEntry = { seq, entryId: fact.saleId, at, configVersion, fact };
      this.writeEntryInTx(entry, effect, body);
      this.db
        .prepare("INSERT INTO sale_records (seq, sale_id, member_id, card_id, at, priced, tenders, coupons) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(seq, sale.saleId, sale.memberId, sale.cardId, sale.at, ...record);
      return entry;
    });
  }

  /** The ledger row (the entry as it is sent; it waits for the hub while past acked_seq) and the member effect (coupon moves as one JSON column). */
  private writeEntryInTx(entry: LedgerEntry, effect: MemberEffect | undefined, body = JSON.stringify(entry.fact)): void {
    const { seq, fact } = entry;
    this.db
      .prepare("INSERT INTO ledger (seq, entry_id, type, at, config_version, body) VALUES (?, ?, ?, ?, ?, ?)")
      .run(seq, entry.entryId, fact.type, entry.at, entry.configVersion, body);
    if (!effect) return;
    const coupons = effect.coupons && effect.coupons.length > 0 ? JSON.stringify(effect.coupons) : null;
    this.db
      .prepare("INSERT INTO member_pending (seq, member_id, points_delta, balance_delta, bonus_delta, coupons, shopping_card) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(
        seq,
        effect.memberId,
        effect.pointsDelta,
        effect.balanceDeltaFen,
        effect.bonusDeltaFen ?? 0,
        coupons,
        effect.shoppingCard && effect.shoppingCard.deltaFen !== 0 ? JSON.stringify(effect.shoppingCard) : null,
      );
    if (effect.offline) {
      this.db
        .prepare(
          `INSERT INTO offline_usage (member_id, day, balance_fen, points, shopping_card_fen) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (member_id, day) DO UPDATE SET balance_fen = balance_fen + excluded.balance_fen, points = points + excluded.points,
             shopping_card_fen = shopping_card_fen + excluded.shopping_card_fen`,
        )
        .run(effect.memberId, effect.offline.day, effect.offline.balanceFen, effect.offline.points, effect.offline.shoppingCardFen ?? 0);
    }
  }

  lastSeq(): number {
    return this.db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM ledger").get<{ s: number }>()?.s ?? 0;
  }

  ackedSeq(): number {
    return this.getState("acked_seq");
  }

  /**
   * The outbox from fromSeq on, oldest first: the ledger rows past the acknowledged mark, read through the
   * schema (the boundary where they leave).
   */
  pending(fromSeq: number, limit: number): LedgerEntry[] {
    return this.db
      .prepare("SELECT seq, entry_id, at, config_version, body FROM ledger WHERE seq >= ? ORDER BY seq LIMIT ?")
      .all<LedgerRow>(Math.max(fromSeq, this.ackedSeq() + 1), limit)
      .map(entryOf);
  }

  /** Entries waiting for the hub: the ledger past the acknowledged mark. */
  outboxDepth(): number {
    return this.db.prepare("SELECT COUNT(*) AS n FROM ledger WHERE seq > ?").get<{ n: number }>(this.ackedSeq())?.n ?? 0;
  }

  /** The hub has applied everything up to `seq`: the outbox now starts after it. Never moves the mark backwards. */
  acknowledge(seq: number): void {
    const bounded = Math.min(seq, this.lastSeq());
    this.db.transaction(() => {
      if (bounded <= this.getState("acked_seq")) return;
      this.setState("acked_seq", bounded);
    });
  }

  entries(): LedgerEntry[] {
    return this.db.prepare("SELECT seq, entry_id, at, config_version, body FROM ledger ORDER BY seq").all<LedgerRow>().map(entryOf);
  }

  // ------------------------------------------------------------ members

  memberCursor(): number {
    return this.getState("member_cursor");
  }

  /** Applies a page of changes; a snapshot replaces the whole cache. */
  /**
   * Applies a page of changes; a snapshot replaces the whole cache. Returns whether any headshot
   * reference changed (so photo upkeep, which reads every cached member, runs only then).
   */
  applyMemberChanges(changes: readonly MemberChange[], cursor: number, snapshot: boolean, quarantined: readonly QuarantinedChange[] = []): boolean {
    return this.db.transaction(() => {
      let photosChanged = snapshot;
      if (snapshot) this.db.exec("DELETE FROM members");
      for (const q of quarantined) {
        this.db
          .prepare("INSERT INTO member_quarantine (seq, member_id, reason, raw, at) VALUES (?, ?, ?, ?, ?)")
          .run(q.seq, q.memberId ?? null, q.reason.slice(0, 300), q.raw.slice(0, 4096), q.at);
        // Fail closed: what HQ now says about this member cannot be read (a block?), so the old copy goes.
        if (q.memberId !== undefined) this.db.prepare("DELETE FROM members WHERE member_id = ?").run(q.memberId);
      }
      if (quarantined.length > 0) this.db.prepare("DELETE FROM member_quarantine WHERE id <= (SELECT MAX(id) FROM member_quarantine) - 1000").run();
      const headshotOf = (memberId: string): string | undefined => {
        const row = this.db.prepare("SELECT record FROM members WHERE member_id = ?").get<{ record: string }>(memberId);
        return row ? (JSON.parse(row.record) as { headshotHash?: string }).headshotHash : undefined;
      };
      for (const c of changes) {
        if (c.kind === "delete") {
          if (headshotOf(c.memberId) !== undefined) photosChanged = true;
          this.db.prepare("DELETE FROM members WHERE member_id = ?").run(c.memberId);
          continue;
        }
        const m = c.member;
        if (!photosChanged && headshotOf(m.memberId) !== m.headshotHash) photosChanged = true;
        this.db.prepare("DELETE FROM members WHERE card_id = ? AND member_id <> ?").run(m.cardId, m.memberId);
        this.db
          .prepare(
            "INSERT INTO members (member_id, card_id, record) VALUES (?, ?, ?) ON CONFLICT (member_id) DO UPDATE SET card_id = excluded.card_id, record = excluded.record",
          )
          .run(m.memberId, m.cardId, JSON.stringify(m));
      }
      if (cursor > this.getState("member_cursor")) this.setState("member_cursor", cursor);
      // Local effects the hub has now applied are part of its snapshot: drop them from the pending view.
      this.db.prepare("DELETE FROM member_pending WHERE seq <= ?").run(this.getState("acked_seq"));
      this.db.prepare("DELETE FROM member_pending_coupons WHERE seq <= ?").run(this.getState("acked_seq"));
      return photosChanged;
    });
  }

  memberByCard(cardId: string): MemberRecord | undefined {
    const row = this.db.prepare("SELECT record FROM members WHERE card_id = ?").get<{ record: string }>(cardId);
    return row ? this.withPending(MemberRecordSchema.parse(JSON.parse(row.record))) : undefined;
  }

  member(memberId: string): MemberRecord | undefined {
    const row = this.db.prepare("SELECT record FROM members WHERE member_id = ?").get<{ record: string }>(memberId);
    return row ? this.withPending(MemberRecordSchema.parse(JSON.parse(row.record))) : undefined;
  }

  /** Member changes set aside since the kiosk was installed (ever), and the newest few. */
  quarantine(limit = 10): { count: number; recent: Array<{ seq: number; memberId?: string; reason: string; at: number }> } {
    const count = this.db.prepare("SELECT COALESCE(MAX(id), 0) AS n FROM member_quarantine").get<{ n: number }>()?.n ?? 0;
    const recent = this.db
      .prepare("SELECT seq, member_id, reason, at FROM member_quarantine ORDER BY id DESC LIMIT ?")
      .all<{ seq: number; member_id: string | null; reason: string; at: number }>(limit)
      .map((r) => ({ seq: r.seq, ...(r.member_id !== null ? { memberId: r.member_id } : {}), reason: r.reason, at: r.at }));
    return { count, recent };
  }

  memberCount(): number {
    return this.db.prepare("SELECT COUNT(*) AS n FROM members").get<{ n: number }>()?.n ?? 0;
  }

  /** The hub's snapshot plus the kiosk's own effects that the hub has not acknowledged yet. */
  private withPending(m: MemberRecord): MemberRecord {
    const p = this.db
      .prepare(
        "SELECT COALESCE(SUM(points_delta), 0) AS pts, COALESCE(SUM(balance_delta), 0) AS bal, COALESCE(SUM(bonus_delta), 0) AS bonus FROM member_pending WHERE member_id = ?",
      )
      .get<{ pts: number; bal: number; bonus: number }>(m.memberId);
    let coupons = m.coupons;
    for (const mv of this.pendingCouponMoves(m.memberId)) {
      coupons = coupons.filter((c) => c.instanceId !== mv.coupon.instanceId);
      if (mv.action === "restore") coupons = [...coupons, mv.coupon];
    }
    return {
      ...m,
      pointsBalance: m.pointsBalance + (p?.pts ?? 0),
      balanceFen: m.balanceFen + (p?.bal ?? 0),
      bonusBalanceFen: Math.max(0, m.bonusBalanceFen + (p?.bonus ?? 0)),
      coupons,
      shoppingCards: this.pendingCards(m),
    };
  }

  /** The member's shopping cards with this kiosk's unacknowledged card moves (only read for members who have cards). */
  private pendingCards(m: MemberRecord): MemberRecord["shoppingCards"] {
    if (m.shoppingCards.length === 0) return m.shoppingCards;
    const moves = this.db
      .prepare("SELECT shopping_card FROM member_pending WHERE member_id = ? AND shopping_card IS NOT NULL")
      .all<{ shopping_card: string }>(m.memberId)
      .map((r) => JSON.parse(r.shopping_card) as NonNullable<MemberEffect["shoppingCard"]>);
    if (moves.length === 0) return m.shoppingCards;
    return m.shoppingCards.map((c) => ({
      ...c,
      balanceFen: c.balanceFen + moves.filter((mv) => mv.cardId === c.cardId).reduce((s, mv) => s + mv.deltaFen, 0),
    }));
  }

  /** Coupon moves of the member's unacknowledged effects, oldest first (rows before migration 6 kept one row per coupon). */
  private pendingCouponMoves(memberId: string): NonNullable<MemberEffect["coupons"]> {
    const legacy = this.db
      .prepare("SELECT action, coupon FROM member_pending_coupons WHERE member_id = ? ORDER BY seq")
      .all<{ action: "use" | "restore"; coupon: string }>(memberId)
      .map((r) => ({ action: r.action, coupon: JSON.parse(r.coupon) as HeldCouponRecord }));
    const rows = this.db
      .prepare("SELECT coupons FROM member_pending WHERE member_id = ? AND coupons IS NOT NULL ORDER BY seq")
      .all<{ coupons: string }>(memberId);
    // Every legacy row is older than every row with a coupons column (written after the migration).
    return rows.length === 0 ? legacy : [...legacy, ...rows.flatMap((r) => JSON.parse(r.coupons) as NonNullable<MemberEffect["coupons"]>)];
  }

  // ------------------------------------------------------------ sales and returns (inside appendFact's transaction)

  /** A sale this kiosk made: from sale_records, or from the sales table kiosks wrote before migration 6. */
  sale(saleId: string): StoredSale | undefined {
    const r =
      this.db
        .prepare(
          "SELECT s.sale_id, s.seq, s.member_id, s.card_id, s.at, s.priced, s.tenders, s.coupons FROM ledger l JOIN sale_records s ON s.seq = l.seq WHERE l.entry_id = ? AND s.sale_id = l.entry_id",
        )
        .get<SaleRow>(saleId) ??
      this.db.prepare("SELECT sale_id, seq, member_id, card_id, at, priced, tenders, coupons FROM sales WHERE sale_id = ?").get<SaleRow>(saleId);
    return r ? storedSaleOf(r) : undefined;
  }

  /** The e-receipt token the sale's fact carried (printed in its receipt's QR), while the ledger holds the entry. */
  saleReceiptToken(seq: number): string | undefined {
    const r = this.db.prepare("SELECT body FROM ledger WHERE seq = ? AND type = 'sale'").get<{ body: string }>(seq);
    const token = r ? (JSON.parse(r.body) as { receiptToken?: unknown }).receiptToken : undefined;
    return typeof token === "string" ? token : undefined;
  }

  saleIdBySeq(seq: number): string | undefined {
    return (
      this.db.prepare("SELECT sale_id FROM sale_records WHERE seq = ?").get<{ sale_id: string }>(seq)?.sale_id ??
      this.db.prepare("SELECT sale_id FROM sales WHERE seq = ?").get<{ sale_id: string }>(seq)?.sale_id
    );
  }

  /** Units of each line of the sale already given back. */
  returnedUnits(saleId: string): Array<{ index: number; qty: number }> {
    return this.db
      .prepare("SELECT line, qty FROM returned_lines WHERE sale_id = ? ORDER BY line")
      .all<{ line: number; qty: number }>(saleId)
      .map((r) => ({ index: r.line, qty: r.qty }));
  }

  addReturnedUnitsInTx(saleId: string, lines: ReadonlyArray<{ index: number; qty: number }>): void {
    for (const l of lines) {
      this.db
        .prepare("INSERT INTO returned_lines (sale_id, line, qty) VALUES (?, ?, ?) ON CONFLICT (sale_id, line) DO UPDATE SET qty = qty + excluded.qty")
        .run(saleId, l.index, l.qty);
    }
  }

  // ------------------------------------------------------------ visits (staff verification: first use of the day)

  visitedOn(memberId: string, day: string): boolean {
    return this.db.prepare("SELECT 1 AS x FROM member_visits WHERE member_id = ? AND day = ?").get(memberId, day) !== undefined;
  }

  recordVisit(memberId: string, day: string, at: number): void {
    this.db.prepare("INSERT OR IGNORE INTO member_visits (member_id, day, at) VALUES (?, ?, ?)").run(memberId, day, at);
  }

  /** What this kiosk has already approved offline for the member on that day. */
  offlineUsage(memberId: string, day: string): { balanceFen: number; points: number; shoppingCardFen: number } {
    const r = this.db
      .prepare("SELECT balance_fen, points, shopping_card_fen FROM offline_usage WHERE member_id = ? AND day = ?")
      .get<{ balance_fen: number; points: number; shopping_card_fen: number }>(memberId, day);
    return { balanceFen: r?.balance_fen ?? 0, points: r?.points ?? 0, shoppingCardFen: r?.shopping_card_fen ?? 0 };
  }

  // ------------------------------------------------------------ photos

  photo(hash: string): { mime: string; bytes: Uint8Array } | undefined {
    return this.db.prepare("SELECT mime, bytes FROM photos WHERE hash = ?").get<{ mime: string; bytes: Uint8Array }>(hash);
  }

  savePhoto(hash: string, mime: string, bytes: Uint8Array): void {
    this.db.prepare("INSERT OR REPLACE INTO photos (hash, mime, bytes) VALUES (?, ?, ?)").run(hash, mime, bytes);
  }

  /** Headshot hashes cached members point at that are not stored here yet (found in SQL: 100,000 records never come into memory). */
  missingPhotos(): string[] {
    return this.db
      .prepare(
        `SELECT DISTINCT json_extract(record, '$.headshotHash') AS hash FROM members
         WHERE json_extract(record, '$.headshotHash') IS NOT NULL
           AND json_extract(record, '$.headshotHash') NOT IN (SELECT hash FROM photos)`,
      )
      .all<{ hash: string }>()
      .map((r) => r.hash)
      .filter((h) => h !== "");
  }

  /** Deletes photos no cached member points at (a deleted headshot or member is deleted here too). */
  dropUnusedPhotos(): number {
    return this.db
      .prepare(
        `DELETE FROM photos WHERE hash NOT IN
           (SELECT json_extract(record, '$.headshotHash') FROM members WHERE json_extract(record, '$.headshotHash') IS NOT NULL)`,
      )
      .run().changes;
  }

  photoCount(): number {
    return this.db.prepare("SELECT COUNT(*) AS n FROM photos").get<{ n: number }>()?.n ?? 0;
  }

  // ------------------------------------------------------------ config

  configVersion(): number {
    return this.getState("config_version");
  }

  appliedEnvelope(): SignedEnvelope | undefined {
    const row = this.db.prepare("SELECT envelope FROM config WHERE id = 1").get<{ envelope: string }>();
    return row ? (JSON.parse(row.envelope) as SignedEnvelope) : undefined;
  }

  /** Stores a verified bundle as the one in force (all or nothing). */
  saveConfig(version: number, envelope: SignedEnvelope, at: number): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          "INSERT INTO config (id, version, envelope, applied_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, envelope = excluded.envelope, applied_at = excluded.applied_at",
        )
        .run(version, JSON.stringify(envelope), at);
      this.setState("config_version", version);
    });
  }
}
