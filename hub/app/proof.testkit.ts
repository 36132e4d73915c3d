// Tests only: signs member-app request proofs (MemberProof headers) with a node:crypto card key, as the app does in the browser.
import { randomBytes } from "node:crypto";
import { signBytes, type KeyPair } from "../../protocol/signing.js";
import { HUB_AUDIENCE, formatProof, proofMessage } from "../../protocol/member-proof.js";
import { sha256Base64Url } from "./proof.js";

export interface ProofOptions {
  audience?: string;
  nonce?: string;
  /** Sign as if for this path (to test a proof moved to another route). */
  signedPath?: string;
}

/** The `Authorization` value for one request. `body` is the exact body text or bytes sent. */
export function memberProof(
  cardId: string,
  key: KeyPair,
  method: string,
  path: string,
  body: string | Uint8Array | undefined,
  nowMs: number,
  o: ProofOptions = {},
): string {
  const parts = {
    audience: o.audience ?? HUB_AUDIENCE,
    cardId,
    issuedAtSec: Math.floor(nowMs / 1000),
    nonce: o.nonce ?? randomBytes(16).toString("base64url"),
  };
  const message = proofMessage(parts, { method, path: o.signedPath ?? path, bodySha256: sha256Base64Url(body ?? new Uint8Array(0)) });
  return `MemberProof ${formatProof({ ...parts, signature: signBytes(key, message) })}`;
}
