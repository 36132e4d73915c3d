// Sends the outbox to the hub in batches (up to 500 entries), one in flight, until acknowledged; resends at once when a hub (re)appears.
//
// Durability lives in SQLite, not in mqtt.js: the outbox is resent from the hub's high-water mark
// after every (re)connect, every new hub presence, or a missing ack. While the hub is present but
// silent the wait for an ack doubles (a hub working through a backlog is not sent the same batch ever
// faster); while its presence says offline nothing is sent at all, and the moment it announces
// itself again the kiosk resends from its acknowledged mark with the wait back at its base.
import type { Logger } from "../../runtime/log.js";
import type { Ack } from "../../protocol/messages.js";
import type { Timers, TimerHandle } from "../../runtime/timers.js";
import type { KioskStore } from "../store.js";
import type { SyncLink } from "./link.js";
import type { HubPresenceTracker } from "./presence.js";

export interface OutboxOptions {
  batchSize?: number;
  /** How long a batch waits for its ack before it is sent again; doubles on each further miss (default 5 s). */
  ackTimeoutMs?: number;
  /** The longest wait for an ack after repeated misses (default 60 s). */
  maxAckTimeoutMs?: number;
}

/**
 * Entries per batch, the most the hub takes (LedgerBatchSchema). The hub applies a batch in one
 * transaction with one fsync, so a backlog (catch-up after an outage) goes in 500s: two fifths of the
 * commits and round trips of the 200 it was (bench/catchup.bench.ts). Day to day a batch holds the
 * one or two entries waiting.
 */
export const DEFAULT_BATCH = 500;

/** The batch in flight went out after the hub answered (an ack to our status) while its presence still said offline. */
const ANSWERED = "answered";

export class OutboxSender {
  private inFlight: TimerHandle | undefined;
  /** The last sequence number of the batch waiting for its ack. */
  private inFlightLast = 0;
  /** The hub presence the batch in flight was sent under (a new one means: send it again now). */
  private inFlightPresence: string | undefined;
  private ackWaitMs: number | undefined;
  /** Set while a freshly connected kiosk gives the retained presence a moment to arrive. */
  private holding: TimerHandle | undefined;
  /** The hub said it was offline since the last announcement. */
  private away = false;
  readonly stats = { batchesSent: 0, acks: 0, staleAcks: 0, timeouts: 0, hubReturns: 0 };

  constructor(
    private readonly opts: OutboxOptions,
    private readonly link: SyncLink,
    private readonly store: KioskStore,
    private readonly presence: HubPresenceTracker,
    private readonly timers: Timers,
    private readonly log: Logger,
  ) {}

  /** The current wait for an ack (for tests and status). */
  get currentAckWaitMs(): number {
    return this.ackWaitMs ?? this.opts.ackTimeoutMs ?? 5_000;
  }

  /** Sends the next batch above the hub's mark, unless one is in flight or the hub is known to be away. */
  flush(): void {
    if (!this.link.connected || this.inFlight || this.holding) return;
    if (this.presence.state === "offline") return;
    const entries = this.store.pending(this.store.ackedSeq() + 1, this.opts.batchSize ?? DEFAULT_BATCH);
    if (entries.length === 0) return;
    if (!this.link.send("ledger", { entries })) return;
    this.stats.batchesSent++;
    this.inFlightLast = entries.at(-1)!.seq;
    // Sent under this announcement, or (no announcement yet) to a hub that has just answered: either way it reaches a subscribed hub.
    this.inFlightPresence = this.presence.key ?? (this.presence.state === "online" ? ANSWERED : undefined);
    const base = this.opts.ackTimeoutMs ?? 5_000;
    const wait = this.ackWaitMs ?? base;
    this.inFlight = this.timers.set(() => {
      this.inFlight = undefined;
      this.stats.timeouts++;
      this.ackWaitMs = Math.min(wait * 2, Math.max(base, this.opts.maxAckTimeoutMs ?? 60_000));
      this.log.info({ from: entries[0]?.seq, waitedMs: wait, nextWaitMs: this.ackWaitMs }, "sync: no ack in time; resending");
      this.flush();
    }, wait);
  }

  /** A new connection: wait up to `graceMs` for the hub's retained presence (unless known), then send. */
  connected(graceMs: number): void {
    this.clearInFlight();
    if (this.presence.state !== "unknown" || graceMs <= 0) {
      this.flush();
      return;
    }
    this.clearHold();
    this.holding = this.timers.set(() => {
      this.holding = undefined;
      this.flush();
    }, graceMs);
  }

  /** A hub announced itself (came up, came back, reconnected): resend from the acknowledged mark now. */
  hubOnline(): void {
    this.clearHold();
    if (this.inFlight || this.ackWaitMs !== undefined || this.away) this.stats.hubReturns++;
    this.away = false;
    this.ackWaitMs = undefined;
    // The batch in flight already went to this hub (sent under this announcement, or after it answered).
    if (this.inFlight && this.inFlightPresence !== undefined && (this.inFlightPresence === this.presence.key || this.inFlightPresence === ANSWERED)) return;
    this.clearInFlight();
    this.flush();
  }

  /** The hub said it is gone: stop waiting; nothing is sent until it (or a peer) is back. */
  hubOffline(): void {
    this.away = true;
    this.clearInFlight();
    this.ackWaitMs = undefined;
  }

  onAck(ack: Ack): void {
    this.stats.acks++;
    if (ack.ackedSeq > this.store.lastSeq()) {
      this.log.error(
        { ackedSeq: ack.ackedSeq, lastSeq: this.store.lastSeq() },
        "sync: hub acknowledges more than this kiosk wrote (restored from an old backup?)",
      );
    }
    this.store.acknowledge(ack.ackedSeq);
    for (const r of ack.rejected ?? []) this.log.warn({ seq: r.seq, reason: r.reason }, "sync: hub rejected a ledger entry (kept there for review)");
    // The hub also acks each online status (heartbeats, reconnects) with its current mark. Such an
    // ack below the batch in flight says nothing about that batch: sending it again now would only
    // make a duplicate (which, with several hub instances, races the first copy on another one).
    // A lost batch is resent by the ack timeout or a new hub presence; a gap in the hub's sequence says so at once.
    if (this.inFlight && ack.ackedSeq < this.inFlightLast && ack.resendFrom === undefined) {
      this.stats.staleAcks++;
      return;
    }
    this.ackWaitMs = undefined;
    this.clearInFlight();
    this.flush();
  }

  /** The connection closed or sync stops: nothing is waiting any more. */
  clearInFlight(): void {
    this.timers.clear(this.inFlight);
    this.inFlight = undefined;
  }

  stop(): void {
    this.clearInFlight();
    this.clearHold();
  }

  private clearHold(): void {
    this.timers.clear(this.holding);
    this.holding = undefined;
  }
}
