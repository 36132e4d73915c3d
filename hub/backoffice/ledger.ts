// The one path for every back-office money and points change: idempotent by (reason, ref), principal and bonus kept apart, never below zero.
//
// points_log and balance_log have UNIQUE (reason, ref): an entry whose (reason, ref) is already
// there was applied before and is skipped, so a retried request, a job re-run after a crash or a
// replayed operation can never count twice. The member row (points, balance total, bonus part) moves
// in the same transaction, through MemberRegistry.adjustInTx, which also logs the change the kiosks
// follow (a shopping-card move too: the kiosks' copy of the member's cards). Money held for kiosk sales
// in flight (the authoriser's open holds) is not available.
import type { Database } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import type { MemberRegistry } from "../members.js";
import { HubError } from "../errors.js";
import type { Work } from "./work.js";
import { syncMemberCardsInTx } from "../member-cards.js";

export interface LedgerMove {
  memberId: string;
  /** What kind of change: `top-up`, `top-up-refund`, `points-adjustment`, `vip-purchase`, `yearly-clear`... */
  reason: string;
  /** Unique per reason: the operation's idempotency key, or a job's `<day>:<member>`. */
  ref: string;
  points?: number;
  /** Change of the member's own money (principal). */
  principalFen?: number;
  /** Change of the bonus money. */
  bonusFen?: number;
  /** Allow the points to go below zero (never used for money). */
  allowNegativePoints?: boolean;
  /**
   * Change of one of the member's shopping cards (stored value apart from the balance): total, and the
   * bonus part of it. `allowNegative`: a kiosk sale the card paid within a hold or the offline limits
   * (ingest records the overdraft; never used by the back office).
   */
  shoppingCard?: { cardId: string; fen: number; bonusFen?: number; allowNegative?: boolean };
  /** The caller writes the member's changelog entry itself (ingest: one entry per fact). */
  deferChange?: boolean;
}

export interface Balances {
  pointsBalance: number;
  balanceFen: number;
  bonusFen: number;
  principalFen: number;
  /** Balance not held for kiosk sales in flight. */
  availableFen: number;
}

