// Browser-safe formats the member app signs: the live member code's signed text and the request proof (MP1) that authenticates the app at the hub.
//
// A request proof is `MP1.<audience>.<cardId>.<unixSeconds>.<nonce>.<signature>` in an
// `Authorization: MemberProof ...` header. The card key signs one line per field (see proofMessage):
// audience, card, time, nonce, HTTP method, path with query, and the sha256 of the body, so a proof
// opens exactly one request, once, at the hub it was made for. The text starts with "MP1\n", which
// no live code's signed text ("MC1.<card>.<time>") can, so a code seen at a kiosk is never a proof
// and a proof is never a code. This file imports nothing from Node: the app bundles it.

export const PROOF_PREFIX = "MP1.";
export const PROOF_SCHEME = "MemberProof";
/** The audience of proofs made for the hub's routes. */
export const HUB_AUDIENCE = "hub";
/** The card field of the activation call, made before the app knows its card. */
export const ACTIVATION_CARD = "activation";

const PROOF = /^MP1\.([a-z]{1,16})\.([A-Za-z0-9_-]{1,32})\.(\d{9,11})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{86})$/;
/** The last base64url character of 16 bytes (22 chars) or 64 bytes (86 chars) carries 4 unused bits: only these spell them as zero. */
const CANONICAL_LAST = /[AQgw]$/;

export interface ProofParts {
  audience: string;
  cardId: string;
  issuedAtSec: number;
  nonce: string;
  signature: string;
}

export interface ProofRequest {
  method: string;
  /** Path and query exactly as sent, e.g. `/bo/members/M1/ledger?kind=points`. */
  path: string;
  /** base64url (unpadded) sha256 of the body; of the empty string when there is none. */
  bodySha256: string;
}

/** The exact text the card key signs for a request proof. */
export function proofMessage(p: Omit<ProofParts, "signature">, req: ProofRequest): string {
  return ["MP1", p.audience, p.cardId, String(p.issuedAtSec), p.nonce, req.method.toUpperCase(), req.path, req.bodySha256].join("\n");
}

/** Parses the header value after the scheme; null when it is not a well-formed canonical proof. */
export function parseProof(text: string): ProofParts | null {
  const m = PROOF.exec(text);
  if (!m) return null;
  if (!CANONICAL_LAST.test(m[4]!) || !CANONICAL_LAST.test(m[5]!)) return null;
  return { audience: m[1]!, cardId: m[2]!, issuedAtSec: Number(m[3]), nonce: m[4]!, signature: m[5]! };
}

export function formatProof(p: ProofParts): string {
  return `${PROOF_PREFIX}${p.audience}.${p.cardId}.${p.issuedAtSec}.${p.nonce}.${p.signature}`;
}

/** The signed text of a live member code (`MC1.<card>.<seconds>`); the code is this text, ".", and the signature. */
export function memberCodeText(cardId: string, nowMs: number): string {
  return `MC1.${cardId}.${Math.floor(nowMs / 1000)}`;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Standard unpadded base64url (the canonical spelling: unused trailing bits are zero). */
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/** Decodes unpadded base64url; null for any other character, a bad length or a non-canonical spelling. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[j++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return bytes;
}
