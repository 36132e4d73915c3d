// GPIO factory: picks the backend named by the kiosk config (hardware drivers are imported lazily) and wraps it in the role service.
import type { Clock, Logger } from "../health.js";
import { KioskGpio } from "./kiosk-gpio.js";
import { SimulatedGpioBackend } from "./simulated-driver.js";
import type { GpioBackend, GpioConfigInput } from "./types.js";
import { gpioConfigSchema } from "./types.js";

export interface GpioDeps {
  logger: Logger;
  clock: Clock;
  /** Replaces the backend the config names (tests). */
  backend?: GpioBackend;
}

export async function createGpioBackend(config: GpioConfigInput, deps: Pick<GpioDeps, "logger" | "clock">): Promise<GpioBackend> {
  const cfg = gpioConfigSchema.parse(config);
  switch (cfg.driver) {
    case "simulated":
      return new SimulatedGpioBackend(deps.clock);
    case "onoff": {
      const { OnoffGpioBackend } = await import("./onoff-driver.js");
      return new OnoffGpioBackend({ sysfsRoot: cfg.sysfsRoot, chip: cfg.chip, pollIntervalMs: cfg.pollIntervalMs }, deps);
    }
    case "gpiod": {
      const { GpiodGpioBackend } = await import("./gpiod-driver.js");
      return new GpiodGpioBackend({ chip: cfg.chip, toolsDir: cfg.gpiodToolsDir }, deps);
    }
  }
}

/** Builds the role service; call start() to request the lines. */
export async function createGpio(config: GpioConfigInput, deps: GpioDeps): Promise<KioskGpio> {
  const backend = deps.backend ?? (await createGpioBackend(config, deps));
  return new KioskGpio({ backend, config, logger: deps.logger, clock: deps.clock });
}
