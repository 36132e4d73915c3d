// What one ledger batch writes, held in its transaction and written before the commit (issue #21): insert-only rows as multi-row INSERTs, one UPDATE per member moved.
//
// Ingest applies up to 500 entries in one transaction; written row by row that was about 8.6
// statements per sale, each a synchronous round trip on PostgreSQL. Here the rows that nothing in the
// batch reads back (ledger, sales, sale_details, points_log, balance_log, notifications, ...) are
// queued by table and written with insertRows, in the order they were queued; the members the batch
// moves are read (and locked) once, changed in memory and written together with one UPDATE. Whoever reads
// what the batch wrote through the database (a return reading its sale, the offline limits summing
// the day's sales, the money ledger moving a shopping card) calls flush() first, and forget() after
// writing a member row itself. `immediate` writes every row and member change at once (row by row).
import { insertRows, type Database, type SqlParam } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import type { LedgerEntry } from "../protocol/messages.js";
import { NOTIFICATION_INSERT, notificationRow, recipientOf, type NewNotification, type NotificationKind, type Recipient } from "./notify/outbox.js";
import { HubError } from "./errors.js";
import { valuesOutOfRange, type MemberRow } from "./members.js";
import { isPostgres, jsonArraySql, jsonRecordsSql } from "./sql-dialect.js";

/** The heads of the log rows a batch writes (BatchRows.add). */
export const POINTS_LOG = "INSERT INTO points_log (member_id, delta, reason, ref, at)";
export const BALANCE_LOG = "INSERT INTO balance_log (member_id, delta_fen, reason, ref, at)";

/** The last seq of the run of consecutive entries from entries[i] (sorted by seq; a repeated seq inside it is a duplicate). */
export function runEnd(entries: readonly LedgerEntry[], i: number): number {
  let last = entries[i]!.seq;
  for (let j = i + 1; j < entries.length; j++) {
    const seq = entries[j]!.seq;
    if (seq === last) continue;
    if (seq !== last + 1) break;
    last = seq;
  }
  return last;
}

/** Insert-only rows by table, in the order queued (tables in the order they first came: parents before children). */
export class BatchRows {
  private readonly tables = new Map<string, { head: string; tail: string; rows: SqlParam[][] }>();

  constructor(
    private readonly db: Database,
    private readonly immediate: boolean,
  ) {}

  /** Queues one row of `head` (`INSERT INTO t (a, b)`), `tail` (ON CONFLICT ...) the same for every row of it. */
  add(head: string, values: SqlParam[], tail = ""): void {
    if (this.immediate) {
      insertRows(this.db, head, [values], tail);
      return;
    }
    const key = `${head}\u0000${tail}`;
    let table = this.tables.get(key);
    if (!table) this.tables.set(key, (table = { head, tail, rows: [] }));
    table.rows.push(values);
  }

  flush(): void {
    for (const table of this.tables.values()) {
      if (table.rows.length === 0) continue;
      const rows = table.rows;
      table.rows = [];
      insertRows(this.db, table.head, rows, table.tail);
    }
  }
}

type HeldRow = MemberRow & { updated_at?: number };

/** The member columns a batch writes (BatchMembers.flush), as jsonRecordsSql reads them. */
const MEMBER_COLUMNS = [
  ["member_id", "text"],
  ["points_balance", "bigint"],
  ["balance_fen", "bigint"],
  ["bonus_balance_fen", "bigint"],
  ["coupons", "text"],
  ["updated_at", "bigint"],
] as const;

