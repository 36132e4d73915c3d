// Tests for the member live code: minting, verification window, forgery and replay.
import { describe, it, expect } from "vitest";
import { createMemberCode, verifyMemberCode, ReplayGuard, isMemberCodeText, parseMemberCode, memberCodeReplayKey } from "./member-code.js";
import { generateKeyPair } from "./signing.js";
import { ProtocolError } from "./errors.js";

const card = generateKeyPair();
const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
const keys: Record<string, string> = { C1001: card.publicKey };

function verify(text: string, nowMs: number, replay = new ReplayGuard()): string {
  try {
    return verifyMemberCode(text, { publicKeyOf: (c) => keys[c], nowMs, replay }).cardId;
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
}

describe("member code", () => {
  it("round-trips and is classified as a member code", () => {
    const code = createMemberCode("C1001", card, T0);
    expect(isMemberCodeText(code)).toBe(true);
    expect(isMemberCodeText("6901234567892")).toBe(false);
    expect(parseMemberCode(code).issuedAtSec).toBe(T0 / 1000);
    expect(verify(code, T0 + 5_000)).toBe("C1001");
  });

  it("accepts a code inside the 60 s window and refuses one after it", () => {
    const code = createMemberCode("C1001", card, T0);
    expect(verify(code, T0 + 60_000)).toBe("C1001");
    expect(verify(code, T0 + 60_001)).toBe("CODE_EXPIRED");
  });

  it("refuses a code from too far in the future", () => {
    expect(verify(createMemberCode("C1001", card, T0 + 11_000), T0)).toBe("CODE_FROM_FUTURE");
    expect(verify(createMemberCode("C1001", card, T0 + 9_000), T0)).toBe("C1001");
  });

  it("refuses a forged code, a code signed by another key and an unknown card", () => {
    const code = createMemberCode("C1001", card, T0);
    const forgedTime = code.replace(`.${T0 / 1000}.`, `.${T0 / 1000 + 1}.`);
    expect(verify(forgedTime, T0)).toBe("CODE_BAD_SIGNATURE");
    expect(verify(createMemberCode("C1001", generateKeyPair(), T0), T0)).toBe("CODE_BAD_SIGNATURE");
    expect(verify(createMemberCode("C9999", card, T0), T0)).toBe("CODE_UNKNOWN_CARD");
  });

  it("refuses garbage", () => {
    expect(verify("MC1.garbage", T0)).toBe("CODE_MALFORMED");
    expect(verify("hello world", T0)).toBe("CODE_MALFORMED");
  });

  it("refuses a replay inside the window and forgets it after", () => {
    const replay = new ReplayGuard();
    const code = createMemberCode("C1001", card, T0);
    expect(verify(code, T0 + 1_000, replay)).toBe("C1001");
    expect(verify(code, T0 + 2_000, replay)).toBe("CODE_REPLAYED");
    expect(replay.size).toBe(1);
    // A fresh code from the same card is fine.
    expect(verify(createMemberCode("C1001", card, T0 + 3_000), T0 + 3_000, replay)).toBe("C1001");
    expect(verify(createMemberCode("C1001", card, T0 + 200_000), T0 + 200_000, replay)).toBe("C1001");
    expect(replay.size).toBe(1);
  });
});

/** The other 15 spellings of a code: the last base64url character of the signature with its 4 unused bits changed. */
function respellings(code: string): string[] {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = alphabet.indexOf(code.at(-1)!);
  const out: string[] = [];
  for (let low = 0; low < 16; low++) if (low !== (last & 15)) out.push(code.slice(0, -1) + alphabet[(last & 0x30) | low]!);
  return out;
}

describe("member code spelling (one spelling per code)", () => {
  it("refuses the 15 other spellings of a code's signature, before and after the code was used", () => {
    const code = createMemberCode("C1001", card, T0);
    const others = respellings(code);
    expect(others).toHaveLength(15);
    // Each decodes to the same 64 signature bytes as the original (that is the problem being guarded).
    for (const o of others) expect(Buffer.from(o.split(".")[3]!, "base64url").equals(Buffer.from(code.split(".")[3]!, "base64url"))).toBe(true);
    for (const o of others) expect(verify(o, T0 + 1_000)).toBe("CODE_MALFORMED");
    const replay = new ReplayGuard();
    expect(verify(code, T0 + 1_000, replay)).toBe("C1001");
    for (const o of others) expect(verify(o, T0 + 2_000, replay)).not.toBe("C1001");
    expect(verify(code, T0 + 2_000, replay)).toBe("CODE_REPLAYED");
  });

  it("refuses padding, a standard-base64 alphabet, wrong lengths, and non-canonical card ids or times", () => {
    const code = createMemberCode("C1001", card, T0);
    const [, cardId, time, sig] = code.split(".") as [string, string, string, string];
    const bad = [
      `${code}=`,
      `${code}==`,
      code.replaceAll("-", "+").replaceAll("_", "/") === code ? `${code.slice(0, -2)}+${code.at(-1)}` : code.replaceAll("-", "+").replaceAll("_", "/"),
      `MC1.${cardId}.${time}.${sig.slice(0, -1)}`,
      `MC1.${cardId}.${time}.${sig}A`,
      `MC1.${cardId}.0${time}.${sig}`,
      `MC1.${cardId}.+${time}.${sig}`,
      `MC1.${cardId}.${time}.0.${sig}`,
      `MC1.${cardId}.${time}.${sig} `,
      ` ${code}`,
      `mc1.${cardId}.${time}.${sig}`,
      `MC1.${cardId}..${time}.${sig}`,
      `MC1.${cardId}.${time}.${sig}\n`,
      `MC1.${cardId}.${"１７６３７９８４００".slice(0, time.length)}.${sig}`,
    ];
    for (const b of bad) expect(verify(b, T0), JSON.stringify(b)).toBe("CODE_MALFORMED");
    expect(verify(code, T0)).toBe("C1001");
  });

  it("keys the replay guard on the decoded card and time, not on the text", () => {
    const code = createMemberCode("C1001", card, T0);
    const parts = parseMemberCode(code);
    expect(memberCodeReplayKey(parts)).toBe(`C1001.${T0 / 1000}`);
    const replay = new ReplayGuard();
    expect(replay.claim(memberCodeReplayKey(parts), T0 + 60_000, T0)).toBe(true);
    expect(verify(code, T0 + 1_000, replay)).toBe("CODE_REPLAYED");
  });
});
