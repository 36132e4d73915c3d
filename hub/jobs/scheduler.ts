// The hub's job scheduler: daily jobs keyed by store-local day with a persisted "last day applied", and interval jobs, on an injected clock.
//
// A daily job runs at most once per day: the day it applied is stored in job_runs only after it
// succeeded, and a day at or before the stored one is never run again, across restarts. If the
// process dies in the middle of a day's run, that day runs again on the next tick, so every daily
// job must be idempotent within its day (the back-office jobs are: ledger refs, state checks).
// Jobs that `catchUp` run every missed day in order after downtime (the yearly clear must not skip
// 1 January); the others only run today.
//
// With several hub instances on one PostgreSQL, each job runs under its lock (hub/jobs/lock.ts): an
// instance that finds it taken skips the job this tick. The due days are read under the lock, so a
// day another instance finished is not run again; every daily run is recorded in job_history.
import type { Database } from "../../storage/database.js";
import type { Clock } from "../../protocol/clock.js";
import type { Logger } from "../../runtime/log.js";
import { addDays, daysBetween, type IsoDate } from "../../protocol/rules/time.js";
import { jobLockFor, type JobLock } from "./lock.js";

export interface DailyJob {
  kind: "daily";
  name: string;
  /** Run every day missed while the hub was down (oldest first), not only today. */
  catchUp: boolean;
  run(day: IsoDate): void | Promise<void>;
}

export interface IntervalJob {
  kind: "interval";
  name: string;
  run(): void | Promise<void>;
}

export type Job = DailyJob | IntervalJob;

export interface JobStatus {
  job: string;
  kind: "daily" | "interval";
  lastDay: string | null;
  lastRunAt: number | null;
  lastError: string | null;
}

export interface SchedulerOptions {
  /** The store-local day of an instant (the chain's day). */
  dayOf: (at: number) => IsoDate;
  /** How often `start()` ticks; default one minute. */
  intervalMs?: number;
  /** At most this many missed days are caught up (older ones are skipped, logged). */
  maxCatchUpDays?: number;
  /** Who runs jobs at a time (default: by database engine, see lock.ts). */
  lock?: JobLock;
  /** This instance's name in job_history. */
  instance?: string;
}

export class Scheduler {
  private readonly jobs: Job[] = [];
  private readonly state = new Map<string, { lastRunAt: number | null; lastError: string | null }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private first: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private readonly lock: JobLock;
  private readonly instance: string;
  /** Job runs skipped because another instance held the job's lock. */
  skippedLocked = 0;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: SchedulerOptions,
  ) {
    this.lock = opts.lock ?? jobLockFor(db);
    this.instance = opts.instance ?? `pid-${process.pid}`;
  }

  add(job: Job): this {
    if (this.jobs.some((j) => j.name === job.name)) throw new Error(`job ${job.name} is already scheduled`);
    this.jobs.push(job);
    this.state.set(job.name, { lastRunAt: null, lastError: null });
    return this;
  }

  lastDay(job: string): IsoDate | null {
    return this.db.prepare("SELECT last_day FROM job_runs WHERE job = ?").get<{ last_day: string }>(job)?.last_day ?? null;
  }

  private markDay(job: string, day: IsoDate): void {
    // Only ever forward: a day already recorded is never recorded (or run) again.
    this.db
      .prepare(
        `INSERT INTO job_runs (job, last_day, updated_at) VALUES (?, ?, ?) ON CONFLICT (job) DO UPDATE SET
           last_day = CASE WHEN job_runs.last_day >= excluded.last_day THEN job_runs.last_day ELSE excluded.last_day END, updated_at = excluded.updated_at`,
      )
      .run(job, day, this.clock.now());
  }

  /** The days a daily job has to run now, oldest first. */
  dueDays(job: DailyJob, today: IsoDate): IsoDate[] {
    const last = this.lastDay(job.name);
    if (last !== null && last >= today) return [];
    if (last === null || !job.catchUp) return [today];
    const max = this.opts.maxCatchUpDays ?? 400;
    const missed = daysBetween(last, today);
    if (missed > max) this.log.warn({ job: job.name, last, today, skipped: missed - max }, "too many missed days: the oldest are skipped");
    const first = missed > max ? addDays(today, -(max - 1)) : addDays(last, 1);
    const out: IsoDate[] = [];
    for (let d = first; d <= today; d = addDays(d, 1)) out.push(d);
    return out;
  }

  /** Runs what is due now; overlapping calls wait for the one in progress. */
  tick(): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.running = this.runDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runDue(): Promise<void> {
    for (const job of this.jobs) {
      const st = this.state.get(job.name)!;
      let locked = false;
      try {
        locked = this.lock.tryAcquire(job.name);
        if (!locked) {
          this.skippedLocked++;
          this.log.debug({ job: job.name }, "job is running on another instance: skipped");
          continue;
        }
        if (job.kind === "interval") {
          await job.run();
        } else {
          for (const day of this.dueDays(job, this.opts.dayOf(this.clock.now()))) {
            const run = this.db
              .prepare("INSERT INTO job_history (job, day, instance, started_at) VALUES (?, ?, ?, ?) RETURNING id")
              .get<{ id: number }>(job.name, day, this.instance, this.clock.now())!.id;
            await job.run(day);
            this.markDay(job.name, day);
            this.db.prepare("UPDATE job_history SET finished_at = ? WHERE id = ?").run(this.clock.now(), run);
            this.log.info({ job: job.name, day }, "daily job applied");
          }
        }
        st.lastRunAt = this.clock.now();
        st.lastError = null;
      } catch (err) {
        st.lastError = err instanceof Error ? err.message : String(err);
        this.log.error({ job: job.name, err }, "job failed; it is retried on the next tick");
      } finally {
        if (locked) this.lock.release(job.name);
      }
    }
  }

  /** Every recorded run of a daily job, oldest first. */
  history(job: string): Array<{ day: string | null; instance: string; startedAt: number; finishedAt: number | null }> {
    return this.db
      .prepare("SELECT day, instance, started_at, finished_at FROM job_history WHERE job = ? ORDER BY id")
      .all<{ day: string | null; instance: string; started_at: number; finished_at: number | null }>(job)
      .map((r) => ({ day: r.day, instance: r.instance, startedAt: r.started_at, finishedAt: r.finished_at }));
  }

  status(): JobStatus[] {
    return this.jobs.map((j) => {
      const st = this.state.get(j.name)!;
      return { job: j.name, kind: j.kind, lastDay: j.kind === "daily" ? this.lastDay(j.name) : null, lastRunAt: st.lastRunAt, lastError: st.lastError };
    });
  }

  /**
   * Ticks right after start-up (not inside it: the hub finishes starting first) and then every
   * intervalMs; a failing job is logged and the others keep running.
   */
  start(): void {
    this.first = setTimeout(() => void this.tick(), 0);
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs ?? 60_000);
    this.first.unref?.();
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.first) clearTimeout(this.first);
    if (this.timer) clearInterval(this.timer);
    this.first = undefined;
    this.timer = undefined;
    await this.running;
  }
}
