// Builds the kiosk's hardware from its config: frame source, decoder, scanner, printer and GPIO signals.
//
// Real and simulated drivers are picked here, by configuration only; nothing in the business logic
// knows which one it talks to.
import type { Clock } from "../protocol/clock.js";
import { ns, type Logger } from "../runtime/log.js";
import type { KioskConfig } from "./config.js";
import type { KioskHardware } from "./kiosk.js";
import { Scanner } from "./scan/scanner.js";
import { WorkerDecoder } from "./scan/worker-decoder.js";
import { InlineDecoder } from "./scan/inline-decoder.js";
import { createFrameSource } from "./scan/create-source.js";
import { createPrinter } from "./printer/create-printer.js";
import { createGpio } from "./gpio/create-gpio.js";
import { GpioIndicator } from "./gpio/indicator.js";

export interface HardwareDeps {
  clock: Clock;
  log: Logger;
}

export async function createHardware(config: KioskConfig, deps: HardwareDeps): Promise<KioskHardware> {
  const { clock, log } = deps;
  const logger = ns(log, "kiosk:hw");
  const source = createFrameSource(config.scan.source, { clock, logger });
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
    indicator: new GpioIndicator(gpio),
    reporters: [{ name: "camera", reporter: source }],
  };
}
