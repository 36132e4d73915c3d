// A member card's validity on the kiosk (会员卡有效期, seed 000): the VIP's expiry while the VIP class lasts, else the card's own cardValidUntil.
import type { MemberRecord } from "./messages.js";

/**
 * Until when (epoch ms, exclusive) the member's card is valid at `at`, or undefined for no expiry
 * (会员卡有效期, seed 000): while the VIP class lasts (before `vipExpiresAt`) the VIP's expiry (a
 * VIP purchase replaces the card's validity), otherwise the card's own `cardValidUntil` (what the
 * VIP's end restores; the hub keeps it, PUT /bo/members/:id/card-validity).
 */
export function cardValidity(m: MemberRecord, at: number): number | undefined {
  return m.vipExpiresAt !== undefined && at < m.vipExpiresAt ? m.vipExpiresAt : m.cardValidUntil;
}

/** Whether the member's card has expired at `at` (the kiosk's clock). */
export function cardExpired(m: MemberRecord, at: number): boolean {
  const until = cardValidity(m, at);
  return until !== undefined && at >= until;
}
