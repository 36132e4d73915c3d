// The member's live code: `MC1.<cardId>.<unixSeconds>.<Ed25519 signature>`, minted by the member's app.
//
// The app holds the card's private key; kiosks and the hub hold only public keys, so a stolen kiosk
// cannot mint codes. A code is valid for `windowSeconds` (60 by default) after its timestamp, plus a
// small allowance for clocks running ahead; the verifier's clock is the hub-corrected clock, passed in.
// A code already accepted inside its window is refused (a screenshot shown twice).
//
// A code has exactly one spelling (DESIGN.md invariant 6): the parser accepts only the canonical text
// (card id as minted, the time without leading zeros or signs, the signature as unpadded base64url
// whose 4 unused trailing bits are zero, and S < L), and the replay guards key on the decoded card
// and time, so re-spelling a seen code cannot get it past them.
import { ProtocolError } from "./errors.js";
import { signBytes, verifyBytes, type KeyPair } from "./signing.js";

export const MEMBER_CODE_PREFIX = "MC1.";
const CARD_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Card id, time (9-11 digits, no leading zero), signature (86 base64url characters). */
const CODE = /^MC1\.([A-Za-z0-9_-]{1,32})\.([1-9][0-9]{8,10})\.([A-Za-z0-9_-]{86})$/;
/** Base64url characters whose 4 low bits are zero: the only ones that may end a 64-byte value. */
const LAST_CHAR = /[AQgw]$/;
/** The order of the Ed25519 group; a signature's S (its last 32 bytes, little-endian) must be below it. */
const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/** True when `sig` is the one spelling of a 64-byte Ed25519 signature with a canonical S. */
function isCanonicalSignature(sig: string): boolean {
  if (!LAST_CHAR.test(sig)) return false;
  const bytes = Buffer.from(sig, "base64url");
  if (bytes.length !== 64 || bytes.toString("base64url") !== sig) return false;
  return littleEndian(bytes.subarray(32)) < ED25519_L;
}

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

/** Splits a code into its parts; CODE_MALFORMED for anything but the one canonical spelling. */
export function parseMemberCode(text: string): MemberCodeParts {
  const m = typeof text === "string" && text.length <= 140 ? CODE.exec(text) : null;
  if (!m) throw new ProtocolError("CODE_MALFORMED", "not a member code (expected MC1.<card>.<time>.<signature>)");
  const issuedAtSec = Number(m[2]);
  if (!Number.isSafeInteger(issuedAtSec)) throw new ProtocolError("CODE_MALFORMED", "member code time is out of range");
  if (!isCanonicalSignature(m[3]!)) throw new ProtocolError("CODE_MALFORMED", "member code signature is not canonical base64url (refresh the code in the app)");
  return { cardId: m[1]!, issuedAtSec, signature: m[3]! };
}

/**
 * What the replay guards remember for an accepted code: the decoded card and time. Ed25519 signing is
 * deterministic, so an app makes one code per card per second; keying on the card and second (not on
 * the text, nor on the signature) leaves no other spelling or signature of the same code to try.
 */
export function memberCodeReplayKey(parts: Pick<MemberCodeParts, "cardId" | "issuedAtSec">): string {
  return `${parts.cardId}.${parts.issuedAtSec}`;
}

/** Where accepted codes are remembered until their window has passed (in memory, or durable on a kiosk). */
export interface ReplayStore {
  /** Records `key` (memberCodeReplayKey) as used until `expiresAtMs`; returns false when it was already used. */
  claim(key: string, expiresAtMs: number, nowMs: number): boolean;
}

/** Remembers accepted codes in memory until their window has passed. */
export class ReplayGuard implements ReplayStore {
  private readonly seen = new Map<string, number>();

  /** Records `key` as used until `expiresAtMs`; returns false when it was already used. */
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
  if (!opts.replay.claim(memberCodeReplayKey(parts), issuedMs + windowMs, opts.nowMs)) {
    throw new ProtocolError("CODE_REPLAYED", "member code was already used; refresh it in the app");
  }
  return { cardId: parts.cardId, issuedAtSec: parts.issuedAtSec };
}
