// Reconnect backoff: exponential ceiling, full jitter, bounded.
import { describe, it, expect } from "vitest";
import { backoffDelay } from "./mqtt-connect.js";

describe("backoffDelay", () => {
  const opts = { initialMs: 500, maxMs: 30_000 };
  it("grows the ceiling exponentially up to the maximum", () => {
    const top = (attempt: number) => backoffDelay(attempt, { ...opts, random: () => 0.999999 });
    expect(top(0)).toBe(499);
    expect(top(3)).toBe(3999);
    expect(top(10)).toBe(29_999);
    expect(top(1000)).toBe(29_999);
  });
  it("spreads reconnects (jitter) but never goes below half the initial delay", () => {
    const low = backoffDelay(5, { ...opts, random: () => 0 });
    expect(low).toBe(250);
    const delays = new Set(Array.from({ length: 50 }, (_, i) => backoffDelay(6, { ...opts, random: () => i / 50 })));
    expect(delays.size).toBeGreaterThan(40);
  });
});
