// Tests for Ed25519 signing and signed envelopes.
import { describe, it, expect } from "vitest";
import { z } from "zod";
import { generateKeyPair, signBytes, verifyBytes, signEnvelope, openEnvelope } from "./signing.js";
import { ProtocolError } from "./errors.js";

const Payload = z.object({ version: z.number().int(), name: z.string() });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ProtocolError ? err.code : "OTHER";
  }
  return undefined;
}

describe("signing", () => {
  it("verifies what it signed and nothing else", () => {
    const k = generateKeyPair();
    const sig = signBytes(k, "hello");
    expect(verifyBytes(k.publicKey, "hello", sig)).toBe(true);
    expect(verifyBytes(k.publicKey, "hellO", sig)).toBe(false);
    expect(verifyBytes(generateKeyPair().publicKey, "hello", sig)).toBe(false);
    expect(verifyBytes("not-a-key", "hello", sig)).toBe(false);
    expect(verifyBytes(k.publicKey, "hello", "AAAA")).toBe(false);
  });

  it("opens a good envelope and returns the validated payload", () => {
    const k = generateKeyPair();
    const env = signEnvelope(k, "hq-1", { version: 3, name: "x" });
    expect(openEnvelope(env, { "hq-1": k.publicKey }, Payload)).toEqual({ version: 3, name: "x" });
  });

  it("refuses a tampered payload, an unknown key, a wrong key and a bad schema", () => {
    const k = generateKeyPair();
    const env = signEnvelope(k, "hq-1", { version: 3, name: "x" });
    const trusted = { "hq-1": k.publicKey };
    expect(codeOf(() => openEnvelope({ ...env, payload: env.payload.replace("3", "4") }, trusted, Payload))).toBe("SIGNATURE_INVALID");
    expect(codeOf(() => openEnvelope({ ...env, keyId: "hq-2" }, trusted, Payload))).toBe("SIGNATURE_INVALID");
    expect(codeOf(() => openEnvelope(env, { "hq-1": generateKeyPair().publicKey }, Payload))).toBe("SIGNATURE_INVALID");
    expect(codeOf(() => openEnvelope({ keyId: "hq-1" }, trusted, Payload))).toBe("SCHEMA_INVALID");
    const wrongShape = signEnvelope(k, "hq-1", { version: "three" });
    expect(codeOf(() => openEnvelope(wrongShape, trusted, Payload))).toBe("SCHEMA_INVALID");
  });
});
