// Contract every GPIO backend passes: simulated in-process, gpiod through stand-in tools, onoff (the real module) on a fake sysfs tree in a mount namespace.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { Clock } from "../health.js";
import { createMemoryLogger } from "../../runtime/testing/memory-logger.js";
import { GpiodGpioBackend } from "./gpiod-driver.js";
import { SimulatedGpioBackend } from "./simulated-driver.js";
import { contractLines, runGpioContract, type ContractResult } from "./testing/gpio-contract.js";
import { makeFakeGpiod } from "./testing/fake-gpiod-tools.js";
import { requireTool } from "../../test/support/requires.js";

const run = promisify(execFile);
// Debian's libgpiod tools for the real error paths; root and unshare for onoff on a fake sysfs.
const gpiodTools = requireTool("gpiod");
const mountNamespace = requireTool("unshare");
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const clock: Clock = { now: () => Date.now() };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const expectedChecks = [
  "outputs start inactive",
  "gate pulse drives the relay line active, then inactive",
  "LED on and off",
  "staff button press is debounced and reported once",
  "door sensor open and close are reported",
  "health names the driver and the line states",
  "stop leaves outputs inactive",
];

function expectAllPass(results: ContractResult[]): void {
  expect(results.map((r) => r.name)).toEqual(expectedChecks);
  expect(results.filter((r) => !r.ok)).toEqual([]);
}

describe("GPIO contract", () => {
  it("simulated backend", async () => {
    const backend = new SimulatedGpioBackend(clock);
    const results = await runGpioContract(
      backend,
      { setInput: async (l, v) => backend.setInput(l, v), outputValue: async (l) => backend.outputValue(l) },
      { logger: createMemoryLogger(), clock },
    );
    expectAllPass(results);
  });

  it("gpiod backend (libgpiod v2 command lines, stand-in tools)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gpiod-"));
    dirs.push(dir);
    const fake = makeFakeGpiod(dir);
    const backend = new GpiodGpioBackend({ chip: "gpiochip0", toolsDir: fake.dir }, { logger: createMemoryLogger() });
    const results = await runGpioContract(
      backend,
      { setInput: async (l, v) => fake.setInput(l, v), outputValue: async (l) => fake.output(l) },
      { logger: createMemoryLogger(), clock, settleMs: 300 },
    );
    expectAllPass(results);
    const log = fake.log();
    expect(log).toContain(`gpioset -c gpiochip0 ${contractLines.gate}=1`);
    expect(log).toContain(`gpiomon -c gpiochip0 -l -b pull-up -e both -F %e ${contractLines.staffButton}`);
    expect(log).toContain(`gpioget -c gpiochip0 -l -b pull-up --numeric ${contractLines.staffButton}`);
  }, 20_000);

  it("gpiod backend (libgpiod v1 command lines, as on Raspberry Pi OS bookworm, stand-in tools)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gpiod1-"));
    dirs.push(dir);
    const fake = makeFakeGpiod(dir, 1);
    const backend = new GpiodGpioBackend({ chip: "", toolsDir: fake.dir }, { logger: createMemoryLogger() });
    const results = await runGpioContract(
      backend,
      { setInput: async (l, v) => fake.setInput(l, v), outputValue: async (l) => fake.output(l) },
      { logger: createMemoryLogger(), clock, settleMs: 300 },
    );
    expectAllPass(results);
    const log = fake.log();
    expect(log).toContain(`gpioset --mode=signal gpiochip0 ${contractLines.gate}=1`);
    expect(log).toContain(`gpiomon -l --bias=pull-up --format=%e gpiochip0 ${contractLines.staffButton}`);
    expect(log).toContain(`gpioget -l --bias=pull-up gpiochip0 ${contractLines.staffButton}`);
  }, 20_000);

  gpiodTools.it("gpiod backend with Debian's real libgpiod tools: a chip that is not there is GPIO_CHIP_NOT_FOUND", async () => {
    const backend = new GpiodGpioBackend({ chip: "gpiochip99", toolsDir: "" }, { logger: createMemoryLogger() });
    await backend.open(); // real `gpioset --version`
    await expect(backend.output(17, { activeLow: false, initial: 0 })).rejects.toMatchObject({ code: "GPIO_CHIP_NOT_FOUND" });
    await expect(backend.input(5, { activeLow: true, bias: "pull-up" }, () => undefined)).rejects.toMatchObject({ code: "GPIO_CHIP_NOT_FOUND" });
    await backend.close();
  });

  it("gpiod backend names missing tools", async () => {
    const backend = new GpiodGpioBackend({ chip: "", toolsDir: "/nonexistent" }, { logger: createMemoryLogger() });
    await expect(backend.open()).rejects.toMatchObject({ code: "GPIO_TOOL_MISSING" });
  });

  mountNamespace.it(
    "onoff backend: the real onoff module on a fake sysfs tree (private mount namespace)",
    async () => {
      const harness = join(here, "testing/onoff-harness.ts");
      // unshare gives this child its own mount table; the tmpfs hides /sys/class from nothing else.
      const script = `mount -t tmpfs tmpfs /sys/class && exec "${process.execPath}" --import tsx "${harness}"`;
      let stdout: string;
      try {
        ({ stdout } = await run("unshare", ["-m", "--propagation", "private", "sh", "-c", script], { cwd: repo, timeout: 60_000 }));
      } catch (err) {
        throw new Error(`the onoff harness needs root and unshare (util-linux) to mount a fake /sys/class: ${String(err)}`);
      }
      const out = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { results?: ContractResult[]; sysfs?: Record<string, string>; fatal?: string };
      expect(out.fatal).toBeUndefined();
      expectAllPass(out.results ?? []);
      // Lines were numbered base + offset (512 + 17) and configured through sysfs.
      expect(out.sysfs).toMatchObject({
        "529/direction": "out",
        "534/direction": "out",
        "517/direction": "in",
        "517/edge": "both",
        "517/active_low": "1",
        "518/active_low": "0",
      });
    },
    90_000,
  );
});
