// Three hub processes on one PostgreSQL schema, consuming 20 kiosks' ledgers through a Mosquitto shared subscription;
// one hub is SIGKILLed mid-stream. Every (device, seq) is applied exactly once, the totals are exact, daily jobs ran
// once per day on one instance at a time, and every surviving instance answers the API with the same data.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgres } from "../storage/postgres.js";
import type { Database } from "../storage/database.js";
import { waitUntil } from "../scripts/demo-env.js";
import { mosquittoBinary, mosquittoRequired, startMosquitto, type RunningMosquitto } from "./mosquitto.js";
import { postgresReachable, postgresRequired, postgresUrl } from "./postgres.js";
import { HubCluster, type IngestStats } from "./hub-cluster.js";

const INSTANCES = 3;
const KIOSKS = 20;
const PER_KIOSK = 75;
const KILLED = 0;

const required = postgresRequired();
const pgUp = await postgresReachable();
const mosquittoUp = mosquittoBinary() !== undefined;
const skipReason =
  !pgUp && !required
    ? `PostgreSQL at ${postgresUrl()} is unreachable (set REQUIRE_POSTGRES=1 to fail instead of skipping)`
    : !mosquittoUp && !required && !mosquittoRequired()
      ? "no mosquitto binary (apt-get install mosquitto; REQUIRE_MOSQUITTO=1 fails instead of skipping)"
      : undefined;

// Without PostgreSQL or Mosquitto (and neither required) the suite does not run, and says why.
if (skipReason) process.stderr.write(`hub-cluster.test.ts not run: ${skipReason}\n`);

