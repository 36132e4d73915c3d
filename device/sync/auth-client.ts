// Asks the hub to authorise stored-value / points spending and matches its answers to the waiting requests.
import type { Logger } from "../../runtime/log.js";
import type { Timers } from "../../runtime/timers.js";
import { AuthResponseSchema, decodeMessage, type AuthRequest, type AuthResponse } from "../../protocol/messages.js";
import type { SyncLink } from "./link.js";

export class AuthClient {
  private readonly waiters = new Map<string, (r: AuthResponse) => void>();
  readonly stats = { authTimeouts: 0 };

  constructor(
    private readonly link: SyncLink,
    private readonly timers: Timers,
    private readonly log: Logger,
  ) {}

  /**
   * Asks the hub to hold stored value / points for a payment. Resolves with the hub's answer, or
   * undefined when it does not come within `deadlineMs` (the caller then applies the offline limits).
   */
  authorize(req: AuthRequest, deadlineMs: number): Promise<AuthResponse | undefined> {
    if (!this.link.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = this.timers.set(() => {
        this.waiters.delete(req.requestId);
        this.stats.authTimeouts++;
        this.log.warn({ requestId: req.requestId, deadlineMs }, "sync: hub did not answer the authorisation in time");
        resolve(undefined);
      }, deadlineMs);
      this.waiters.set(req.requestId, (r) => {
        this.timers.clear(timer);
        resolve(r);
      });
      if (!this.link.send("auth/req", req)) {
        this.timers.clear(timer);
        this.waiters.delete(req.requestId);
        resolve(undefined);
      }
    });
  }

  /** The hub's answer; returns it (for its hub time) after waking the request that waits for it. */
  onMessage(payload: Buffer): AuthResponse {
    const res = decodeMessage(AuthResponseSchema, payload);
    const waiter = this.waiters.get(res.requestId);
    if (!waiter) {
      this.log.info({ requestId: res.requestId }, "sync: late authorisation answer ignored");
      return res;
    }
    this.waiters.delete(res.requestId);
    waiter(res);
    return res;
  }
}
