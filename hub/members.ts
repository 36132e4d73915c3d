// The hub's member registry: members with their card public keys, balances, and the changelog kiosks follow.
import type { Database } from "../storage/sqlite.js";
import type { Clock } from "../protocol/clock.js";
import { MemberRecordSchema, type MemberRecord, type MemberChange, type MembersPage } from "../protocol/messages.js";
import { isValidCardId } from "../protocol/member-code.js";
import { HubError } from "./errors.js";

interface MemberRow {
  member_id: string;
  card_id: string;
  name: string;
  level_id: string;
  card_class: string;
  card_public_key: string;
  status: "active" | "blocked";
  points_balance: number;
  balance_fen: number;
  vip_expires_at: number | null;
  headshot_hash: string | null;
  birthday: string | null;
}

function toRecord(r: MemberRow): MemberRecord {
  return {
    memberId: r.member_id,
    cardId: r.card_id,
    name: r.name,
    levelId: r.level_id,
    cardClass: r.card_class,
    cardPublicKey: r.card_public_key,
    status: r.status,
    pointsBalance: r.points_balance,
    balanceFen: r.balance_fen,
    ...(r.vip_expires_at !== null ? { vipExpiresAt: r.vip_expires_at } : {}),
    ...(r.headshot_hash !== null ? { headshotHash: r.headshot_hash } : {}),
    ...(r.birthday !== null ? { birthday: r.birthday } : {}),
  };
}

export type NewMember = Omit<MemberRecord, "pointsBalance" | "balanceFen" | "status"> &
  Partial<Pick<MemberRecord, "pointsBalance" | "balanceFen" | "status">>;

export class MemberRegistry {
  /** Called after a change is committed, so the hub can push it to the kiosks. */
  onChange: ((change: MemberChange) => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  create(input: NewMember): MemberRecord {
    const parsed = MemberRecordSchema.safeParse({ pointsBalance: 0, balanceFen: 0, status: "active", ...input });
    if (!parsed.success) throw new HubError("INVALID_INPUT", `member: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const m = parsed.data;
    if (!isValidCardId(m.cardId)) throw new HubError("INVALID_INPUT", "member: invalid card id");
    const change = this.db.transaction(() => {
      const clash = this.db
        .prepare("SELECT member_id FROM members WHERE member_id = ? OR card_id = ?")
        .get(m.memberId, m.cardId);
      if (clash) throw new HubError("CONFLICT", `member ${m.memberId} or card ${m.cardId} already exists`);
      const now = this.clock.now();
      this.db
        .prepare(
          `INSERT INTO members (member_id, card_id, name, level_id, card_class, card_public_key, status,
             points_balance, balance_fen, vip_expires_at, headshot_hash, birthday, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(m.memberId, m.cardId, m.name, m.levelId, m.cardClass, m.cardPublicKey, m.status, m.pointsBalance,
          m.balanceFen, m.vipExpiresAt, m.headshotHash, m.birthday, now, now);
      return this.recordChangeInTx(m.memberId);
    });
    this.onChange?.(change);
    return m;
  }

  get(memberId: string): MemberRecord | undefined {
    const row = this.db.prepare("SELECT * FROM members WHERE member_id = ?").get<MemberRow>(memberId);
    return row ? toRecord(row) : undefined;
  }

  list(limit = 100, offset = 0): MemberRecord[] {
    return this.db
      .prepare("SELECT * FROM members ORDER BY member_id LIMIT ? OFFSET ?")
      .all<MemberRow>(limit, offset)
      .map(toRecord);
  }

  /** Inside the caller's transaction: adjust points and balance, and log a changelog entry. */
  adjustInTx(memberId: string, pointsDelta: number, balanceDeltaFen: number): MemberChange {
    this.db
      .prepare("UPDATE members SET points_balance = points_balance + ?, balance_fen = balance_fen + ?, updated_at = ? WHERE member_id = ?")
      .run(pointsDelta, balanceDeltaFen, this.clock.now(), memberId);
    return this.recordChangeInTx(memberId);
  }

  /** Inside the caller's transaction: append the member's current state to the changelog. */
  recordChangeInTx(memberId: string): MemberChange {
    const row = this.db.prepare("SELECT * FROM members WHERE member_id = ?").get<MemberRow>(memberId);
    const kind = row ? "upsert" : "delete";
    const seq = Number(
      this.db.prepare("INSERT INTO member_changes (member_id, kind, at) VALUES (?, ?, ?)").run(memberId, kind, this.clock.now())
        .lastInsertRowid,
    );
    return row ? { kind: "upsert", seq, member: toRecord(row) } : { kind: "delete", seq, memberId };
  }

  /** The latest changelog position. */
  cursor(): number {
    return this.db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM member_changes").get<{ s: number }>()?.s ?? 0;
  }

  /**
   * Changes after `cursor`, one per member (the latest state wins), oldest first. A cursor of 0 is a
   * snapshot: the full current set, no tombstones.
   */
  changesSince(cursor: number, limit: number): MembersPage {
    const snapshot = cursor === 0;
    const rows = this.db
      .prepare(
        `SELECT c.member_id, MAX(c.seq) AS seq FROM member_changes c WHERE c.seq > ?
         GROUP BY c.member_id ORDER BY seq LIMIT ?`,
      )
      .all<{ member_id: string; seq: number }>(cursor, limit + 1);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const changes: MemberChange[] = [];
    for (const r of page) {
      const row = this.db.prepare("SELECT * FROM members WHERE member_id = ?").get<MemberRow>(r.member_id);
      if (row) changes.push({ kind: "upsert", seq: r.seq, member: toRecord(row) });
      else if (!snapshot) changes.push({ kind: "delete", seq: r.seq, memberId: r.member_id });
    }
    const last = page.at(-1);
    return { snapshot, changes, cursor: last ? last.seq : cursor, more };
  }
}
