#!/usr/bin/env node
// kioskctl: the kiosk's command-line tool (status, provisioning, printer/scan/GPIO checks, resync, outbox).
//
//   node dist/device/cli.js status [--json]          (installed as /usr/local/bin/kioskctl)
//
// status and resync talk to the running service's local API; the hardware checks build the drivers
// from the kiosk's config themselves; outbox reads the ledger database read-only. Exit codes: see
// EXIT in device/cli/common.ts.
import { isMainModule, reportCliError } from "../runtime/cli-common.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../storage/sqlite.js";
import { KioskStore } from "./store.js";
import { CliError, DEFAULT_CONFIG, EXIT, loadConfig, localApi, type CliIo } from "./cli/common.js";
import { provision } from "./cli/provision.js";

export { EXIT };

const HELP = `kioskctl: operate a member kiosk

Usage: kioskctl <command> [options]

Commands:
  status                         the running service: broker and hub (presence, last ack, oldest unacked sale), config, outbox, drivers
  provision --hub URL --token T  redeem a one-time token from the hub (hubctl provision-token) and write
                                 the identity, the secret (0600), the broker CA and the config
            [--force]            replace an existing identity (the old ledger database is kept aside)
  print-test                     print a test receipt on the configured printer
  scan-test --file IMG           decode one image file with the kiosk's formats
  scan-test --camera [--timeout S]
                                 read the configured camera until a code is seen (default 15 s)
  gpio-test [--gate] [--button S]
                                 LEDs on/off, buzzer, door sensor; --gate also opens the gate,
                                 --button waits S seconds for a staff button press
  resync                         send the outbox and pull member changes now
  outbox [--limit N]             entries waiting for the hub (reads the ledger read-only)
  check-config                   validate the config file (+ KIOSK__... variables)

Options:
  --config FILE    kiosk config (env KIOSK_CONFIG, default ${DEFAULT_CONFIG})
  --url URL        the service's local API (default http://127.0.0.1:8081, env KIOSK_HTTP_PORT)
  --json           machine-readable output on stdout
  -v, --verbose    driver log lines on stderr
  -h, --help       this help

Exit codes: 0 ok, 1 failure, 2 usage, 3 not found or unreachable (service, hub, file, database),
4 check did not pass (unhealthy, no code seen, a GPIO step failed), 5 token refused, 78 invalid config.
`;

