// sd_notify through systemd-notify against a real unix datagram listener; watchdog pings at half WATCHDOG_USEC only while healthy.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Clock } from "../health.js";
import { createMemoryLogger } from "../../runtime/testing/memory-logger.js";
import { createSystemdService } from "./create-systemd.js";
import { RecordingNotifyTransport, SystemdNotifyTransport } from "./systemd-notify.js";
import { SystemdService, watchdogUsec } from "./watchdog.js";
import { requireTool } from "../../test/support/requires.js";

const here = dirname(fileURLToPath(import.meta.url));

interface Listener {
  socket: string;
  messages: { msg: string; pid: number | null; fds: number }[];
  proc: ChildProcess;
  dir: string;
}

async function startListener(): Promise<Listener> {
  const dir = mkdtempSync(join(tmpdir(), "notify-"));
  const socket = join(dir, "notify.sock");
  const proc = spawn("python3", [join(here, "testing/notify-listener.py"), socket], { stdio: ["ignore", "pipe", "inherit"] });
  const messages: Listener["messages"] = [];
  await new Promise<void>((resolve, reject) => {
    proc.once("error", reject);
    createInterface({ input: proc.stdout! }).on("line", (l) => {
      const m = JSON.parse(l) as { listening?: string; msg?: string; pid: number | null; fds: number };
      if (m.listening) resolve();
      else if (m.msg !== undefined) messages.push({ msg: m.msg, pid: m.pid, fds: m.fds });
    });
  });
  return { socket, messages, proc, dir };
}

function stopListener(l: Listener): void {
  l.proc.kill();
  rmSync(l.dir, { recursive: true, force: true });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > ms) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const realClock: Clock = { now: () => Date.now() };

// The listener is a python3 script (Node has no unix datagram sockets); the transport runs systemd-notify.
requireTool("systemd-notify", "python3").describe("systemd-notify transport (real datagram listener)", () => {
  let l: Listener;
  beforeEach(async () => {
    l = await startListener();
  });
  afterEach(() => stopListener(l));

  it("delivers READY=1, WATCHDOG=1 and STOPPING=1 as datagrams on NOTIFY_SOCKET", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NOTIFY_SOCKET: l.socket, WATCHDOG_USEC: "400000" };
    delete env.WATCHDOG_PID;
    const transport = new SystemdNotifyTransport({ env, logger: createMemoryLogger() });
    expect(transport.enabled).toBe(true);
    let healthy = true;
    const svc = new SystemdService({ transport, logger: createMemoryLogger(), clock: realClock, env, isHealthy: () => healthy });
    expect(svc.intervalMs).toBe(200);
    await svc.ready("serving");
    await until(() => l.messages.filter((m) => m.msg === "WATCHDOG=1").length >= 2);
    healthy = false;
    const pingsWhenSick = l.messages.filter((m) => m.msg === "WATCHDOG=1").length;
    await new Promise((r) => setTimeout(r, 700));
    expect(l.messages.filter((m) => m.msg === "WATCHDOG=1").length).toBeLessThanOrEqual(pingsWhenSick + 1);
    expect(svc.skipped).toBeGreaterThanOrEqual(2);
    await svc.stopping();
    await until(() => l.messages.some((m) => m.msg === "STOPPING=1"));
    const msgs = l.messages.map((m) => m.msg).filter((m) => m !== "BARRIER=1");
    expect(msgs[0]).toBe("READY=1\nSTATUS=serving");
    expect(msgs[msgs.length - 1]).toBe("STOPPING=1");
    // systemd-notify waits for the manager (BARRIER=1 with a pipe fd, which the listener closes).
    expect(l.messages.some((m) => m.msg === "BARRIER=1" && m.fds === 1)).toBe(true);
    expect(svc.health()).toMatchObject({ component: "watchdog", level: "ok", metrics: { intervalMs: 200 } });
  });

  it("the factory honours notify: off, and otherwise notifies through systemd-notify", async () => {
    const off = createSystemdService(
      { notify: "off" },
      { logger: createMemoryLogger(), clock: realClock, env: { NOTIFY_SOCKET: l.socket }, isHealthy: () => true },
    );
    await off.ready();
    expect(off.health().level).toBe("disabled");
    const on = createSystemdService(
      {},
      { logger: createMemoryLogger(), clock: realClock, env: { ...process.env, NOTIFY_SOCKET: l.socket }, isHealthy: () => true },
    );
    await on.ready("up");
    await until(() => l.messages.some((m) => m.msg === "READY=1\nSTATUS=up"));
    expect(l.messages.filter((m) => m.msg.startsWith("READY=1")).length).toBe(1);
    await on.stopping();
  });

  it("is a no-op without NOTIFY_SOCKET, and names a missing binary", async () => {
    const off = new SystemdNotifyTransport({ env: {}, logger: createMemoryLogger() });
    expect(off.enabled).toBe(false);
    await off.send({ READY: "1" });
    const missing = new SystemdNotifyTransport({ env: { NOTIFY_SOCKET: l.socket }, binary: "/nonexistent/systemd-notify", logger: createMemoryLogger() });
    await expect(missing.send({ READY: "1" })).rejects.toMatchObject({ code: "NOTIFY_BINARY_MISSING" });
    expect(l.messages).toEqual([]);
  });
});

describe("watchdog timing (fake timers)", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("pings at half WATCHDOG_USEC while healthy, skips when the loop stalled", async () => {
    const transport = new RecordingNotifyTransport();
    let healthy = true;
    const clock: Clock = { now: () => Date.now() };
    const svc = new SystemdService({ transport, logger: createMemoryLogger(), clock, env: { WATCHDOG_USEC: "10000000" }, isHealthy: () => healthy });
    await svc.ready();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(transport.sent.filter((s) => s.WATCHDOG).length).toBe(3);
    healthy = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(transport.sent.filter((s) => s.WATCHDOG).length).toBe(3);
    healthy = true;
    // The loop is blocked for 12 s: the late tick must not vouch for it.
    vi.setSystemTime(Date.now() + 12_000);
    await vi.advanceTimersByTimeAsync(5000);
    expect(transport.sent.filter((s) => s.WATCHDOG).length).toBe(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(transport.sent.filter((s) => s.WATCHDOG).length).toBe(4);
    await svc.stopping();
    expect(transport.sent[transport.sent.length - 1]).toEqual({ STOPPING: "1" });
  });

  it("honours WATCHDOG_PID and rejects a malformed WATCHDOG_USEC", () => {
    expect(watchdogUsec({ WATCHDOG_USEC: "30000000" }, 42)).toBe(30_000_000);
    expect(watchdogUsec({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "41" }, 42)).toBeUndefined();
    expect(watchdogUsec({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "42" }, 42)).toBe(30_000_000);
    expect(watchdogUsec({})).toBeUndefined();
    expect(() => watchdogUsec({ WATCHDOG_USEC: "soon" })).toThrow(expect.objectContaining({ code: "WATCHDOG_USEC_INVALID" }));
  });
});
