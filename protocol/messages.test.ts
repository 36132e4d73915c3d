// Message schemas at the MQTT boundary: good messages pass, bad ones are refused with a readable reason.
import { describe, it, expect } from "vitest";
import { AckSchema, LedgerBatchSchema, MembersRequestSchema, decodeMessage } from "./messages.js";
import { ProtocolError } from "./errors.js";

const entry = {
  seq: 1,
  entryId: "e1",
  at: 1_700_000_000_000,
  configVersion: 1,
  fact: {
    type: "sale",
    saleId: "s1",
    memberId: "m1",
    cardId: "C1",
    lines: [{ sku: "rice", qty: 2 }],
    hints: { subtotalFen: 100, totalFen: 90, savingsFen: 10, pointsEarned: 0 },
    tenders: [{ kind: "external", amountFen: 90 }],
  },
};

function reason(fn: () => unknown): string {
  try {
    fn();
    return "accepted";
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return (err as ProtocolError).message;
  }
}

describe("messages", () => {
  it("accepts a well-formed ledger batch and fills defaults", () => {
    const batch = decodeMessage(LedgerBatchSchema, JSON.stringify({ entries: [entry] }));
    expect(batch.entries[0]!.fact).toMatchObject({ type: "sale", offlineApproved: false });
  });

  it("refuses non-JSON, wrong types, negative money and empty batches", () => {
    expect(reason(() => decodeMessage(LedgerBatchSchema, "{nope"))).toBe("payload is not JSON");
    expect(reason(() => decodeMessage(LedgerBatchSchema, JSON.stringify({ entries: [] })))).toMatch(/entries/);
    const negative = { ...entry, fact: { ...entry.fact, tenders: [{ kind: "external", amountFen: -5 }] } };
    expect(reason(() => decodeMessage(LedgerBatchSchema, JSON.stringify({ entries: [negative] })))).toMatch(/amountFen/);
    const fractional = { ...entry, fact: { ...entry.fact, lines: [{ sku: "rice", qty: 1.5 }] } };
    expect(reason(() => decodeMessage(LedgerBatchSchema, JSON.stringify({ entries: [fractional] })))).toMatch(/qty/);
    const badId = { ...entry, fact: { ...entry.fact, memberId: "m1/../../x" } };
    expect(reason(() => decodeMessage(LedgerBatchSchema, JSON.stringify({ entries: [badId] })))).toMatch(/memberId/);
  });

  it("validates acks and member requests", () => {
    expect(decodeMessage(AckSchema, '{"ackedSeq":4,"resendFrom":5}')).toEqual({ ackedSeq: 4, resendFrom: 5 });
    expect(reason(() => decodeMessage(AckSchema, '{"ackedSeq":-1}'))).toMatch(/ackedSeq/);
    expect(decodeMessage(MembersRequestSchema, '{"cursor":0}')).toEqual({ cursor: 0, limit: 500, continuing: false });
    expect(reason(() => decodeMessage(MembersRequestSchema, '{"cursor":0,"limit":100000}'))).toMatch(/limit/);
  });
});
