// The real service entry points as systemd runs them: the kiosk's READY/WATCHDOG/STOPPING on a notify socket, /metrics on both, env overrides, config and secret errors exit 78.
import { describe, it, expect, afterEach } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { waitUntil } from "../scripts/demo-env.js";
import { requireTool } from "./support/requires.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const notify = requireTool("systemd-notify", "python3");

interface Proc {
  child: ChildProcess;
  lines: string[];
  stderr: () => string;
  exit: Promise<number | null>;
}

function start(entry: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], { cwd: repo, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let err = "";
  createInterface({ input: child.stdout! }).on("line", (l) => lines.push(l));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, lines, stderr: () => err, exit };
}

const dirs: string[] = [];
const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill("SIGKILL");
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "svc-"));
  dirs.push(d);
  return d;
}

function kioskConfig(dir: string): string {
  writeFileSync(join(dir, "secret"), "device-secret-0123456789", { mode: 0o600 });
  const file = join(dir, "kiosk.json");
  writeFileSync(
    file,
    JSON.stringify({
      chainId: "acme",
      storeId: "s01",
      deviceId: "k1",
      dataDir: join(dir, "data"),
      // Nobody listens there: the kiosk must serve (and sell) anyway.
      hub: { url: "mqtt://127.0.0.1:9", username: "k1", passwordFile: join(dir, "secret"), trustedKeys: {} },
      scan: { source: { driver: "simulated" }, decoder: "inline" },
    }),
  );
  return file;
}

describe("kiosk service (device/main.ts)", () => {
  it.runIf(notify.run)("tells systemd READY=1, pings the watchdog, serves /metrics and says STOPPING=1 on SIGTERM", async () => {
    const dir = tmp();
    const socket = join(dir, "notify.sock");
    const listener = spawn("python3", [join(repo, "device/systemd/testing/notify-listener.py"), socket], { stdio: ["ignore", "pipe", "inherit"] });
    procs.push(listener);
    const messages: string[] = [];
    await new Promise<void>((resolve) => {
      createInterface({ input: listener.stdout! }).on("line", (l) => {
        const m = JSON.parse(l) as { listening?: string; msg?: string };
        if (m.listening) resolve();
        else if (m.msg !== undefined) messages.push(m.msg);
      });
    });
    const k = start("device/main.ts", ["--config", kioskConfig(dir), "--http-port", "0"], {
      NOTIFY_SOCKET: socket,
      WATCHDOG_USEC: "1000000",
      KIOSK__LOG_LEVEL: "warn",
    });
    procs.push(k.child);
    await waitUntil(() => messages.some((m) => m.startsWith("READY=1")), `READY=1 (stderr: ${k.stderr()})`, 20_000);
    await waitUntil(() => messages.filter((m) => m === "WATCHDOG=1").length >= 2, "watchdog pings", 10_000);
    const port = k.lines.find((l) => l.startsWith("KIOSK_HTTP_PORT="))?.split("=")[1];
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain("kiosk_sync_connected 0");
    expect(metrics).toContain('kiosk_driver_health{component="watchdog",level="ok"} 1');
    // KIOSK__LOG_LEVEL=warn: no info lines.
    expect(k.lines.filter((l) => l.includes('"level":30'))).toEqual([]);
    k.child.kill("SIGTERM");
    expect(await k.exit).toBe(0);
    await waitUntil(() => messages.includes("STOPPING=1"), "STOPPING=1");
  });

  it("exits 78 naming the bad field, the bad variable or the missing secret", async () => {
    const dir = tmp();
    const file = kioskConfig(dir);
    const bad = start("device/main.ts", ["--config", file], { KIOSK__HUB__URL: "http://nope", KIOSK__SYSTEMD__NOTIFY: "off" });
    expect(await bad.exit).toBe(78);
    expect(bad.stderr()).toContain("hub.url (from KIOSK__HUB__URL): must start with mqtt");
    rmSync(join(dir, "secret"));
    const missing = start("device/main.ts", ["--config", file], {});
    expect(await missing.exit).toBe(78);
    expect(missing.stderr()).toMatch(/cannot read device secret from .*secret \(ENOENT\)/);
  });
});

describe("hub service (hub/main.ts)", () => {
  it("takes HUB__ overrides, serves /metrics, and exits 78 on a bad variable", async () => {
    const dir = tmp();
    const file = join(dir, "hub.json");
    writeFileSync(
      file,
      JSON.stringify({ chainId: "acme", dataDir: join(dir, "hub"), http: { host: "127.0.0.1", port: 1 }, broker: { mode: "embedded", port: 0 } }),
    );
    const h = start("hub/main.ts", ["--config", file], { HUB__HTTP__PORT: "0" });
    procs.push(h.child);
    await waitUntil(() => h.lines.some((l) => l.includes('"hub started"')), `hub started (stderr: ${h.stderr()})`, 20_000);
    const url = (JSON.parse(h.lines.find((l) => l.includes('"hub started"'))!) as { http: string }).http;
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const name of ["hub_ingest_entries_total", "hub_devices", "hub_process_cpu_seconds_total"]) expect(metrics).toContain(name);
    h.child.kill("SIGTERM");
    expect(await h.exit).toBe(0);

    const bad = start("hub/main.ts", ["--config", file], { HUB__HTTP__PORT: "eighty" });
    expect(await bad.exit).toBe(78);
    expect(bad.stderr()).toContain("HUB__HTTP__PORT: expected a number");
  });
});
