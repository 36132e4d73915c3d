// GPIO contracts: line-level backends (onoff, gpiod, simulated), kiosk roles, the config schema and error codes.
import { z } from "zod";

export type Bit = 0 | 1;

/** An output line; values are logical (1 = active), active-low handled by the backend. */
export interface OutputLine {
  write(value: Bit): Promise<void>;
  readonly value: Bit;
  release(): Promise<void>;
}

/** An input line; onChange gets every edge the backend sees (raw, not debounced). */
export interface InputLine {
  read(): Promise<Bit>;
  release(): Promise<void>;
}

export interface LineOptions {
  activeLow: boolean;
  /** Bias for inputs (pull-up for a button to ground). The sysfs/onoff backend cannot set it: use config.txt there. */
  bias?: "pull-up" | "pull-down" | "disable";
}

/** What a hardware driver provides: lines by chip-relative offset (the BCM GPIO number on a Pi). */
export interface GpioBackend {
  readonly driver: GpioDriverName;
  open(): Promise<void>;
  output(offset: number, opts: LineOptions & { initial: Bit }): Promise<OutputLine>;
  input(offset: number, opts: LineOptions, onChange: (value: Bit) => void): Promise<InputLine>;
  close(): Promise<void>;
}

export const gpioDrivers = ["onoff", "gpiod", "simulated"] as const;
export type GpioDriverName = (typeof gpioDrivers)[number];

export const outputRoles = ["gate", "greenLed", "redLed", "buzzer"] as const;
export const inputRoles = ["staffButton", "doorSensor"] as const;
export type OutputRole = (typeof outputRoles)[number];
export type InputRole = (typeof inputRoles)[number];
export type GpioRole = OutputRole | InputRole;

const line = z.number().int().min(0).max(511);

const outputRoleSchema = z.object({
  /** Chip-relative line offset (BCM GPIO number on a Pi). */
  line,
  activeLow: z.boolean().default(false),
});

const inputRoleSchema = z.object({
  line,
  /** A button wired to ground with a pull-up reads low when pressed: activeLow true. */
  activeLow: z.boolean().default(true),
  bias: z.enum(["pull-up", "pull-down", "disable"]).default("pull-up"),
  /** A change counts once the line has been stable this long. */
  debounceMs: z.number().int().min(0).max(5000).default(50),
});

/** Buzzer patterns: alternating on/off durations in ms, starting with on. */
const pattern = z.array(z.number().int().positive().max(10_000)).min(1).max(32);

export const gpioConfigSchema = z.object({
  driver: z.enum(gpioDrivers).default("simulated"),
  /** onoff: the sysfs GPIO root; the line base comes from gpiochipN/base (512 on a Pi 4, 571 on a Pi 5 since kernel 6.6). */
  sysfsRoot: z.string().default("/sys/class/gpio"),
  /**
   * Which gpiochip carries the header pins, matched against its label (onoff) or used as the chip
   * name/path (gpiod). Empty: the first chip whose label is a known Pi header controller.
   */
  chip: z.string().default(""),
  /** gpiod tools directory (gpioset, gpioget, gpiomon); empty: from PATH. */
  gpiodToolsDir: z.string().default(""),
  /** Polling interval for inputs on lines without interrupts (and the onoff fallback). */
  pollIntervalMs: z.number().int().min(5).max(1000).default(20),
  gate: outputRoleSchema.extend({ pulseMs: z.number().int().min(50).max(10_000).default(800) }).optional(),
  greenLed: outputRoleSchema.optional(),
  redLed: outputRoleSchema.optional(),
  buzzer: outputRoleSchema.optional(),
  staffButton: inputRoleSchema.optional(),
  /** A reed contact to ground, closed while the door is shut, reads high when the door opens: activeLow false. */
  doorSensor: inputRoleSchema.extend({ activeLow: z.boolean().default(false), debounceMs: z.number().int().min(0).max(5000).default(100) }).optional(),
  buzzerPatterns: z
    .object({ ok: pattern.default([80]), error: pattern.default([200, 100, 200]), attention: pattern.default([100, 100, 100, 100, 100]) })
    .default({ ok: [80], error: [200, 100, 200], attention: [100, 100, 100, 100, 100] }),
});
export type GpioConfig = z.infer<typeof gpioConfigSchema>;
export type GpioConfigInput = z.input<typeof gpioConfigSchema>;

export type BuzzerPatternName = "ok" | "error" | "attention";

/** A recorded transition (simulated driver and the role service's history). */
export interface GpioTransition {
  role: GpioRole | `line${number}`;
  value: Bit;
  at: number;
}

export type GpioErrorCode =
  | "DRIVER_LOAD_FAILED"
  | "GPIO_NOT_ACCESSIBLE"
  | "GPIO_CHIP_NOT_FOUND"
  | "GPIO_LINE_OUT_OF_RANGE"
  | "GPIO_LINE_BUSY"
  | "GPIO_TOOL_MISSING"
  | "GPIO_IO_FAILED"
  | "GPIO_ROLE_NOT_CONFIGURED"
  | "GPIO_STOPPED";

export class GpioError extends Error {
  constructor(
    readonly code: GpioErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "GpioError";
  }
}
