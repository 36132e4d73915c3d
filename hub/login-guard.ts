// Rate limits for logins on unauthenticated paths (embedded broker, /broker/auth): per source address and per id, in fixed-size tables.
//
// An attempt is counted when it starts, before the asynchronous password check, so concurrent
// guesses cannot share a stale count; a success takes its own count back (and clears the id).
// Each table holds at most `maxEntries` keys. When full, only an unlocked entry with the fewest
// failures among the oldest few can make room; locked entries are never evicted, so a flood of junk
// ids can neither unlock a locked id nor grow memory (a new key that finds no room goes untracked).
import type { Clock } from "../protocol/clock.js";

export interface LimitOptions {
  /** Failures within `windowMs` that lock the key. */
  maxFailures: number;
  windowMs: number;
  lockMs: number;
  maxEntries: number;
}

export interface LoginGuardOptions {
  perSource: LimitOptions;
  perId: LimitOptions;
}

export const DEFAULT_LOGIN_LIMITS: LoginGuardOptions = {
  perSource: { maxFailures: 30, windowMs: 60_000, lockMs: 5 * 60_000, maxEntries: 10_000 },
  perId: { maxFailures: 10, windowMs: 10 * 60_000, lockMs: 60_000, maxEntries: 10_000 },
};

interface Entry {
  failures: number;
  since: number;
  lockedUntil: number;
}

/** How many of the oldest entries a full table looks at for one to evict. */
const EVICTION_SCAN = 64;

class FailureTable {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly o: LimitOptions) {}

  get size(): number {
    return this.entries.size;
  }

  lockedFor(key: string, now: number): number {
    const e = this.entries.get(key);
    return e && e.lockedUntil > now ? e.lockedUntil - now : 0;
  }

  /**
   * Counts one attempt; false when the key has used up its attempts (it is locked now). A new key
   * that finds the table full of locked entries is let through untracked: device secrets are 192
   * random bits, so the limits are there for CPU and noise, and kiosks must not be locked out.
   */
  count(key: string, now: number): boolean {
    let e = this.entries.get(key);
    if (e && this.expired(e, now)) {
      this.entries.delete(key);
      e = undefined;
    }
    if (!e) {
      if (this.entries.size >= this.o.maxEntries && !this.makeRoom(now)) return true;
      e = { failures: 0, since: now, lockedUntil: 0 };
      this.entries.set(key, e);
    }
    if (e.failures >= this.o.maxFailures) {
      e.lockedUntil = Math.max(e.lockedUntil, now + this.o.lockMs);
      return false;
    }
    e.failures++;
    return true;
  }

  /** Takes back one counted attempt (a success). */
  uncount(key: string): void {
    const e = this.entries.get(key);
    if (e && e.lockedUntil === 0) {
      e.failures--;
      if (e.failures <= 0) this.entries.delete(key);
    }
  }

  clear(key: string): void {
    const e = this.entries.get(key);
    if (e && e.lockedUntil === 0) this.entries.delete(key);
  }

  /** A lock that has run out, or a window without a lock that has passed: the key starts afresh. */
  private expired(e: Entry, now: number): boolean {
    return e.lockedUntil !== 0 ? e.lockedUntil <= now : now - e.since > this.o.windowMs;
  }

  private makeRoom(now: number): boolean {
    let victim: string | undefined;
    let fewest = Infinity;
    let seen = 0;
    for (const [key, e] of this.entries) {
      if (seen++ >= EVICTION_SCAN) break;
      if (this.expired(e, now)) {
        victim = key;
        break;
      }
      if (e.lockedUntil <= now && e.failures < fewest) {
        fewest = e.failures;
        victim = key;
      }
    }
    if (victim === undefined) return false;
    this.entries.delete(victim);
    return true;
  }
}

export type GuardDecision = { ok: true; done: (success: boolean) => void } | { ok: false; retryAfterMs: number };

export class LoginGuard {
  private readonly sources: FailureTable;
  private readonly ids: FailureTable;
  readonly stats = { refused: 0 };

  constructor(
    private readonly clock: Clock,
    opts: LoginGuardOptions = DEFAULT_LOGIN_LIMITS,
  ) {
    this.sources = new FailureTable(opts.perSource);
    this.ids = new FailureTable(opts.perId);
  }

  /** Before checking a password: refused while the source or the id is locked. */
  begin(source: string, id: string): GuardDecision {
    const now = this.clock.now();
    const wait = Math.max(this.sources.lockedFor(source, now), this.ids.lockedFor(id, now));
    if (wait > 0 || !this.sources.count(source, now) || !this.ids.count(id, now)) {
      this.stats.refused++;
      return { ok: false, retryAfterMs: Math.max(wait, 1000) };
    }
    return {
      ok: true,
      done: (success) => {
        if (!success) return;
        this.sources.uncount(source);
        this.ids.clear(id);
      },
    };
  }

  /** Tracked keys (tests: memory stays bounded). */
  get tracked(): { sources: number; ids: number } {
    return { sources: this.sources.size, ids: this.ids.size };
  }
}
