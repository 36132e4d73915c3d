// Ed25519 keys, signatures and signed envelopes (node:crypto), used for config bundles and member codes.
//
// Keys travel as the raw 32-byte key in base64url (the JWK `x` / `d` members), which is short enough
// for a config file or a QR code. A signed envelope carries the exact payload string that was signed,
// so verification never depends on re-serialising JSON the same way on both sides.
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { z } from "zod";
import { ProtocolError } from "./errors.js";

export interface KeyPair {
  /** base64url raw public key (32 bytes). */
  publicKey: string;
  /** base64url raw private key seed (32 bytes). Keep secret. */
  privateKey: string;
}

/** PKCS#8 DER of an Ed25519 private key, up to its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/**
 * A new Ed25519 pair from 32 random bytes. Not generateKeyPairSync + JWK export: on Node 20 a
 * garbage collection inside KeyObject.export({ format: "jwk" }) can run a finished key-generation
 * job's destructor, which waits for the mutex the export holds, and the process hangs for good
 * (seen in the PostgreSQL suites: main thread in futex_wait under ExportJWKEdKey -> GC ->
 * ~KeyGenJob). Building the key from its seed creates no key-generation job.
 */
export function generateKeyPair(): KeyPair {
  const seed = randomBytes(32);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  if (spki.length !== 44) throw new ProtocolError("KEY_INVALID", "node:crypto returned an Ed25519 public key of an unexpected size");
  return { publicKey: spki.subarray(12).toString("base64url"), privateKey: seed.toString("base64url") };
}

const B64URL = /^[A-Za-z0-9_-]{43}$/;

export function publicKeyObject(publicKey: string): KeyObject {
  if (!B64URL.test(publicKey)) throw new ProtocolError("KEY_INVALID", "public key must be 32 bytes in base64url");
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: publicKey }, format: "jwk" });
}

export function privateKeyObject(pair: KeyPair): KeyObject {
  if (!B64URL.test(pair.privateKey)) throw new ProtocolError("KEY_INVALID", "private key must be 32 bytes in base64url");
  return createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: pair.publicKey, d: pair.privateKey }, format: "jwk" });
}

export function signBytes(pair: KeyPair, data: Uint8Array | string): string {
  return sign(null, typeof data === "string" ? Buffer.from(data, "utf8") : data, privateKeyObject(pair)).toString("base64url");
}

export function verifyBytes(publicKey: string, data: Uint8Array | string, signature: string): boolean {
  let key: KeyObject;
  try {
    key = publicKeyObject(publicKey);
  } catch {
    return false;
  }
  const sig = Buffer.from(signature, "base64url");
  if (sig.length !== 64) return false;
  return verify(null, typeof data === "string" ? Buffer.from(data, "utf8") : data, key, sig);
}

/** A payload string plus the signature over its UTF-8 bytes and the id of the signing key. */
export const SignedEnvelopeSchema = z.object({
  keyId: z.string().min(1).max(64),
  payload: z.string().min(2),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, "signature must be 64 bytes in base64url"),
});
export type SignedEnvelope = z.infer<typeof SignedEnvelopeSchema>;

export function signEnvelope(pair: KeyPair, keyId: string, value: unknown): SignedEnvelope {
  const payload = JSON.stringify(value);
  return { keyId, payload, signature: signBytes(pair, payload) };
}

/**
 * Verifies an envelope against the trusted public keys (keyId -> key) and validates the payload with
 * `schema`. Throws SIGNATURE_INVALID or SCHEMA_INVALID; never returns unverified data.
 */
export function openEnvelope<T>(envelope: unknown, trusted: Readonly<Record<string, string>>, schema: z.ZodType<T>): T {
  const env = SignedEnvelopeSchema.safeParse(envelope);
  if (!env.success) throw new ProtocolError("SCHEMA_INVALID", `envelope: ${z.prettifyError(env.error)}`);
  const key = trusted[env.data.keyId];
  if (!key) throw new ProtocolError("SIGNATURE_INVALID", `envelope signed by unknown key ${JSON.stringify(env.data.keyId)}`);
  if (!verifyBytes(key, env.data.payload, env.data.signature)) {
    throw new ProtocolError("SIGNATURE_INVALID", `envelope signature does not verify with key ${env.data.keyId}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(env.data.payload);
  } catch (cause) {
    throw new ProtocolError("SCHEMA_INVALID", "envelope payload is not JSON", { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ProtocolError("SCHEMA_INVALID", `payload: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
