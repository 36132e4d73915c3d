// Test kit: a hub database with one kiosk, one member and the demo config, and an Ingest over it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../storage/database.js";
import { openTestHubDb } from "../test/postgres.js";
import { ManualClock } from "../protocol/clock.js";
import type { LedgerEntry, SaleFact } from "../protocol/messages.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { generateKeyPair } from "../protocol/signing.js";
import { DeviceRegistry } from "./devices.js";
import { MemberRegistry } from "./members.js";
import { ConfigService } from "./config-service.js";
import { Ingest } from "./ingest.js";
import { Authorizer } from "./authorizer.js";

export const K1 = { chainId: "acme", storeId: "s01", deviceId: "k1" };
export const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);

/** Member m1 (Gold, card C0001) buys rice x 2 at seq `seq`: 59.90 at Gold's 90 % is 53.91 x 2 = 107.82 yuan, 1 point per 100 yuan, paid outside. */
export function riceSale(seq: number, overrides: Partial<SaleFact> = {}): LedgerEntry {
  return {
    seq,
    entryId: `e${seq}`,
    at: T0,
    configVersion: 1,
    fact: {
      type: "sale",
      saleId: `sale-${seq}`,
      memberId: "m1",
      cardId: "C0001",
      lines: [{ sku: "rice-5kg", qty: 2 }],
      hints: { subtotalFen: 11980, totalFen: 10782, savingsFen: 1198, pointsEarned: 1 },
      tenders: [{ kind: "external", amountFen: 10782 }],
      offlineApproved: false,
      ...overrides,
    },
  };
}

export interface IngestWorld {
  db: Database;
  clock: ManualClock;
  ingest: Ingest;
  members: MemberRegistry;
  authorizer: Authorizer;
  configs: ConfigService;
  sink: MemoryLogSink;
  close(): void;
}

/** Kiosk k1 in store s01, member m1 (Gold, card C0001) with `balanceFen`, config version 1 from the demo rules. */
export async function openIngestWorld(balanceFen = 0): Promise<IngestWorld> {
  const dir = mkdtempSync(join(tmpdir(), "hub-ingest-"));
  const db = await openTestHubDb(dir);
  const clock = new ManualClock(T0);
  new DeviceRegistry(db, clock).provision(K1);
  const members = new MemberRegistry(db, clock);
  members.create({
    memberId: "m1",
    cardId: "C0001",
    name: "Li Lei",
    levelId: "gold",
    cardClass: "standard",
    cardPublicKey: generateKeyPair().publicKey,
    balanceFen,
  });
  const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
  const configs = new ConfigService(db, clock, "acme", { keyId: "hq", keys: generateKeyPair() });
  configs.publish("s01", { rules, device: {} });
  const sink = new MemoryLogSink();
  const authorizer = new Authorizer(db, clock, members);
  const ingest = new Ingest(db, clock, members, configs, createLogger("test", { destination: sink, level: "debug" }), authorizer);
  return {
    db,
    clock,
    ingest,
    members,
    authorizer,
    configs,
    sink,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
