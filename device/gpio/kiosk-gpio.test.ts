// Role behaviour on the simulated backend with fake timers: gate pulse, LED blink, buzzer patterns, debounce, door, indicator.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../health.js";
import { createMemoryLogger } from "../../runtime/testing/memory-logger.js";
import { createGpio } from "./create-gpio.js";
import { GpioIndicator } from "./indicator.js";
import { KioskGpio } from "./kiosk-gpio.js";
import { SimulatedGpioBackend } from "./simulated-driver.js";
import type { GpioConfigInput } from "./types.js";

const config: GpioConfigInput = {
  driver: "simulated",
  gate: { line: 17, pulseMs: 800 },
  greenLed: { line: 22 },
  redLed: { line: 23 },
  buzzer: { line: 24 },
  staffButton: { line: 5, debounceMs: 50 },
  doorSensor: { line: 6, activeLow: false, debounceMs: 100 },
};

describe("KioskGpio roles (simulated, fake timers)", () => {
  const clock: Clock = { now: () => Date.now() };
  let backend: SimulatedGpioBackend;
  let gpio: KioskGpio;

  beforeEach(async () => {
    vi.useFakeTimers({ now: 0 });
    backend = new SimulatedGpioBackend(clock);
    gpio = new KioskGpio({ backend, config, logger: createMemoryLogger(), clock });
    await gpio.start();
  });
  afterEach(async () => {
    await gpio.stop();
    vi.useRealTimers();
  });

  const line = (n: number): [number, number][] => backend.transitions.filter((t) => t.line === n).map((t) => [t.value, t.at]);

  it("pulses the gate relay for pulseMs; a second pulse extends it", async () => {
    const done = gpio.pulseGate();
    await vi.advanceTimersByTimeAsync(500);
    void gpio.pulseGate();
    await vi.advanceTimersByTimeAsync(799);
    expect(backend.outputValue(17)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(line(17)).toEqual([
      [0, 0],
      [1, 0],
      [0, 1300],
    ]);
    expect(gpio.gatePulses).toBe(2);
  });

  it("blinks an LED count times", async () => {
    gpio.setLed("red", { blink: { onMs: 100, offMs: 200, count: 2 } });
    await vi.advanceTimersByTimeAsync(2000);
    expect(line(23)).toEqual([
      [0, 0],
      [1, 0],
      [0, 100],
      [1, 300],
      [0, 400],
    ]);
  });

  it("plays buzzer patterns and a new pattern replaces the old", async () => {
    void gpio.buzz("error"); // 200 on, 100 off, 200 on
    await vi.advanceTimersByTimeAsync(1000);
    expect(line(24)).toEqual([
      [0, 0],
      [1, 0],
      [0, 200],
      [1, 300],
      [0, 500],
    ]);
    void gpio.buzz([1000]);
    await vi.advanceTimersByTimeAsync(100);
    const done = gpio.buzz("ok");
    await vi.advanceTimersByTimeAsync(80);
    await done;
    expect(line(24).slice(5)).toEqual([
      [1, 1000],
      [0, 1180],
    ]);
  });

  it("debounces the staff button: a bouncing press counts once", async () => {
    const presses: number[] = [];
    gpio.onButtonPress(() => presses.push(Date.now()));
    for (const v of [1, 0, 1, 0, 1] as const) {
      backend.setInput(5, v);
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(60);
    backend.setInput(5, 0);
    await vi.advanceTimersByTimeAsync(60);
    expect(presses).toEqual([90]);
    expect(gpio.buttonPresses).toBe(1);
  });

  it("reports door changes and state", async () => {
    const seen: boolean[] = [];
    gpio.onDoorChange((open) => seen.push(open));
    backend.setInput(6, 1);
    await vi.advanceTimersByTimeAsync(50);
    expect(gpio.doorOpen()).toBe(false);
    await vi.advanceTimersByTimeAsync(60);
    expect(gpio.doorOpen()).toBe(true);
    backend.setInput(6, 0);
    await vi.advanceTimersByTimeAsync(150);
    expect(seen).toEqual([true, false]);
    const h = gpio.health();
    expect(h).toMatchObject({ component: "gpio", driver: "simulated", level: "ok", metrics: { doorSensor: 0, gate: 0 } });
  });

  it("the indicator shows success and failure on LEDs and buzzer", async () => {
    const ind = new GpioIndicator(gpio, { successMs: 1000 });
    ind.success();
    await vi.advanceTimersByTimeAsync(10);
    expect(backend.outputValue(22)).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(backend.outputValue(22)).toBe(0);
    ind.failure();
    await vi.advanceTimersByTimeAsync(2000);
    expect(line(23).map(([v]) => v)).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect(line(24).length).toBeGreaterThan(3);
  });
});

describe("GPIO config and factory", () => {
  it("refuses roles that are not configured with a code", async () => {
    const gpio = await createGpio({ driver: "simulated", greenLed: { line: 1 } }, { logger: createMemoryLogger(), clock: { now: () => 0 } });
    await gpio.start();
    expect(() => gpio.pulseGate()).toThrow(expect.objectContaining({ code: "GPIO_ROLE_NOT_CONFIGURED" }));
    await gpio.stop();
    expect(() => gpio.setLed("green", "on")).toThrow(expect.objectContaining({ code: "GPIO_STOPPED" }));
  });

  it("refuses two roles on one line", async () => {
    const gpio = await createGpio(
      { driver: "simulated", greenLed: { line: 1 }, redLed: { line: 1 } },
      { logger: createMemoryLogger(), clock: { now: () => 0 } },
    );
    await expect(gpio.start()).rejects.toMatchObject({ code: "GPIO_LINE_BUSY" });
  });
});
