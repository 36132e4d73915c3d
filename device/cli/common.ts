// What kioskctl's commands share: exit codes, the I/O they write to, the local API client and the config loader.
import { pino } from "pino";
import type { Logger } from "../../runtime/log.js";
import { CliError, type CliIoBase } from "../../runtime/cli-common.js";
import { loadKioskConfig, KioskConfigError, type KioskConfig } from "../config.js";

/** Exit codes scripts can rely on (documented in docs/operations.md). */
export const EXIT = {
  OK: 0,
  /** The operation failed (printer error, hub refused the token, camera failed). */
  FAILURE: 1,
  /** Bad command line. */
  USAGE: 2,
  /** Not found or unreachable: the kiosk service, the hub, a file, the database. */
  NOT_FOUND: 3,
  /** It ran, but the check did not pass (unhealthy, no code seen, a driver down). */
  CHECK_FAILED: 4,
  /** The hub refused the provisioning token. */
  UNAUTHORIZED: 5,
  /** The kiosk's config file is invalid. */
  CONFIG: 78,
} as const;

export type CliIo = CliIoBase;

export { CliError };

export const DEFAULT_CONFIG = "/etc/member-kiosk/kiosk.json";

export function loadConfig(path: string, env: NodeJS.ProcessEnv): KioskConfig {
  try {
    return loadKioskConfig(path, env);
  } catch (err) {
    if (err instanceof KioskConfigError) {
      const missing = err.code === "CONFIG_NOT_FOUND";
      throw new CliError(
        missing ? EXIT.NOT_FOUND : EXIT.CONFIG,
        err.code,
        missing ? `${err.message} (not provisioned yet? kioskctl provision --help)` : err.message,
      );
    }
    throw err;
  }
}

/** Calls the running kiosk's local API. */
export async function localApi<T>(io: CliIo, base: string, method: "GET" | "POST", path: string): Promise<T> {
  let res: Response;
  try {
    res = await io.fetch(new URL(path, base), { method, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new CliError(
      EXIT.NOT_FOUND,
      "KIOSK_UNREACHABLE",
      `the kiosk service at ${base} did not answer (${(err as Error).message}); is it running? systemctl status member-kiosk`,
    );
  }
  const json = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!res.ok) throw new CliError(EXIT.FAILURE, json.error ?? `HTTP_${res.status}`, json.message ?? `HTTP ${res.status}`);
  return json;
}

/** A logger (pino, the tree's Logger) for the hardware drivers that writes warnings and errors (and more when verbose) to stderr, one readable line each. */
export function stderrLogger(io: CliIo, verbose: boolean): Logger {
  return pino(
    { level: verbose ? "debug" : "warn", base: null, timestamp: false },
    {
      write: (line: string): void => {
        const { level, msg, ...extra } = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
        const fields = Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : "";
        io.stderr(`[${pino.levels.labels[level] ?? level}] ${msg ?? ""}${fields}\n`);
      },
    },
  );
}
