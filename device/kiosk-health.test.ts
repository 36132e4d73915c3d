// KioskHealth: an optional device that fails to start is down with its error's code (or DEVICE_START_FAILED), and comes back when a later start works.
import { describe, it, expect } from "vitest";
import { ManualClock } from "../protocol/clock.js";
import { createMemoryLogger } from "../runtime/testing/memory-logger.js";
import type { DriverHealth } from "./health.js";
import { KioskHealth } from "./kiosk-health.js";

function device(component: string, failWith: () => unknown) {
  let running = false;
  let fail = true;
  return {
    allowStart(): void {
      fail = false;
    },
    async start(): Promise<void> {
      if (fail) throw failWith();
      running = true;
    },
    health(): DriverHealth {
      return { component, driver: "test", level: running ? "ok" : "down", at: 0, metrics: {} };
    },
  };
}

describe("KioskHealth.startOptional", () => {
  it("records a failed start as down with the error's code or DEVICE_START_FAILED, logs it, and clears it after a good start", async () => {
    const log = createMemoryLogger();
    const coded = Object.assign(new Error("no chip"), { code: "GPIO_CHIP_NOT_FOUND" });
    const gpio = device("gpio", () => coded);
    const printer = device("printer", () => new Error("usb hung"));
    const health = new KioskHealth(
      [
        { name: "gpio", reporter: gpio },
        { name: "printer", reporter: printer },
      ],
      new ManualClock(0),
      log,
    );
    await health.startOptional("gpio", gpio);
    await health.startOptional("printer", printer);
    const r = health.report();
    expect(r.level).toBe("down");
    expect(r.drivers).toEqual([
      expect.objectContaining({ component: "gpio", level: "down", errorCode: "GPIO_CHIP_NOT_FOUND", message: "no chip" }),
      expect.objectContaining({ component: "printer", level: "down", errorCode: "DEVICE_START_FAILED", message: "usb hung" }),
    ]);
    expect(log.lines.filter((l) => l.level === "error" && l.msg === "optional device did not start; selling without it").map((l) => l.obj.code)).toEqual([
      "GPIO_CHIP_NOT_FOUND",
      "DEVICE_START_FAILED",
    ]);
    gpio.allowStart();
    await health.startOptional("gpio", gpio);
    expect(health.report().drivers[0]).toMatchObject({ component: "gpio", level: "ok" });
    expect(health.report().drivers[0]?.errorCode).toBeUndefined();
  });
});
