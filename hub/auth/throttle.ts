// Sign-in lockout: a user name is locked after repeated failures; each attempt is reserved before the (async) password check, so parallel guesses cannot exceed the limit.
import type { Clock } from "../../protocol/clock.js";

export interface ThrottleOptions {
  /** Failures (counting attempts still being checked) that lock the name. */
  maxFailures: number;
  /** How long a lock lasts, and how long a failure is remembered. */
  lockMs: number;
  /** Names tracked at most (memory bound); the oldest unlocked entries go first. */
  maxEntries: number;
}

interface Entry {
  failures: number;
  inFlight: number;
  lockedUntil: number;
  lastAt: number;
}

export type Reservation = { ok: true; settle: (success: boolean) => void } | { ok: false; retryAfterMs: number };

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly o: ThrottleOptions = { maxFailures: 5, lockMs: 15 * 60_000, maxEntries: 10_000 },
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Synchronously claims one attempt for `key`; call `settle` exactly once when the check is done. */
  reserve(key: string): Reservation {
    const now = this.clock.now();
    let e = this.entries.get(key);
    if (e && e.lockedUntil <= now && now - e.lastAt > this.o.lockMs) {
      this.entries.delete(key);
      e = undefined;
    }
    if (e && e.lockedUntil > now) return { ok: false, retryAfterMs: e.lockedUntil - now };
    if (e && e.failures + e.inFlight >= this.o.maxFailures) return { ok: false, retryAfterMs: this.o.lockMs };
    if (!e) {
      this.makeRoom(now);
      e = { failures: 0, inFlight: 0, lockedUntil: 0, lastAt: now };
      this.entries.set(key, e);
    }
    const entry = e;
    entry.inFlight++;
    entry.lastAt = now;
    let settled = false;
    return {
      ok: true,
      settle: (success) => {
        if (settled) return;
        settled = true;
        entry.inFlight--;
        if (success) {
          if (entry.inFlight === 0) this.entries.delete(key);
          else entry.failures = 0;
          return;
        }
        entry.failures++;
        entry.lastAt = this.clock.now();
        if (entry.failures >= this.o.maxFailures) entry.lockedUntil = entry.lastAt + this.o.lockMs;
        if (!this.entries.has(key)) this.entries.set(key, entry);
      },
    };
  }

  private makeRoom(now: number): void {
    if (this.entries.size < this.o.maxEntries) return;
    for (const [k, e] of this.entries) {
      if (e.lockedUntil <= now && e.inFlight === 0 && now - e.lastAt > this.o.lockMs) this.entries.delete(k);
    }
    if (this.entries.size < this.o.maxEntries) return;
    // Still full: drop the oldest entries that are not locked; locks are kept (an attacker cannot flush them).
    for (const [k, e] of this.entries) {
      if (this.entries.size < this.o.maxEntries) break;
      if (e.lockedUntil <= now && e.inFlight === 0) this.entries.delete(k);
    }
    if (this.entries.size >= this.o.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
