// Job locks: at most one hub instance runs a given job at a time (PostgreSQL advisory locks; in-process for SQLite's single hub).
import type { Database } from "../../storage/database.js";

export interface JobLock {
  /** Takes the job's lock if nobody holds it; false means another instance is running the job. */
  tryAcquire(job: string): boolean;
  release(job: string): void;
}

/**
 * Session-level advisory locks keyed by (schema, job). The server releases them when the holder's
 * connection ends, so a hub killed in the middle of a job does not block the job for the others.
 */
export function advisoryJobLock(db: Database): JobLock {
  return {
    tryAcquire: (job) => db.prepare("SELECT pg_try_advisory_lock(hashtext(current_schema()), hashtext(?)) AS ok").get<{ ok: number }>(`job:${job}`)?.ok === 1,
    release: (job) => {
      db.prepare("SELECT pg_advisory_unlock(hashtext(current_schema()), hashtext(?)) AS ok").get(`job:${job}`);
    },
  };
}

/** One SQLite hub owns its file: a lock inside the process is enough. */
export function localJobLock(): JobLock {
  const held = new Set<string>();
  return {
    tryAcquire: (job) => {
      if (held.has(job)) return false;
      held.add(job);
      return true;
    },
    release: (job) => {
      held.delete(job);
    },
  };
}

/** The lock that fits the database engine. */
export function jobLockFor(db: Database): JobLock {
  return db.engine === "postgres" ? advisoryJobLock(db) : localJobLock();
}
