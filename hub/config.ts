// The hub's configuration file schema: types, defaults and readable errors in one place.
import { z } from "zod";
import { readFileSync } from "node:fs";

const segment = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ or -, at most 64");

export const HubConfigSchema = z.object({
  chainId: segment.default("demo"),
  /** SQLite file and keys live here. */
  dataDir: z.string().min(1).default("./data/hub"),
  http: z
    .object({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535).default(8080) })
    .default({ host: "127.0.0.1", port: 8080 }),
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
  /** JSON file with { keyId, publicKey, privateKey }; created (mode 0600) under dataDir when absent. */
  signingKeyFile: z.string().optional(),
  /** File holding the sha256 hex of the admin API token. */
  adminTokenHashFile: z.string().optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type HubConfig = z.infer<typeof HubConfigSchema>;

export class ConfigFileError extends Error {
  readonly code = "CONFIG_INVALID";
}

/** Validates a config object; throws one error listing every bad field by path. */
export function parseHubConfig(input: unknown): HubConfig {
  const r = HubConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    throw new ConfigFileError(`invalid hub config:\n${r.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}`);
  }
  return r.data;
}

export function loadHubConfig(path: string | undefined): HubConfig {
  if (!path) return parseHubConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new ConfigFileError(`cannot read hub config ${path}: ${(cause as Error).message}`);
  }
  return parseHubConfig(raw);
}
