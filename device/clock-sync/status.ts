// Whether the kiosk's verification clock can be trusted: the system's NTP state (a ClockSyncSource, polled) plus the hub's offset when one was learned; a health reporter.
//
//   synchronised   the system clock is NTP-synchronised
//   hub-corrected  not NTP-synchronised, but the hub's time corrects it (offset learned from an ack)
//   unsynchronised neither: a member code refused for its time is the kiosk's fault, not the member's
import type { OffsetClock } from "../../protocol/clock.js";
import type { Logger } from "../../runtime/log.js";
import type { DriverHealth, HealthReporter } from "../health.js";
import type { TimerHandle, Timers } from "../session/timers.js";
import type { ClockSyncReading, ClockSyncSource } from "./types.js";

export type ClockState = "synchronised" | "hub-corrected" | "unsynchronised";

/** What the customer reads when a member code is refused for its time while the clock is not set. */
export const CLOCK_REFUSAL_MESSAGE = "本机时间未校准，请呼叫店员 / This kiosk's clock is not set: please call staff";

export interface ClockStatusOptions {
  source: ClockSyncSource;
  clock: OffsetClock;
  timers: Timers;
  log: Logger;
  pollMs: number;
  onChange?: () => void;
}

export class ClockStatus implements HealthReporter {
  private reading: ClockSyncReading | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private last: ClockState | undefined;

  constructor(private readonly opts: ClockStatusOptions) {}

  get source(): ClockSyncSource {
    return this.opts.source;
  }

  /** Reads once (so health is right from the start), then every pollMs. */
  async start(): Promise<void> {
    await this.poll();
  }

  /** Asks the source now (the poll does this every pollMs). */
  async poll(): Promise<void> {
    this.reading = await this.opts.source.read();
    this.note();
    if (!this.stopped) {
      this.opts.timers.clear(this.timer);
      this.timer = this.opts.timers.set(() => void this.poll(), this.opts.pollMs);
    }
  }

  get state(): ClockState {
    if (this.reading?.synchronised) return "synchronised";
    return this.opts.clock.learned ? "hub-corrected" : "unsynchronised";
  }

  /** True when neither NTP nor the hub vouches for the clock (before the first reading: not known to be bad). */
  get unsynchronised(): boolean {
    return this.reading !== undefined && this.state === "unsynchronised";
  }

  /** Why, in words for staff. */
  get reason(): string {
    const ntp = this.reading?.detail ?? "not read yet";
    switch (this.state) {
      case "synchronised":
        return `NTP synchronised (${ntp})`;
      case "hub-corrected":
        return `NTP not synchronised (${ntp}); corrected by the hub's time, offset ${Math.round(this.opts.clock.offset / 1000)} s`;
    }
    return `NTP not synchronised (${ntp}) and no time from the hub yet: member codes may be refused; check the store's NTP source (docs/operations.md)`;
  }

  private note(): void {
    const state = this.state;
    if (state === this.last) return;
    if (state === "unsynchronised") this.opts.log.warn({ clock: state, reason: this.reason }, "clock: not synchronised");
    else this.opts.log.info({ clock: state, reason: this.reason }, "clock: state changed");
    this.last = state;
    this.opts.onChange?.();
  }

  health(): DriverHealth {
    this.note();
    const state = this.state;
    return {
      component: "clock",
      driver: this.opts.source.driver,
      level: state === "unsynchronised" && this.reading !== undefined ? "degraded" : "ok",
      ...(state === "unsynchronised" ? { errorCode: "CLOCK_UNSYNCHRONISED" } : {}),
      message: this.reason,
      at: this.opts.clock.now(),
      metrics: { state, ntpSynchronised: this.reading?.synchronised ?? null, hubOffsetMs: this.opts.clock.learned ? this.opts.clock.offset : null },
    };
  }

  stop(): void {
    this.stopped = true;
    this.opts.timers.clear(this.timer);
    this.timer = undefined;
  }
}
