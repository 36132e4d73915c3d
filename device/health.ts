// Driver health reports (camera, decoder, printer, GPIO, watchdog) and the small logger/clock shapes every driver takes.
import { z } from "zod";

/** ok: working; degraded: working with trouble (restarts, paper low, slow); down: not working; disabled: not configured. */
export const healthLevels = ["ok", "degraded", "down", "disabled"] as const;
export type HealthLevel = (typeof healthLevels)[number];

/** One driver's report, as served on /healthz and embedded in the status message to the hub. */
export const driverHealthSchema = z.object({
  /** What kind of device: "camera", "decoder", "scanner", "printer", "gpio", "watchdog". */
  component: z.string().min(1),
  /** Which driver serves it: "rpicam", "v4l2", "simulated", "tcp", ... */
  driver: z.string().min(1),
  level: z.enum(healthLevels),
  /** Error code of the last failure (branch on this, not on message). */
  errorCode: z.string().optional(),
  message: z.string().optional(),
  /** When the report was made (ms since epoch, from the injected clock). */
  at: z.number(),
  /** Driver-specific figures: fps, lastFrameAgeMs, decodeMsP50, paperOut, gate, ... */
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
});
export type DriverHealth = z.infer<typeof driverHealthSchema>;

export interface HealthReporter {
  health(): DriverHealth;
}

const levelRank: Record<HealthLevel, number> = { disabled: 0, ok: 1, degraded: 2, down: 3 };

/** The worst level among reports (disabled drivers do not make the kiosk unhealthy). */
export function worstLevel(reports: readonly DriverHealth[]): HealthLevel {
  let worst: HealthLevel = "ok";
  for (const r of reports) {
    if (r.level !== "disabled" && levelRank[r.level] > levelRank[worst]) worst = r.level;
  }
  return worst;
}

/** Collects every reporter's health; a reporter that throws is reported as down instead of breaking /healthz. */
export function collectHealth(
  reporters: readonly { name: string; reporter: HealthReporter }[],
  clock: Clock,
): { level: HealthLevel; drivers: DriverHealth[] } {
  const drivers = reporters.map(({ name, reporter }) => {
    try {
      return reporter.health();
    } catch (err) {
      return {
        component: name,
        driver: "unknown",
        level: "down" as const,
        errorCode: "HEALTH_REPORT_FAILED",
        message: err instanceof Error ? err.message : String(err),
        at: clock.now(),
        metrics: {},
      };
    }
  });
  return { level: worstLevel(drivers), drivers };
}

/** A clock passed in through constructors (tests use a fake one). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The subset of pino's logger the drivers use. */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}
export interface Logger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  debug: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything (tests, benches). */
export function createSilentLogger(): Logger {
  const noop = (): void => {};
  const logger: Logger = { info: noop, warn: noop, error: noop, debug: noop, child: () => logger };
  return logger;
}

/** A logger that keeps every line in memory so tests can assert on what was logged. */
export interface MemoryLogLine {
  level: "info" | "warn" | "error" | "debug";
  msg: string;
  obj: object | undefined;
  bindings: Record<string, unknown>;
}
export function createMemoryLogger(
  lines: MemoryLogLine[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { lines: MemoryLogLine[] } {
  const make =
    (level: MemoryLogLine["level"]): LogFn =>
    (a: object | string, b?: string): void => {
      if (typeof a === "string") lines.push({ level, msg: a, obj: undefined, bindings });
      else lines.push({ level, msg: b ?? "", obj: a, bindings });
    };
  return {
    lines,
    info: make("info"),
    warn: make("warn"),
    error: make("error"),
    debug: make("debug"),
    child: (more) => createMemoryLogger(lines, { ...bindings, ...more }),
  };
}
