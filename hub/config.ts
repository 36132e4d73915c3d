// The hub's configuration file schema: types, defaults and readable errors in one place.
import { z } from "zod";
import { readFileSync } from "node:fs";
import { applyEnvOverrides, describeIssues } from "../runtime/config-env.js";

const segment = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ or -, at most 64");

export const HubConfigSchema = z.object({
  chainId: segment.default("demo"),
  /** SQLite file and keys live here. */
  dataDir: z.string().min(1).default("./data/hub"),
  http: z.object({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535).default(8080) }).default({ host: "127.0.0.1", port: 8080 }),
  broker: z
    .discriminatedUnion("mode", [
      z.object({
        mode: z.literal("embedded"),
        host: z.string().default("127.0.0.1"),
        /** 0 picks a free port (tests and the demo). */
        port: z.number().int().min(0).max(65535).default(1884),
      }),
      z.object({
        mode: z.literal("external"),
        url: z.string().regex(/^mqtts?:\/\//, "must start with mqtt:// or mqtts://"),
        username: z.string().min(1).default("hub"),
        passwordFile: z.string().min(1),
        caFile: z.string().optional(),
        protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
        shareGroup: segment.optional(),
      }),
    ])
    .default({ mode: "embedded", host: "127.0.0.1", port: 1884 }),
  /**
   * Where the hub keeps its data: SQLite under dataDir (one hub), or PostgreSQL (several hub
   * instances share it; see README "Scaling out"). `schema` is the PostgreSQL schema to use.
   */
  store: z
    .discriminatedUnion("kind", [
      z.object({
        kind: z.literal("sqlite"),
        /**
         * 1: ledger batches are applied in a worker process with its own connection to the same file
         * (hub/ingest-pool.ts), so HTTP and MQTT keepalives never wait behind a batch; 0: in the hub's
         * thread. SQLite has one writer at a time, so more workers would only take turns.
         */
        ingestWorkers: z.number().int().min(0).max(1).default(0),
      }),
      z.object({
        kind: z.literal("postgres"),
        /** libpq connection string, e.g. postgresql://hub@db.internal/member_hub (no password here: use PGPASSFILE). */
        url: z.string().min(1),
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, "lower-case letters, digits and _")
          .default("public"),
        /**
         * Worker processes applying ledger batches, each with its own connection (hub/ingest-pool.ts), so
         * the event loop never waits for ingest's round trips; a kiosk's batches always go to the same one.
         */
        ingestWorkers: z.number().int().min(1).max(16).default(2),
      }),
    ])
    .default({ kind: "sqlite", ingestWorkers: 0 }),
  /** JSON file with { keyId, publicKey, privateKey }; created (mode 0600) under dataDir when absent. */
  signingKeyFile: z.string().optional(),
  /** File holding the sha256 hex of the admin API token. */
  adminTokenHashFile: z.string().optional(),
  /** What a kiosk is handed when it redeems a one-time token (POST /provision). */
  provisioning: z
    .object({
      /** The broker URL kiosks use (default: the hub's own broker URL). */
      brokerUrl: z
        .string()
        .regex(/^mqtts?:\/\//, "must start with mqtt:// or mqtts://")
        .optional(),
      /** PEM file of the CA that signed the broker's certificate, handed to kiosks. */
      caFile: z.string().optional(),
      /** How long a provisioning token stays valid. */
      tokenTtlMinutes: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60)
        .default(60),
    })
    .default({ tokenTtlMinutes: 60 }),
  /** With an external Mosquitto: where the hub writes its password file and ACL (see docs/operations.md). */
  mosquitto: z
    .object({
      passwordFile: z.string().min(1),
      aclFile: z.string().min(1),
      /** Mosquitto's pid file: the hub sends it SIGHUP after rewriting the files (else a systemd path unit reloads it). */
      pidFile: z.string().optional(),
      /** Other hub instances' broker usernames (same broker password): Mosquitto binds client id to username, so each instance needs its own. */
      extraHubUsernames: z.array(segment).max(32).optional(),
    })
    .optional(),
  /** The web console under /console (docs/console.md). */
  console: z
    .object({
      /** The URL people reach the hub at (behind the TLS proxy), for the links the hub prints; default http://<http.host>:<port>. */
      publicUrl: z
        .string()
        .regex(/^https?:\/\/[^/]+$/, "scheme and host, no path")
        .optional(),
      /** Session cookie Secure flag: `auto` when the request came over TLS (URL or X-Forwarded-Proto). */
      secureCookie: z.enum(["auto", "always", "never"]).default("auto"),
      idleMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(30),
      /** The built console (default: hub/console/dist beside the hub's code). */
      dir: z.string().optional(),
    })
    .default({ secureCookie: "auto", idleMinutes: 30 }),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type HubConfig = z.infer<typeof HubConfigSchema>;

/** Environment variables that override the file start with this: HUB__HTTP__PORT, HUB__BROKER__URL... */
export const HUB_ENV_PREFIX = "HUB";

export class ConfigFileError extends Error {
  readonly code = "CONFIG_INVALID";
}

/**
 * Validates a config object, after the environment overrides (none unless `env` is given); throws one
 * error listing every bad field by path (and the variable that set it).
 */
export function parseHubConfig(input: unknown, env: NodeJS.ProcessEnv = {}): HubConfig {
  const o = applyEnvOverrides(HubConfigSchema, input ?? {}, env, HUB_ENV_PREFIX);
  const r = HubConfigSchema.safeParse(o.config);
  const problems = [...o.errors, ...(r.success ? [] : describeIssues(r.error.issues, o.sources))];
  if (r.success && r.data.mosquitto && r.data.broker.mode !== "external") problems.push('mosquitto: needs broker.mode "external"');
  if (problems.length > 0 || !r.success) {
    throw new ConfigFileError(`invalid hub config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  return r.data;
}

/** Reads the JSON file (none: defaults only) and applies the environment overrides. */
export function loadHubConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): HubConfig {
  if (!path) return parseHubConfig({}, env);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ConfigFileError(`cannot read hub config ${path}: ${(cause as Error).message}`);
  }
  return parseHubConfig(raw, env);
}
