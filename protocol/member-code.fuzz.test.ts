// Fuzz test of member codes (seeded, bounded): mutated spellings never verify, a code verifies once, only coded errors are thrown.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { createMemberCode, verifyMemberCode, ReplayGuard, type ReplayStore } from "./member-code.js";
import { generateKeyPair, type KeyPair } from "./signing.js";
import { ProtocolError } from "./errors.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const KEYS: KeyPair[] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
const SEED = 20261122;

/** The card id or a CODE_* error code; anything else thrown fails the property. */
function outcome(text: string, keyOf: (card: string) => string | undefined, nowMs: number, replay: ReplayStore): string {
  try {
    return `ok:${verifyMemberCode(text, { publicKeyOf: keyOf, nowMs, replay }).cardId}`;
  } catch (err) {
    if (err instanceof ProtocolError && err.code.startsWith("CODE_")) return err.code;
    throw err;
  }
}

/** Adds L to the signature's S: the same signature in a non-canonical form (when it still fits in 32 bytes). */
function withSPlusL(sigText: string): string | undefined {
  const sig = Buffer.from(sigText, "base64url");
  let s = 0n;
  for (let j = 63; j >= 32; j--) s = (s << 8n) | BigInt(sig[j]!);
  s += L;
  if (s >= 1n << 256n) return undefined;
  for (let j = 32; j < 64; j++) {
    sig[j] = Number(s & 255n);
    s >>= 8n;
  }
  return sig.toString("base64url");
}

type Mutation =
  | { kind: "respell"; low: number }
  | { kind: "replace"; at: number; ch: string }
  | { kind: "insert"; at: number; ch: string }
  | { kind: "delete"; at: number }
  | { kind: "suffix"; s: string }
  | { kind: "prefix"; s: string }
  | { kind: "zeroTime" }
  | { kind: "sPlusL" }
  | { kind: "case"; at: number };

const anyChar = fc.oneof(fc.constantFrom(...ALPHABET.split(""), ".", "=", "+", "/", " ", "\n", "\u0000", "０", "é"), fc.string({ minLength: 1, maxLength: 1 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("respell" as const), low: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(200), ch: anyChar }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(200), ch: anyChar }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(200) }),
  fc.record({ kind: fc.constant("suffix" as const), s: fc.constantFrom("=", "==", " ", "\n", "A", ".", "\u200b") }),
  fc.record({ kind: fc.constant("prefix" as const), s: fc.constantFrom(" ", "\ufeff", "MC1.", "0") }),
  fc.constant({ kind: "zeroTime" as const }),
  fc.constant({ kind: "sPlusL" as const }),
  fc.record({ kind: fc.constant("case" as const), at: fc.nat(200) }),
);

function mutate(code: string, m: Mutation): string {
  const at = (n: number): number => n % (code.length + 1);
  switch (m.kind) {
    case "respell": {
      const last = ALPHABET.indexOf(code.at(-1)!);
      return code.slice(0, -1) + ALPHABET[(last & 0x30) | m.low]!;
    }
    case "replace":
      return code.slice(0, at(m.at)) + m.ch + code.slice(at(m.at) + 1);
    case "insert":
      return code.slice(0, at(m.at)) + m.ch + code.slice(at(m.at));
    case "delete":
      return code.slice(0, at(m.at)) + code.slice(at(m.at) + 1);
    case "suffix":
      return code + m.s;
    case "prefix":
      return m.s + code;
    case "zeroTime": {
      const [p, card, time, sig] = code.split(".") as [string, string, string, string];
      return [p, card, `0${time}`, sig].join(".");
    }
    case "sPlusL": {
      const i = code.lastIndexOf(".");
      const other = withSPlusL(code.slice(i + 1));
      return other ? `${code.slice(0, i + 1)}${other}` : code;
    }
    case "case": {
      const i = at(m.at) % code.length;
      const c = code[i]!;
      const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      return code.slice(0, i) + flipped + code.slice(i + 1);
    }
  }
}

const cardId = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);

describe("member code fuzz", () => {
  it("a code verifies once; no mutation of it verifies, before or after; errors are always CODE_*", () => {
    fc.assert(
      fc.property(
        cardId,
        fc.nat(2),
        fc.integer({ min: 0, max: 86_400 * 365 }),
        fc.array(mutation, { minLength: 1, maxLength: 12 }),
        (card, keyIndex, offsetSec, mutations) => {
          const key = KEYS[keyIndex]!;
          const keyOf = (c: string): string | undefined => (c === card ? key.publicKey : undefined);
          const mintedAt = T0 + offsetSec * 1000;
          const code = createMemberCode(card, key, mintedAt);
          const replay = new ReplayGuard();
          const now = mintedAt + 1_000;
          const variants = mutations.map((m) => mutate(code, m)).filter((v) => v !== code);
          // Before the real code is used, no other spelling verifies (and none uses up the real one).
          for (const v of variants) expect(outcome(v, keyOf, now, replay)).not.toMatch(/^ok:/);
          expect(outcome(code, keyOf, now, replay)).toBe(`ok:${card}`);
          // After, neither the code nor any other spelling is accepted again.
          expect(outcome(code, keyOf, now + 500, replay)).toBe("CODE_REPLAYED");
          for (const v of variants) expect(outcome(v, keyOf, now + 500, replay)).not.toMatch(/^ok:/);
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("arbitrary text never throws anything but a CODE_* error", () => {
    const replay = new ReplayGuard();
    const keyOf = (): string => KEYS[0]!.publicKey;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ maxLength: 200 }).map((s) => `MC1.${s}`),
          fc.stringMatching(/^MC1\.[A-Za-z0-9_-]{1,4}\.[0-9]{9,11}\.[A-Za-z0-9_=+/-]{84,88}$/),
        ),
        (text) => {
          expect(outcome(text, keyOf, T0, replay)).toMatch(/^CODE_/);
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
