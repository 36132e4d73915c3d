// Simulated GPIO backend: lines in memory, every output transition recorded, inputs driven by setInput().
import type { Clock } from "../health.js";
import type { Bit, GpioBackend, InputLine, LineOptions, OutputLine } from "./types.js";
import { GpioError } from "./types.js";

export interface LineTransition {
  line: number;
  value: Bit;
  at: number;
}

export class SimulatedGpioBackend implements GpioBackend {
  readonly driver = "simulated" as const;
  /** Every logical value written to an output line, in order (tests; the simulated driver is not for production). */
  readonly transitions: LineTransition[] = [];
  private readonly outputs = new Map<number, Bit>();
  private readonly inputs = new Map<number, { value: Bit; onChange: (v: Bit) => void }>();
  private opened = false;

  constructor(private readonly clock: Clock) {}

  async open(): Promise<void> {
    this.opened = true;
  }

  async output(offset: number, opts: LineOptions & { initial: Bit }): Promise<OutputLine> {
    this.claim(offset);
    this.outputs.set(offset, opts.initial);
    this.transitions.push({ line: offset, value: opts.initial, at: this.clock.now() });
    const self = this;
    return {
      get value(): Bit {
        return self.outputs.get(offset) ?? 0;
      },
      async write(value: Bit): Promise<void> {
        if (!self.outputs.has(offset)) throw new GpioError("GPIO_STOPPED", `line ${offset} released`);
        if (self.outputs.get(offset) === value) return;
        self.outputs.set(offset, value);
        self.transitions.push({ line: offset, value, at: self.clock.now() });
      },
      async release(): Promise<void> {
        self.outputs.delete(offset);
      },
    };
  }

  async input(offset: number, _opts: LineOptions, onChange: (value: Bit) => void): Promise<InputLine> {
    this.claim(offset);
    this.inputs.set(offset, { value: 0, onChange });
    return {
      read: async () => this.inputs.get(offset)?.value ?? 0,
      release: async () => {
        this.inputs.delete(offset);
      },
    };
  }

  async close(): Promise<void> {
    this.outputs.clear();
    this.inputs.clear();
    this.opened = false;
  }

  /** Drives an input line (logical value, as the role sees it): a button press is setInput(line, 1). */
  setInput(offset: number, value: Bit): void {
    const i = this.inputs.get(offset);
    if (!i) throw new GpioError("GPIO_ROLE_NOT_CONFIGURED", `line ${offset} is not an input`);
    if (i.value === value) return;
    i.value = value;
    i.onChange(value);
  }

  /** Current logical value of an output line (undefined when not requested). */
  outputValue(offset: number): Bit | undefined {
    return this.outputs.get(offset);
  }

  private claim(offset: number): void {
    if (!this.opened) throw new GpioError("GPIO_STOPPED", "backend not open");
    if (this.outputs.has(offset) || this.inputs.has(offset)) throw new GpioError("GPIO_LINE_BUSY", `line ${offset} already requested`);
  }
}
