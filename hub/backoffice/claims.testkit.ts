// Test kit for pay-at-the-counter suites: a kiosk provisioned in a back-office test world whose claim tickets go through the real ingest.
import { expect } from "vitest";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import type { ClaimFact } from "../../protocol/messages.js";
import type { DeviceAddress } from "../../protocol/topics.js";
import { Ingest } from "../ingest.js";
import { DeviceRegistry } from "../devices.js";
import type { BoWorld } from "./test-kit.js";

/** Provisions `device` in `w`; `ticket` sends one claim (formula-900g x1, rice-5kg x2, valid an hour) as the kiosk's next ledger entry and expects it acknowledged. */
export function claimKiosk(w: BoWorld, device: DeviceAddress): { ticket(claimId: string, memberId: string, cardId: string, extra?: Partial<ClaimFact>): void } {
  new DeviceRegistry(w.db, w.clock).provision(device);
  const ingest = new Ingest(w.db, w.clock, w.members, w.configs, createLogger("t", { destination: new MemoryLogSink(), level: "silent" }));
  let seq = 0;
  return {
    ticket(claimId, memberId, cardId, extra = {}) {
      seq++;
      const fact: ClaimFact = {
        type: "claim",
        claimId,
        memberId,
        cardId,
        lines: [
          { sku: "formula-900g", qty: 1 },
          { sku: "rice-5kg", qty: 2 },
        ],
        coupons: [],
        hints: { subtotalFen: 0, totalFen: 0, savingsFen: 0, pointsEarned: 0 },
        expiresAt: w.clock.now() + 3600_000,
        ...extra,
      };
      const version = w.configs.latest(device.storeId)!.version;
      const ack = ingest.handleBatch(device, { entries: [{ seq, entryId: `e-${seq}`, at: w.clock.now(), configVersion: version, fact }] });
      expect(ack.ack).toEqual({ ackedSeq: seq });
    },
  };
}
