// Online authorisation of stored-value, shopping-card and points spending: holds against the member's balance (and card) until the sale arrives.
//
// A kiosk asks before it lets a member pay with balance or points. The hub answers from the member's
// balance minus every open hold, and places a hold for the amount; the hold is consumed when the
// sale reaches the ledger and lapses after `holdMs` if it never does (the customer walked away).
// A retried request (same id, same kiosk, same member) gets the same answer and never a second hold.
// A kiosk is answered only about members its store may touch (anyone else, and a request id another
// kiosk or member used, is "unknown-member" with nothing disclosed), and never for a blocked member or
// an amount beyond the per-sale limits. A shopping card (购物卡) is held the same way: the card must be
// the member's, and its balance minus the card's other open holds must cover the amount.
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import type { AuthRequest, AuthResponse } from "../protocol/messages.js";
import type { MemberRegistry } from "./members.js";
import { SALE_LIMIT_FEN, SALE_POINTS_LIMIT } from "./evaluate.js";
import { storeMayTouch } from "./ingest-guard.js";

/** The open hold a sale may consume: the money, points and card money it keeps. */
export interface OpenHold {
  balanceFen: number;
  points: number;
  shoppingCardId: string | null;
  shoppingCardFen: number;
}

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

  /** The card's balance minus its other open holds; undefined when it is not this member's card. */
  private cardAvailable(memberId: string, cardId: string, excludeId: string): number | undefined {
    const card = this.db.prepare("SELECT member_id, balance_fen FROM shopping_cards WHERE card_id = ?").get<{ member_id: string; balance_fen: number }>(cardId);
    if (!card || card.member_id !== memberId) return undefined;
    const held =
      this.db
        .prepare(
          `SELECT COALESCE(SUM(shopping_card_fen), 0) AS f FROM holds
           WHERE shopping_card_id = ? AND consumed_at IS NULL AND expires_at > ? AND id <> ?`,
        )
        .get<{ f: number }>(cardId, this.clock.now(), excludeId)?.f ?? 0;
    return Number(card.balance_fen) - Number(held);
  }

  authorize(deviceId: string, req: AuthRequest): Omit<AuthResponse, "hubTime"> {
    return this.db.transaction(() => {
      const member = this.members.get(req.memberId);
      const storeId = this.db.prepare("SELECT store_id FROM devices WHERE device_id = ?").get<{ store_id: string }>(deviceId)?.store_id;
      if (!member || storeId === undefined || !storeMayTouch(this.members.storesOf(req.memberId), storeId)) return this.decline(req, "unknown-member", 0, 0);
      const existing = this.db
        .prepare("SELECT member_id, device_id, balance_fen, points, shopping_card_id, shopping_card_fen FROM holds WHERE id = ?")
        .get<{ member_id: string; device_id: string; balance_fen: number; points: number; shopping_card_id: string | null; shopping_card_fen: number }>(
          req.requestId,
        );
      if (existing && (existing.member_id !== req.memberId || existing.device_id !== deviceId)) return this.decline(req, "unknown-member", 0, 0);
      if (member.status === "blocked") return this.decline(req, "blocked", 0, 0);
      const held = this.held(req.memberId, req.requestId);
      const availableBalance = member.balanceFen - held.balance;
      const availablePoints = member.pointsBalance - held.points;
      const card = req.shoppingCard;
      // An unknown card (or another member's) says nothing about it: 0 available.
      const cardLeft = card ? (this.cardAvailable(req.memberId, card.cardId, req.requestId) ?? 0) : undefined;
      const withCard = (r: Omit<AuthResponse, "hubTime">, cardFen = 0): Omit<AuthResponse, "hubTime"> =>
        cardLeft === undefined ? r : { ...r, availableShoppingCardFen: cardLeft - cardFen };
      if (existing) {
        return withCard(
          {
            requestId: req.requestId,
            approved: true,
            availableBalanceFen: availableBalance - existing.balance_fen,
            availablePoints: availablePoints - existing.points,
          },
          card && existing.shopping_card_id === card.cardId ? Number(existing.shopping_card_fen) : 0,
        );
      }
      if (req.balanceFen > SALE_LIMIT_FEN) return withCard(this.decline(req, "insufficient-balance", availableBalance, availablePoints));
      if (req.points > SALE_POINTS_LIMIT) return withCard(this.decline(req, "insufficient-points", availableBalance, availablePoints));
      if (card && (card.amountFen > SALE_LIMIT_FEN || card.amountFen > (cardLeft ?? 0)))
        return withCard(this.decline(req, "insufficient-shopping-card", availableBalance, availablePoints));
      if (req.balanceFen > availableBalance) return withCard(this.decline(req, "insufficient-balance", availableBalance, availablePoints));
      if (req.points > availablePoints) return withCard(this.decline(req, "insufficient-points", availableBalance, availablePoints));
      const now = this.clock.now();
      const cardFen = card?.amountFen ?? 0;
      this.db
        .prepare(
          `INSERT INTO holds (id, member_id, device_id, balance_fen, points, shopping_card_id, shopping_card_fen, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(req.requestId, req.memberId, deviceId, req.balanceFen, req.points, cardFen > 0 ? card!.cardId : null, cardFen, now, now + this.holdMs);
      this.stats.approved++;
      return withCard(
        {
          requestId: req.requestId,
          approved: true,
          availableBalanceFen: availableBalance - req.balanceFen,
          availablePoints: availablePoints - req.points,
        },
        cardFen,
      );
    });
  }

  private decline(req: AuthRequest, reason: NonNullable<AuthResponse["reason"]>, balance: number, points: number): Omit<AuthResponse, "hubTime"> {
    this.stats.declined++;
    return { requestId: req.requestId, approved: false, reason, availableBalanceFen: balance, availablePoints: points };
  }

  /** Inside the ingest transaction: the open (unconsumed) hold `requestId` placed for this member at this kiosk, if any. */
  openHoldInTx(requestId: string, memberId: string, deviceId: string): OpenHold | undefined {
    const r = this.db
      .prepare(
        "SELECT balance_fen, points, shopping_card_id, shopping_card_fen FROM holds WHERE id = ? AND member_id = ? AND device_id = ? AND consumed_at IS NULL",
      )
      .get<{ balance_fen: number; points: number; shopping_card_id: string | null; shopping_card_fen: number }>(requestId, memberId, deviceId);
    return r
      ? { balanceFen: Number(r.balance_fen), points: Number(r.points), shoppingCardId: r.shopping_card_id, shoppingCardFen: Number(r.shopping_card_fen) }
      : undefined;
  }

  /** Inside the ingest transaction: the sale that used this hold has arrived. */
  consumeInTx(requestId: string): void {
    this.db.prepare("UPDATE holds SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL").run(this.clock.now(), requestId);
  }
}
