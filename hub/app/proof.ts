// Verifies the member app's request proofs (MP1, see protocol/member-proof.ts): audience, time window, signature over the request, and each proof once.
import { createHash } from "node:crypto";
import type { Database } from "../../storage/database.js";
import { verifyBytes } from "../../protocol/signing.js";
import { HUB_AUDIENCE, parseProof, proofMessage, type ProofParts, type ProofRequest } from "../../protocol/member-proof.js";
import { HubError } from "../errors.js";

/** A proof is accepted this long either side of the hub's clock (the app uses the hub-corrected clock). */
export const PROOF_SKEW_SECONDS = 60;

export function sha256Base64Url(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("base64url");
}

/** Remembers accepted proofs by their decoded (card, time, nonce) in the hub's database, so every hub instance refuses a replay. */
export class ProofNonces {
  private calls = 0;
  constructor(private readonly db: Database) {}

  claim(p: ProofParts, nowMs: number): boolean {
    if (++this.calls % 200 === 0) this.db.prepare("DELETE FROM app_proof_nonces WHERE expires_at < ?").run(nowMs);
    const key = `${p.cardId}.${p.issuedAtSec}.${p.nonce}`;
    const expiresAt = (p.issuedAtSec + PROOF_SKEW_SECONDS) * 1000 + 1000;
    const taken = this.db.prepare("SELECT expires_at FROM app_proof_nonces WHERE proof_key = ?").get<{ expires_at: number }>(key);
    if (taken) return false;
    return (
      this.db.prepare("INSERT INTO app_proof_nonces (proof_key, expires_at) VALUES (?, ?) ON CONFLICT (proof_key) DO NOTHING").run(key, expiresAt).changes === 1
    );
  }
}

const refuse = (reason: string, message: string): HubError => new HubError("UNAUTHORIZED", message, { reason });

/**
 * Checks a proof (the header value after `MemberProof `) for `req`; `publicKeyOf` gives the key it
 * must verify with (the card's enrolled key, or the new key on activation). Returns the parsed proof.
 */
export function verifyRequestProof(
  text: string,
  req: ProofRequest,
  opts: { nowMs: number; nonces: ProofNonces; publicKeyOf: (cardId: string) => string | undefined; audience?: string },
): ProofParts {
  const p = parseProof(text.trim());
  if (!p) throw refuse("PROOF_MALFORMED", "not a request proof (expected MemberProof MP1.<audience>.<card>.<time>.<nonce>.<signature>)");
  if (p.audience !== (opts.audience ?? HUB_AUDIENCE)) throw refuse("PROOF_WRONG_AUDIENCE", `the proof was made for '${p.audience}', not for this hub`);
  const ageMs = opts.nowMs - p.issuedAtSec * 1000;
  if (Math.abs(ageMs) > PROOF_SKEW_SECONDS * 1000) throw refuse("PROOF_STALE", "the proof's time is too far from the hub's clock");
  const key = opts.publicKeyOf(p.cardId);
  if (!key) throw refuse("PROOF_UNKNOWN_CARD", `no card ${p.cardId} with an enrolled key`);
  if (!verifyBytes(key, proofMessage(p, req), p.signature)) throw refuse("PROOF_BAD_SIGNATURE", "the proof's signature does not match this request and card");
  if (!opts.nonces.claim(p, opts.nowMs)) throw refuse("PROOF_REPLAYED", "this proof was already used");
  return p;
}