/** The members a batch moves: read once (locked on PostgreSQL), changed in memory, written together at flush. */
export class BatchMembers {
  /** A member's row as the batch has it (null: no such member). */
  private readonly rows = new Map<string, HeldRow | null>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly immediate: boolean,
  ) {}

  /**
   * Reads the members' rows in one statement; on PostgreSQL (READ COMMITTED) it also locks them until
   * commit, in id order, so batches touching the same members wait instead of aborting (sql-dialect.ts rowLocks).
   */
  load(memberIds: Iterable<string>): void {
    const ids = [...new Set(memberIds)].sort();
    if (ids.length === 0) return;
    const list = jsonArraySql(this.db, "?", "ids");
    const rows = this.db
      .prepare(
        `SELECT * FROM members WHERE member_id IN (SELECT ${list.value} FROM ${list.from}) ORDER BY member_id${isPostgres(this.db) ? " FOR UPDATE" : ""}`,
      )
      .all<HeldRow>(JSON.stringify(ids));
    for (const id of ids) this.rows.set(id, null);
    for (const r of rows) this.rows.set(r.member_id, r);
  }

  /** The member's row with what the batch did to it so far. */
  get(memberId: string): MemberRow | undefined {
    let row = this.rows.get(memberId);
    if (row === undefined) {
      row = this.db.prepare("SELECT * FROM members WHERE member_id = ?").get<HeldRow>(memberId) ?? null;
      this.rows.set(memberId, row);
    }
    return row ?? undefined;
  }

  /** The member's coupons (JSON text) become `json`. */
  setCoupons(memberId: string, json: string): void {
    this.change(memberId, (r) => {
      r.coupons = json;
    });
  }

  /** The bonus part of the stored value moves by `deltaFen`, never below zero. */
  addBonus(memberId: string, deltaFen: number): void {
    this.change(memberId, (r) => {
      const next = Number(r.bonus_balance_fen) + deltaFen;
      r.bonus_balance_fen = Math.max(next, 0);
    });
  }

  /** Points and balance move (MemberRegistry.adjustRowInTx, in memory): the row after it, or undefined for no such member. */
  adjust(memberId: string, pointsDelta: number, balanceDeltaFen: number): MemberRow | undefined {
    const row = this.get(memberId);
    if (!row) return undefined;
    const points = Number(row.points_balance) + pointsDelta;
    const balance = Number(row.balance_fen) + balanceDeltaFen;
    // The last line of defence (callers check first): an out-of-range value aborts the batch.
    const range = valuesOutOfRange(balance, Number(row.bonus_balance_fen), points);
    if (range) throw new HubError("REFUSED", `member ${memberId}: ${range}`, { reason: "OUT_OF_RANGE" });
    this.change(memberId, (r) => {
      r.points_balance = points;
      r.balance_fen = balance;
      r.updated_at = this.clock.now();
    });
    return row;
  }

  private change(memberId: string, fn: (row: HeldRow) => void): void {
    const row = this.get(memberId) as HeldRow | undefined;
    if (!row) return;
    fn(row);
    this.dirty.add(memberId);
    if (this.immediate) this.flush();
  }

  /** Writes every member the batch changed since the last flush, in one UPDATE (the values the batch holds). */
  flush(): void {
    if (this.dirty.size === 0) return;
    const rows = [...this.dirty].flatMap((id) => {
      const r = this.rows.get(id);
      return r
        ? [
            {
              member_id: id,
              points_balance: r.points_balance,
              balance_fen: r.balance_fen,
              bonus_balance_fen: r.bonus_balance_fen,
              coupons: r.coupons,
              updated_at: r.updated_at ?? null,
            },
          ]
        : [];
    });
    this.dirty.clear();
    const j = jsonRecordsSql(this.db, "j", MEMBER_COLUMNS);
    const set = MEMBER_COLUMNS.slice(1, 5).map(([c]) => `${c} = ${j.column(c)}`);
    this.db
      .prepare(
        `UPDATE members SET ${set.join(", ")}, updated_at = COALESCE(${j.column("updated_at")}, members.updated_at) FROM ${j.from} WHERE members.member_id = ${j.column("member_id")}`,
      )
      .run(JSON.stringify(rows));
  }

  /** Someone else wrote the member's row (after a flush): it is read again when next needed. */
  forget(memberId: string): void {
    if (this.dirty.has(memberId)) throw new Error(`member ${memberId} has changes not written: flush first`);
    this.rows.delete(memberId);
  }
}

/** The batch's writes: its rows, its members and the notifications it queues (each recipient read once per batch). */
export class BatchWrites {
  readonly rows: BatchRows;
  readonly members: BatchMembers;
  private readonly recipients = new Map<string, Recipient>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    immediate: boolean,
  ) {
    this.rows = new BatchRows(db, immediate);
    this.members = new BatchMembers(db, clock, immediate);
  }

  /** Reads where the members' messages of `kind` go, in one statement (notify then reads none of them again in this batch). */
  loadRecipients(kind: NotificationKind, memberIds: Iterable<string>): void {
    const ids = [...new Set(memberIds)];
    if (ids.length === 0) return;
    const list = jsonArraySql(this.db, "?", "ids");
    const rows = this.db
      .prepare(
        `SELECT ${list.value} AS member_id, (SELECT phone FROM member_profiles p WHERE p.member_id = ${list.value}) AS phone,
           CASE WHEN EXISTS (SELECT 1 FROM notification_optouts o WHERE o.member_id = ${list.value} AND o.kind IN (?, 'all')) THEN 1 ELSE 0 END AS opted_out
         FROM ${list.from}`,
      )
      .all<{ member_id: string; phone: string | null; opted_out: number }>(kind, JSON.stringify(ids));
    for (const r of rows) this.recipients.set(`${r.member_id}\u0000${kind}`, { phone: r.phone ?? null, optedOut: Number(r.opted_out) === 1 });
  }

  /** Queues a message (enqueueInTx's row: once per key, 'skipped' for a member who opted out). */
  notify(n: NewNotification): void {
    const key = `${n.memberId}\u0000${n.kind}`;
    let who = this.recipients.get(key);
    if (!who) this.recipients.set(key, (who = recipientOf(this.db, n.memberId, n.kind)));
    this.rows.add(NOTIFICATION_INSERT.head, notificationRow(this.clock, n, who), NOTIFICATION_INSERT.tail);
  }

  /** Everything held goes to the database: members first, then the rows in the order queued. */
  flush(): void {
    this.members.flush();
    this.rows.flush();
  }
}
