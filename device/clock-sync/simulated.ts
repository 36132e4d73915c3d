// A clock-sync source that reports what it is told (tests, a desk without systemd).
import type { ClockSyncReading, ClockSyncSource } from "./types.js";

export class SimulatedClockSync implements ClockSyncSource {
  readonly driver = "simulated" as const;
  constructor(private synchronised = true) {}

  set(synchronised: boolean): void {
    this.synchronised = synchronised;
  }

  read(): Promise<ClockSyncReading> {
    return Promise.resolve({ synchronised: this.synchronised, detail: `simulated: ${this.synchronised ? "synchronised" : "not synchronised"}` });
  }
}
