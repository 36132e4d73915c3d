// Turns a scanned member code into a cached member: signature against the card's key, time window, replay guard, the card's validity.
import type { Clock } from "../../protocol/clock.js";
import type { ConfigContent, MemberRecord } from "../../protocol/messages.js";
import { verifyMemberCode, type ReplayStore } from "../../protocol/member-code.js";
import { ProtocolError } from "../../protocol/errors.js";
import { cardExpired } from "../../protocol/card-validity.js";
import type { KioskStore } from "../store.js";
import { CheckoutError } from "./types.js";

export interface IdentifyDeps {
  store: KioskStore;
  clock: Clock;
  replay: ReplayStore;
}

/**
 * The member whose live code this is. Refuses with CODE_INVALID (bad signature, expired, replayed,
 * malformed), MEMBER_UNKNOWN (no such card on this kiosk) or CARD_EXPIRED (the card's validity has
 * passed, by the kiosk's clock; `expiredCards: "return"` returns it for the caller to decide, as
 * the gate does). A blocked card is returned as is, the caller decides (checkout and gate both
 * refuse it with their own message).
 */
export function memberFromCode(deps: IdentifyDeps, config: ConfigContent, codeText: string, opts: { expiredCards?: "refuse" | "return" } = {}): MemberRecord {
  let cardId: string;
  try {
    cardId = verifyMemberCode(codeText, {
      publicKeyOf: (card) => deps.store.memberByCard(card)?.cardPublicKey,
      nowMs: deps.clock.now(),
      replay: deps.replay,
      windowSeconds: config.device.memberCodeWindowSeconds,
    }).cardId;
  } catch (err) {
    if (err instanceof ProtocolError) {
      const code = err.code === "CODE_UNKNOWN_CARD" ? "MEMBER_UNKNOWN" : "CODE_INVALID";
      throw new CheckoutError(code, `member code refused: ${err.message}`, err.code);
    }
    throw err;
  }
  const member = deps.store.memberByCard(cardId);
  if (!member) throw new CheckoutError("MEMBER_UNKNOWN", "member not found");
  if (opts.expiredCards !== "return" && member.status !== "blocked" && cardExpired(member, deps.clock.now()))
    throw new CheckoutError("CARD_EXPIRED", "this member card has expired; please renew it at the service desk");
  return member;
}
