// The hub's member registry: members, card keys, balances, headshots, and writing the per-store changelog kiosks follow (its reads: member-changelog.ts).
//
// Each change is a row in member_changes with a global sequence and a store scope (NULL = every
// store, for members of the whole chain). A kiosk follows its store's view of that log with a
// cursor; cursor 0, or a cursor older than the compaction horizon, gets a snapshot instead.
import { createHash } from "node:crypto";
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import { MemberRecordSchema, type MemberRecord, type MemberRecordInput, type MemberChange, type MembersPage } from "../protocol/messages.js";
import { isValidCardId } from "../protocol/member-code.js";
import { isValidSegment } from "../protocol/topics.js";
import { HubError } from "./errors.js";
import { changelogAppendSql } from "./sql-dialect.js";
import { MemberChangelog } from "./member-changelog.js";
import { toRecord, type MemberRow } from "./member-row.js";

export { toRecord, type MemberRow } from "./member-row.js";

const storesOf = (r: MemberRow): string[] => JSON.parse(r.stores) as string[];

export type NewMember = Omit<MemberRecordInput, "pointsBalance" | "balanceFen" | "status"> &
  Partial<Pick<MemberRecordInput, "pointsBalance" | "balanceFen" | "status">> & {
    /** Stores whose kiosks know this member; empty or absent: every store of the chain. */
    stores?: string[];
  };

/** What `update` may change. */
export type MemberPatch = Partial<
  Pick<
    MemberRecord,
    "name" | "levelId" | "cardClass" | "status" | "cardPublicKey" | "vipExpiresAt" | "baseCardClass" | "cardValidUntil" | "coupons" | "birthday"
  >
> & { stores?: string[] };

/** A committed change and the store it concerns (null: every store). */
export interface ScopedChange {
  storeId: string | null;
  change: MemberChange;
}

/** A member's balance (fen), bonus and points stay within ±this (10^11: 1,000,000,000.00 yuan), far inside the safe-integer range. */
export const MEMBER_VALUE_LIMIT = 100_000_000_000;

/** Why a member's values are out of range (undefined: in range). */
export function valuesOutOfRange(balanceFen: number, bonusFen: number, points: number): string | undefined {
  const ok = (v: number): boolean => Number.isSafeInteger(v) && Math.abs(v) <= MEMBER_VALUE_LIMIT;
  if (ok(balanceFen) && ok(bonusFen) && ok(points)) return undefined;
  return `balance ${balanceFen} fen, bonus ${bonusFen} fen or points ${points} out of range (±${MEMBER_VALUE_LIMIT})`;
}

export const PHOTO_MAX_BYTES = 512 * 1024;
const PHOTO_TYPES = { "image/jpeg": [0xff, 0xd8, 0xff], "image/png": [0x89, 0x50, 0x4e, 0x47] } as const;
export type PhotoMime = keyof typeof PHOTO_TYPES;

export class MemberRegistry {
  /** Called after changes are committed, so the hub can push them to the kiosks. */
  onChange: ((changes: ScopedChange[]) => void) | undefined;

