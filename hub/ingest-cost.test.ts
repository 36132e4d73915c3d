// What keeps ingest's cost flat as tables grow: the offline allowance sum is an index search, and the sales-index job hands the event loop back between batches.
import { describe, it, expect, afterEach } from "vitest";
import type { LedgerEntry } from "../protocol/messages.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import { hubTestStore } from "../test/postgres.js";
import { jobActor } from "./audit.js";
import { DeviceRegistry } from "./devices.js";
import { Ingest } from "./ingest.js";
import { K1, T0, openIngestWorld, type IngestWorld } from "./ingest-world.testkit.js";
import { boWorld, type BoWorld } from "./backoffice/test-kit.js";
import { indexNewSalesYielding } from "./jobs/sales-index.js";

let world: IngestWorld | undefined;
let bo: BoWorld | undefined;
afterEach(() => {
  world?.close();
  bo?.close();
  world = undefined;
  bo = undefined;
});

function sale(seq: number, memberId: string, cardId: string, balanceFen: number, configVersion = 1): LedgerEntry {
  return {
    seq,
    entryId: `e${seq}`,
    at: T0 + seq,
    configVersion,
    fact: {
      type: "sale",
      saleId: `sale-${seq}`,
      memberId,
      cardId,
      lines: [{ sku: "rice-5kg", qty: 2 }],
      hints: { subtotalFen: 11980, totalFen: 10782, savingsFen: 1198, pointsEarned: 1 },
      tenders:
        balanceFen > 0
          ? [
              { kind: "balance", amountFen: balanceFen },
              { kind: "external", amountFen: 10782 - balanceFen },
            ]
          : [{ kind: "external", amountFen: 10782 }],
      offlineApproved: balanceFen > 0,
    },
  };
}

describe("ingest cost", () => {
  it.runIf(hubTestStore() === "sqlite")("sums the offline allowance from the covering index sales_offline_used, not the member's whole day", async () => {
    world = await openIngestWorld(1_000_000);
    world.ingest.handleBatch(K1, { entries: [sale(1, "m1", "C0001", 100), sale(2, "m1", "C0001", 0)] });
    const plan = world.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT COALESCE(SUM(balance_fen), 0) AS b, COALESCE(SUM(points_redeemed), 0) AS p FROM sales
         WHERE device_id = ? AND member_id = ? AND offline_approved = 1 AND at >= ? AND at < ?`,
      )
      .all<{ detail: string }>("k1", "m1", 0, T0 * 2)
      .map((r) => r.detail)
      .join(" | ");
    expect(plan).toContain("COVERING INDEX sales_offline_used");
    // The allowance still counts only the offline-approved sale (100 fen of the 1,000,000 fen balance taken).
    expect(world.members.get("m1")!.balanceFen).toBe(1_000_000 - 100);
  });

  it("indexes a backlog in batches and lets other work run between them", async () => {
    bo = await boWorld();
    const k = { chainId: "acme", storeId: "s1", deviceId: "k-cost" };
    new DeviceRegistry(bo.db, bo.clock).provision(k);
    const ingest = new Ingest(bo.db, bo.clock, bo.members, bo.configs, createLogger("t", { destination: new MemoryLogSink(), level: "silent" }));
    const member = bo.members.create({
      memberId: "m-cost",
      cardId: "C9001",
      name: "Han Meimei",
      levelId: "normal",
      cardClass: "standard",
      cardPublicKey: generateKeyPair().publicKey,
    });
    const entries = Array.from({ length: 5 }, (_, i) => sale(i + 1, member.memberId, member.cardId, 0, bo!.configs.latest("s1")!.version));
    // Hints differ from full-config pricing (disagreements recorded); every sale is applied, none rejected.
    expect(ingest.handleBatch(k, { entries }).ack).toEqual({ ackedSeq: 5 });
    let between = 0;
    const other = setImmediate(() => {
      between = bo!.db.prepare("SELECT COUNT(*) AS n FROM sales WHERE indexed = 1").get<{ n: number }>()!.n;
    });
    const done = await indexNewSalesYielding(bo.bo.deps, jobActor("levels"), 2);
    clearImmediate(other);
    expect(done).toBe(5);
    // The other callback ran after the first batch and before the last one.
    expect(between).toBeGreaterThan(0);
    expect(between).toBeLessThan(5);
    expect(bo.db.prepare("SELECT COUNT(*) AS n FROM sale_lines").get<{ n: number }>()!.n).toBe(5);
  });
});
