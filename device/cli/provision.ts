// `kioskctl provision`: redeems a one-time token at the hub and writes the kiosk's identity, secret (0600), broker CA and config.
//
// A kiosk that already holds a ledger keeps its device id: the hub is asked to refuse a token for
// another device without spending it, because a ledger resent under a new id would be counted
// twice. `--force` moves the old database aside (never deletes it) and takes the new identity.
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { parseKioskConfig } from "../config.js";
import { CliError, EXIT, type CliIo } from "./common.js";

const GrantSchema = z.object({
  chainId: z.string(),
  storeId: z.string(),
  deviceId: z.string(),
  username: z.string(),
  password: z.string().min(16),
  brokerUrl: z.string().regex(/^mqtts?:\/\//),
  caPem: z.string().includes("BEGIN CERTIFICATE").optional(),
  trustedKeys: z.record(z.string(), z.string()),
});

export interface ProvisionOptions {
  hub: string;
  token: string;
  config: string;
  secretFile: string;
  caFile: string;
  force: boolean;
  /** The service's group: the config is made readable to it (0640) when run as root. */
  group: string;
  /** /etc/group to resolve the group in (tests). */
  groupFile?: string;
}

export interface ProvisionResult {
  chainId: string;
  storeId: string;
  deviceId: string;
  brokerUrl: string;
  config: string;
  secretFile: string;
  caFile: string | null;
  movedAside: string[];
}

function writeAtomic(path: string, content: string, mode: number, gid?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, content, { mode });
  if (gid !== undefined) chownSync(tmp, 0, gid);
  renameSync(tmp, path);
}

function groupId(name: string, groupFile: string): number | undefined {
  try {
    for (const line of readFileSync(groupFile, "utf8").split("\n")) {
      const [n, , gid] = line.split(":");
      if (n === name && gid !== undefined) return Number(gid);
    }
  } catch {
    // No group file: leave ownership alone.
  }
  return undefined;
}

function readExisting(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function provision(io: CliIo, o: ProvisionOptions): Promise<ProvisionResult> {
  if (!/^https?:\/\//.test(o.hub)) throw new CliError(EXIT.USAGE, "USAGE", "--hub must be the hub's http:// or https:// address");
  if (!o.token.startsWith("mkp_")) throw new CliError(EXIT.USAGE, "USAGE", "--token must be a token from hubctl provision-token (mkp_...)");
  const existing = readExisting(o.config);
  const dataDir = typeof existing?.dataDir === "string" ? existing.dataDir : "/var/lib/member-kiosk";
  const ledger = join(dataDir, "kiosk.db");
  const oldDevice = typeof existing?.deviceId === "string" ? existing.deviceId : undefined;
  const keepIdentity = oldDevice !== undefined && existsSync(ledger) && !o.force;

  let res: Response;
  try {
    res = await io.fetch(new URL("/provision", o.hub), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: o.token, ...(keepIdentity ? { expectDeviceId: oldDevice } : {}) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new CliError(EXIT.NOT_FOUND, "HUB_UNREACHABLE", `the hub at ${o.hub} did not answer: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as unknown;
  if (!res.ok) {
    const e = (typeof body === "object" && body !== null ? body : {}) as { error?: string; message?: string };
    const exit = res.status === 401 ? EXIT.UNAUTHORIZED : res.status === 409 ? EXIT.FAILURE : res.status === 404 ? EXIT.NOT_FOUND : EXIT.FAILURE;
    const hint = res.status === 409 ? " (use --force to replace this kiosk's identity; its database is kept aside)" : "";
    throw new CliError(exit, e.error ?? `HTTP_${res.status}`, `${e.message ?? `HTTP ${res.status}`}${hint}`);
  }
  const parsed = GrantSchema.safeParse(body);
  if (!parsed.success) throw new CliError(EXIT.FAILURE, "GRANT_INVALID", "the hub's answer is not a provisioning grant");
  const g = parsed.data;

  const movedAside: string[] = [];
  if (oldDevice !== undefined && oldDevice !== g.deviceId && existsSync(dataDir)) {
    // Only reached with --force: keep the old ledger for recovery, never resend it under the new id.
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    for (const f of readdirSync(dataDir).filter((n) => /^kiosk\.db(-wal|-shm)?$/.test(n))) {
      const to = join(dataDir, `${f}.${oldDevice}.${stamp}.bak`);
      renameSync(join(dataDir, f), to);
      movedAside.push(to);
    }
  }

  const config: Record<string, unknown> = {
    ...(existing ?? {}),
    chainId: g.chainId,
    storeId: g.storeId,
    deviceId: g.deviceId,
    hub: {
      ...(typeof existing?.hub === "object" && existing.hub !== null ? (existing.hub as Record<string, unknown>) : {}),
      url: g.brokerUrl,
      username: g.username,
      passwordFile: o.secretFile,
      trustedKeys: g.trustedKeys,
      ...(g.caPem ? { caFile: o.caFile } : {}),
    },
  };
  // Never write a config the service would refuse.
  parseKioskConfig(config);
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const gid = isRoot ? groupId(o.group, o.groupFile ?? "/etc/group") : undefined;
  writeAtomic(o.secretFile, `${g.password}\n`, 0o600);
  if (g.caPem) writeAtomic(o.caFile, g.caPem, 0o644);
  writeAtomic(o.config, `${JSON.stringify(config, null, 2)}\n`, gid === undefined ? 0o600 : 0o640, gid);
  return {
    chainId: g.chainId,
    storeId: g.storeId,
    deviceId: g.deviceId,
    brokerUrl: g.brokerUrl,
    config: o.config,
    secretFile: o.secretFile,
    caFile: g.caPem ? o.caFile : null,
    movedAside,
  };
}
