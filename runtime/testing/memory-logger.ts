// The tree's one in-memory logger for tests: a real pino logger (the Logger type every module takes) whose lines are kept, parsed, for assertions.
import { pino } from "pino";
import { MemoryLogSink, type Logger } from "../log.js";

/** One logged line: its level name, message, and every other field (the logged object and the child bindings). */
export interface MemoryLogLine {
  level: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  msg: string;
  obj: Record<string, unknown>;
}

const PINO_FIELDS = new Set(["level", "time", "pid", "hostname", "msg"]);

class ParsedLines extends MemoryLogSink {
  readonly parsed: MemoryLogLine[] = [];
  override write(line: string): void {
    super.write(line);
    const record = this.lines[this.lines.length - 1] ?? {};
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) if (!PINO_FIELDS.has(k)) obj[k] = v;
    const label = pino.levels.labels[Number(record.level)] ?? "info";
    this.parsed.push({ level: label as MemoryLogLine["level"], msg: String(record.msg ?? ""), obj });
  }
}

/** A pino logger at debug level that keeps every line (`lines`) and the raw records (`sink`). */
export function createMemoryLogger(level = "debug"): Logger & { lines: MemoryLogLine[]; sink: MemoryLogSink } {
  const sink = new ParsedLines();
  const logger = pino({ level, base: null }, sink);
  return Object.assign(logger, { lines: sink.parsed, sink });
}
