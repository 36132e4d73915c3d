#!/usr/bin/env node
// hubctl: the hub's command-line tool (devices, rollouts, config show and publishing, staff PIN hashes, member import and lookup, provisioning tokens, kiosk commands, broker config).
//
//   node dist/hub/cli.js devices [--json]          (installed as /usr/local/bin/hubctl)
//
// Commands talk to the running hub's HTTP API (--hub, HUBCTL_URL); write commands send the admin
// token read from --token-file / HUBCTL_TOKEN_FILE. Exit codes: see EXIT in hub/cli/common.ts.
import { isMainModule, reportCliError } from "../runtime/cli-common.js";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { DeviceRow } from "./devices.js";
import type { MemberRecord } from "../protocol/messages.js";
import type { RolloutStatus } from "./rollouts.js";
import type { ProvisionToken } from "./provisioning.js";
import { loadHubConfig, ConfigFileError } from "./config.js";
import { renderMosquittoConf } from "./mosquitto-auth.js";
import { CliError, EXIT, HubApi, ago, table, type CliIo } from "./cli/common.js";
import { importMembersCommand } from "./cli/members-import.js";
import { configShow, staffPinHash } from "./cli/config.js";
import { configRollback, configVersions, printRollout, rolloutContinue, rolloutStatus, rolloutStop } from "./cli/rollouts.js";
import { kioskCommand } from "./cli/fleet.js";

export { EXIT };

const HELP = `hubctl: operate the member-kiosk hub

Usage: hubctl <command> [options]

Commands:
  devices [--store S]                         kiosks with presence, config version, outbox and sync lag
  rollout status --store S [--id N]           config rollouts of a store (or one rollout)
  rollout stop --id N --reason TEXT           stop a rollout: kiosks not yet sent the version keep theirs
  rollout continue --id N [--note TEXT]       continue a stopped rollout (failures so far accepted)
  config show --store S                       the store's newest config (admin token; PIN hashes redacted)
  config publish --store S [--file F] [--first-wave-share X | --first-wave-devices a,b] [--max-failure-ratio R]
                                              sign and roll out the next config version (from F, or from
                                              the chain defaults and store overrides when no file)
  config versions --store S                   the store's config versions, newest first, the one in force marked
  config rollback --store S --to V [--note TEXT] [--first-wave-share X | --first-wave-devices a,b]
                                              publish version N+1 with version V's content (kiosks
                                              accept only newer versions), through a staged rollout
  staff pin-hash --pin-file F                 the pinHash for device.staff[] from a PIN in file F
                                              (4-12 digits; 6 or more advised)
  members import FILE [--format csv|xlsx] [--batch N] [--errors F] [--dry-run]
                                              stream members from CSV/XLSX; per-row error report
  members get ID                              one member
  provision-token --store S --device D [--ttl MINUTES]
                                              a one-time token for kioskctl provision
  kiosk command --device D --type T [--wait]  send a kiosk a remote command (open-gate, resync-members,
                                              reprint-last-receipt, restart-service, printer-test);
                                              --wait: until it answers or expires (exit 1 unless ok)
  broker mosquitto-conf --cafile F --certfile F --keyfile F [--port 8883] [--bind ADDR]
                        [--persistence DIR] [--pid-file F] [--create-auth-files] [--config hub.json]
                                              print a mosquitto.conf for the hub's password file and ACL
                                              (paths from hub.json "mosquitto"); --bind: listen on one
                                              address only; --persistence, --pid-file: set them here
                                              (Debian's mosquitto.conf already does; the pid file's
                                              folder must be writable by user mosquitto);
                                              --create-auth-files: create the password file and ACL
                                              empty (0640) when missing: Mosquitto will not start
                                              without them (docs/operations.md "Mosquitto by hand")
  check-config [--config hub.json]            validate the hub's config file (+ HUB__... variables)

Options:
  --hub URL          hub HTTP API (env HUBCTL_URL, default http://127.0.0.1:8080)
  --token-file F     admin token file (env HUBCTL_TOKEN_FILE, default /etc/member-hub/admin-token)
  --json             machine-readable output on stdout
  -h, --help         this help

Exit codes: 0 ok, 1 failure, 2 usage, 3 not found or hub unreachable, 4 partial (rows rejected),
5 admin token missing or refused, 78 invalid config file.
`;

