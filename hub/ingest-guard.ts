// The hub's trust boundary for kiosk facts: which members a kiosk's store may touch, what a sale may debit (holds, offline limits) and the range member values stay in.
//
// A kiosk's figures are claims. Its store decides which members it may touch; the hub's hold (online)
// or the store's offline limit per member per local day at that kiosk (offline) decides how much
// stored value, shopping-card money and how many points a sale may take; the hub's own pricing caps them again.
import type { Database } from "../storage/database.js";
import type { Clock } from "../protocol/clock.js";
import type { ConfigContent, MemberRecord, SaleFact } from "../protocol/messages.js";
import type { DeviceAddress } from "../protocol/topics.js";
import { localDate, startOfLocalDay } from "../protocol/rules/time.js";
import type { Authorizer } from "./authorizer.js";
import { MEMBER_VALUE_LIMIT, type MemberRegistry } from "./members.js";

const DAY_MS = 86_400_000;
/** Offline sales older than this (or dated before their config, or after tomorrow) count on the edge day. */
export const OFFLINE_HORIZON_MS = 30 * DAY_MS;

/** A member's stores include `storeId` (an empty list: every store of the chain). */
export function storeMayTouch(stores: readonly string[] | undefined, storeId: string): boolean {
  return stores !== undefined && (stores.length === 0 || stores.includes(storeId));
}

export function inMemberRange(v: number): boolean {
  return Number.isSafeInteger(v) && Math.abs(v) <= MEMBER_VALUE_LIMIT;
}

/** What one sale may take from the member: a hold the hub placed for it, or what is left of the offline limit. */
export interface Allowance {
  balanceFen: number;
  points: number;
  /** From the shopping card the sale names (the hold's card only, online; every card together counts against the offline limit). */
  shoppingCardFen: number;
  /** The hold to consume (online), or undefined (offline allowance). */
  holdId: string | undefined;
}

export class IngestGuard {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly members: MemberRegistry,
    private readonly authorizer?: Authorizer,
  ) {}

  /** Why the kiosk's store may not touch this member (undefined: it may); `stores`: the member's, when the caller has read them. */
  refusal(device: DeviceAddress, member: MemberRecord, stores: readonly string[] | undefined = this.members.storesOf(member.memberId)): string | undefined {
    if (!storeMayTouch(stores, device.storeId)) return `member ${member.memberId} is not a member of store ${device.storeId}`;
    if (member.status === "blocked") return `member ${member.memberId} is blocked`;
    return undefined;
  }

  /** Why adding the deltas would take the member's values out of range (undefined: in range). */
  outOfRange(member: MemberRecord, balanceDeltaFen: number, pointsDelta: number): string | undefined {
    const balance = member.balanceFen + balanceDeltaFen;
    const points = member.pointsBalance + pointsDelta;
    if (!inMemberRange(balance) || !inMemberRange(points)) {
      return `member ${member.memberId}: balance ${balance} fen or points ${points} would be out of range (±${MEMBER_VALUE_LIMIT})`;
    }
    return undefined;
  }

  /**
   * Inside the ingest transaction: what this sale may debit. An online sale with an open hold the hub
   * placed for this kiosk and member may take the hold; anything else (offline, a missing, used or
   * foreign hold, no authorisation at all) only what is left of the offline limits of the config the
   * kiosk used, for this member at this kiosk on the sale's local day (`beforeRead` runs before that
   * is read from the sales: a ledger batch writes the sales it holds).
   */
  allowance(device: DeviceAddress, sale: SaleFact, content: ConfigContent, at: number, beforeRead?: () => void): Allowance {
    const wantsBalance = sale.tenders.some((t) => t.kind === "balance" && t.amountFen > 0);
    const wantsPoints = (sale.pointsRedeemed ?? 0) > 0;
    const card = sale.tenders.find((t) => t.kind === "shopping-card" && t.amountFen > 0);
    if (!wantsBalance && !wantsPoints && !card) return { balanceFen: 0, points: 0, shoppingCardFen: 0, holdId: undefined };
    const auth = sale.authorization;
    if (auth?.mode === "online") {
      const hold = this.authorizer?.openHoldInTx(auth.requestId, sale.memberId, device.deviceId);
      if (hold) {
        const cardFen = card && hold.shoppingCardId === card.cardId ? hold.shoppingCardFen : 0;
        return { balanceFen: hold.balanceFen, points: hold.points, shoppingCardFen: cardFen, holdId: auth.requestId };
      }
    }
    const limits = content.device.offlineLimits;
    beforeRead?.();
    const used = this.offlineUsed(device, sale.memberId, content, at);
    return {
      balanceFen: Math.max(0, limits.balanceFenPerMemberPerDay - used.balanceFen),
      points: Math.max(0, limits.pointsPerMemberPerDay - used.points),
      shoppingCardFen: Math.max(0, limits.shoppingCardFenPerMemberPerDay - used.shoppingCardFen),
      holdId: undefined,
    };
  }

  /**
   * Stored value and points this kiosk already took from the member under the offline limits on the
   * sale's local day. A time before the horizon (or the config's issue) or after tomorrow counts on the
   * first or last day of that window, so a kiosk cannot spread offline spending over invented days.
   */
  private offlineUsed(
    device: DeviceAddress,
    memberId: string,
    content: ConfigContent,
    at: number,
  ): { balanceFen: number; points: number; shoppingCardFen: number } {
    const now = this.clock.now();
    const floor = Math.max(now - OFFLINE_HORIZON_MS, content.issuedAt - DAY_MS);
    const ceiling = now + DAY_MS;
    const offset = content.rules.utcOffsetMinutes;
    const start = startOfLocalDay(localDate(Math.min(Math.max(at, floor), ceiling), offset), offset);
    const from = start <= floor ? Number.MIN_SAFE_INTEGER : start;
    const to = start + DAY_MS > ceiling ? Number.MAX_SAFE_INTEGER : start + DAY_MS;
    const r = this.db
      .prepare(
        `SELECT COALESCE(SUM(balance_fen), 0) AS b, COALESCE(SUM(points_redeemed), 0) AS p, COALESCE(SUM(shopping_card_fen), 0) AS c FROM sales
         WHERE device_id = ? AND member_id = ? AND offline_approved = 1 AND at >= ? AND at < ?`,
      )
      .get<{ b: number; p: number; c: number }>(device.deviceId, memberId, from, to);
    return { balanceFen: Number(r?.b ?? 0), points: Number(r?.p ?? 0), shoppingCardFen: Number(r?.c ?? 0) };
  }
}
