// The member's live code: `MC1.<cardId>.<unixSeconds>.<Ed25519 signature>`, minted by the member's app.
//
// The app holds the card's private key; kiosks and the hub hold only public keys, so a stolen kiosk
// cannot mint codes. A code is valid for `windowSeconds` (60 by default) after its timestamp, plus a
// small allowance for clocks running ahead; the verifier's clock is the hub-corrected clock, passed in.
// A code already accepted inside its window is refused (a screenshot shown twice).
import { ProtocolError } from "./errors.js";
import { signBytes, verifyBytes, type KeyPair } from "./signing.js";

export const MEMBER_CODE_PREFIX = "MC1.";
const CARD_ID = /^[A-Za-z0-9_-]{1,32}$/;
const CODE = /^MC1\.([A-Za-z0-9_-]{1,32})\.(\d{9,11})\.([A-Za-z0-9_-]{86})$/;

export interface MemberCodeParts {
  cardId: string;
  issuedAtSec: number;
  signature: string;
}

/** Cheap test used by the scanner to classify a decoded text; does not verify anything. */
export function isMemberCodeText(text: string): boolean {
  return text.startsWith(MEMBER_CODE_PREFIX);
}

export function isValidCardId(cardId: string): boolean {
  return CARD_ID.test(cardId);
}

/** What the member's app does: sign card id and time. `nowMs` is the app's clock. */
export function createMemberCode(cardId: string, cardKey: KeyPair, nowMs: number): string {
  if (!isValidCardId(cardId)) throw new ProtocolError("CODE_MALFORMED", `invalid card id ${JSON.stringify(cardId)}`);
  const body = `${MEMBER_CODE_PREFIX}${cardId}.${Math.floor(nowMs / 1000)}`;
  return `${body}.${signBytes(cardKey, body)}`;
}

export function parseMemberCode(text: string): MemberCodeParts {
  const m = CODE.exec(text);
  if (!m) throw new ProtocolError("CODE_MALFORMED", "not a member code (expected MC1.<card>.<time>.<signature>)");
  return { cardId: m[1]!, issuedAtSec: Number(m[2]), signature: m[3]! };
}

/** Where accepted codes are remembered until their window has passed (in memory, or durable on a kiosk). */
export interface ReplayStore {
  /** Records `code` as used until `expiresAtMs`; returns false when it was already used. */
  claim(code: string, expiresAtMs: number, nowMs: number): boolean;
}

/** Remembers accepted codes in memory until their window has passed. */
export class ReplayGuard implements ReplayStore {
  private readonly seen = new Map<string, number>();

  /** Records `code` as used until `expiresAtMs`; returns false when it was already used. */
  claim(code: string, expiresAtMs: number, nowMs: number): boolean {
    this.purge(nowMs);
    if (this.seen.has(code)) return false;
    this.seen.set(code, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private purge(nowMs: number): void {
    for (const [code, exp] of this.seen) if (exp < nowMs) this.seen.delete(code);
  }
}

export interface VerifyMemberCodeOptions {
  /** Looks up the card's public key (base64url), undefined for an unknown or revoked card. */
  publicKeyOf: (cardId: string) => string | undefined;
  /** The verifier's corrected clock, in ms. */
  nowMs: number;
  replay: ReplayStore;
  windowSeconds?: number;
  /** How far a code's time may be ahead of ours (phone clocks drift). */
  futureSkewSeconds?: number;
}

/** Verifies a live code; returns the card id or throws a ProtocolError with a CODE_* code. */
export function verifyMemberCode(text: string, opts: VerifyMemberCodeOptions): { cardId: string; issuedAtSec: number } {
  const parts = parseMemberCode(text);
  const windowMs = (opts.windowSeconds ?? 60) * 1000;
  const skewMs = (opts.futureSkewSeconds ?? 10) * 1000;
  const issuedMs = parts.issuedAtSec * 1000;
  if (issuedMs > opts.nowMs + skewMs) throw new ProtocolError("CODE_FROM_FUTURE", "member code time is ahead of the kiosk clock");
  if (opts.nowMs - issuedMs > windowMs) throw new ProtocolError("CODE_EXPIRED", "member code has expired; refresh it in the app");
  const key = opts.publicKeyOf(parts.cardId);
  if (!key) throw new ProtocolError("CODE_UNKNOWN_CARD", `no active card ${parts.cardId}`);
  const body = text.slice(0, text.lastIndexOf("."));
  if (!verifyBytes(key, body, parts.signature)) throw new ProtocolError("CODE_BAD_SIGNATURE", "member code signature is invalid");
  if (!opts.replay.claim(text, issuedMs + windowMs, opts.nowMs)) {
    throw new ProtocolError("CODE_REPLAYED", "member code was already used; refresh it in the app");
  }
  return { cardId: parts.cardId, issuedAtSec: parts.issuedAtSec };
}
