// The clock passed into services (never read Date.now() inside logic), and a settable one for tests.

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A clock corrected by an offset learned from the hub (a Pi has no real-time clock). */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  private learnedOffset = false;
  constructor(private readonly base: Clock) {}
  now(): number {
    return this.base.now() + this.offsetMs;
  }
  setOffset(ms: number): void {
    this.offsetMs = ms;
    this.learnedOffset = true;
  }
  /** True once an offset was learned from the hub (a restarted kiosk has none until its first ack). */
  get learned(): boolean {
    return this.learnedOffset;
  }
  get offset(): number {
    return this.offsetMs;
  }
}
