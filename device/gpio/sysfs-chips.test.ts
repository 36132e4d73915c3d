// The sysfs line resolver on fake trees: chip base and label from gpiochipN/, never a hard-coded 512.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { listSysfsChips, resolveSysfsLine } from "./sysfs-chips.js";

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tree(chips: [name: string, base: number, ngpio: number, label: string][]): string {
  const root = mkdtempSync(join(tmpdir(), "sysfs-"));
  roots.push(root);
  writeFileSync(join(root, "export"), "");
  for (const [name, base, ngpio, label] of chips) {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, "base"), `${base}\n`);
    writeFileSync(join(root, name, "ngpio"), `${ngpio}\n`);
    writeFileSync(join(root, name, "label"), `${label}\n`);
  }
  return root;
}

describe("resolveSysfsLine", () => {
  it("Pi 4 on kernel 6.6: header chip at base 512", async () => {
    const root = tree([
      ["gpiochip512", 512, 58, "pinctrl-bcm2711"],
      ["gpiochip570", 570, 8, "raspberrypi-exp-gpio"],
    ]);
    expect(await resolveSysfsLine(root, 17)).toMatchObject({ gpio: 529, chip: { label: "pinctrl-bcm2711" } });
  });

  it("Pi 5: the RP1 header chip at base 571, preferred over the SoC's own chips", async () => {
    const root = tree([
      ["gpiochip512", 512, 32, "pinctrl-bcm2712"],
      ["gpiochip544", 544, 2, "raspberrypi-exp-gpio"],
      ["gpiochip571", 571, 54, "pinctrl-rp1"],
    ]);
    expect((await resolveSysfsLine(root, 17)).gpio).toBe(588);
  });

  it("older kernels: base 0", async () => {
    expect((await resolveSysfsLine(tree([["gpiochip0", 0, 54, "pinctrl-bcm2835"]]), 4)).gpio).toBe(4);
  });

  it("a chip chosen by label, an unknown label, and a line out of range", async () => {
    const root = tree([
      ["gpiochip512", 512, 58, "pinctrl-bcm2711"],
      ["gpiochip600", 600, 16, "mcp23017"],
    ]);
    expect((await resolveSysfsLine(root, 3, "mcp23017")).gpio).toBe(603);
    await expect(resolveSysfsLine(root, 3, "nope")).rejects.toMatchObject({ code: "GPIO_CHIP_NOT_FOUND" });
    await expect(resolveSysfsLine(root, 16, "mcp23017")).rejects.toMatchObject({ code: "GPIO_LINE_OUT_OF_RANGE" });
  });

  it("no known header chip among several, or no sysfs at all", async () => {
    const root = tree([
      ["gpiochip0", 0, 8, "a"],
      ["gpiochip8", 8, 8, "b"],
    ]);
    await expect(resolveSysfsLine(root, 1)).rejects.toMatchObject({ code: "GPIO_CHIP_NOT_FOUND" });
    await expect(listSysfsChips(join(root, "missing"))).rejects.toMatchObject({ code: "GPIO_NOT_ACCESSIBLE" });
  });
});

describe("onoff loading", () => {
  it("loads lazily under Node", async () => {
    const { loadOnoff } = await import("./onoff-driver.js");
    expect(typeof (await loadOnoff()).Gpio).toBe("function");
  });

  it("fails under Bun with DRIVER_LOAD_FAILED and says what to use instead", async () => {
    const bun = join(repo, "node_modules/.bin/bun");
    const code =
      'const m = await import("./device/gpio/onoff-driver.ts"); try { await m.loadOnoff(); console.log("{}") } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }';
    const { stdout } = await run(bun, ["-e", code], { cwd: repo, timeout: 60_000 });
    const out = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { code?: string; message?: string };
    expect(out.code).toBe("DRIVER_LOAD_FAILED");
    expect(out.message).toContain("under Bun");
    expect(out.message).toContain('"gpiod"');
  }, 60_000);
});