export class MoneyLedger {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly members: MemberRegistry,
  ) {}

  balances(memberId: string): Balances {
    const m = this.db
      .prepare("SELECT points_balance, balance_fen, bonus_balance_fen FROM members WHERE member_id = ?")
      .get<{ points_balance: number; balance_fen: number; bonus_balance_fen: number }>(memberId);
    if (!m) throw new HubError("NOT_FOUND", `no member ${memberId}`);
    const held =
      this.db
        .prepare("SELECT COALESCE(SUM(balance_fen), 0) AS b FROM holds WHERE member_id = ? AND consumed_at IS NULL AND expires_at > ?")
        .get<{ b: number }>(memberId, this.clock.now())?.b ?? 0;
    const bonus = Math.max(0, Math.min(m.bonus_balance_fen, m.balance_fen));
    return {
      pointsBalance: m.points_balance,
      balanceFen: m.balance_fen,
      bonusFen: bonus,
      principalFen: m.balance_fen - bonus,
      availableFen: m.balance_fen - held,
    };
  }

  /** Card money held for kiosk sales in flight (the authoriser's open holds on this card). */
  cardHeld(cardId: string): number {
    const r = this.db
      .prepare("SELECT COALESCE(SUM(shopping_card_fen), 0) AS f FROM holds WHERE shopping_card_id = ? AND consumed_at IS NULL AND expires_at > ?")
      .get<{ f: number }>(cardId, this.clock.now());
    return Number(r?.f ?? 0);
  }

  private logged(table: "points_log" | "balance_log" | "shopping_card_log", reason: string, ref: string): boolean {
    return this.db.prepare(`SELECT 1 FROM ${table} WHERE reason = ? AND ref = ?`).get(reason, ref) !== undefined;
  }

  /** Whether (reason, ref) was already applied. */
  applied(reason: string, ref: string): boolean {
    return this.logged("points_log", reason, ref) || this.logged("balance_log", reason, ref) || this.logged("shopping_card_log", reason, ref);
  }

  /**
   * Inside the caller's transaction: applies the move once. Returns false (and changes nothing)
   * when (reason, ref) is already in the logs. Refuses to take points, principal or bonus below zero.
   */
  applyInTx(move: LedgerMove, work: Work): boolean {
    const points = move.points ?? 0;
    const principal = move.principalFen ?? 0;
    const bonus = move.bonusFen ?? 0;
    const card = move.shoppingCard;
    const cardFen = card?.fen ?? 0;
    const cardBonus = card?.bonusFen ?? 0;
    for (const [v, what] of [
      [points, "points"],
      [principal, "principalFen"],
      [bonus, "bonusFen"],
      [cardFen, "shoppingCard.fen"],
      [cardBonus, "shoppingCard.bonusFen"],
    ] as const) {
      if (!Number.isSafeInteger(v)) throw new HubError("INVALID_INPUT", `${what} must be a whole number`);
    }
    if (move.ref.length === 0 || move.ref.length > 200) throw new HubError("INVALID_INPUT", "a ledger ref must be 1-200 characters");
    const needPoints = points !== 0;
    const needBalance = principal !== 0 || bonus !== 0;
    const hasPoints = needPoints && this.logged("points_log", move.reason, move.ref);
    const hasBalance = needBalance && this.logged("balance_log", move.reason, move.ref);
    const needCard = cardFen !== 0;
    const hasCard = needCard && this.logged("shopping_card_log", move.reason, move.ref);
    if (hasPoints || hasBalance || hasCard) {
      if (needPoints !== hasPoints || needBalance !== hasBalance || needCard !== hasCard) {
        throw new HubError("CONFLICT", `ledger entry ${move.reason}/${move.ref} was applied with different parts`, { reason: "LEDGER_MISMATCH" });
      }
      return false;
    }
    if (!needPoints && !needBalance && !needCard) return true;
    let cardBalance = 0;
    if (needCard) {
      const c = this.db
        .prepare("SELECT member_id, balance_fen FROM shopping_cards WHERE card_id = ?")
        .get<{ member_id: string; balance_fen: number }>(card!.cardId);
      if (!c || c.member_id !== move.memberId) throw new HubError("NOT_FOUND", `member ${move.memberId} has no shopping card ${card!.cardId}`);
      cardBalance = c.balance_fen;
      if (cardFen < 0 && cardBalance + cardFen < 0 && !card!.allowNegative) {
        throw new HubError("REFUSED", `the shopping card holds ${cardBalance} fen`, { reason: "INSUFFICIENT_BALANCE" });
      }
      const held = cardFen < 0 && !card!.allowNegative ? this.cardHeld(card!.cardId) : 0;
      if (held > 0 && cardBalance - held + cardFen < 0) {
        throw new HubError("REFUSED", `only ${cardBalance - held} fen of the shopping card is available (the rest is held for sales in progress)`, {
          reason: "INSUFFICIENT_BALANCE",
        });
      }
    }
    const b = this.balances(move.memberId);
    if (points < 0 && !move.allowNegativePoints && b.pointsBalance + points < 0) {
      throw new HubError("REFUSED", `the member has ${b.pointsBalance} points`, { reason: "INSUFFICIENT_POINTS" });
    }
    if (principal < 0 && b.principalFen + principal < 0) {
      throw new HubError("REFUSED", `the member's own balance is ${b.principalFen} fen`, { reason: "INSUFFICIENT_BALANCE" });
    }
    if (bonus < 0 && b.bonusFen + bonus < 0) {
      throw new HubError("REFUSED", `the member's bonus balance is ${b.bonusFen} fen`, { reason: "INSUFFICIENT_BALANCE" });
    }
    if (principal + bonus < 0 && b.availableFen + principal + bonus < 0) {
      throw new HubError("REFUSED", `only ${b.availableFen} fen is available (the rest is held for sales in progress)`, { reason: "INSUFFICIENT_BALANCE" });
    }
    const now = this.clock.now();
    if (needPoints) {
      this.db
        .prepare("INSERT INTO points_log (member_id, delta, reason, ref, at) VALUES (?, ?, ?, ?, ?)")
        .run(move.memberId, points, move.reason, move.ref, now);
    }
    if (needBalance) {
      this.db
        .prepare("INSERT INTO balance_log (member_id, delta_fen, bonus_delta_fen, reason, ref, at) VALUES (?, ?, ?, ?, ?, ?)")
        .run(move.memberId, principal + bonus, bonus, move.reason, move.ref, now);
    }
    if (needCard) {
      this.db
        .prepare("INSERT INTO shopping_card_log (card_id, member_id, delta_fen, bonus_delta_fen, reason, ref, at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(card!.cardId, move.memberId, cardFen, cardBonus, move.reason, move.ref, now);
      this.db.prepare("UPDATE shopping_cards SET balance_fen = balance_fen + ? WHERE card_id = ?").run(cardFen, card!.cardId);
      syncMemberCardsInTx(this.db, move.memberId);
    }
    if (needPoints || needBalance) work.add(this.members.adjustInTx(move.memberId, points, principal + bonus, bonus));
    else if (!move.deferChange) work.add(this.members.recordChangeInTx(move.memberId, this.members.storesOf(move.memberId) ?? []));
    return true;
  }

  /** A member's points or balance history, newest first. */
  history(memberId: string, kind: "points" | "balance", limit: number, beforeId?: number): Array<Record<string, unknown>> {
    const before = beforeId ?? Number.MAX_SAFE_INTEGER;
    if (kind === "points") {
      return this.db
        .prepare("SELECT id, delta, reason, ref, at FROM points_log WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?")
        .all<{ id: number; delta: number; reason: string; ref: string; at: number }>(memberId, before, limit)
        .map((r) => ({ id: r.id, points: r.delta, reason: r.reason, ref: r.ref, at: r.at }));
    }
    return this.db
      .prepare("SELECT id, delta_fen, bonus_delta_fen, reason, ref, at FROM balance_log WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?")
      .all<{ id: number; delta_fen: number; bonus_delta_fen: number; reason: string; ref: string; at: number }>(memberId, before, limit)
      .map((r) => ({
        id: r.id,
        totalFen: r.delta_fen,
        principalFen: r.delta_fen - r.bonus_delta_fen,
        bonusFen: r.bonus_delta_fen,
        reason: r.reason,
        ref: r.ref,
        at: r.at,
      }));
  }
}