describe.runIf(skipReason === undefined)(`${INSTANCES} hub processes on one PostgreSQL schema behind a Mosquitto shared subscription`, () => {
  let mosquitto: RunningMosquitto | undefined;
  let cluster: HubCluster | undefined;
  let db: Database | undefined;
  const c = (): HubCluster => cluster!;
  const q = <T>(sql: string, ...params: Array<string | number>): T[] => db!.prepare(sql).all<T>(...params);

  beforeAll(async () => {
    if (required) expect(pgUp, `REQUIRE_POSTGRES=1 but PostgreSQL at ${postgresUrl()} is unreachable`).toBe(true);
    mosquitto = await startMosquitto(["max_queued_messages 100000", "max_inflight_messages 0"]);
    cluster = new HubCluster({ mosquitto, instances: INSTANCES, store: "postgres", shareGroup: "hubs", kiosks: KIOSKS, stores: 4, membersPerStore: 10 });
    await cluster.seed();
    await cluster.startHubs();
    await cluster.startKiosks();
    db = await openPostgres({ url: postgresUrl(), schema: cluster.schema, applicationName: "hub-cluster-test" });
  }, 120_000);

  afterAll(async () => {
    db?.close();
    await cluster?.stop();
    await mosquitto?.stop();
  }, 60_000);

  let before: IngestStats | undefined;
  let atKill: { written: number; acked: number; kiosksWaiting: number } | undefined;
  let killedAt = 0;

  it("applies every entry exactly once while one hub is SIGKILLed mid-stream", async () => {
    const cl = c();
    const total = KIOSKS * PER_KIOSK;
    // The killed hub's counters, watched until it dies (an HTTP call in the kill path would come too late).
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const s = await cl.ingestStats(KILLED).catch(() => undefined);
        if (s && watching) before = s;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    // The kill comes from inside the selling loop, right after a sale, once a third of the traffic is
    // acknowledged: the kiosks are still selling and have batches out.
    let killed: Promise<void> | undefined;
    const maybeKill = (): void => {
      if (killed || cl.progress().acked < total / 3) return;
      watching = false;
      atKill = cl.progress();
      killedAt = Date.now();
      killed = cl.kill(KILLED, "SIGKILL");
    };
    await Promise.all(cl.kiosks.map((_, k) => cl.sell(k, PER_KIOSK, maybeKill)));
    watching = false;
    await watcher;
    expect(killed, "the hubs never acknowledged a third of the traffic while the kiosks sold").toBeDefined();
    await killed;
    try {
      await cl.allAcked(45_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cl.hubTails()}`);
    }

    // Mid-stream: the killed hub had applied some, and kiosks still had entries waiting for an ack.
    expect(before!.applied).toBeGreaterThan(0);
    expect(atKill!.written).toBeGreaterThan(atKill!.acked);
    expect(atKill!.kiosksWaiting).toBeGreaterThan(0);
    expect(atKill!.written).toBeLessThan(total);
    // The other two are still up.
    expect(cl.hubs.map((h) => h.alive())).toEqual(cl.hubs.map((h) => h.index !== KILLED));

    const kiosk = cl.kioskTotals();
    expect(kiosk.entries).toBe(total);
    expect(kiosk.sales).toBe(total);

    // Totals exact: one ledger row per entry sent, the sales and the points the kiosks computed.
    const [ledger] = q<{ n: number; applied: number }>("SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE status = 'applied') AS applied FROM ledger");
    expect(ledger).toEqual({ n: total, applied: total });
    const [sales] = q<{ n: number; ids: number; total_fen: number; points: number }>(
      "SELECT COUNT(*) AS n, COUNT(DISTINCT sale_id) AS ids, COALESCE(SUM(total_fen), 0) AS total_fen, COALESCE(SUM(points_earned), 0) AS points FROM sales",
    );
    expect(sales).toEqual({ n: kiosk.sales, ids: kiosk.sales, total_fen: kiosk.totalFen, points: kiosk.pointsEarned });
    expect(q("SELECT device_id, seq FROM disagreements")).toEqual([]);

    // No (device, seq) twice, in the ledger or in the sales.
    expect(q("SELECT device_id, seq, COUNT(*) AS n FROM ledger GROUP BY device_id, seq HAVING COUNT(*) > 1")).toEqual([]);
    expect(q("SELECT device_id, seq, COUNT(*) AS n FROM sales GROUP BY device_id, seq HAVING COUNT(*) > 1")).toEqual([]);

    // Each device: seqs 1..last without a hole, and acked_seq == its last seq.
    const perDevice = q<{ device_id: string; acked_seq: number; n: number; lo: number | null; hi: number | null }>(
      `SELECT d.device_id, d.acked_seq, COUNT(l.seq) AS n, MIN(l.seq) AS lo, MAX(l.seq) AS hi
       FROM devices d LEFT JOIN ledger l ON l.device_id = d.device_id GROUP BY d.device_id, d.acked_seq ORDER BY d.device_id`,
    );
    expect(perDevice).toEqual(
      cl.kiosks.map((k) => ({ device_id: k.deviceId, acked_seq: k.store.lastSeq(), n: k.store.lastSeq(), lo: 1, hi: k.store.lastSeq() })),
    );

    // Every member's balance is the sum of their points log, and together they hold exactly what the sales earned.
    const drift = q(
      `SELECT m.member_id, m.points_balance, COALESCE(SUM(p.delta), 0) AS logged
       FROM members m LEFT JOIN points_log p ON p.member_id = m.member_id
       GROUP BY m.member_id, m.points_balance HAVING m.points_balance <> COALESCE(SUM(p.delta), 0)`,
    );
    expect(drift).toEqual([]);
    const [points] = q<{ balance: number; logged: number }>(
      "SELECT (SELECT COALESCE(SUM(points_balance), 0) FROM members) AS balance, (SELECT COALESCE(SUM(delta), 0) FROM points_log) AS logged",
    );
    expect(points).toEqual({ balance: kiosk.pointsEarned, logged: kiosk.pointsEarned });
  }, 120_000);

  it("had both surviving instances apply traffic, and each answers the API with the same data", async () => {
    const cl = c();
    const survivors = cl.hubs.filter((h) => h.index !== KILLED && h.alive()).map((h) => h.index);
    expect(survivors).toHaveLength(INSTANCES - 1);
    const stats = await Promise.all(survivors.map((i) => cl.ingestStats(i)));
    for (const s of stats) expect(s.applied).toBeGreaterThan(0);
    for (const s of stats) expect(s.rejected).toBe(0);

    const [dbTotals] = q<{ sales: number }>("SELECT COUNT(*) AS sales FROM sales");
    const checked = [cl.members[0]!, cl.members[7]!, cl.members.at(-1)!].map((m) => m.memberId);
    const answers = [];
    for (const i of survivors) {
      const health = await cl.get<{ ok: boolean; chainId: string }>(i, "/healthz");
      expect(health).toMatchObject({ ok: true, chainId: "demo" });
      const devices = await cl.get<{ devices: Array<{ deviceId: string; ackedSeq: number }> }>(i, "/devices");
      const members = [];
      for (const id of checked) members.push(await cl.get<{ memberId: string; pointsBalance: number }>(i, `/members/${id}`));
      answers.push({ devices: devices.devices.map((d) => ({ deviceId: d.deviceId, ackedSeq: d.ackedSeq })), members });
    }
    // The same answers from every instance, and the same as the database.
    for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
    expect(answers[0]!.devices).toEqual(cl.kiosks.map((k) => ({ deviceId: k.deviceId, ackedSeq: k.store.lastSeq() })));
    const balances = q<{ member_id: string; points_balance: number }>(
      `SELECT member_id, points_balance FROM members WHERE member_id IN (${checked.map(() => "?").join(", ")}) ORDER BY member_id`,
      ...checked,
    );
    expect(
      answers[0]!.members.map((m) => ({ member_id: m.memberId, points_balance: m.pointsBalance })).sort((a, b) => a.member_id.localeCompare(b.member_id)),
    ).toEqual(balances);
    expect(dbTotals!.sales).toBe(KIOSKS * PER_KIOSK);
  });

  it("ran each daily job once per day, never two runs of one job at the same time", async () => {
    const table = q<{ t: string | null }>("SELECT CAST(to_regclass('job_history') AS TEXT) AS t")[0]?.t;
    expect(table, "job_history is missing: the scheduler's per-job advisory lock and run history have not landed").toBeTruthy();
    // Every instance ticked its jobs at start-up, all three together. Now the survivors are asked to run
    // the due jobs at the same moment, twice each (POST /bo/jobs/run): today is applied already.
    const survivors = c()
      .hubs.filter((h) => h.alive())
      .map((h) => h.index);
    await Promise.all(survivors.flatMap((i) => [c().post(i, "/bo/jobs/run", {}), c().post(i, "/bo/jobs/run", {})]));
    // Runs still in progress (a tick started late) finish first; the killed hub's unfinished run, if any, stays open.
    await waitUntil(
      () => q("SELECT id FROM job_history WHERE finished_at IS NULL AND instance <> ?", c().hubs[KILLED]!.instance ?? "").length === 0,
      "job runs finished",
      15_000,
    ).catch(() => undefined);
    const runs = q<{ id: number; job: string; day: string | null; instance: string; started_at: number; finished_at: number | null }>(
      "SELECT id, job, day, instance, started_at, finished_at FROM job_history ORDER BY job, started_at, id",
    );
    // Three instances started together, each ticking its daily jobs at start-up: every daily job ran today, once.
    const daily = ["levels", "yearly-clear", "portraits"];
    for (const job of daily) expect(runs.filter((r) => r.job === job && r.finished_at !== null).length, `finished runs of ${job}`).toBeGreaterThanOrEqual(1);
    const twice = q("SELECT job, day, COUNT(*) AS n FROM job_history WHERE day IS NOT NULL AND finished_at IS NOT NULL GROUP BY job, day HAVING COUNT(*) > 1");
    expect(twice).toEqual([]);
    // A run never finished lasted until its instance died (the killed hub) or is still going (anything else).
    const killedInstance = c().hubs[KILLED]!.instance;
    const end = (r: { instance: string; finished_at: number | null }): number => r.finished_at ?? (r.instance === killedInstance ? killedAt : Date.now());
    const overlaps: string[] = [];
    for (let i = 0; i < runs.length; i++) {
      for (let j = i + 1; j < runs.length && runs[j]!.job === runs[i]!.job; j++) {
        const a = runs[i]!;
        const b = runs[j]!;
        if (b.started_at < end(a) && a.started_at < end(b)) {
          overlaps.push(
            `${a.job}: run ${a.id} (${a.instance}, ${a.started_at}-${a.finished_at}) and run ${b.id} (${b.instance}, ${b.started_at}-${b.finished_at})`,
          );
        }
      }
    }
    expect(overlaps).toEqual([]);
  });
});
