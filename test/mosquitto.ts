// Starts a real Mosquitto broker on a free port for tests (and tells whether the binary exists).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { isRequired } from "./support/requires.js";

export function mosquittoBinary(): string | undefined {
  for (const candidate of ["mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]) {
    const r = spawnSync(candidate, ["-h"], { encoding: "utf8" });
    if (!r.error) return candidate;
  }
  return undefined;
}

/** True when CI or REQUIRE_MOSQUITTO=1 demands the Mosquitto suites (they must fail, not skip, when the binary is absent). */
export function mosquittoRequired(): boolean {
  return isRequired("mosquitto");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not open port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RunningMosquitto {
  port: number;
  url: string;
  /** The broker's process id (benches read its CPU time from /proc). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** A throwaway Mosquitto with anonymous access (the ACL'd production setup is tested in deploy/). */
export async function startMosquitto(extraConfig: string[] = [], port?: number): Promise<RunningMosquitto> {
  const bin = mosquittoBinary();
  if (!bin) throw new Error("mosquitto binary not found (apt-get install mosquitto)");
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "mosquitto-"));
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(conf, [`listener ${p} 127.0.0.1`, "allow_anonymous true", "persistence false", ...extraConfig].join("\n") + "\n");
  const child: ChildProcess = spawn(bin, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForPort(p, 10_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}: ${stderr}`);
  }
  return {
    port: p,
    url: `mqtt://127.0.0.1:${p}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The brokers every sync suite runs on: the embedded one always, Mosquitto when present (or required). */
export function brokerMatrix(): Array<{ name: string; external: boolean }> {
  const brokers = [{ name: "embedded aedes", external: false }];
  if (mosquittoBinary() !== undefined || mosquittoRequired()) brokers.push({ name: "real Mosquitto", external: true });
  return brokers;
}

export interface BrokerHandle {
  /** The running Mosquitto, or undefined for the embedded-broker variant. */
  current: RunningMosquitto | undefined;
  /** Stops Mosquitto and starts it again on the same port (a broker restart). */
  restart(): Promise<void>;
}

/** Inside a describe: starts a Mosquitto for the suite when `external`, and stops it after. */
export function useBroker(external: boolean): BrokerHandle {
  const handle: BrokerHandle = {
    current: undefined,
    restart: async () => {
      const running = handle.current;
      if (!running) throw new Error("no Mosquitto to restart");
      await running.stop();
      await new Promise((r) => setTimeout(r, 300));
      handle.current = await startMosquitto([], running.port);
    },
  };
  beforeAll(async () => {
    if (external) handle.current = await startMosquitto();
  });
  afterAll(async () => {
    await handle.current?.stop();
  });
  return handle;
}
