// Online authorisation of stored-value and points spending: holds against the member's balance until the sale arrives.
//
// A kiosk asks before it lets a member pay with balance or points. The hub answers from the member's
// balance minus every open hold, and places a hold for the amount; the hold is consumed when the
// sale reaches the ledger and lapses after `holdMs` if it never does (the customer walked away).
// A retried request (same id, same kiosk, same member) gets the same answer and never a second hold.
// A kiosk is answered only about members its store may touch (anyone else, and a request id another
// kiosk or member used, is "unknown-member" with nothing disclosed), and never for a blocked member or
// an amount beyond the per-sale limits.
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import type { AuthRequest, AuthResponse } from "../protocol/messages.js";
import type { MemberRegistry } from "./members.js";
import { SALE_LIMIT_FEN, SALE_POINTS_LIMIT } from "./evaluate.js";
import { storeMayTouch } from "./ingest-guard.js";

export class Authorizer {
  readonly stats = { approved: 0, declined: 0 };

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly members: MemberRegistry,
    private readonly holdMs = 10 * 60_000,
  ) {}

  private held(memberId: string, excludeId: string): { balance: number; points: number } {
    const r = this.db
      .prepare(
        `SELECT COALESCE(SUM(balance_fen), 0) AS b, COALESCE(SUM(points), 0) AS p FROM holds
         WHERE member_id = ? AND consumed_at IS NULL AND expires_at > ? AND id <> ?`,
      )
      .get<{ b: number; p: number }>(memberId, this.clock.now(), excludeId);
    return { balance: r?.b ?? 0, points: r?.p ?? 0 };
  }

  authorize(deviceId: string, req: AuthRequest): Omit<AuthResponse, "hubTime"> {
    return this.db.transaction(() => {
      const member = this.members.get(req.memberId);
      const storeId = this.db.prepare("SELECT store_id FROM devices WHERE device_id = ?").get<{ store_id: string }>(deviceId)?.store_id;
      if (!member || storeId === undefined || !storeMayTouch(this.members.storesOf(req.memberId), storeId)) return this.decline(req, "unknown-member", 0, 0);
      const existing = this.db
        .prepare("SELECT member_id, device_id, balance_fen, points FROM holds WHERE id = ?")
        .get<{ member_id: string; device_id: string; balance_fen: number; points: number }>(req.requestId);
      if (existing && (existing.member_id !== req.memberId || existing.device_id !== deviceId)) return this.decline(req, "unknown-member", 0, 0);
      if (member.status === "blocked") return this.decline(req, "blocked", 0, 0);
      const held = this.held(req.memberId, req.requestId);
      const availableBalance = member.balanceFen - held.balance;
      const availablePoints = member.pointsBalance - held.points;
      if (existing) {
        return {
          requestId: req.requestId,
          approved: true,
          availableBalanceFen: availableBalance - existing.balance_fen,
          availablePoints: availablePoints - existing.points,
        };
      }
      if (req.balanceFen > SALE_LIMIT_FEN) return this.decline(req, "insufficient-balance", availableBalance, availablePoints);
      if (req.points > SALE_POINTS_LIMIT) return this.decline(req, "insufficient-points", availableBalance, availablePoints);
      if (req.balanceFen > availableBalance) return this.decline(req, "insufficient-balance", availableBalance, availablePoints);
      if (req.points > availablePoints) return this.decline(req, "insufficient-points", availableBalance, availablePoints);
      const now = this.clock.now();
      this.db
        .prepare("INSERT INTO holds (id, member_id, device_id, balance_fen, points, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(req.requestId, req.memberId, deviceId, req.balanceFen, req.points, now, now + this.holdMs);
      this.stats.approved++;
      return {
        requestId: req.requestId,
        approved: true,
        availableBalanceFen: availableBalance - req.balanceFen,
        availablePoints: availablePoints - req.points,
      };
    });
  }

  private decline(req: AuthRequest, reason: NonNullable<AuthResponse["reason"]>, balance: number, points: number): Omit<AuthResponse, "hubTime"> {
    this.stats.declined++;
    return { requestId: req.requestId, approved: false, reason, availableBalanceFen: balance, availablePoints: points };
  }

  /** Inside the ingest transaction: the open (unconsumed) hold `requestId` placed for this member at this kiosk, if any. */
  openHoldInTx(requestId: string, memberId: string, deviceId: string): { balanceFen: number; points: number } | undefined {
    const r = this.db
      .prepare("SELECT balance_fen, points FROM holds WHERE id = ? AND member_id = ? AND device_id = ? AND consumed_at IS NULL")
      .get<{ balance_fen: number; points: number }>(requestId, memberId, deviceId);
    return r ? { balanceFen: Number(r.balance_fen), points: Number(r.points) } : undefined;
  }

  /** Inside the ingest transaction: the sale that used this hold has arrived. */
  consumeInTx(requestId: string): void {
    this.db.prepare("UPDATE holds SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL").run(this.clock.now(), requestId);
  }
}
