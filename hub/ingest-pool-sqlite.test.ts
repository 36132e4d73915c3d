// The ingest pool on SQLite (store.ingestWorkers 1): a worker process applies the ledger batches on the hub's own file,
// exactly once, while the hub's thread stays free, also when the batch waits for SQLite's write lock.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../protocol/clock.js";
import { generateKeyPair } from "../protocol/signing.js";
import { encodeMessage } from "../protocol/messages.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { migrate, openDatabase } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { HUB_MIGRATIONS } from "./schema.js";
import { DeviceRegistry } from "./devices.js";
import { MemberRegistry } from "./members.js";
import { ConfigService } from "./config-service.js";
import { IngestPool } from "./ingest-pool.js";
import { zeroIngestStats, type IngestStats } from "./ingest.js";
import { K1, riceSale, T0 } from "./ingest-world.testkit.js";

const sale = riceSale;

describe("IngestPool (SQLite, one worker process on the hub's file)", () => {
  let dir: string;
  let path: string;
  let db: Database;
  let pool: IngestPool;
  let stats: IngestStats;
  let members: MemberRegistry;
  const clock = new ManualClock(T0);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "pool-sqlite-"));
    path = join(dir, "hub.db");
    db = await openDatabase(path);
    migrate(db, HUB_MIGRATIONS);
    new DeviceRegistry(db, clock).provision(K1);
    members = new MemberRegistry(db, clock);
    members.create({ memberId: "m1", cardId: "C0001", name: "Li Lei", levelId: "gold", cardClass: "standard", cardPublicKey: generateKeyPair().publicKey });
    const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
    const signer = { keyId: "hq", keys: generateKeyPair() };
    new ConfigService(db, clock, "acme", signer).publish("s01", { rules, device: {} });
    stats = zeroIngestStats();
    pool = new IngestPool({
      workers: 1,
      worker: { database: { kind: "sqlite", path }, applicationName: "pooltest", chainId: "acme", keyId: signer.keyId, publicKey: signer.keys.publicKey },
      stats,
      clock,
      log: createLogger("test", { destination: new MemoryLogSink(), level: "debug" }),
    });
  });

  afterEach(async () => {
    await pool.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = (table: string): number => db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get<{ n: number }>()!.n;

  it("applies batches once in a worker process on the same file, and adds its counters to the hub's", async () => {
    const one = await pool.handleBatch(K1, encodeMessage({ entries: [sale(1), sale(2)] }));
    expect(one.ack).toEqual({ ackedSeq: 2 });
    expect(one.changes.map((c) => c.change.kind)).toEqual(["upsert"]);
    expect((await pool.handleBatch(K1, { entries: [sale(1), sale(2), sale(3)] })).ack).toEqual({ ackedSeq: 3 });
    // Written by the worker, read here through this process's own connection.
    expect(count("sales")).toBe(3);
    expect(members.get("m1")!.pointsBalance).toBe(3);
    expect(stats).toMatchObject({ applied: 3, duplicates: 2, gaps: 0 });
    expect(pool.pids).toHaveLength(1);
    expect(pool.pids).not.toContain(process.pid);
    expect(db.prepare("SELECT DISTINCT applied_at AS t FROM ledger").all<{ t: number }>()).toEqual([{ t: T0 }]);
  });

  it("leaves the hub's thread free while a batch waits for the write lock another connection holds", async () => {
    await pool.handleBatch(K1, { entries: [sale(1)] });
    db.exec("BEGIN IMMEDIATE");
    let held = true;
    try {
      let settled = false;
      const applying = pool.handleBatch(K1, { entries: [sale(2), sale(3)] }).finally(() => {
        settled = true;
      });
      // The worker's transaction waits (busy_timeout); this thread meanwhile runs its timers and queries.
      let turns = 0;
      for (; turns < 20; turns++) await new Promise((r) => setTimeout(r, 10));
      expect(turns).toBe(20);
      expect(settled).toBe(false);
      expect(members.get("m1")!.pointsBalance).toBe(1);
      db.exec("ROLLBACK");
      held = false;
      expect((await applying).ack).toEqual({ ackedSeq: 3 });
      expect(members.get("m1")!.pointsBalance).toBe(3);
      expect(count("ledger")).toBe(3);
    } finally {
      if (held) db.exec("ROLLBACK");
    }
  });
});
