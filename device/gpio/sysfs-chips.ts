// Resolves a chip-relative GPIO line to its sysfs number: base from /sys/class/gpio/gpiochip*/base, chip chosen by label.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { GpioError } from "./types.js";

export interface SysfsChip {
  name: string;
  base: number;
  ngpio: number;
  label: string;
}

/** Header GPIO controllers of Raspberry Pis, in preference order (Pi 5's header is on the RP1). */
export const piHeaderLabels = ["pinctrl-rp1", "pinctrl-bcm2711", "pinctrl-bcm2835", "pinctrl-bcm2712"] as const;

/** Lists gpiochips under a sysfs GPIO root (normally /sys/class/gpio; tests pass a fake tree). */
export async function listSysfsChips(sysfsRoot: string): Promise<SysfsChip[]> {
  let names: string[];
  try {
    names = (await readdir(sysfsRoot)).filter((n) => /^gpiochip\d+$/.test(n));
  } catch (err) {
    throw new GpioError("GPIO_NOT_ACCESSIBLE", `cannot read ${sysfsRoot}: ${String(err)} (is the sysfs GPIO interface enabled?)`, { cause: err });
  }
  const chips: SysfsChip[] = [];
  for (const name of names) {
    const read = (f: string): Promise<string> => readFile(join(sysfsRoot, name, f), "utf8").then((s) => s.trim());
    const [base, ngpio, label] = await Promise.all([read("base"), read("ngpio").catch(() => "0"), read("label").catch(() => "")]);
    const b = Number.parseInt(base, 10);
    if (Number.isFinite(b)) chips.push({ name, base: b, ngpio: Number.parseInt(ngpio, 10) || 0, label });
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** Picks the chip by exact label (or gpiochip name); with no label, the first known Pi header controller, else the only chip. */
export function pickChip(chips: readonly SysfsChip[], label: string): SysfsChip {
  if (label) {
    const c = chips.find((ch) => ch.label === label || ch.name === label);
    if (!c)
      throw new GpioError(
        "GPIO_CHIP_NOT_FOUND",
        `no gpiochip labelled "${label}" (found: ${chips.map((ch) => `${ch.name}=${ch.label}`).join(", ") || "none"})`,
      );
    return c;
  }
  for (const l of piHeaderLabels) {
    const c = chips.find((ch) => ch.label === l);
    if (c) return c;
  }
  if (chips.length === 1 && chips[0]) return chips[0];
  throw new GpioError(
    "GPIO_CHIP_NOT_FOUND",
    `cannot tell which gpiochip has the header pins (found: ${chips.map((ch) => `${ch.name}=${ch.label}`).join(", ") || "none"}); set gpio.chip`,
  );
}

/** The sysfs GPIO number of a chip-relative line: base + offset (e.g. 512 + 17 on a Pi 4 with kernel 6.6). */
export async function resolveSysfsLine(sysfsRoot: string, offset: number, label = ""): Promise<{ gpio: number; chip: SysfsChip }> {
  const chip = pickChip(await listSysfsChips(sysfsRoot), label);
  if (offset < 0 || (chip.ngpio > 0 && offset >= chip.ngpio)) {
    throw new GpioError("GPIO_LINE_OUT_OF_RANGE", `line ${offset} is outside ${chip.name} (${chip.label}, ${chip.ngpio} lines)`);
  }
  return { gpio: chip.base + offset, chip };
}
