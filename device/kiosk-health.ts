// The kiosk's health: every driver's report folded together, and the optional devices that failed to start (shown as down).
import type { Clock } from "../protocol/clock.js";
import type { Logger } from "../runtime/log.js";
import { collectHealth, failedStartHealth, startFailure, type DriverHealth, type HealthLevel, type HealthReporter, type StartFailure } from "./health.js";

export interface NamedReporter {
  name: string;
  reporter: HealthReporter;
}

export class KioskHealth {
  /** Optional devices that did not start, by health name. */
  private readonly failures = new Map<string, StartFailure>();

  constructor(
    private readonly reporters: readonly NamedReporter[],
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * Starts an optional device (GPIO, printer) as zigbee2mqtt's startExtension does: a failure is
   * logged and kept for health, and the caller carries on without the device.
   */
  async startOptional(name: string, device: { start(): Promise<void> }): Promise<void> {
    try {
      await device.start();
      this.failures.delete(name);
    } catch (err) {
      const failure = startFailure(err);
      this.failures.set(name, failure);
      this.log.error({ device: name, code: failure.code, err: failure.message }, "optional device did not start; selling without it");
    }
  }

  /** Every report and the worst level (for /healthz and the status message to the hub). */
  report(): { level: HealthLevel; drivers: DriverHealth[] } {
    return collectHealth(
      this.reporters.map(({ name, reporter }) => {
        const failure = this.failures.get(name);
        return failure ? { name, reporter: { health: () => failedStartHealth(reporter.health(), failure) } } : { name, reporter };
      }),
      this.clock,
    );
  }
}
