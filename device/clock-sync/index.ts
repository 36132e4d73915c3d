// Builds the configured clock-sync source (timesyncd on a Pi, simulated elsewhere) and re-exports the clock status.
import { SimulatedClockSync } from "./simulated.js";
import { TimesyncdClockSync } from "./timesyncd.js";
import type { ClockConfig, ClockSyncSource } from "./types.js";

export { ClockStatus, CLOCK_REFUSAL_MESSAGE, type ClockState } from "./status.js";
export { SimulatedClockSync } from "./simulated.js";
export { TimesyncdClockSync } from "./timesyncd.js";
export { clockConfigSchema, type ClockConfig, type ClockSyncReading, type ClockSyncSource } from "./types.js";

export function createClockSync(config: ClockConfig): ClockSyncSource {
  switch (config.driver) {
    case "timesyncd":
      return new TimesyncdClockSync({ syncFile: config.syncFile, timedatectl: config.timedatectl });
    case "simulated":
      return new SimulatedClockSync(config.synchronised);
  }
}