const OPTIONS = {
  hub: { type: "string" },
  "token-file": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  store: { type: "string" },
  device: { type: "string" },
  id: { type: "string" },
  file: { type: "string" },
  format: { type: "string" },
  batch: { type: "string" },
  errors: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  ttl: { type: "string" },
  "first-wave-share": { type: "string" },
  "first-wave-devices": { type: "string" },
  "max-failure-ratio": { type: "string" },
  "min-reports": { type: "string" },
  cafile: { type: "string" },
  certfile: { type: "string" },
  keyfile: { type: "string" },
  port: { type: "string" },
  bind: { type: "string" },
  config: { type: "string" },
  persistence: { type: "string" },
  "pid-file": { type: "string" },
  "create-auth-files": { type: "boolean", default: false },
  "pin-file": { type: "string" },
  type: { type: "string" },
  wait: { type: "boolean", default: false },
  to: { type: "string" },
  reason: { type: "string" },
  note: { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

function need(v: string | undefined, flag: string): string {
  if (!v) throw new CliError(EXIT.USAGE, "USAGE", `${flag} is required (hubctl --help)`);
  return v;
}

function num(v: string | undefined, flag: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    throw new CliError(EXIT.USAGE, "USAGE", `${flag}: bad value ${JSON.stringify(v)}`);
  }
  return n;
}

interface StatusFields {
  online?: boolean;
  configVersion?: number;
  outboxDepth?: number;
  lastSeq?: number;
}

async function devices(api: HubApi, io: CliIo, v: Values): Promise<number> {
  const { devices: all } = await api.call<{ devices: DeviceRow[] }>("GET", "/devices");
  const list = v.store ? all.filter((d) => d.storeId === v.store) : all;
  const now = Date.now();
  const rows = list.map((d) => {
    const s = (typeof d.lastStatus === "object" && d.lastStatus !== null ? d.lastStatus : {}) as StatusFields;
    const state = d.lastSeenAt === null ? "never seen" : s.online ? "online" : "offline";
    const lag = s.lastSeq === undefined ? null : Math.max(0, s.lastSeq - d.ackedSeq);
    return {
      deviceId: d.deviceId,
      storeId: d.storeId,
      state,
      lastSeenAgoMs: d.lastSeenAt === null ? null : now - d.lastSeenAt,
      configVersion: s.configVersion ?? null,
      outboxDepth: s.outboxDepth ?? null,
      ackedSeq: d.ackedSeq,
      syncLag: lag,
    };
  });
  if (v.json) io.stdout(`${JSON.stringify({ devices: rows })}\n`);
  else
    io.stdout(
      table(
        ["DEVICE", "STORE", "STATE", "SEEN", "CONFIG", "OUTBOX", "ACKED", "LAG"],
        rows.map((r) => [
          r.deviceId,
          r.storeId,
          r.state,
          r.lastSeenAgoMs === null ? "-" : `${ago(r.lastSeenAgoMs)} ago`,
          String(r.configVersion ?? "-"),
          String(r.outboxDepth ?? "-"),
          String(r.ackedSeq),
          String(r.syncLag ?? "-"),
        ]),
      ),
    );
  if (v.store && list.length === 0) return EXIT.NOT_FOUND;
  return EXIT.OK;
}

function rolloutPlan(v: Values): Record<string, unknown> | undefined {
  const plan: Record<string, unknown> = {};
  if (v["first-wave-share"] && v["first-wave-devices"]) throw new CliError(EXIT.USAGE, "USAGE", "give --first-wave-share or --first-wave-devices, not both");
  const share = num(v["first-wave-share"], "--first-wave-share", { min: 0.0001, max: 1 });
  if (share !== undefined) plan.firstWave = { share };
  if (v["first-wave-devices"])
    plan.firstWave = {
      devices: v["first-wave-devices"]
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    };
  const ratio = num(v["max-failure-ratio"], "--max-failure-ratio", { min: 0, max: 1 });
  if (ratio !== undefined) plan.maxFailureRatio = ratio;
  const min = num(v["min-reports"], "--min-reports", { int: true, min: 1 });
  if (min !== undefined) plan.minReports = min;
  return Object.keys(plan).length > 0 ? plan : undefined;
}

async function configPublish(api: HubApi, io: CliIo, v: Values): Promise<number> {
  const store = need(v.store, "--store");
  const rollout = rolloutPlan(v);
  let res: { version: number; rollout: RolloutStatus };
  if (v.file) {
    let draft: unknown;
    try {
      draft = JSON.parse(readFileSync(v.file, "utf8"));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(code === "ENOENT" ? EXIT.NOT_FOUND : EXIT.FAILURE, "FILE_INVALID", `cannot read ${v.file}: ${code ?? (err as Error).message}`);
    }
    if (typeof draft !== "object" || draft === null || Array.isArray(draft))
      throw new CliError(EXIT.FAILURE, "FILE_INVALID", `${v.file} must hold a JSON object {rules, device}`);
    res = await api.call("POST", `/stores/${encodeURIComponent(store)}/config`, { body: { ...draft, ...(rollout ? { rollout } : {}) }, admin: true });
  } else {
    res = await api.call("POST", `/stores/${encodeURIComponent(store)}/publish`, { body: rollout ? { rollout } : {}, admin: true });
  }
  if (v.json) io.stdout(`${JSON.stringify(res)}\n`);
  else {
    io.stdout(`published store ${store} version ${res.version}\n`);
    printRollout(io, res.rollout);
  }
  return EXIT.OK;
}

async function membersGet(api: HubApi, io: CliIo, v: Values, id: string | undefined): Promise<number> {
  const memberId = need(id, "member id");
  const m = await api.call<MemberRecord>("GET", `/members/${encodeURIComponent(memberId)}`, { admin: true });
  if (v.json) io.stdout(`${JSON.stringify(m)}\n`);
  else {
    const rows: Array<[string, string]> = [
      ["member", m.memberId],
      ["card", m.cardId],
      ["name", m.name],
      ["level", m.levelId],
      ["class", m.cardClass],
      ["status", m.status],
      ["points", String(m.pointsBalance)],
      ["balance", `${(m.balanceFen / 100).toFixed(2)}`],
      ...(m.vipExpiresAt ? [["vip until", new Date(m.vipExpiresAt).toISOString()] as [string, string]] : []),
    ];
    io.stdout(rows.map(([k, val]) => `${k.padEnd(10)} ${val}\n`).join(""));
  }
  return EXIT.OK;
}

async function provisionToken(api: HubApi, io: CliIo, v: Values, hubUrl: string): Promise<number> {
  const storeId = need(v.store, "--store");
  const deviceId = need(v.device, "--device");
  const ttlMinutes = num(v.ttl, "--ttl", { int: true, min: 1, max: 10080 });
  const t = await api.call<ProvisionToken>("POST", "/provision/tokens", { body: { storeId, deviceId, ...(ttlMinutes ? { ttlMinutes } : {}) }, admin: true });
  if (v.json) io.stdout(`${JSON.stringify(t)}\n`);
  else {
    io.stdout(`token for ${t.storeId}/${t.deviceId}, valid until ${new Date(t.expiresAt).toISOString()} (single use):\n\n  ${t.token}\n\n`);
    io.stdout(`on the kiosk:  sudo kioskctl provision --hub ${hubUrl} --token ${t.token}\n`);
  }
  return EXIT.OK;
}

function mosquittoConf(io: CliIo, v: Values): number {
  let passwordFile = "/etc/mosquitto/member-kiosk/passwd";
  let aclFile = "/etc/mosquitto/member-kiosk/acl";
  if (v.config) {
    const c = loadHubConfig(v.config, io.env);
    if (c.mosquitto) ({ passwordFile, aclFile } = c.mosquitto);
  }
  // Each value becomes one line of mosquitto.conf: no spaces or line breaks that could add a directive.
  const confValue = (value: string | undefined, flag: string): string | undefined => {
    if (value !== undefined && !/^[^\s#]{1,1024}$/.test(value)) throw new CliError(EXIT.USAGE, "USAGE", `${flag} must be one path or address without spaces`);
    return value;
  };
  const cafile = confValue(need(v.cafile, "--cafile"), "--cafile")!;
  const certfile = confValue(need(v.certfile, "--certfile"), "--certfile")!;
  const keyfile = confValue(need(v.keyfile, "--keyfile"), "--keyfile")!;
  confValue(v.bind, "--bind");
  confValue(v.persistence, "--persistence");
  confValue(v["pid-file"], "--pid-file");
  if (v["create-auth-files"]) {
    // Empty until the hub writes them; in the setgid folder of group mosquitto they get that group.
    for (const f of [passwordFile, aclFile]) {
      try {
        writeFileSync(f, "", { mode: 0o640, flag: "wx" });
        chmodSync(f, 0o640); // whatever the umask
        io.stderr(`created empty ${f} (0640)\n`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EEXIST") io.stderr(`kept ${f} (exists)\n`);
        else
          throw new CliError(
            EXIT.FAILURE,
            "AUTH_FILE_FAILED",
            `cannot create ${f}: ${code ?? (err as Error).message} (make its folder first: docs/operations.md "Mosquitto by hand")`,
          );
      }
    }
  }
  io.stdout(
    renderMosquittoConf({
      port: num(v.port, "--port", { int: true, min: 1, max: 65535 }) ?? 8883,
      ...(v.bind ? { bindAddress: v.bind } : {}),
      cafile,
      certfile,
      keyfile,
      passwordFile,
      aclFile,
      ...(v.persistence ? { persistenceLocation: v.persistence } : {}),
      ...(v["pid-file"] ? { pidFile: v["pid-file"] } : {}),
    }),
  );
  return EXIT.OK;
}

function checkConfig(io: CliIo, v: Values): number {
  const c = loadHubConfig(v.config ?? io.env.HUB_CONFIG, io.env);
  if (v.json) io.stdout(`${JSON.stringify({ ok: true, chainId: c.chainId, broker: c.broker.mode, http: c.http })}\n`);
  else io.stdout(`ok: chain ${c.chainId}, broker ${c.broker.mode}, http ${c.http.host}:${c.http.port}\n`);
  return EXIT.OK;
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

/** Runs one hubctl command; returns the exit code (never calls process.exit). */
export async function runHubctl(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    io.stderr(`hubctl: ${(err as Error).message}\n(see hubctl --help)\n`);
    return EXIT.USAGE;
  }
  const { values: v, positionals: p } = parsed;
  if (v.help || p.length === 0) {
    io.stdout(HELP);
    return p.length === 0 && !v.help ? EXIT.USAGE : EXIT.OK;
  }
  const hubUrl = v.hub ?? io.env.HUBCTL_URL ?? "http://127.0.0.1:8080";
  const api = new HubApi({ url: hubUrl, tokenFile: v["token-file"] ?? io.env.HUBCTL_TOKEN_FILE ?? "/etc/member-hub/admin-token" }, io);
  const cmd = p.slice(0, 2).join(" ");
  try {
    if (p[0] === "devices") return await devices(api, io, v);
    if (cmd === "rollout status") return await rolloutStatus(api, io, { id: v.id, store: v.store, json: v.json });
    if (cmd === "rollout stop") return await rolloutStop(api, io, { id: v.id, reason: v.reason, json: v.json });
    if (cmd === "rollout continue") return await rolloutContinue(api, io, { id: v.id, note: v.note, json: v.json });
    if (cmd === "config versions") return await configVersions(api, io, { store: need(v.store, "--store"), json: v.json });
    if (cmd === "config rollback")
      return await configRollback(api, io, { store: need(v.store, "--store"), to: v.to, note: v.note, rollout: rolloutPlan(v), json: v.json });
    if (cmd === "config publish") return await configPublish(api, io, v);
    if (cmd === "config show") return await configShow(api, io, need(v.store, "--store"), v.json);
    if (cmd === "staff pin-hash") return staffPinHash(io, need(v["pin-file"], "--pin-file"), v.json);
    if (cmd === "members get") return await membersGet(api, io, v, p[2]);
    if (cmd === "members import") {
      const batch = num(v.batch, "--batch", { int: true }) ?? 500;
      const r = await importMembersCommand(api, io, {
        file: need(p[2], "the file to import"),
        batch,
        dryRun: v["dry-run"],
        json: v.json,
        ...(v.format ? { format: v.format } : {}),
        ...(v.errors ? { errorsFile: v.errors } : {}),
      });
      return r.exitCode;
    }
    if (p[0] === "provision-token") return await provisionToken(api, io, v, hubUrl);
    if (cmd === "kiosk command") return await kioskCommand(api, io, { device: need(v.device, "--device"), type: v.type, wait: v.wait, json: v.json });
    if (cmd === "broker mosquitto-conf") return mosquittoConf(io, v);
    if (p[0] === "check-config") return checkConfig(io, v);
    io.stderr(`hubctl: unknown command ${JSON.stringify(p.join(" "))} (see hubctl --help)\n`);
    return EXIT.USAGE;
  } catch (err) {
    const exit = reportCliError(err, io, "hubctl", v.json === true);
    if (exit !== undefined) return exit;
    if (err instanceof ConfigFileError) {
      io.stderr(`${err.message}\n`);
      return 78;
    }
    throw err;
  }
}

if (isMainModule(import.meta.url)) {
  runHubctl(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    fetch: globalThis.fetch,
    isTTY: process.stderr.isTTY === true,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`hubctl: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT.FAILURE;
    },
  );
}
