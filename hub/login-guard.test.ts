// Login rate limits: counted before the check (no stale counts), locked entries survive a flood of junk ids, memory bounded, locks run out.
import { describe, it, expect } from "vitest";
import { ManualClock } from "../protocol/clock.js";
import { LoginGuard } from "./login-guard.js";

const limits = (maxEntries: number) => ({
  perSource: { maxFailures: 1_000_000, windowMs: 60_000, lockMs: 60_000, maxEntries },
  perId: { maxFailures: 3, windowMs: 60_000, lockMs: 60_000, maxEntries },
});

describe("login guard", () => {
  it("counts concurrent attempts before their checks finish", () => {
    const g = new LoginGuard(new ManualClock(0), limits(100));
    // Ten guesses start together (asynchronous scrypt in flight): only three get to check.
    const started = Array.from({ length: 10 }, () => g.begin("10.0.0.1", "k1"));
    expect(started.filter((d) => d.ok)).toHaveLength(3);
  });

  it("keeps a locked id locked however many junk ids follow, with bounded memory", () => {
    const clock = new ManualClock(0);
    const g = new LoginGuard(clock, limits(50));
    for (let i = 0; i < 4; i++) {
      const d = g.begin("10.0.0.1", "victim");
      if (d.ok) d.done(false);
    }
    expect(g.begin("10.0.0.1", "victim").ok).toBe(false);
    for (let i = 0; i < 10_000; i++) {
      const d = g.begin(`10.1.${i >> 8}.${i & 255}`, `junk${i}`);
      if (d.ok) d.done(false);
    }
    expect(g.tracked.ids).toBeLessThanOrEqual(50);
    expect(g.tracked.sources).toBeLessThanOrEqual(50);
    expect(g.begin("10.0.0.2", "victim").ok).toBe(false);
    // The lock runs out; then the id starts afresh.
    clock.advance(60_001);
    const again = g.begin("10.0.0.2", "victim");
    expect(again.ok).toBe(true);
  });

  it("takes back a success's count and clears the id", () => {
    const g = new LoginGuard(new ManualClock(0), limits(100));
    for (let i = 0; i < 2; i++) {
      const d = g.begin("s", "k1");
      if (d.ok) d.done(false);
    }
    const ok = g.begin("s", "k1");
    expect(ok.ok).toBe(true);
    if (ok.ok) ok.done(true);
    for (let i = 0; i < 3; i++) expect(g.begin("s", "k1").ok).toBe(true);
  });
});
