// Runs the GPIO contract on the real onoff module against a fake sysfs tree; must run inside a private mount namespace with a tmpfs on /sys/class (see onoff-driver.test.ts).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSilentLogger } from "../../health.js";
import { OnoffGpioBackend } from "../onoff-driver.js";
import type { Bit } from "../types.js";
import { contractLines, runGpioContract } from "./gpio-contract.js";

const root = "/sys/class/gpio";
const base = 512; // a Pi 4 on kernel 6.6+

/** Builds a sysfs GPIO tree: chips with base/label/ngpio, and the contract's lines as already exported. */
export function buildFakeSysfs(dir: string, lines: readonly number[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "export"), "");
  writeFileSync(join(dir, "unexport"), "");
  const chip = (name: string, b: number, n: number, label: string): void => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, "base"), `${b}\n`);
    writeFileSync(join(dir, name, "ngpio"), `${n}\n`);
    writeFileSync(join(dir, name, "label"), `${label}\n`);
  };
  chip("gpiochip512", base, 58, "pinctrl-bcm2711");
  chip("gpiochip570", 570, 8, "raspberrypi-exp-gpio");
  for (const l of lines) {
    const g = join(dir, `gpio${base + l}`);
    mkdirSync(g, { recursive: true });
    for (const [f, v] of [
      ["direction", "in"],
      ["value", "0"],
      ["edge", "none"],
      ["active_low", "0"],
    ])
      writeFileSync(join(g, f as string), `${v}\n`);
  }
}

async function main(): Promise<void> {
  const lines = Object.values(contractLines);
  buildFakeSysfs(root, lines);
  const file = (line: number, f: string): string => join(root, `gpio${base + line}`, f);
  const backend = new OnoffGpioBackend({ sysfsRoot: root, chip: "", pollIntervalMs: 10 }, { logger: createSilentLogger() });
  const results = await runGpioContract(
    backend,
    {
      // The kernel applies active_low to the value file, so the fake file holds the logical value.
      setInput: async (line: number, value: Bit) => writeFileSync(file(line, "value"), `${value}\n`),
      outputValue: async (line: number) => (readFileSync(file(line, "value"), "utf8").trim() === "1" ? 1 : 0),
    },
    { logger: createSilentLogger(), clock: { now: () => Date.now() }, settleMs: 50 },
  );
  const sysfs: Record<string, string> = {};
  for (const l of lines) for (const f of ["direction", "edge", "active_low"]) sysfs[`${base + l}/${f}`] = readFileSync(file(l, f), "utf8").trim();
  sysfs.unexport = readFileSync(join(root, "unexport"), "utf8").trim();
  process.stdout.write(`${JSON.stringify({ results, sysfs })}\n`);
}

main().catch((err: unknown) => {
  process.stdout.write(`${JSON.stringify({ fatal: String(err) })}\n`);
  process.exitCode = 1;
});
