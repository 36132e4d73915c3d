// How a service process ends: SIGINT/SIGTERM run its shutdown once, then exit 0 (or 1 if shutdown failed).
import type { Logger } from "./log.js";

/** Runs `shutdown` on the first SIGINT or SIGTERM and exits with its outcome; later signals are ignored. */
export function exitOnSignals(log: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

/** The last word of a service that failed to start. */
export function failedToStart(service: string) {
  return (err: unknown): never => {
    process.stderr.write(`${service} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
}
