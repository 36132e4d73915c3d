// Kiosk facts that move no money or points, recorded as they come: gate entries, photo verifications, pay-at-the-counter claims.
import type { BatchRows } from "./ingest-batch.js";
import type { DeviceAddress } from "../protocol/topics.js";
import type { ClaimFact, GateEntryFact, LedgerEntry, VerificationFact } from "../protocol/messages.js";

/** Inside the ingest transaction: queues the fact's row in its own table (written with the batch); returns the counter it adds to. */
export function recordPlainFactInTx(db: BatchRows, device: DeviceAddress, entry: LedgerEntry): "gateEntries" | "verifications" | "claims" | undefined {
  const f = entry.fact;
  switch (f.type) {
    case "gate_entry":
      recordGateEntry(db, device, entry, f);
      return "gateEntries";
    case "verification":
      recordVerification(db, device, entry, f);
      return "verifications";
    case "claim":
      recordClaim(db, device, entry, f);
      return "claims";
    default:
      return undefined;
  }
}

function recordGateEntry(db: BatchRows, device: DeviceAddress, entry: LedgerEntry, g: GateEntryFact): void {
  db.add("INSERT INTO gate_entries (device_id, seq, member_id, card_id, admitted, reason, primary_member_id, at)", [
    device.deviceId,
    entry.seq,
    g.memberId,
    g.cardId,
    g.admitted ? 1 : 0,
    g.reason,
    g.primaryMemberId,
    entry.at,
  ]);
}

function recordVerification(db: BatchRows, device: DeviceAddress, entry: LedgerEntry, v: VerificationFact): void {
  db.add("INSERT INTO verifications (device_id, seq, request_id, member_id, staff_id, decision, reasons, headshot_hash, note, at)", [
    device.deviceId,
    entry.seq,
    v.requestId,
    v.memberId,
    v.staffId,
    v.decision,
    JSON.stringify(v.reasons),
    v.headshotHash,
    v.note,
    entry.at,
  ]);
}

function recordClaim(db: BatchRows, device: DeviceAddress, entry: LedgerEntry, c: ClaimFact): void {
  db.add("INSERT INTO claims (claim_id, device_id, seq, member_id, total_fen, body, at, expires_at)", [
    c.claimId,
    device.deviceId,
    entry.seq,
    c.memberId,
    c.hints.totalFen,
    JSON.stringify(c),
    entry.at,
    c.expiresAt,
  ]);
}
