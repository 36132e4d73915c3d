// A real kiosk process killed with SIGKILL between checkouts and started again: the hub neither loses nor duplicates a sale.
import { describe, it, expect, afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../protocol/log.js";
import { DEMO, DEMO_DUPLICATE_WINDOW_MS, memberCodePng, productPng, provisionDemoKiosk, seedDemo, startDemoHub, waitUntil } from "../scripts/demo-env.js";
import { freePort } from "./mosquitto.js";

const dir = mkdtempSync(join(tmpdir(), "kiosk-kill-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

interface KioskProcess {
  child: ChildProcess;
  url: string;
  frames: string;
  counter: number;
}

async function spawnKiosk(configFile: string, frames: string): Promise<KioskProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "device/main.ts", "--config", configFile, "--http-port", "0"], {
    cwd: join(import.meta.dirname, ".."),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`kiosk did not start: ${stderr}`)), 30_000);
    child.stdout?.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = /KIOSK_HTTP_PORT=(\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`kiosk exited with ${code}: ${stderr}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, frames, counter: 0 };
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Drops an image into the camera folder (atomically: write, then rename to .png). */
async function drop(k: KioskProcess, png: Uint8Array): Promise<void> {
  // Like taking an item away and showing it again: longer than the duplicate-scan window.
  await new Promise((r) => setTimeout(r, DEMO_DUPLICATE_WINDOW_MS + 50));
  const name = String(++k.counter).padStart(4, "0");
  const tmp = join(k.frames, `${name}.part`);
  writeFileSync(tmp, png);
  renameSync(tmp, join(k.frames, `${name}.png`));
}

async function poll<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Session = { state: string; lines?: Array<{ qty: number }> };

async function checkout(k: KioskProcess, keys: Parameters<typeof memberCodePng>[0], barcodes: string[]): Promise<number> {
  await drop(k, await memberCodePng(keys, systemClock));
  await poll(() => getJson<Session>(`${k.url}/session`), (s) => s.state === "shopping", "member identified");
  for (let i = 0; i < barcodes.length; i++) {
    await drop(k, await productPng(barcodes[i]!));
    await poll(
      () => getJson<Session>(`${k.url}/session`),
      (s) => (s.lines ?? []).reduce((n, l) => n + l.qty, 0) === i + 1,
      "product added",
    );
  }
  const done = await getJson<{ totals: { pointsEarned: number } }>(`${k.url}/session/finish`, { method: "POST" });
  return done.totals.pointsEarned;
}

describe("kiosk process killed with SIGKILL", () => {
  it("neither loses nor duplicates a sale at the hub", async () => {
    const sink = new MemoryLogSink();
    const hub = await startDemoHub({ dataDir: dir, brokerPort: await freePort() }, systemClock, createLogger("kill", { destination: sink }));
    try {
      const { keys } = seedDemo(hub, dir);
      const frames1 = join(dir, "frames-1");
      const frames2 = join(dir, "frames-2");
      mkdirSync(frames1);
      mkdirSync(frames2);
      const base = provisionDemoKiosk(hub, dir);
      const configFile = join(dir, "kiosk.json");
      const write = (frames: string): void =>
        writeFileSync(configFile, JSON.stringify({ ...base, logLevel: "warn", scan: { ...base.scan, source: { driver: "folder", path: frames, intervalMs: 50 } } }));

      write(frames1);
      const first = await spawnKiosk(configFile, frames1);
      await poll(() => getJson<{ configVersion: number; members: number }>(`${first.url}/healthz`), (h) => h.configVersion > 0 && h.members > 0, "kiosk synced");
      let points = await checkout(first, keys, ["6901234560015", "6901234560015"]);
      points += await checkout(first, keys, ["6901234560039", "6901234560046"]);
      // Killed right after the second sale was committed: it may or may not have reached the hub.
      first.child.kill("SIGKILL");
      await new Promise((r) => first.child.once("exit", r));

      write(frames2);
      const second = await spawnKiosk(configFile, frames2);
      await poll(() => getJson<{ connected: boolean }>(`${second.url}/healthz`), (h) => h.connected, "kiosk reconnected");
      points += await checkout(second, keys, ["6901234560022"]);
      const health = await poll(
        () => getJson<{ lastSeq: number; ackedSeq: number; outboxDepth: number }>(`${second.url}/healthz`),
        (h) => h.lastSeq === 3 && h.ackedSeq === 3 && h.outboxDepth === 0,
        "everything acknowledged",
      );
      expect(health.lastSeq).toBe(3);
      await waitUntil(() => hub.ingest.totals().sales === 3, "hub has 3 sales");
      expect(hub.ingest.totals()).toMatchObject({ sales: 3, pointsEarned: points });
      expect(hub.members.get(DEMO.memberId)?.pointsBalance).toBe(points);
      second.child.kill("SIGTERM");
      const code = await new Promise((r) => second.child.once("exit", r));
      expect(code).toBe(0);
    } finally {
      await hub.stop();
    }
  }, 90_000);
});
