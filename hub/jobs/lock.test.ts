// Jobs across hub instances on one PostgreSQL: one runner at a time (advisory lock), a day never run twice, a dead holder's lock freed.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import { openPostgres } from "../../storage/postgres.js";
import type { Database } from "../../storage/database.js";
import { dropSchema, freshSchemaName, postgresReachable, postgresRequired, postgresUrl } from "../../test/postgres.js";
import { migratePostgres } from "../store.js";
import { localJobLock } from "./lock.js";
import { Scheduler, type DailyJob } from "./scheduler.js";

const log = createLogger("t", { destination: new MemoryLogSink(), level: "silent" });
const clock = new ManualClock(Date.parse("2026-11-22T09:00:00+08:00"));
const dayOf = (t: number): string => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);

describe("localJobLock", () => {
  it("lets one holder at a time take a job", () => {
    const lock = localJobLock();
    expect(lock.tryAcquire("a")).toBe(true);
    expect(lock.tryAcquire("a")).toBe(false);
    expect(lock.tryAcquire("b")).toBe(true);
    lock.release("a");
    expect(lock.tryAcquire("a")).toBe(true);
  });
});

const run = (await postgresReachable()) || postgresRequired();

describe.runIf(run)("scheduler on PostgreSQL with two instances", () => {
  let schema: string;
  let a: Database;
  let b: Database;

  beforeEach(async () => {
    schema = freshSchemaName("jobs");
    a = await openPostgres({ url: postgresUrl(), schema });
    b = await openPostgres({ url: postgresUrl(), schema });
    migratePostgres(a);
    migratePostgres(b); // the second instance finds every migration applied
  });
  afterEach(async () => {
    a.close();
    b.close();
    await dropSchema(schema);
  });

  /** A promise and the function that resolves it (the executor runs at once, so `resolve` is set before it returns). */
  function deferred(): { promise: Promise<void>; resolve: () => void } {
    let resolve: () => void = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    return { promise, resolve };
  }

  /** A daily job that stays running until `finish` is called, counting its runs. */
  function slowJob(runs: string[]): { finish(): void; started: Promise<void>; job: DailyJob } {
    const done = deferred();
    const began = deferred();
    return {
      finish: () => done.resolve(),
      started: began.promise,
      job: {
        kind: "daily",
        name: "levels",
        catchUp: false,
        run: async (day) => {
          runs.push(day);
          began.resolve();
          await done.promise;
        },
      },
    };
  }

  it("runs a daily job on one instance; the other skips it while it runs and does not run the day again", async () => {
    const runs: string[] = [];
    const slow = slowJob(runs);
    const sa = new Scheduler(a, clock, log, { dayOf, instance: "hub-a" }).add(slow.job);
    const sb = new Scheduler(b, clock, log, { dayOf, instance: "hub-b" }).add(slow.job);
    const ta = sa.tick();
    await slow.started;
    await sb.tick();
    expect(sb.skippedLocked).toBe(1);
    slow.finish();
    await ta;
    await sb.tick(); // lock free now, but the day is recorded
    await sa.tick();
    expect(runs).toEqual(["2026-11-22"]);
    expect(sb.history("levels")).toEqual([expect.objectContaining({ day: "2026-11-22", instance: "hub-a", finishedAt: clock.now() })]);
    clock.advance(24 * 3_600_000);
    await sb.tick();
    expect(runs).toEqual(["2026-11-22", "2026-11-23"]);
    expect(sa.history("levels").map((h) => [h.day, h.instance])).toEqual([
      ["2026-11-22", "hub-a"],
      ["2026-11-23", "hub-b"],
    ]);
  });

  it("frees the lock of an instance that dies in the middle of a job, and the day runs again elsewhere", async () => {
    const runs: string[] = [];
    const slow = slowJob(runs);
    const sa = new Scheduler(a, clock, log, { dayOf, instance: "hub-a" }).add(slow.job);
    const sb = new Scheduler(b, clock, log, { dayOf, instance: "hub-b" }).add({ ...slow.job, run: (day) => void runs.push(`b:${day}`) });
    void sa.tick();
    await slow.started;
    await sb.tick();
    expect(sb.skippedLocked).toBe(1);
    a.close(); // the connection ends: PostgreSQL releases the session's advisory locks
    a = await openPostgres({ url: postgresUrl(), schema });
    await sb.tick();
    expect(runs).toEqual([dayOf(clock.now()), `b:${dayOf(clock.now())}`]);
    // The dead run stays in the history without a finish time; the day is applied once.
    expect(sb.history("levels").map((h) => [h.instance, h.finishedAt === null])).toEqual([
      ["hub-a", true],
      ["hub-b", false],
    ]);
    expect(sb.lastDay("levels")).toBe(dayOf(clock.now()));
  });
});
