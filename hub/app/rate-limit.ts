// Fixed-window attempt counters for the member app's public routes (activation, one-time codes), bounded in memory and never evicting a live window.
import type { Clock } from "../../protocol/clock.js";
import type { Context } from "hono";
import { HubError } from "../errors.js";

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly o: { limit: number; windowMs: number; maxKeys?: number; what: string },
  ) {}

  /** Counts one attempt for `key`; throws REFUSED/RATE_LIMITED when the window's limit is reached. */
  hit(key: string): void {
    const now = this.clock.now();
    let w = this.windows.get(key);
    if (w && now - w.start >= this.o.windowMs) {
      this.windows.delete(key);
      w = undefined;
    }
    if (!w) {
      if (this.windows.size >= (this.o.maxKeys ?? 10_000)) {
        for (const [k, v] of this.windows) if (now - v.start >= this.o.windowMs) this.windows.delete(k);
        // Still full: refuse rather than forget someone's count (junk keys must not reset a real one).
        if (this.windows.size >= (this.o.maxKeys ?? 10_000)) throw limited(this.o.what, this.o.windowMs);
      }
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.o.limit) throw limited(this.o.what, this.o.windowMs - (now - w.start));
    w.count++;
  }
}

function limited(what: string, retryMs: number): HubError {
  return new HubError("REFUSED", `too many ${what}: try again in ${Math.max(1, Math.ceil(retryMs / 60_000))} minute(s)`, { reason: "RATE_LIMITED" });
}

/** The caller's address: the socket's peer (node server), else "local" (in-process requests). */
export function sourceOf(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "local";
}
