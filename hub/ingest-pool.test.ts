// Ledger batches applied by worker processes on PostgreSQL (hub/ingest-pool.ts): exactly once, in order per kiosk, counters reported back, the main thread free while a batch waits in the database, clean close.
import { readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../protocol/clock.js";
import { generateKeyPair } from "../protocol/signing.js";
import { encodeMessage, type LedgerEntry } from "../protocol/messages.js";
import { ProtocolError } from "../protocol/errors.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { openPostgres } from "../storage/postgres.js";
import type { Database } from "../storage/database.js";
import { freshSchemaName, postgresReachable, postgresRequired, postgresUrl } from "../test/postgres.js";
import { migratePostgres } from "./store.js";
import { DeviceRegistry } from "./devices.js";
import { MemberRegistry } from "./members.js";
import { ConfigService } from "./config-service.js";
import { INGEST_WORKER_NICENESS, IngestPool, slot } from "./ingest-pool.js";
import { zeroIngestStats, type IngestStats } from "./ingest.js";

const run = (await postgresReachable()) || postgresRequired();
const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const APP = `pooltest-${process.pid}`;

// Two kiosks of store s01 that land on different workers of a two-worker pool.
const KIOSK_IDS = ["k1", "k2", "k3", "k4", "k5"];
const first = KIOSK_IDS[0]!;
const second = KIOSK_IDS.find((d) => slot(d, 2) !== slot(first, 2))!;
const K = (deviceId: string) => ({ chainId: "acme", storeId: "s01", deviceId });

function sale(seq: number, memberId = "m1"): LedgerEntry {
  return {
    seq,
    entryId: `e${seq}`,
    at: T0,
    configVersion: 1,
    fact: {
      type: "sale",
      saleId: `sale-${memberId}-${seq}-${Math.random().toString(36).slice(2)}`,
      memberId,
      cardId: "C0001",
      lines: [{ sku: "rice-5kg", qty: 2 }],
      hints: { subtotalFen: 11980, totalFen: 10782, savingsFen: 1198, pointsEarned: 1 },
      tenders: [{ kind: "external", amountFen: 10782 }],
      offlineApproved: false,
    },
  };
}

describe.runIf(run)("IngestPool (PostgreSQL, worker processes)", () => {
  let schema: string;
  let db: Database;
  let pool: IngestPool;
  let stats: IngestStats;
  let sink: MemoryLogSink;
  let members: MemberRegistry;
  const clock = new ManualClock(T0);

  beforeEach(async () => {
    schema = freshSchemaName("pool");
    db = await openPostgres({ url: postgresUrl(), schema, applicationName: `${APP}-main` });
    migratePostgres(db);
    const devices = new DeviceRegistry(db, clock);
    for (const d of [first, second]) devices.provision(K(d));
    members = new MemberRegistry(db, clock);
    members.create({ memberId: "m1", cardId: "C0001", name: "Li Lei", levelId: "gold", cardClass: "standard", cardPublicKey: generateKeyPair().publicKey });
    const rules = JSON.parse(readFileSync(new URL("../protocol/rules/examples/demo-config.json", import.meta.url), "utf8")) as Record<string, unknown>;
    const signer = { keyId: "hq", keys: generateKeyPair() };
    new ConfigService(db, clock, "acme", signer).publish("s01", { rules, device: {} });
    stats = zeroIngestStats();
    sink = new MemoryLogSink();
    pool = new IngestPool({
      workers: 2,
      worker: {
        database: { kind: "postgres", url: postgresUrl(), schema },
        applicationName: APP,
        chainId: "acme",
        keyId: signer.keyId,
        publicKey: signer.keys.publicKey,
      },
      stats,
      clock,
      log: createLogger("test", { destination: sink, level: "debug" }),
    });
  });

  afterEach(async () => {
    await pool.close();
    db.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    db.close();
  });

  const count = (table: string): number => db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get<{ n: number }>()!.n;
  const poolBackends = (): Array<{ application_name: string; wait_event_type: string | null; state: string | null }> =>
    db
      .prepare("SELECT application_name, wait_event_type, state FROM pg_stat_activity WHERE application_name LIKE ?")
      .all<{ application_name: string; wait_event_type: string | null; state: string | null }>(`${APP}-w%`);

  it("applies a batch once in a worker process and adds its counters to the hub's", async () => {
    // As the link passes it: the message's bytes, decoded in the worker.
    const one = await pool.handleBatch(K(first), encodeMessage({ entries: [sale(1), sale(2)] }));
    expect(one.ack).toEqual({ ackedSeq: 2 });
    // One changelog entry for the member both sales moved (the batch's last state of m1).
    expect(one.changes.map((c) => c.change.kind)).toEqual(["upsert"]);
    const again = await pool.handleBatch(K(first), { entries: [sale(1), sale(2), sale(3)] });
    expect(again.ack).toEqual({ ackedSeq: 3 });
    expect(count("sales")).toBe(3);
    expect(members.get("m1")!.pointsBalance).toBe(3);
    expect(stats).toMatchObject({ applied: 3, duplicates: 2, gaps: 0 });
    // Off the main thread, on the worker's own connection (named after the instance and the worker).
    expect(pool.pids).toHaveLength(1);
    expect(pool.pids).not.toContain(process.pid);
    // Nicer than the hub, so the hub's HTTP and MQTT get a busy core first (capped at 19).
    expect(getPriority(pool.pids[0]!)).toBe(Math.min(19, getPriority(process.pid) + INGEST_WORKER_NICENESS));
    expect(poolBackends().map((b) => b.application_name)).toEqual([`${APP}-w${slot(first, 2)}`]);
    // The applied_at time is the main thread's clock when it posted the batch (a test clock here).
    expect(db.prepare("SELECT DISTINCT applied_at AS t FROM ledger").all<{ t: number }>()).toEqual([{ t: T0 }]);
  });

  it("answers a resend of a batch still waiting with that batch's answer, applying it once", async () => {
    const batch = { entries: [sale(1), sale(2)] };
    const [first_, resent] = await Promise.all([pool.handleBatch(K(first), batch), pool.handleBatch(K(first), { entries: [...batch.entries] })]);
    expect(first_.ack).toEqual({ ackedSeq: 2 });
    expect(resent).toEqual({ ack: { ackedSeq: 2 }, changes: [] });
    expect(first_.changes).toHaveLength(1);
    expect(pool.coalesced).toBe(1);
    expect(stats).toMatchObject({ applied: 2, duplicates: 0 });
    // Once answered, the same batch again is an ordinary duplicate.
    expect((await pool.handleBatch(K(first), batch)).ack).toEqual({ ackedSeq: 2 });
    expect(stats).toMatchObject({ applied: 2, duplicates: 2 });
  });

  it("keeps each kiosk's batches in order, two kiosks on two workers", async () => {
    const posted = [first, second].flatMap((d) => Array.from({ length: 15 }, (_, i) => pool.handleBatch(K(d), { entries: [sale(i + 1)] })));
    const acks = (await Promise.all(posted)).map((r) => r.ack.ackedSeq);
    const expected = Array.from({ length: 15 }, (_, i) => i + 1);
    expect(acks).toEqual([...expected, ...expected]);
    expect(stats).toMatchObject({ applied: 30, duplicates: 0, gaps: 0 });
    expect(pool.pids).toHaveLength(2);
    expect(
      db
        .prepare("SELECT device_id AS d, acked_seq AS a FROM devices ORDER BY device_id")
        .all<{ d: string; a: number }>()
        .map((r) => [r.d, r.a]),
    ).toEqual([first, second].sort().map((d) => [d, 15]));
  });

  it("leaves the main thread free while a batch waits in the database", async () => {
    // Another connection holds the kiosk's mark (as a second hub instance applying its batch would).
    const holder = await openPostgres({ url: postgresUrl(), schema, applicationName: `${APP}-holder` });
    try {
      holder.exec("BEGIN");
      holder.prepare("SELECT acked_seq FROM devices WHERE device_id = ? FOR UPDATE").get(first);
      let settled = false;
      const applying = pool.handleBatch(K(first), { entries: [sale(1), sale(2)] }).finally(() => {
        settled = true;
      });
      // The worker's transaction waits on that row lock; this thread meanwhile runs timers and queries.
      let turns = 0;
      while (!poolBackends().some((b) => b.wait_event_type === "Lock")) {
        turns++;
        if (turns > 500) throw new Error("the worker never reached the row lock");
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(settled).toBe(false);
      expect(members.get("m1")!.pointsBalance).toBe(0);
      holder.exec("COMMIT");
      expect((await applying).ack).toEqual({ ackedSeq: 2 });
      expect(members.get("m1")!.pointsBalance).toBe(2);
    } finally {
      holder.close();
    }
  });

  it("records a kiosk's status in its worker, after the batches sent before it", async () => {
    const order: string[] = [];
    const batch = pool.handleBatch(K(first), { entries: [sale(1)] }).then(() => order.push("batch"));
    const status = pool.recordStatus(first, { online: true, at: T0, ackedSeq: 0 }).then(() => order.push("status"));
    await Promise.all([batch, status]);
    expect(order).toEqual(["batch", "status"]);
    const row = db.prepare("SELECT last_status AS s, last_seen_at AS t FROM devices WHERE device_id = ?").get<{ s: string; t: number }>(first)!;
    expect({ status: JSON.parse(row.s) as unknown, seen: row.t }).toEqual({ status: { online: true, at: T0, ackedSeq: 0 }, seen: T0 });
  });

  it("refuses a malformed message as a protocol error, applying nothing", async () => {
    const bad = await pool.handleBatch(K(first), encodeMessage({ entries: [{ seq: 1 }] })).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(bad).toBeInstanceOf(ProtocolError);
    expect(bad).toMatchObject({ code: "SCHEMA_INVALID" });
    expect(count("ledger")).toBe(0);
  });

  it("records the config version a kiosk runs in its worker, after its batches", async () => {
    const order: string[] = [];
    const batch = pool.handleBatch(K(first), { entries: [sale(1)] }).then(() => order.push("batch"));
    const report = pool.recordConfigApplied(first, { version: 1, status: "applied", appliedVersion: 1 }).then(() => order.push("report"));
    await Promise.all([batch, report]);
    expect(order).toEqual(["batch", "report"]);
    expect(db.prepare("SELECT applied_config_version AS v FROM devices WHERE device_id = ?").get<{ v: number }>(first)!.v).toBe(1);
  });

  it("reports a batch the database refused, with its counters as before and nothing applied", async () => {
    await pool.handleBatch(K(first), { entries: [sale(1)] });
    db.exec("ALTER TABLE sale_details RENAME TO sale_details_gone");
    const failed = await pool.handleBatch(K(first), { entries: [sale(2)] }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(failed?.message).toMatch(/sale_details/);
    expect(stats).toMatchObject({ applied: 1, duplicates: 0 });
    expect(db.prepare("SELECT acked_seq AS a FROM devices WHERE device_id = ?").get<{ a: number }>(first)!.a).toBe(1);
    db.exec("ALTER TABLE sale_details_gone RENAME TO sale_details");
    expect((await pool.handleBatch(K(first), { entries: [sale(2)] })).ack).toEqual({ ackedSeq: 2 });
  });

  it("lets a batch in flight finish on close, then ends the workers and their connections", async () => {
    const applying = pool.handleBatch(K(first), { entries: Array.from({ length: 40 }, (_, i) => sale(i + 1)) });
    await pool.close();
    expect((await applying).ack).toEqual({ ackedSeq: 40 });
    expect(pool.pids).toEqual([]);
    await expect(pool.handleBatch(K(first), { entries: [sale(41)] })).rejects.toMatchObject({ code: "INGEST_STOPPING" });
    // The server drops a closed connection's backend within moments.
    for (let i = 0; i < 200 && poolBackends().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(poolBackends()).toEqual([]);
  });

  it("writes the worker's log lines through the hub's logger", async () => {
    const gap = await pool.handleBatch(K(first), { entries: [sale(3)] });
    expect(gap.ack).toEqual({ ackedSeq: 0, resendFrom: 1 });
    expect(sink.find((l) => l.msg === "ledger gap: asking the kiosk to resend")).toMatchObject({ level: 40, device: first, expected: 1, got: 3 });
  });
});
