// Builds the kiosk's hardware from its config: frame source, decoder, scanner, printer and GPIO signals.
//
// Real and simulated drivers are picked here, by configuration only; nothing in the business logic
// knows which one it talks to.
import type { Clock } from "../protocol/clock.js";
import { ns, type Logger } from "../protocol/log.js";
import type { KioskConfig } from "./config.js";
import type { KioskHardware } from "./kiosk.js";
import type { Indicator } from "./checkout.js";
import type { HealthReporter, DriverHealth } from "./health.js";
import { Scanner } from "./scan/scanner.js";
import { WorkerDecoder } from "./scan/worker-decoder.js";
import { InlineDecoder } from "./scan/inline-decoder.js";
import { SimulatedFrameSource } from "./scan/sources/simulated-source.js";
import { FolderFrameSource } from "./scan/sources/folder-source.js";
import type { FrameSource, FrameSourceConfig } from "./scan/types.js";
import { ScanError } from "./scan/types.js";
import { createPrinter } from "./printer/create-printer.js";
import { createGpio } from "./gpio/create-gpio.js";
import type { KioskGpio } from "./gpio/kiosk-gpio.js";

export interface HardwareDeps {
  clock: Clock;
  log: Logger;
}

function createSource(config: FrameSourceConfig, deps: { clock: Clock; logger: Logger }): FrameSource {
  switch (config.driver) {
    case "simulated":
      return new SimulatedFrameSource(deps);
    case "folder":
      return new FolderFrameSource(config, deps);
    default:
      throw new ScanError("SOURCE_NOT_FOUND", `frame source driver ${config.driver} is not available in this build`);
  }
}

/** Green LED and a short beep for success, red LED and the error pattern for a refusal. */
export class GpioIndicator implements Indicator, HealthReporter {
  constructor(
    private readonly gpio: KioskGpio,
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    return this.gpio.start();
  }

  stop(): Promise<void> {
    return this.gpio.stop();
  }

  success(): void {
    this.signal("greenLed", "ok", { onMs: 150, offMs: 150, count: 2 });
  }

  failure(): void {
    this.signal("redLed", "error", { onMs: 300, offMs: 200, count: 2 });
  }

  /** A kiosk may have no LEDs or no buzzer: only the configured roles are driven. */
  private signal(led: "greenLed" | "redLed", pattern: "ok" | "error", blink: { onMs: number; offMs: number; count: number }): void {
    const cfg = this.gpio.config;
    if (cfg[led]) this.gpio.setLed(led === "greenLed" ? "green" : "red", { blink });
    if (cfg.buzzer) this.gpio.buzz(pattern).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, "buzzer failed"));
  }

  health(): DriverHealth {
    return this.gpio.health();
  }
}

export async function createHardware(config: KioskConfig, deps: HardwareDeps): Promise<KioskHardware> {
  const { clock, log } = deps;
  const logger = ns(log, "kiosk:hw");
  const source = createSource(config.scan.source, { clock, logger });
  const scanCfg = config.scan.scanner;
  const decoder =
    config.scan.decoder === "worker"
      ? new WorkerDecoder({ logger, formats: scanCfg.formats, grayInput: scanCfg.grayInput, decodeTimeoutMs: scanCfg.decodeTimeoutMs })
      : new InlineDecoder({ formats: scanCfg.formats, grayInput: scanCfg.grayInput });
  const scanner = new Scanner({ source, decoder, logger, clock, config: scanCfg });
  const printer = createPrinter(config.printer, { logger, clock });
  const gpio = await createGpio(config.gpio, { logger, clock });
  return {
    source,
    scanner,
    printer,
    indicator: new GpioIndicator(gpio, ns(log, "kiosk:gpio")),
    reporters: [{ name: "camera", reporter: source }],
  };
}