  private readonly changelog: MemberChangelog;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.changelog = new MemberChangelog(db);
  }

  private row(memberId: string): MemberRow | undefined {
    return this.db.prepare("SELECT * FROM members WHERE member_id = ?").get<MemberRow>(memberId);
  }

  private validStores(stores: readonly string[] | undefined): string[] {
    const list = [...new Set(stores ?? [])].sort();
    for (const s of list) if (!isValidSegment(s)) throw new HubError("INVALID_INPUT", `member: invalid store id ${JSON.stringify(s)}`);
    return list;
  }

  /** Validates a new member (schema, card id, stores) without writing anything. */
  prepareNew(input: NewMember): { m: MemberRecord; stores: string[] } {
    const { stores: storesInput, ...rest } = input;
    const parsed = MemberRecordSchema.safeParse({ pointsBalance: 0, balanceFen: 0, status: "active", ...rest });
    if (!parsed.success) throw new HubError("INVALID_INPUT", `member: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const m = parsed.data;
    if (!isValidCardId(m.cardId)) throw new HubError("INVALID_INPUT", "member: invalid card id");
    const range = valuesOutOfRange(m.balanceFen, m.bonusBalanceFen, m.pointsBalance);
    if (range) throw new HubError("INVALID_INPUT", `member: ${range}`);
    return { m, stores: this.validStores(storesInput) };
  }

  create(input: NewMember): MemberRecord {
    const { m, changes } = this.db.transaction(() => this.createInTx(input));
    this.onChange?.(changes);
    return m;
  }

  /** Inside the caller's transaction: creates the member and logs the change (call notify() after commit). */
  createInTx(input: NewMember): { m: MemberRecord; changes: ScopedChange[] } {
    const { m, stores } = this.prepareNew(input);
    const clash = this.db.prepare("SELECT member_id FROM members WHERE member_id = ? OR card_id = ?").get(m.memberId, m.cardId);
    if (clash) throw new HubError("CONFLICT", `member ${m.memberId} or card ${m.cardId} already exists`);
    const now = this.clock.now();
    this.db
      .prepare(
        `INSERT INTO members (member_id, card_id, name, level_id, card_class, card_public_key, status,
           points_balance, balance_fen, bonus_balance_fen, vip_expires_at, base_card_class, card_valid_until, headshot_hash, birthday,
           primary_member_id, coupons, stores, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        m.memberId,
        m.cardId,
        m.name,
        m.levelId,
        m.cardClass,
        m.cardPublicKey,
        m.status,
        m.pointsBalance,
        m.balanceFen,
        m.bonusBalanceFen,
        m.vipExpiresAt,
        m.baseCardClass,
        m.cardValidUntil,
        m.headshotHash,
        m.birthday,
        m.primaryMemberId,
        JSON.stringify(m.coupons),
        JSON.stringify(stores),
        now,
        now,
      );
    return { m, changes: this.recordChangeInTx(m.memberId, stores) };
  }

  /**
   * Bulk create (imports): rows go in transactions of up to `batch` rows, each row all-or-nothing
   * (a savepoint), and the kiosks get one push per batch instead of one per member. `onCreatedInTx`
   * runs inside the row's savepoint (audit, profile rows); if it throws, the row is undone.
   */
  createMany(
    inputs: ReadonlyArray<NewMember>,
    opts: { batch?: number; onCreatedInTx?: (m: MemberRecord, index: number) => void } = {},
  ): Array<{ ok: true; member: MemberRecord } | { ok: false; error: HubError | Error }> {
    const out: Array<{ ok: true; member: MemberRecord } | { ok: false; error: HubError | Error }> = [];
    const batch = Math.max(1, opts.batch ?? 500);
    for (let start = 0; start < inputs.length; start += batch) {
      const slice = inputs.slice(start, start + batch);
      const changes = this.db.transaction(() => {
        const all: ScopedChange[] = [];
        const results: typeof out = [];
        slice.forEach((input, j) => {
          try {
            const { m, changes: c } = this.db.savepoint(() => {
              const created = this.createInTx(input);
              opts.onCreatedInTx?.(created.m, start + j);
              return created;
            });
            all.push(...c);
            results.push({ ok: true, member: m });
          } catch (err) {
            results.push({ ok: false, error: err instanceof Error ? err : new Error(String(err)) });
          }
        });
        return { all, results };
      });
      // Collected per attempt: a transaction retried after a serialisation failure counts once.
      out.push(...changes.results);
      this.onChange?.(changes.all);
    }
    return out;
  }

  /** Pushes changes committed by a caller's own transaction (…InTx methods) to the kiosks. */
  notify(changes: ScopedChange[]): void {
    if (changes.length > 0) this.onChange?.(changes);
  }

  get(memberId: string): MemberRecord | undefined {
    const row = this.row(memberId);
    return row ? toRecord(row) : undefined;
  }

  storesOf(memberId: string): string[] | undefined {
    const row = this.row(memberId);
    return row ? storesOf(row) : undefined;
  }

  /** get and storesOf from one read of the row (ingest asks both for every sale). */
  getWithStores(memberId: string): { member: MemberRecord; stores: string[] } | undefined {
    const row = this.row(memberId);
    return row ? { member: toRecord(row), stores: storesOf(row) } : undefined;
  }

  list(limit = 100, offset = 0): MemberRecord[] {
    return this.db.prepare("SELECT * FROM members ORDER BY member_id LIMIT ? OFFSET ?").all<MemberRow>(limit, offset).map(toRecord);
  }

  /** Changes fields the kiosks use (level, class, status, card key, VIP expiry, stores). */
  update(memberId: string, patch: MemberPatch): MemberRecord {
    const changes = this.db.transaction(() => this.updateInTx(memberId, patch));
    this.onChange?.(changes);
    return this.get(memberId)!;
  }

  /** Inside the caller's transaction: `update` without the push (call notify() after commit). */
  updateInTx(memberId: string, patch: MemberPatch): ScopedChange[] {
    const row = this.row(memberId);
    if (!row) throw new HubError("NOT_FOUND", `no member ${memberId}`);
    const { stores: storesPatch, ...fields } = patch;
    const next = MemberRecordSchema.safeParse({ ...toRecord(row), ...fields });
    if (!next.success) throw new HubError("INVALID_INPUT", `member: ${next.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const m = next.data;
    const stores = storesPatch !== undefined ? this.validStores(storesPatch) : storesOf(row);
    this.db
      .prepare(
        `UPDATE members SET name = ?, level_id = ?, card_class = ?, status = ?, card_public_key = ?, vip_expires_at = ?,
           base_card_class = ?, card_valid_until = ?, coupons = ?, stores = ?, birthday = ?, updated_at = ? WHERE member_id = ?`,
      )
      .run(
        m.name,
        m.levelId,
        m.cardClass,
        m.status,
        m.cardPublicKey,
        m.vipExpiresAt,
        m.baseCardClass,
        m.cardValidUntil,
        JSON.stringify(m.coupons),
        JSON.stringify(stores),
        m.birthday,
        this.clock.now(),
        memberId,
      );
    return this.recordChangeInTx(memberId, stores, storesOf(row));
  }

  /** Removes a member; every kiosk that knew them gets a tombstone. */
  delete(memberId: string): void {
    const changes = this.db.transaction(() => this.deleteInTx(memberId));
    this.onChange?.(changes);
  }

  /** Inside the caller's transaction: `delete` without the push. */
  deleteInTx(memberId: string): ScopedChange[] {
    const row = this.row(memberId);
    if (!row) throw new HubError("NOT_FOUND", `no member ${memberId}`);
    this.db.prepare("DELETE FROM members WHERE member_id = ?").run(memberId);
    this.dropUnusedPhoto(row.headshot_hash);
    return this.recordChangeInTx(memberId, [], storesOf(row));
  }

  /** Stores a headshot by content hash and points the member at it (replacing any previous one). */
  setHeadshot(memberId: string, bytes: Uint8Array, mime: PhotoMime): string {
    const { hash, changes } = this.db.transaction(() => this.setHeadshotInTx(memberId, bytes, mime));
    this.onChange?.(changes);
    return hash;
  }

  /** Checks size and type (magic bytes) of a headshot; returns its sha256 hex. */
  static checkPhoto(bytes: Uint8Array, mime: PhotoMime): string {
    if (bytes.byteLength === 0 || bytes.byteLength > PHOTO_MAX_BYTES) {
      throw new HubError("INVALID_INPUT", `headshot must be 1 byte to ${PHOTO_MAX_BYTES / 1024} KiB`);
    }
    const magic = PHOTO_TYPES[mime];
    if (!magic || !magic.every((b, i) => bytes[i] === b)) throw new HubError("INVALID_INPUT", `headshot is not a ${mime} image`);
    return createHash("sha256").update(bytes).digest("hex");
  }

  /** Inside the caller's transaction: `setHeadshot` without the push. */
  setHeadshotInTx(memberId: string, bytes: Uint8Array, mime: PhotoMime): { hash: string; changes: ScopedChange[] } {
    const hash = MemberRegistry.checkPhoto(bytes, mime);
    const row = this.row(memberId);
    if (!row) throw new HubError("NOT_FOUND", `no member ${memberId}`);
    this.db.prepare("INSERT INTO photos (hash, mime, bytes, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING").run(hash, mime, bytes, this.clock.now());
    this.db.prepare("UPDATE members SET headshot_hash = ?, updated_at = ? WHERE member_id = ?").run(hash, this.clock.now(), memberId);
    if (row.headshot_hash !== hash) this.dropUnusedPhoto(row.headshot_hash);
    return { hash, changes: this.recordChangeInTx(memberId, storesOf(row)) };
  }

  deleteHeadshot(memberId: string): void {
    const changes = this.db.transaction(() => this.deleteHeadshotInTx(memberId));
    this.onChange?.(changes);
  }

  /** Inside the caller's transaction: `deleteHeadshot` without the push. */
  deleteHeadshotInTx(memberId: string): ScopedChange[] {
    const row = this.row(memberId);
    if (!row) throw new HubError("NOT_FOUND", `no member ${memberId}`);
    this.db.prepare("UPDATE members SET headshot_hash = NULL, updated_at = ? WHERE member_id = ?").run(this.clock.now(), memberId);
    this.dropUnusedPhoto(row.headshot_hash);
    return this.recordChangeInTx(memberId, storesOf(row));
  }

  private dropUnusedPhoto(hash: string | null): void {
    if (!hash) return;
    const used = this.db.prepare("SELECT 1 FROM members WHERE headshot_hash = ? LIMIT 1").get(hash);
    if (!used) this.db.prepare("DELETE FROM photos WHERE hash = ?").run(hash);
  }

  photo(hash: string): { mime: PhotoMime; bytes: Uint8Array } | undefined {
    const row = this.db.prepare("SELECT mime, bytes FROM photos WHERE hash = ?").get<{ mime: PhotoMime; bytes: Uint8Array }>(hash);
    return row ? { mime: row.mime, bytes: row.bytes } : undefined;
  }

  /**
   * Inside the caller's transaction: adjust points and balance, and log a changelog entry.
   * `balanceDeltaFen` changes the total; `bonusDeltaFen` is the part of it that is bonus money.
   */
  adjustInTx(memberId: string, pointsDelta: number, balanceDeltaFen: number, bonusDeltaFen = 0): ScopedChange[] {
    return this.adjustWithRecordInTx(memberId, pointsDelta, balanceDeltaFen, bonusDeltaFen).changes;
  }

  /** adjustInTx, also giving the member as they are after it (one statement: it matters to ingest on PostgreSQL). */
  adjustWithRecordInTx(
    memberId: string,
    pointsDelta: number,
    balanceDeltaFen: number,
    bonusDeltaFen = 0,
  ): { changes: ScopedChange[]; after: MemberRecord | undefined } {
    const row = this.adjustRowInTx(memberId, pointsDelta, balanceDeltaFen, bonusDeltaFen);
    return row ? { changes: this.recordRowChangeInTx(row), after: toRecord(row) } : { changes: [], after: undefined };
  }

  /**
   * adjustInTx without the changelog entry: the member's row as it is after the adjustment. For a
   * caller that moves one member several times in one transaction (a ledger batch) and records the
   * change once, with the last row (recordRowChangeInTx), before it commits.
   */
  adjustRowInTx(memberId: string, pointsDelta: number, balanceDeltaFen: number, bonusDeltaFen = 0): MemberRow | undefined {
    const row = this.db
      .prepare(
        `UPDATE members SET points_balance = points_balance + ?, balance_fen = balance_fen + ?, bonus_balance_fen = bonus_balance_fen + ?, updated_at = ?
         WHERE member_id = ? RETURNING *`,
      )
      .get<MemberRow>(pointsDelta, balanceDeltaFen, bonusDeltaFen, this.clock.now(), memberId);
    // The last line of defence (callers check first): an out-of-range value aborts the caller's transaction.
    const range = row ? valuesOutOfRange(Number(row.balance_fen), Number(row.bonus_balance_fen), Number(row.points_balance)) : undefined;
    if (range) throw new HubError("REFUSED", `member ${memberId}: ${range}`, { reason: "OUT_OF_RANGE" });
    return row;
  }

  /** Inside the caller's transaction: the changelog entry for a member row the caller holds (its stores unchanged). */
  recordRowChangeInTx(row: MemberRow): ScopedChange[] {
    return this.recordChangeInTx(row.member_id, storesOf(row), storesOf(row), row);
  }

  /**
   * Inside the caller's transaction: appends the member's current state (`current`, when the caller has the row, else read) to the changelog, once per
   * store scope, and tombstones for the stores that no longer see the member.
   */
  recordChangeInTx(memberId: string, stores: readonly string[], previousStores: readonly string[] = stores, current?: MemberRow): ScopedChange[] {
    const row = current ?? this.row(memberId);
    const now = this.clock.now();
    const out: ScopedChange[] = [];
    const insert = (storeId: string | null, kind: "upsert" | "delete"): void => {
      const change: MemberChange = kind === "upsert" && row ? { kind, seq: 0, member: toRecord(row) } : { kind: "delete", seq: 0, memberId };
      out.push({ storeId, change });
      // The row is appended as the transaction's last step, in commit order (sql-dialect.ts); the
      // change carries its seq once the transaction has committed.
      this.db.beforeCommit(() => {
        change.seq = this.db.prepare(changelogAppendSql(this.db)).get<{ seq: number }>(memberId, kind, now, storeId)!.seq;
      });
    };
    const wasEverywhere = previousStores.length === 0;
    const isEverywhere = stores.length === 0;
    if (!row) {
      if (wasEverywhere) insert(null, "delete");
      else for (const s of previousStores) insert(s, "delete");
      return out;
    }
    if (isEverywhere) {
      insert(null, "upsert");
      return out;
    }
    for (const s of stores) insert(s, "upsert");
    // Stores that saw the member before and do not any more.
    const gone = wasEverywhere ? this.knownStores().filter((s) => !stores.includes(s)) : previousStores.filter((s) => !stores.includes(s));
    for (const s of gone) insert(s, "delete");
    return out;
  }

  /** Stores that have kiosks or configs. */
  knownStores(): string[] {
    return this.db
      .prepare("SELECT store_id FROM devices UNION SELECT store_id FROM configs ORDER BY 1")
      .all<{ store_id: string }>()
      .map((r) => r.store_id);
  }

  /** The store's latest changelog position before `beforeSeq` (see MemberChangelog). */
  cursorBefore(storeId: string, beforeSeq: number): number {
    return this.changelog.cursorBefore(storeId, beforeSeq);
  }

  cursorsBefore(storeIds: readonly string[], beforeSeq: number): Map<string, number> {
    return this.changelog.cursorsBefore(storeIds, beforeSeq);
  }

  cursor(storeId: string): number {
    return this.changelog.cursorBefore(storeId, Number.MAX_SAFE_INTEGER);
  }

  horizon(): number {
    return this.changelog.horizon();
  }

  compact(beforeSeq: number): number {
    return this.changelog.compact(beforeSeq);
  }

  /**
   * The store's changes after `cursor`, one per member (the latest state wins), oldest first. A
   * cursor of 0, or one older than the compaction horizon, is answered with a snapshot: the store's
   * current members, no tombstones; the kiosk then replaces its cache.
   */
  changesSince(storeId: string, cursor: number, limit: number, continuing = false): MembersPage {
    const stale = cursor > 0 && cursor < this.horizon() && !continuing;
    const from = stale ? 0 : cursor;
    const snapshot = from === 0 && !continuing;
    const rows = this.db
      .prepare(
        `SELECT member_id, MAX(seq) AS seq FROM member_changes
         WHERE seq > ? AND (store_id IS NULL OR store_id = ?)
         GROUP BY member_id ORDER BY seq LIMIT ?`,
      )
      .all<{ member_id: string; seq: number }>(from, storeId, limit + 1);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const changes: MemberChange[] = [];
    for (const r of page) {
      const latest = this.db.prepare("SELECT kind FROM member_changes WHERE seq = ?").get<{ kind: string }>(r.seq);
      const row = latest?.kind === "upsert" ? this.row(r.member_id) : undefined;
      const visible = row !== undefined && (storesOf(row).length === 0 || storesOf(row).includes(storeId));
      if (visible) changes.push({ kind: "upsert", seq: r.seq, member: toRecord(row) });
      else if (!snapshot) changes.push({ kind: "delete", seq: r.seq, memberId: r.member_id });
    }
    const last = page.at(-1);
    return { snapshot, changes, cursor: last ? last.seq : from, more };
  }
}
