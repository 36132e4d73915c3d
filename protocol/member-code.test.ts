// Tests for the member live code: minting, verification window, forgery and replay.
import { describe, it, expect } from "vitest";
import { createMemberCode, verifyMemberCode, ReplayGuard, isMemberCodeText, parseMemberCode } from "./member-code.js";
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
