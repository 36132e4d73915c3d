// What the kiosk knows of the hub itself (not the broker): its retained presence and when it last answered.
import type { HubPresence } from "../../protocol/messages.js";
import type { Clock } from "../../protocol/clock.js";

export type PresenceState = "online" | "offline" | "unknown";

export class HubPresenceTracker {
  private last: HubPresence | undefined;
  /** When the hub last answered anything (an ack, a page, an authorisation), by this kiosk's clock. */
  private answeredAt: number | undefined;
  private lastAckAt: number | undefined;
  /** Set when the hub answered after its presence said offline (a cluster peer taking over). */
  private answeredSinceOffline = false;

  constructor(private readonly clock: Clock) {}

  /**
   * Records an announcement; returns true when it is a new `online` one (a hub that came up or
   * back, or reconnected), false for a repeat (the retained copy again after a reconnect) or offline.
   */
  update(p: HubPresence): boolean {
    const prev = this.last;
    this.last = p;
    if (!p.online) {
      this.answeredSinceOffline = false;
      return false;
    }
    return !(prev?.online && prev.instance === p.instance && prev.since === p.since && prev.at === p.at);
  }

  noteAnswer(kind: "ack" | "other"): void {
    const now = this.clock.now();
    this.answeredAt = now;
    if (kind === "ack") this.lastAckAt = now;
    if (this.last && !this.last.online) this.answeredSinceOffline = true;
  }

  get state(): PresenceState {
    if (!this.last) return "unknown";
    return this.last.online || this.answeredSinceOffline ? "online" : "offline";
  }

  /** The announcement in force: (instance, since, at) tells one hub (re)connection from another. */
  get key(): string | undefined {
    return this.last?.online ? `${this.last.instance}/${this.last.since}/${this.last.at}` : undefined;
  }

  get instance(): string | undefined {
    return this.last?.instance;
  }

  lastAckAgeMs(): number | undefined {
    return this.lastAckAt === undefined ? undefined : Math.max(0, this.clock.now() - this.lastAckAt);
  }

  lastAnswerAgeMs(): number | undefined {
    return this.answeredAt === undefined ? undefined : Math.max(0, this.clock.now() - this.answeredAt);
  }
}
