// A members table row and the member record the kiosks get from it (hub/members.ts, hub/member-bulk.ts).
import type { MemberRecord } from "../protocol/messages.js";

export interface MemberRow {
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
  stores: string;
  bonus_balance_fen: number;
  base_card_class: string | null;
  /** The card's own validity (NULL: no expiry), the kiosks' copy of the back office's member_vip (MemberRecord.cardValidUntil). */
  card_valid_until: number | null;
  primary_member_id: string | null;
  coupons: string;
  /** The member's shopping cards as JSON [{cardId, balanceFen}], written with every card movement (MoneyLedger). */
  shopping_cards: string;
}

export function toRecord(r: MemberRow): MemberRecord {
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
    bonusBalanceFen: r.bonus_balance_fen,
    coupons: JSON.parse(r.coupons) as MemberRecord["coupons"],
    shoppingCards: (JSON.parse(r.shopping_cards ?? "[]") as MemberRecord["shoppingCards"]).map((c) => ({ cardId: c.cardId, balanceFen: Number(c.balanceFen) })),
    ...(r.vip_expires_at !== null ? { vipExpiresAt: r.vip_expires_at } : {}),
    ...(r.base_card_class !== null ? { baseCardClass: r.base_card_class } : {}),
    ...(r.card_valid_until !== null ? { cardValidUntil: r.card_valid_until } : {}),
    ...(r.headshot_hash !== null ? { headshotHash: r.headshot_hash } : {}),
    ...(r.birthday !== null ? { birthday: r.birthday } : {}),
    ...(r.primary_member_id !== null ? { primaryMemberId: r.primary_member_id } : {}),
  };
}
