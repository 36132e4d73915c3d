// Timers that fire only when a test advances them, together with the ManualClock they read (no real sleeps); shared by kiosk and hub tests.
import type { ManualClock } from "../../protocol/clock.js";
import type { TimerHandle, Timers } from "../timers.js";

export class ManualTimers implements Timers {
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  private next = 1;

  constructor(private readonly clock: ManualClock) {}

  set(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    this.pending.set(id, { at: this.clock.now() + ms, fn });
    return { id };
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle) this.pending.delete(handle.id);
  }

  /** Timers still waiting. */
  get size(): number {
    return this.pending.size;
  }

  /** Moves the clock forward, firing every timer that falls due, in order of due time. */
  advance(ms: number): void {
    const end = this.clock.now() + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (!due || e[1].at < due[1].at || (e[1].at === due[1].at && e[0] < due[0]))) due = e;
      if (!due) break;
      this.pending.delete(due[0]);
      this.clock.set(Math.max(this.clock.now(), due[1].at));
      due[1].fn();
    }
    this.clock.set(end);
  }
}
