// Checkout feedback on the GPIO roles: success = green LED + short beep, failure = red blink + error beep; never throws.
import type { DriverHealth, HealthReporter } from "../health.js";
import type { KioskGpio } from "./kiosk-gpio.js";
import type { OutputRole } from "./types.js";

export interface IndicatorOptions {
  /** How long the green LED stays on after a success. */
  successMs?: number;
}

export class GpioIndicator implements HealthReporter {
  private greenOffTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly gpio: KioskGpio,
    private readonly opts: IndicatorOptions = {},
  ) {}

  start(): Promise<void> {
    return this.gpio.start();
  }

  async stop(): Promise<void> {
    if (this.greenOffTimer) clearTimeout(this.greenOffTimer);
    await this.gpio.stop();
  }

  success(): void {
    this.guard("redLed", () => this.gpio.setLed("red", "off"));
    this.guard("greenLed", () => {
      this.gpio.setLed("green", "on");
      if (this.greenOffTimer) clearTimeout(this.greenOffTimer);
      this.greenOffTimer = setTimeout(() => this.guard("greenLed", () => this.gpio.setLed("green", "off")), this.opts.successMs ?? 1500);
    });
    this.guard("buzzer", () => void this.gpio.buzz("ok"));
  }

  failure(): void {
    this.guard("greenLed", () => this.gpio.setLed("green", "off"));
    this.guard("redLed", () => this.gpio.setLed("red", { blink: { onMs: 150, offMs: 150, count: 3 } }));
    this.guard("buzzer", () => void this.gpio.buzz("error"));
  }

  /** Whether a gate relay line is configured (a remote "open gate" needs one). */
  hasGate(): boolean {
    return this.gpio.config.gate !== undefined;
  }

  /** Opens the entrance gate (paid-member store); resolves when the relay drops. */
  openGate(ms?: number): Promise<void> {
    return this.gpio.config.gate ? this.gpio.pulseGate(ms) : Promise.resolve();
  }

  health(): DriverHealth {
    return this.gpio.health();
  }

  private guard(role: OutputRole, fn: () => void): void {
    if (!this.gpio.config[role]) return;
    try {
      fn();
    } catch {
      // Feedback is best effort: a stopped or failing GPIO shows in health(), not as a checkout error.
    }
  }
}
