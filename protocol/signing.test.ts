// Tests for Ed25519 signing and signed envelopes.
import { createPrivateKey, createPublicKey } from "node:crypto";
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
  it("makes a pair whose public key is the one node:crypto derives from the seed (RFC 8032 test vector 1)", () => {
    // RFC 8032 section 7.1, TEST 1: secret key 9d61b1...7f60, public key d75a98...511a.
    const seed = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex").toString("base64url");
    const pub = Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex").toString("base64url");
    const sig = signBytes({ publicKey: pub, privateKey: seed }, "");
    expect(Buffer.from(sig, "base64url").toString("hex")).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    for (let i = 0; i < 20; i++) {
      const k = generateKeyPair();
      const jwk = createPublicKey(createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: k.privateKey, x: k.publicKey }, format: "jwk" })).export({
        format: "jwk",
      });
      expect(jwk.x).toBe(k.publicKey);
      expect(Buffer.from(k.privateKey, "base64url")).toHaveLength(32);
      expect(verifyBytes(k.publicKey, "x", signBytes(k, "x"))).toBe(true);
    }
  });

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
