// Kiosk facts that move no money or points, recorded as they come: gate entries, photo verifications, pay-at-the-counter claims.
import type { Database } from "../storage/database.js";
import type { DeviceAddress } from "../protocol/topics.js";
import type { ClaimFact, GateEntryFact, LedgerEntry, VerificationFact } from "../protocol/messages.js";

/** Inside the ingest transaction: records the fact in its own table; returns the counter it adds to. */
export function recordPlainFactInTx(db: Database, device: DeviceAddress, entry: LedgerEntry): "gateEntries" | "verifications" | "claims" | undefined {
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

function recordGateEntry(db: Database, device: DeviceAddress, entry: LedgerEntry, g: GateEntryFact): void {
  db.prepare("INSERT INTO gate_entries (device_id, seq, member_id, card_id, admitted, reason, primary_member_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
    device.deviceId,
    entry.seq,
    g.memberId,
    g.cardId,
    g.admitted ? 1 : 0,
    g.reason,
    g.primaryMemberId,
    entry.at,
  );
}

function recordVerification(db: Database, device: DeviceAddress, entry: LedgerEntry, v: VerificationFact): void {
  db.prepare(
    "INSERT INTO verifications (device_id, seq, request_id, member_id, staff_id, decision, reasons, headshot_hash, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(device.deviceId, entry.seq, v.requestId, v.memberId, v.staffId, v.decision, JSON.stringify(v.reasons), v.headshotHash, v.note, entry.at);
}

function recordClaim(db: Database, device: DeviceAddress, entry: LedgerEntry, c: ClaimFact): void {
  db.prepare("INSERT INTO claims (claim_id, device_id, seq, member_id, total_fen, body, at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
    c.claimId,
    device.deviceId,
    entry.seq,
    c.memberId,
    c.hints.totalFen,
    JSON.stringify(c),
    entry.at,
    c.expiresAt,
  );
}
