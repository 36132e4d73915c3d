// What kioskctl's commands share: exit codes, the I/O they write to, the local API client and the config loader.
import { CliError, type CliIoBase } from "../../protocol/cli-common.js";
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
      const missing = err.message.includes("ENOENT");
      throw new CliError(missing ? EXIT.NOT_FOUND : EXIT.CONFIG, err.code, missing ? `${err.message} (not provisioned yet? kioskctl provision --help)` : err.message);
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
    throw new CliError(EXIT.NOT_FOUND, "KIOSK_UNREACHABLE", `the kiosk service at ${base} did not answer (${(err as Error).message}); is it running? systemctl status member-kiosk`);
  }
  const json = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!res.ok) throw new CliError(EXIT.FAILURE, json.error ?? `HTTP_${res.status}`, json.message ?? `HTTP ${res.status}`);
  return json;
}

/** A logger for the hardware drivers that writes warnings and errors to stderr. */
export function stderrLogger(io: CliIo, verbose: boolean) {
  type Fn = { (obj: object, msg?: string): void; (msg: string): void };
  const make =
    (level: string, on: boolean): Fn =>
    (a: object | string, b?: string): void => {
      if (!on) return;
      const msg = typeof a === "string" ? a : (b ?? "");
      const extra = typeof a === "string" ? "" : ` ${JSON.stringify(a)}`;
      io.stderr(`[${level}] ${msg}${extra}\n`);
    };
  const logger = {
    info: make("info", verbose),
    debug: make("debug", verbose),
    warn: make("warn", true),
    error: make("error", true),
    child: () => logger,
  };
  return logger;
}
