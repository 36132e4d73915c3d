// Starts a real Mosquitto broker on a free port for tests (and tells whether the binary exists).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function mosquittoBinary(): string | undefined {
  for (const candidate of ["mosquitto", "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]) {
    const r = spawnSync(candidate, ["-h"], { encoding: "utf8" });
    if (!r.error) return candidate;
  }
  return undefined;
}

/** True when CI demands the Mosquitto suites (they must fail, not skip, when the binary is absent). */
export function mosquittoRequired(): boolean {
  return process.env.REQUIRE_MOSQUITTO === "1";
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
