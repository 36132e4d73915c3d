// One hub on SQLite whose ledger batches are applied in an ingest worker process on the same file (store.ingestWorkers 1):
// every entry exactly once while the worker and then the hub are SIGKILLed mid-stream (hub/ingest-pool-sqlite.test.ts
// checks the pool itself: the hub's thread free while a batch waits for the write lock).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../storage/sqlite.js";
import type { Database } from "../storage/database.js";
import { waitUntil } from "../scripts/demo-env.js";
import { sqliteHubPath } from "../hub/store.js";
import { mosquittoBinary, mosquittoRequired, startMosquitto, type RunningMosquitto } from "./mosquitto.js";
import { HubCluster } from "./hub-cluster.js";
import { childPids } from "./proc-stats.js";

const KIOSKS = 4;
const PER_KIOSK = 45;

const skip = mosquittoBinary() === undefined && !mosquittoRequired();
if (skip) process.stderr.write("hub-sqlite-worker.test.ts not run: no mosquitto binary (apt-get install mosquitto)\n");

describe.runIf(!skip)("a SQLite hub applying ledger batches in an ingest worker process", () => {
  let mosquitto: RunningMosquitto | undefined;
  let cluster: HubCluster | undefined;
  let db: Database | undefined;
  const c = (): HubCluster => cluster!;
  const q = <T>(sql: string, ...params: Array<string | number>): T[] => db!.prepare(sql).all<T>(...params);
  const workers = (): number[] => childPids(c().hubs[0]!.pid, "ingest-worker");

  beforeAll(async () => {
    mosquitto = await startMosquitto(["max_queued_messages 100000", "max_inflight_messages 0"]);
    cluster = new HubCluster({ mosquitto, instances: 1, store: "sqlite", ingestWorkers: 1, kiosks: KIOSKS, stores: 2, membersPerStore: 10 });
    await cluster.seed();
    await cluster.startHubs();
    await cluster.startKiosks();
    // WAL: this connection reads what the hub's processes committed while they run.
    db = await openDatabase(sqliteHubPath(cluster.hubConfig(0)));
  }, 120_000);

  afterAll(async () => {
    db?.close();
    await cluster?.stop();
    await mosquitto?.stop();
  }, 60_000);

  it("applies every entry exactly once while its worker, then the hub itself, is SIGKILLed mid-stream", async () => {
    const cl = c();
    const total = KIOSKS * PER_KIOSK;
    await waitUntil(() => workers().length === 1, "the hub's ingest worker process", 30_000);
    const first = workers()[0]!;
    const third = PER_KIOSK / 3;
    // Each kill comes right after a sale commits (so at least that one is not acknowledged yet), halfway through a round of selling.
    const sellRound = async (round: number, kill: () => Promise<void> | void): Promise<{ written: number; acked: number }> => {
      let killed: Promise<void> | undefined;
      let at: { written: number; acked: number } | undefined;
      await Promise.all(
        cl.kiosks.map((_, k) =>
          cl.sell(k, third, () => {
            if (killed || cl.progress().written < KIOSKS * third * (round + 0.5)) return;
            at = cl.progress();
            killed = Promise.resolve(kill());
          }),
        ),
      );
      await killed;
      if (!at) throw new Error(`round ${round}: nothing was killed`);
      return at;
    };
    await Promise.all(cl.kiosks.map((_, k) => cl.sell(k, third)));
    await cl.allAcked(30_000);
    const workerKill = await sellRound(1, () => void process.kill(first, "SIGKILL"));
    // The batches the dead worker had are failed, the kiosks resend them, a new worker applies them.
    await cl.allAcked(30_000);
    const second = workers();
    expect(second).toHaveLength(1);
    expect(second).not.toContain(first);
    const hubKill = await sellRound(2, async () => {
      await cl.kill(0, "SIGKILL");
      await cl.startHub(0);
    });
    for (const at of [workerKill, hubKill]) expect(at.written).toBeGreaterThan(at.acked);
    try {
      await cl.allAcked(60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cl.hubTails()}`);
    }
    // The restarted hub runs a worker of its own (the killed one's is gone with it).
    expect(workers()).toHaveLength(1);
    expect(workers()).not.toContain(second[0]);

    const kiosk = cl.kioskTotals();
    expect(kiosk.sales).toBe(total);
    const [ledger] = q<{ n: number; applied: number }>("SELECT COUNT(*) AS n, SUM(status = 'applied') AS applied FROM ledger");
    expect(ledger).toEqual({ n: total, applied: total });
    const [sales] = q<{ n: number; ids: number; total_fen: number; points: number }>(
      "SELECT COUNT(*) AS n, COUNT(DISTINCT sale_id) AS ids, COALESCE(SUM(total_fen), 0) AS total_fen, COALESCE(SUM(points_earned), 0) AS points FROM sales",
    );
    expect(sales).toEqual({ n: total, ids: total, total_fen: kiosk.totalFen, points: kiosk.pointsEarned });
    expect(q("SELECT device_id, seq FROM disagreements")).toEqual([]);
    const perDevice = q<{ device_id: string; acked_seq: number; n: number; lo: number | null; hi: number | null }>(
      `SELECT d.device_id, d.acked_seq, COUNT(l.seq) AS n, MIN(l.seq) AS lo, MAX(l.seq) AS hi
       FROM devices d LEFT JOIN ledger l ON l.device_id = d.device_id GROUP BY d.device_id, d.acked_seq ORDER BY d.device_id`,
    );
    expect(perDevice).toEqual(
      cl.kiosks.map((k) => ({ device_id: k.deviceId, acked_seq: k.store.lastSeq(), n: k.store.lastSeq(), lo: 1, hi: k.store.lastSeq() })),
    );
    const [points] = q<{ balance: number; logged: number }>(
      "SELECT (SELECT COALESCE(SUM(points_balance), 0) FROM members) AS balance, (SELECT COALESCE(SUM(delta), 0) FROM points_log) AS logged",
    );
    expect(points).toEqual({ balance: kiosk.pointsEarned, logged: kiosk.pointsEarned });
  }, 180_000);
});
