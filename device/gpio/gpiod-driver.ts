// GPIO backend on the GPIO character device through libgpiod's tools (gpioset, gpioget, gpiomon), v1 and v2 syntax; works under Bun too.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import type { Logger } from "../health.js";
import type { Bit, GpioBackend, InputLine, LineOptions, OutputLine } from "./types.js";
import { GpioError } from "./types.js";

const run = promisify(execFile);

export interface GpiodBackendOptions {
  /** Chip name, path or (v1) label; empty means gpiochip0 (the header on Pi 1-5 with kernel 6.6+). */
  chip: string;
  /** Directory of the tools; empty means PATH. */
  toolsDir: string;
}

type ToolsVersion = 1 | 2;

export class GpiodGpioBackend implements GpioBackend {
  readonly driver = "gpiod" as const;
  private version: ToolsVersion = 2;
  private readonly procs = new Set<ChildProcess>();
  private readonly log: Logger;
  private readonly chip: string;

  constructor(
    private readonly opts: GpiodBackendOptions,
    deps: { logger: Logger },
  ) {
    this.log = deps.logger.child({ ns: "kiosk:gpio:gpiod" });
    this.chip = opts.chip || "gpiochip0";
  }

  async open(): Promise<void> {
    let out: string;
    try {
      out = (await run(this.tool("gpioset"), ["--version"])).stdout;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT")
        throw new GpioError("GPIO_TOOL_MISSING", "gpioset not found: install the gpiod package (apt-get install gpiod)", { cause: err });
      throw new GpioError("GPIO_IO_FAILED", `gpioset --version failed: ${String(err)}`, { cause: err });
    }
    this.version = /v1\./.test(out) ? 1 : 2;
    this.log.debug({ version: this.version }, "libgpiod tools found");
  }

  async output(offset: number, opts: LineOptions & { initial: Bit }): Promise<OutputLine> {
    let proc = await this.hold(offset, opts, opts.initial);
    let value: Bit = opts.initial;
    return {
      get value(): Bit {
        return value;
      },
      write: async (v: Bit): Promise<void> => {
        // The tools hold a line only while gpioset runs: replace the process to change the value.
        await this.kill(proc);
        proc = await this.hold(offset, opts, v);
        value = v;
      },
      release: async () => this.kill(proc),
    };
  }

  async input(offset: number, opts: LineOptions, onChange: (value: Bit) => void): Promise<InputLine> {
    let value = await this.get(offset, opts);
    const args =
      this.version === 1
        ? [...this.flags(opts), "--format=%e", this.chip, String(offset)]
        : ["-c", this.chip, ...this.flags(opts), "-e", "both", "-F", "%e", String(offset)];
    const proc = this.spawnTool("gpiomon", args);
    const lines = createInterface({ input: proc.stdout! });
    lines.on("line", (l) => {
      const e = l.trim();
      // v1: 1 rising, 0 falling; v2: 1 rising, 2 falling. Active-low is applied by the tool (-l).
      const v: Bit = e === "1" ? 1 : 0;
      if (e === "" || v === value) return;
      value = v;
      onChange(v);
    });
    return {
      read: async () => value,
      release: async () => this.kill(proc),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.procs].map((p) => this.kill(p)));
  }

  private flags(opts: LineOptions): string[] {
    const f: string[] = [];
    if (opts.activeLow) f.push("-l");
    if (opts.bias && opts.bias !== "disable") f.push(this.version === 1 ? `--bias=${opts.bias}` : `-b`, ...(this.version === 1 ? [] : [opts.bias]));
    return f;
  }

  private async get(offset: number, opts: LineOptions): Promise<Bit> {
    const args = this.version === 1 ? [...this.flags(opts), this.chip, String(offset)] : ["-c", this.chip, ...this.flags(opts), "--numeric", String(offset)];
    try {
      const { stdout } = await run(this.tool("gpioget"), args);
      return stdout.trim().endsWith("1") ? 1 : 0;
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? "");
      if (stderr) throw new GpioError(classify(stderr), `gpioget ${args.join(" ")} failed: ${stderr.trim()}`, { cause: err });
      throw this.toolError("gpioget", offset, err);
    }
  }

  private async hold(offset: number, opts: LineOptions, v: Bit): Promise<ChildProcess> {
    const args =
      this.version === 1
        ? ["--mode=signal", ...(opts.activeLow ? ["-l"] : []), this.chip, `${offset}=${v}`]
        : ["-c", this.chip, ...(opts.activeLow ? ["-l"] : []), `${offset}=${v}`];
    const proc = this.spawnTool("gpioset", args);
    // gpioset that fails (line busy, no such chip) exits at once; one that holds the line keeps running.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.off("exit", onExit);
        resolve();
      }, 50);
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        // Let stderr drain a moment so the reason can be read.
        setTimeout(() => {
          const why = stderrOf(proc);
          reject(new GpioError(classify(why), `gpioset ${args.join(" ")} exited with ${code}: ${why}`));
        }, 20);
      };
      proc.once("exit", onExit);
      proc.once("error", (err) => {
        clearTimeout(timer);
        reject(this.toolError("gpioset", offset, err));
      });
    });
    return proc;
  }

  private spawnTool(name: string, args: string[]): ChildProcess {
    const proc = spawn(this.tool(name), args, { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    proc.stderr?.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-500);
      (proc as ChildProcess & { lastStderr?: string }).lastStderr = err;
    });
    proc.on("error", (e) => this.log.warn({ tool: name, err: String(e) }, "gpiod tool failed"));
    this.procs.add(proc);
    proc.once("exit", () => this.procs.delete(proc));
    return proc;
  }

  private kill(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
    });
  }

  private tool(name: string): string {
    return this.opts.toolsDir ? join(this.opts.toolsDir, name) : name;
  }

  private toolError(tool: string, offset: number, err: unknown): GpioError {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      return new GpioError("GPIO_TOOL_MISSING", `${tool} not found: install the gpiod package`, { cause: err });
    return new GpioError("GPIO_IO_FAILED", `${tool} on line ${offset} failed: ${String(err)}`, { cause: err });
  }
}

/** The tools' stderr names the reason: no such chip, a line held by someone else, anything else. */
function classify(stderr: string): "GPIO_CHIP_NOT_FOUND" | "GPIO_LINE_BUSY" | "GPIO_IO_FAILED" {
  if (/no such file or directory|cannot find GPIO chip|unable to open chip/i.test(stderr)) return "GPIO_CHIP_NOT_FOUND";
  if (/busy/i.test(stderr)) return "GPIO_LINE_BUSY";
  return "GPIO_IO_FAILED";
}

function stderrOf(proc: ChildProcess): string {
  return ((proc as ChildProcess & { lastStderr?: string }).lastStderr ?? "").trim();
}
