// Structured JSON logging (pino) with namespaces and personal data redacted; shared by kiosk and hub.
import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

/** Paths whose values are personal data: never written to a log. */
export const REDACT_PATHS = [
  // Top-level "name" is pino's logger name; personal names are only ever logged nested (member.name).
  "phone",
  "headshot",
  "password",
  "secret",
  "token",
  "*.name",
  "*.phone",
  "*.headshot",
  "*.password",
  "*.secret",
  "*.token",
  "member.name",
  "member.phone",
];

export interface LogOptions {
  level?: string;
  /** Where lines go; stdout (for journald) by default. */
  destination?: DestinationStream;
}

export function createLogger(service: string, options: LogOptions = {}): Logger {
  return pino(
    {
      name: service,
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { service },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** A logger that drops everything (benches, tools). */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}

/** A child logger for one module, e.g. `ns(log, "kiosk:printer")`. */
export function ns(log: Logger, namespace: string): Logger {
  return log.child({ ns: namespace });
}

/** Collects log lines in memory, for tests that check a clear log line was written. */
export class MemoryLogSink implements DestinationStream {
  readonly lines: Array<Record<string, unknown>> = [];
  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  find(pred: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    return this.lines.find(pred);
  }
  messages(): string[] {
    return this.lines.map((l) => String(l.msg ?? ""));
  }
}
