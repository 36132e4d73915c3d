// Clock-sync sources (the real timesyncd/timedatectl driver against a fake binary and flag file, the simulated one) and the clock status they feed.
import { describe, it, expect, afterEach } from "vitest";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock, OffsetClock } from "../../protocol/clock.js";
import { createLogger, MemoryLogSink } from "../../runtime/log.js";
import { ManualTimers } from "../session/testing/manual-timers.js";
import { ClockStatus, SimulatedClockSync, TimesyncdClockSync, createClockSync, clockConfigSchema } from "./index.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "clock-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A timedatectl that prints `answer` (or fails), recording its arguments. */
function fakeTimedatectl(dir: string, script: string): string {
  const path = join(dir, "timedatectl");
  writeFileSync(path, `#!/bin/sh\necho "$@" > "${dir}/args"\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("timesyncd clock-sync source", () => {
  it("is synchronised when timesyncd's flag file exists, without asking timedatectl", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "synchronized"), "");
    const src = new TimesyncdClockSync({ syncFile: join(dir, "synchronized"), timedatectl: fakeTimedatectl(dir, "exit 1") });
    expect(await src.read()).toEqual({ synchronised: true, detail: join(dir, "synchronized") });
  });

  it("asks timedatectl show -p NTPSynchronized --value when there is no flag file", async () => {
    const dir = tempDir();
    const syncFile = join(dir, "synchronized");
    expect(await new TimesyncdClockSync({ syncFile, timedatectl: fakeTimedatectl(dir, "echo no") }).read()).toMatchObject({
      synchronised: false,
      detail: expect.stringContaining("NTPSynchronized=no"),
    });
    expect(readFileSync(join(dir, "args"), "utf8").trim()).toBe("show -p NTPSynchronized --value");
    expect(await new TimesyncdClockSync({ syncFile, timedatectl: fakeTimedatectl(dir, "echo yes") }).read()).toEqual({
      synchronised: true,
      detail: "timedatectl: NTPSynchronized=yes",
    });
  });

  it("answers not synchronised, with the reason, when timedatectl is missing, fails or hangs", async () => {
    const dir = tempDir();
    const syncFile = join(dir, "synchronized");
    const missing = await new TimesyncdClockSync({ syncFile, timedatectl: join(dir, "nope") }).read();
    expect(missing).toMatchObject({ synchronised: false, detail: expect.stringContaining("gave no answer") });
    const garbage = await new TimesyncdClockSync({ syncFile, timedatectl: fakeTimedatectl(dir, "echo maybe") }).read();
    expect(garbage.detail).toContain("unexpected output");
    const hung = await new TimesyncdClockSync({ syncFile, timedatectl: fakeTimedatectl(dir, "sleep 5"), timeoutMs: 200 }).read();
    expect(hung.synchronised).toBe(false);
  });

  it("is chosen by config; the default is simulated and synchronised", () => {
    expect(createClockSync(clockConfigSchema.parse({ driver: "timesyncd" })).driver).toBe("timesyncd");
    expect(clockConfigSchema.parse({ driver: "timesyncd" })).toMatchObject({
      syncFile: "/run/systemd/timesync/synchronized",
      timedatectl: "timedatectl",
      pollMs: 30_000,
    });
    expect(createClockSync(clockConfigSchema.parse({ driver: "simulated" })).driver).toBe("simulated");
    expect(() => clockConfigSchema.parse({ driver: "ntpd" })).toThrow();
  });
});

describe("clock status", () => {
  function status(synchronised: boolean): { st: ClockStatus; src: SimulatedClockSync; clock: OffsetClock; timers: ManualTimers; base: ManualClock } {
    const base = new ManualClock(1_000_000);
    const clock = new OffsetClock(base);
    const timers = new ManualTimers(base);
    const src = new SimulatedClockSync(synchronised);
    return {
      st: new ClockStatus({ source: src, clock, timers, log: createLogger("clock-test", { destination: new MemoryLogSink() }), pollMs: 30_000 }),
      src,
      clock,
      timers,
      base,
    };
  }

  it("is unsynchronised (degraded, with the reason) without NTP and without the hub's time; hub-corrected once an offset is learned", async () => {
    const { st, clock } = status(false);
    expect(st.unsynchronised).toBe(false); // not read yet: not known to be bad
    await st.start();
    expect(st.state).toBe("unsynchronised");
    expect(st.unsynchronised).toBe(true);
    expect(st.health()).toMatchObject({
      component: "clock",
      level: "degraded",
      errorCode: "CLOCK_UNSYNCHRONISED",
      message: expect.stringContaining("no time from the hub"),
    });
    clock.setOffset(2 * 3600_000);
    expect(st.state).toBe("hub-corrected");
    expect(st.unsynchronised).toBe(false);
    expect(st.health()).toMatchObject({ level: "ok", metrics: { hubOffsetMs: 7_200_000 } });
    st.stop();
  });

  it("polls the source on its timer and notices NTP synchronising", async () => {
    const { st, src, timers } = status(false);
    await st.start();
    expect(st.state).toBe("unsynchronised");
    src.set(true);
    timers.advance(30_000);
    await new Promise((r) => setImmediate(r));
    expect(st.state).toBe("synchronised");
    expect(st.health().level).toBe("ok");
    st.stop();
    expect(timers.size).toBe(0);
  });
});
