// A real kiosk process killed with SIGKILL between checkouts and started again: the hub neither loses nor duplicates a sale.
import { describe, it, expect, afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../runtime/log.js";
import { createMemberCode } from "../protocol/member-code.js";
import { generateKeyPair, type KeyPair } from "../protocol/signing.js";
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
  await poll(
    () => getJson<Session>(`${k.url}/session`),
    (s) => s.state === "shopping",
    "member identified",
  );
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
        writeFileSync(
          configFile,
          JSON.stringify({ ...base, logLevel: "warn", scan: { ...base.scan, source: { driver: "folder", path: frames, intervalMs: 50 } } }),
        );

      write(frames1);
      const first = await spawnKiosk(configFile, frames1);
      await poll(
        () => getJson<{ configVersion: number; members: number }>(`${first.url}/healthz`),
        (h) => h.configVersion > 0 && h.members > 0,
        "kiosk synced",
      );
      let points = await checkout(first, keys, ["6901234560015", "6901234560015"]);
      points += await checkout(first, keys, ["6901234560039", "6901234560046"]);
      // Killed right after the second sale was committed: it may or may not have reached the hub.
      first.child.kill("SIGKILL");
      await new Promise((r) => first.child.once("exit", r));

      write(frames2);
      const second = await spawnKiosk(configFile, frames2);
      await poll(
        () => getJson<{ connected: boolean }>(`${second.url}/healthz`),
        (h) => h.connected,
        "kiosk reconnected",
      );
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

describe("kiosk process killed with SIGKILL in the middle of 500 checkouts", () => {
  it("ends with the hub holding exactly the sales the kiosk committed", async () => {
    const sub = join(dir, "load");
    mkdirSync(sub);
    const hub = await startDemoHub({ dataDir: sub, brokerPort: await freePort() }, systemClock, createLogger("kill", { destination: new MemoryLogSink() }));
    try {
      seedDemo(hub, sub);
      const members: Array<{ cardId: string; keys: KeyPair; second: number }> = [];
      for (let i = 0; i < 20; i++) {
        const keys = generateKeyPair();
        hub.members.create({ memberId: `L${i}`, cardId: `CL${i}`, name: "load", levelId: "gold", cardClass: "standard", cardPublicKey: keys.publicKey });
        members.push({ cardId: `CL${i}`, keys, second: 0 });
      }
      const base = provisionDemoKiosk(hub, sub);
      const configFile = join(sub, "kiosk.json");
      writeFileSync(configFile, JSON.stringify({ ...base, logLevel: "warn", scan: { ...base.scan, decoder: "inline" } }));
      // A fresh code per checkout: each card walks back one second per use, inside the 60 s window.
      const code = (i: number): string => {
        const m = members[i % members.length]!;
        const now = Math.floor(Date.now() / 1000);
        m.second = m.second === 0 || m.second <= now - 50 ? now : m.second - 1;
        return createMemberCode(m.cardId, m.keys, m.second * 1000);
      };
      const post = (k: KioskProcess, path: string, body: unknown) =>
        fetch(`${k.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const one = async (k: KioskProcess, i: number, awaitFinish = true): Promise<void> => {
        const who = (await (await post(k, "/session/scan", { text: code(i) })).json()) as { kind: string };
        if (who.kind !== "member") throw new Error(`checkout ${i}: member refused ${JSON.stringify(who)}`);
        for (const b of i % 2 === 0 ? ["6901234560015"] : ["6901234560022", "6901234560046"]) await post(k, "/session/scan", { text: b });
        const finishing = post(k, "/session/finish", {});
        if (awaitFinish) {
          const r = await finishing;
          if (!r.ok) throw new Error(`checkout ${i}: ${r.status} ${await r.text()}`);
        } else {
          finishing.catch(() => undefined);
        }
      };

      let k = await spawnKiosk(configFile, join(sub, "unused"));
      await poll(
        () => getJson<{ members: number; configVersion: number }>(`${k.url}/healthz`),
        (h) => h.members >= 21 && h.configVersion > 0,
        "kiosk synced",
      );
      for (let i = 0; i < 250; i++) await one(k, i);
      // Killed while the 251st payment is being committed.
      await one(k, 250, false);
      k.child.kill("SIGKILL");
      await new Promise((r) => k.child.once("exit", r));

      k = await spawnKiosk(configFile, join(sub, "unused"));
      await poll(
        () => getJson<{ connected: boolean }>(`${k.url}/healthz`),
        (h) => h.connected,
        "kiosk reconnected",
      );
      await post(k, "/session/cancel", {});
      for (let i = 251; i < 500; i++) await one(k, i);
      const health = await poll(
        () => getJson<{ lastSeq: number; ackedSeq: number; outboxDepth: number }>(`${k.url}/healthz`),
        (h) => h.outboxDepth === 0 && h.ackedSeq === h.lastSeq,
        "everything acknowledged",
      );
      // 499 or 500 committed sales, depending on whether the kill came before or after the commit.
      expect(health.lastSeq).toBeGreaterThanOrEqual(499);
      expect(health.lastSeq).toBeLessThanOrEqual(500);
      await waitUntil(() => hub.ingest.totals().sales === health.lastSeq, "hub has every committed sale");
      expect(hub.ingest.stats.rejected).toBe(0);
      k.child.kill("SIGTERM");
      await new Promise((r) => k.child.once("exit", r));
    } finally {
      await hub.stop();
    }
  }, 240_000);
});
