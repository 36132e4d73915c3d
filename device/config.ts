// The kiosk's configuration file schema (identity, hub connection, hardware drivers): types, defaults, errors.
import { z } from "zod";
import { readFileSync } from "node:fs";
import { frameSourceConfigSchema, scannerConfigSchema } from "./scan/types.js";
import { printerConfigSchema } from "./printer/types.js";
import { gpioConfigSchema } from "./gpio/types.js";
import { systemdConfigSchema } from "./systemd/types.js";
import { clockConfigSchema } from "./clock-sync/types.js";
import { applyEnvOverrides, describeIssues } from "../runtime/config-env.js";

const segment = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ or -, at most 64");

export const KioskConfigSchema = z.object({
  chainId: segment,
  storeId: segment,
  deviceId: segment,
  /** SQLite ledger, outbox and member cache live here. */
  dataDir: z.string().min(1).default("/var/lib/member-kiosk"),
  hub: z.object({
    url: z.string().regex(/^mqtts?:\/\//, "must start with mqtt:// or mqtts://"),
    username: z.string().min(1),
    /** The device secret is read from this file, never written in the config itself. */
    passwordFile: z.string().min(1),
    caFile: z.string().optional(),
    protocolVersion: z.union([z.literal(4), z.literal(5)]).default(4),
    /** keyId -> HQ Ed25519 public key (base64url) that config bundles must be signed with. */
    trustedKeys: z.record(z.string(), z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a 32-byte Ed25519 key in base64url")),
  }),
  scan: z
    .object({
      source: frameSourceConfigSchema.default({ driver: "simulated" }),
      scanner: scannerConfigSchema.default(scannerConfigSchema.parse({})),
      /** "worker": decode in a worker thread (production); "inline": in the main thread (tools). */
      decoder: z.enum(["worker", "inline"]).default("worker"),
    })
    .default({ source: { driver: "simulated" }, scanner: scannerConfigSchema.parse({}), decoder: "worker" }),
  /** Receipt printer: tcp (port 9100), usblp (/dev/usb/lp0), file sink, or simulated. */
  printer: printerConfigSchema.default(printerConfigSchema.parse({ transport: "simulated" })),
  /** GPIO roles (gate relay, LEDs, buzzer, staff button, door sensor) and their driver. */
  gpio: gpioConfigSchema.default(gpioConfigSchema.parse({})),
  /** sd_notify readiness and watchdog when run by systemd (Type=notify). */
  systemd: systemdConfigSchema.default(systemdConfigSchema.parse({})),
  /** Is the system clock NTP-synchronised: `timesyncd` on a Pi (the installer sets it), `simulated` elsewhere. */
  clock: clockConfigSchema.default({ driver: "simulated", synchronised: true, pollMs: 30_000 }),
  /** While the ledger cannot be written (full disk...), how often to try a small write to resume by itself. */
  storage: z.object({ probeIntervalMs: z.number().int().min(1_000).max(600_000).default(15_000) }).default({ probeIntervalMs: 15_000 }),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type KioskConfig = z.infer<typeof KioskConfigSchema>;
export type KioskConfigInput = z.input<typeof KioskConfigSchema>;

/**
 * Why a kiosk config was refused: the file is absent (not provisioned yet), cannot be read, is not
 * JSON, or fails validation. Callers branch on the code, never on the message.
 */
export type KioskConfigErrorCode = "CONFIG_NOT_FOUND" | "CONFIG_UNREADABLE" | "CONFIG_NOT_JSON" | "CONFIG_INVALID";

export class KioskConfigError extends Error {
  constructor(
    readonly code: KioskConfigErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "KioskConfigError";
  }
}

/** Environment variables that override the file start with this: KIOSK__HUB__URL, KIOSK__LOG_LEVEL... */
export const KIOSK_ENV_PREFIX = "KIOSK";

/**
 * Validates a config object, after the environment overrides (none unless `env` is given); throws one
 * error listing every bad field by path (and the variable that set it).
 */
export function parseKioskConfig(input: unknown, env: NodeJS.ProcessEnv = {}): KioskConfig {
  const o = applyEnvOverrides(KioskConfigSchema, input, env, KIOSK_ENV_PREFIX);
  const r = KioskConfigSchema.safeParse(o.config);
  if (!r.success || o.errors.length > 0) {
    const problems = [...o.errors, ...(r.success ? [] : describeIssues(r.error.issues, o.sources))];
    throw new KioskConfigError("CONFIG_INVALID", `invalid kiosk config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  return r.data;
}

/** Reads the JSON file and applies the environment overrides. */
export function loadKioskConfig(path: string, env: NodeJS.ProcessEnv = process.env): KioskConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === "ENOENT";
    throw new KioskConfigError(missing ? "CONFIG_NOT_FOUND" : "CONFIG_UNREADABLE", `cannot read kiosk config ${path}: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new KioskConfigError("CONFIG_NOT_JSON", `kiosk config ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseKioskConfig(raw, env);
}
