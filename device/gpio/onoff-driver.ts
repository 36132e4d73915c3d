// GPIO backend on onoff (sysfs): loads onoff lazily, numbers lines as chip base + offset, falls back to polling where edges are unsupported.
import type { Gpio as OnoffGpio } from "onoff";
import type { Logger } from "../health.js";
import { resolveSysfsLine } from "./sysfs-chips.js";
import type { Bit, GpioBackend, InputLine, LineOptions, OutputLine } from "./types.js";
import { GpioError } from "./types.js";

export interface OnoffModule {
  Gpio: typeof OnoffGpio;
}

export interface OnoffBackendOptions {
  sysfsRoot: string;
  chip: string;
  pollIntervalMs: number;
}

/** Loads onoff; under Bun (or without the native epoll build) this fails and says what to do. */
export async function loadOnoff(): Promise<OnoffModule> {
  try {
    const mod = (await import("onoff")) as unknown as { Gpio?: typeof OnoffGpio; default?: { Gpio: typeof OnoffGpio } };
    const Gpio = mod.Gpio ?? mod.default?.Gpio;
    if (!Gpio) throw new Error("onoff has no Gpio export");
    return { Gpio };
  } catch (err) {
    const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "Bun" : `Node ${process.version}`;
    throw new GpioError(
      "DRIVER_LOAD_FAILED",
      `onoff could not load under ${runtime} (its native epoll addon is built for Node's ABI; under Bun use gpio.driver "gpiod"): ${String(err)}`,
      { cause: err },
    );
  }
}

export class OnoffGpioBackend implements GpioBackend {
  readonly driver = "onoff" as const;
  private mod: OnoffModule | undefined;
  private readonly lines = new Set<OnoffGpio>();
  private readonly polls = new Set<NodeJS.Timeout>();
  private readonly log: Logger;

  constructor(
    private readonly opts: OnoffBackendOptions,
    deps: { logger: Logger; load?: () => Promise<OnoffModule> },
  ) {
    this.log = deps.logger.child({ ns: "kiosk:gpio:onoff" });
    this.load = deps.load ?? loadOnoff;
  }

  private readonly load: () => Promise<OnoffModule>;

  async open(): Promise<void> {
    this.mod = await this.load();
    if (!this.mod.Gpio.accessible)
      throw new GpioError("GPIO_NOT_ACCESSIBLE", "sysfs GPIO is not accessible (no /sys/class/gpio/export or no permission: add the user to the gpio group)");
  }

  async output(offset: number, opts: LineOptions & { initial: Bit }): Promise<OutputLine> {
    const gpio = await this.request(offset, "out", "none", opts.activeLow);
    gpio.writeSync(opts.initial);
    let value: Bit = opts.initial;
    return {
      get value(): Bit {
        return value;
      },
      write: async (v: Bit): Promise<void> => {
        try {
          await gpio.write(v);
          value = v;
        } catch (err) {
          throw new GpioError("GPIO_IO_FAILED", `write to line ${offset} failed: ${String(err)}`, { cause: err });
        }
      },
      release: async () => this.release(gpio),
    };
  }

  async input(offset: number, opts: LineOptions, onChange: (value: Bit) => void): Promise<InputLine> {
    if (opts.bias && opts.bias !== "disable") this.log.debug({ offset, bias: opts.bias }, "sysfs cannot set bias; set it in config.txt (gpio=N=ip,pu)");
    const gpio = await this.request(offset, "in", "both", opts.activeLow);
    try {
      gpio.watch((err, v) => {
        if (err) this.log.warn({ offset, err: String(err) }, "gpio watch error");
        else onChange(v);
      });
    } catch (err) {
      // Lines without interrupt support (and a fake sysfs tree) cannot be watched: poll the value instead.
      this.log.warn({ offset, err: String(err), pollMs: this.opts.pollIntervalMs }, "edge detection unavailable; polling the line");
      let last = gpio.readSync();
      const timer = setInterval(() => {
        try {
          const v = gpio.readSync();
          if (v !== last) {
            last = v;
            onChange(v);
          }
        } catch (e) {
          this.log.warn({ offset, err: String(e) }, "gpio poll read failed");
        }
      }, this.opts.pollIntervalMs);
      this.polls.add(timer);
    }
    return {
      read: async () => gpio.readSync(),
      release: async () => this.release(gpio),
    };
  }

  async close(): Promise<void> {
    for (const t of this.polls) clearInterval(t);
    this.polls.clear();
    for (const g of [...this.lines]) this.release(g);
  }

  private async request(offset: number, direction: "in" | "out", edge: "none" | "both", activeLow: boolean): Promise<OnoffGpio> {
    if (!this.mod) throw new GpioError("GPIO_STOPPED", "onoff backend not open");
    const { gpio: number } = await resolveSysfsLine(this.opts.sysfsRoot, offset, this.opts.chip);
    try {
      const g = new this.mod.Gpio(number, direction, edge, { activeLow });
      this.lines.add(g);
      return g;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new GpioError(code === "EBUSY" ? "GPIO_LINE_BUSY" : "GPIO_IO_FAILED", `cannot request sysfs gpio ${number} (line ${offset}): ${String(err)}`, {
        cause: err,
      });
    }
  }

  private release(g: OnoffGpio): void {
    if (!this.lines.delete(g)) return;
    try {
      g.unexport();
    } catch (err) {
      this.log.debug({ err: String(err) }, "unexport failed");
    }
  }
}