const OPTIONS = {
  config: { type: "string" },
  url: { type: "string" },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", short: "v", default: false },
  help: { type: "boolean", short: "h", default: false },
  hub: { type: "string" },
  token: { type: "string" },
  "secret-file": { type: "string" },
  "ca-file": { type: "string" },
  group: { type: "string" },
  force: { type: "boolean", default: false },
  file: { type: "string" },
  camera: { type: "boolean", default: false },
  timeout: { type: "string" },
  gate: { type: "boolean", default: false },
  button: { type: "string" },
  limit: { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

function seconds(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 3600) throw new CliError(EXIT.USAGE, "USAGE", `${flag}: bad number of seconds ${JSON.stringify(v)}`);
  return n;
}

interface Healthz {
  /** The broker connection only. */
  connected: boolean;
  /** The hub itself (device/health.ts HubHealth); absent from kiosks before it was added. */
  hub?: { level?: string; presence?: string; instance?: string; lastAckAgeMs?: number; oldestUnackedAgeMs?: number; message?: string };
  configVersion: number;
  lastSeq: number;
  ackedSeq: number;
  outboxDepth: number;
  members: number;
  clockOffsetMs: number;
  drivers: Array<{ component?: string; driver?: string; level?: string; errorCode?: string; message?: string }>;
}

async function status(io: CliIo, v: Values, base: string): Promise<number> {
  const h = await localApi<Healthz>(io, base, "GET", "/healthz");
  const bad = (h.drivers ?? []).filter((d) => d.level === "down");
  const hubOnline = h.hub === undefined ? h.connected : h.hub.presence === "online";
  const healthy = h.connected && hubOnline && bad.length === 0;
  const age = (ms: number | undefined): string => (ms === undefined ? "-" : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);
  if (v.json) io.stdout(`${JSON.stringify({ healthy, ...h })}\n`);
  else {
    io.stdout(
      [
        `broker      ${h.connected ? "connected" : "NOT CONNECTED (selling offline)"}`,
        ...(h.hub
          ? [
              `hub         ${hubOnline ? "online" : `${(h.hub.presence ?? "unknown").toUpperCase()} (selling offline)`}${h.hub.instance ? ` (${h.hub.instance})` : ""}; last ack ${age(h.hub.lastAckAgeMs)} ago; oldest unacknowledged sale ${age(h.hub.oldestUnackedAgeMs)}`,
              ...(h.hub.level !== "ok" && h.hub.message ? [`            ${h.hub.message}`] : []),
            ]
          : []),
        `config      version ${h.configVersion}`,
        `ledger      last ${h.lastSeq}, acknowledged ${h.ackedSeq}, outbox ${h.outboxDepth}`,
        `members     ${h.members} cached`,
        `clock       offset ${h.clockOffsetMs} ms`,
        ...(h.drivers ?? []).map(
          (d) =>
            `${(d.component ?? "?").padEnd(11)} ${d.level ?? "?"} (${d.driver ?? "?"})${d.errorCode ? ` ${d.errorCode}` : ""}${d.message ? `: ${d.message}` : ""}`,
        ),
      ].join("\n") + "\n",
    );
  }
  return healthy ? EXIT.OK : EXIT.CHECK_FAILED;
}

async function outbox(io: CliIo, v: Values, configPath: string): Promise<number> {
  const config = loadConfig(configPath, io.env);
  const path = join(config.dataDir, "kiosk.db");
  if (!existsSync(path)) throw new CliError(EXIT.NOT_FOUND, "LEDGER_NOT_FOUND", `no ledger database at ${path}`);
  const limit = Math.floor(seconds(v.limit, "--limit", 20));
  const db = await openDatabase(path, { readonly: true });
  try {
    const store = new KioskStore(db);
    const acked = store.ackedSeq();
    const last = store.lastSeq();
    const depth = store.outboxDepth();
    // The waiting rows as stored (not through the schema, as KioskStore.pending reads them: a row that no longer parses is shown too).
    const entries = db
      .prepare("SELECT seq, type, at, config_version FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?")
      .all<{ seq: number; type: string; at: number; config_version: number }>(acked, limit)
      .map((e) => ({ seq: e.seq, type: e.type, at: new Date(e.at).toISOString(), configVersion: e.config_version }));
    if (v.json) io.stdout(`${JSON.stringify({ lastSeq: last, ackedSeq: acked, depth, entries })}\n`);
    else {
      io.stdout(`outbox ${depth} (last seq ${last}, acknowledged ${acked})\n`);
      for (const e of entries) io.stdout(`  ${String(e.seq).padStart(8)}  ${e.type.padEnd(16)} ${e.at}  config v${e.configVersion}\n`);
      if (depth > entries.length) io.stdout(`  ... ${depth - entries.length} more\n`);
    }
    return EXIT.OK;
  } finally {
    db.close();
  }
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

/** Runs one kioskctl command; returns the exit code (never calls process.exit). */
export async function runKioskctl(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    io.stderr(`kioskctl: ${(err as Error).message}\n(see kioskctl --help)\n`);
    return EXIT.USAGE;
  }
  const { values: v, positionals: p } = parsed;
  if (v.help || p.length === 0) {
    io.stdout(HELP);
    return v.help ? EXIT.OK : EXIT.USAGE;
  }
  const configPath = v.config ?? io.env.KIOSK_CONFIG ?? DEFAULT_CONFIG;
  const base = v.url ?? `http://127.0.0.1:${io.env.KIOSK_HTTP_PORT ?? "8081"}`;
  const out = (json: unknown, text: string): void => io.stdout(v.json ? `${JSON.stringify(json)}\n` : text);
  try {
    switch (p[0]) {
      case "status":
        return await status(io, v, base);
      case "provision": {
        if (!v.hub || !v.token) throw new CliError(EXIT.USAGE, "USAGE", "provision needs --hub URL and --token T");
        const dir = configPath.includes("/") ? configPath.slice(0, configPath.lastIndexOf("/")) : ".";
        const r = await provision(io, {
          hub: v.hub,
          token: v.token,
          config: configPath,
          secretFile: v["secret-file"] ?? join(dir, "device-secret"),
          caFile: v["ca-file"] ?? join(dir, "ca.pem"),
          force: v.force,
          group: v.group ?? "member-kiosk",
        });
        out(
          r,
          `provisioned ${r.chainId}/${r.storeId}/${r.deviceId}; broker ${r.brokerUrl}\n  config ${r.config}\n  secret ${r.secretFile} (0600)\n${r.caFile ? `  CA     ${r.caFile}\n` : ""}${r.movedAside.map((m) => `  old ledger kept at ${m}\n`).join("")}then: systemctl restart member-kiosk\n`,
        );
        return EXIT.OK;
      }
      case "print-test": {
        // Hardware modules load only for the checks that need them.
        const { printTest } = await import("./cli/hardware.js");
        const r = await printTest(io, loadConfig(configPath, io.env), v.verbose);
        const st = r.outcome.status;
        out(
          r,
          `printed ${r.outcome.bytes} bytes on ${r.transport} in ${r.outcome.attempts} attempt(s)${st?.supported ? `; paper ${st.paperOut ? "OUT" : st.paperLow ? "low" : "ok"}` : ""}\n`,
        );
        return EXIT.OK;
      }
      case "scan-test": {
        const config = loadConfig(configPath, io.env);
        if (!v.file && !v.camera) throw new CliError(EXIT.USAGE, "USAGE", "scan-test needs --file IMG or --camera");
        const { scanCamera, scanFile } = await import("./cli/hardware.js");
        const r = v.file ? await scanFile(config, v.file) : await scanCamera(io, config, seconds(v.timeout, "--timeout", 15) * 1000, v.verbose);
        out(
          r,
          r.symbols.length === 0
            ? `no code found in ${r.source} (${r.ms} ms)\n`
            : r.symbols.map((s) => `${s.kind.padEnd(8)} ${s.format.padEnd(8)} ${s.text}\n`).join("") + `(${r.ms} ms)\n`,
        );
        return r.symbols.length > 0 ? EXIT.OK : EXIT.CHECK_FAILED;
      }
      case "gpio-test": {
        const { gpioTest } = await import("./cli/hardware.js");
        const r = await gpioTest(io, loadConfig(configPath, io.env), {
          gate: v.gate,
          buttonWaitMs: seconds(v.button, "--button", 0) * 1000,
          verbose: v.verbose,
        });
        out(r, `GPIO driver ${r.driver}\n` + r.steps.map((s) => `  ${s.ok ? "ok  " : "FAIL"} ${s.step}${s.detail ? `: ${s.detail}` : ""}\n`).join(""));
        return r.steps.every((s) => s.ok) ? EXIT.OK : EXIT.CHECK_FAILED;
      }
      case "resync": {
        const r = await localApi<{ connected: boolean; outboxDepth: number }>(io, base, "POST", "/sync/resync");
        out(r, r.connected ? `resync requested; outbox ${r.outboxDepth}\n` : `not connected to the hub; outbox ${r.outboxDepth} will be sent on reconnect\n`);
        return r.connected ? EXIT.OK : EXIT.CHECK_FAILED;
      }
      case "outbox":
        return await outbox(io, v, configPath);
      case "check-config": {
        const c = loadConfig(configPath, io.env);
        out({ ok: true, chainId: c.chainId, storeId: c.storeId, deviceId: c.deviceId }, `ok: ${c.chainId}/${c.storeId}/${c.deviceId}, hub ${c.hub.url}\n`);
        return EXIT.OK;
      }
      default:
        io.stderr(`kioskctl: unknown command ${JSON.stringify(p.join(" "))} (see kioskctl --help)\n`);
        return EXIT.USAGE;
    }
  } catch (err) {
    const exit = reportCliError(err, io, "kioskctl", v.json === true);
    if (exit !== undefined) return exit;
    throw err;
  }
}

if (isMainModule(import.meta.url)) {
  runKioskctl(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    fetch: globalThis.fetch,
  }).then(
    (code) => {
      process.exitCode = code;
      // Drivers (workers, child processes) must not keep a finished command alive.
      setTimeout(() => process.exit(code), 200).unref();
    },
    (err: unknown) => {
      process.stderr.write(`kioskctl: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT.FAILURE;
    },
  );
}
