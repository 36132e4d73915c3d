// The GPIO contract every backend passes, as plain checks (run by vitest in-process, and by the onoff harness inside a mount namespace).
import type { Clock, Logger } from "../../health.js";
import { KioskGpio } from "../kiosk-gpio.js";
import type { Bit, GpioBackend, GpioConfigInput } from "../types.js";

/** How a check sees the "hardware" behind a backend. */
export interface GpioWorld {
  /** Drives an input line to a logical value (as the role sees it). */
  setInput(line: number, value: Bit): Promise<void>;
  /** Reads an output line's logical value. */
  outputValue(line: number): Promise<Bit | undefined>;
}

export interface ContractResult {
  name: string;
  ok: boolean;
  detail?: string;
}

export const contractLines = { gate: 17, greenLed: 22, staffButton: 5, doorSensor: 6 } as const;

export const contractConfig: GpioConfigInput = {
  gate: { line: contractLines.gate, pulseMs: 150 },
  greenLed: { line: contractLines.greenLed },
  staffButton: { line: contractLines.staffButton, activeLow: true, debounceMs: 30 },
  doorSensor: { line: contractLines.doorSensor, activeLow: false, debounceMs: 30 },
  pollIntervalMs: 10,
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => Promise<boolean> | boolean, ms = 2000): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await cond()) return true;
    await sleep(10);
  }
  return false;
}

export async function runGpioContract(
  backend: GpioBackend,
  world: GpioWorld,
  deps: { logger: Logger; clock: Clock; settleMs?: number },
): Promise<ContractResult[]> {
  const results: ContractResult[] = [];
  const check = async (name: string, fn: () => Promise<string | undefined>): Promise<void> => {
    try {
      const failure = await fn();
      results.push(failure ? { name, ok: false, detail: failure } : { name, ok: true });
    } catch (err) {
      results.push({ name, ok: false, detail: String(err) });
    }
  };
  const gpio = new KioskGpio({ backend, config: { ...contractConfig, driver: backend.driver }, logger: deps.logger, clock: deps.clock });
  await gpio.start();
  // Input watchers (processes, pollers) need a moment before they see changes.
  await sleep(deps.settleMs ?? 0);
  try {
    await check("outputs start inactive", async () => {
      const v = [await world.outputValue(contractLines.gate), await world.outputValue(contractLines.greenLed)];
      return v.every((x) => x === 0) ? undefined : `gate/led read ${JSON.stringify(v)}`;
    });
    await check("gate pulse drives the relay line active, then inactive", async () => {
      const pulse = gpio.pulseGate();
      const sawHigh = await waitFor(async () => (await world.outputValue(contractLines.gate)) === 1, 140);
      await pulse;
      const after = await world.outputValue(contractLines.gate);
      return sawHigh && after === 0 ? undefined : `sawHigh=${sawHigh} after=${after}`;
    });
    await check("LED on and off", async () => {
      gpio.setLed("green", "on");
      const on = await waitFor(async () => (await world.outputValue(contractLines.greenLed)) === 1);
      gpio.setLed("green", "off");
      const off = await waitFor(async () => (await world.outputValue(contractLines.greenLed)) === 0);
      return on && off ? undefined : `on=${on} off=${off}`;
    });
    await check("staff button press is debounced and reported once", async () => {
      let presses = 0;
      const un = gpio.onButtonPress(() => presses++);
      await world.setInput(contractLines.staffButton, 1);
      const pressed = await waitFor(() => presses === 1);
      await sleep(100);
      await world.setInput(contractLines.staffButton, 0);
      await sleep(100);
      un();
      return pressed && presses === 1 ? undefined : `presses=${presses}`;
    });
    await check("door sensor open and close are reported", async () => {
      const seen: boolean[] = [];
      const un = gpio.onDoorChange((o) => seen.push(o));
      await world.setInput(contractLines.doorSensor, 1);
      await waitFor(() => seen.length === 1);
      await world.setInput(contractLines.doorSensor, 0);
      await waitFor(() => seen.length === 2);
      un();
      return JSON.stringify(seen) === "[true,false]" && gpio.doorOpen() === false ? undefined : `seen=${JSON.stringify(seen)}`;
    });
    await check("health names the driver and the line states", async () => {
      const h = gpio.health();
      return h.driver === backend.driver && h.level === "ok" && h.metrics.gate === 0 ? undefined : JSON.stringify(h);
    });
  } finally {
    gpio.setLed("green", "on");
    await gpio.stop();
  }
  await check("stop leaves outputs inactive", async () => {
    const v = await world.outputValue(contractLines.greenLed);
    return v === 0 || v === undefined ? undefined : `led=${v}`;
  });
  return results;
}
