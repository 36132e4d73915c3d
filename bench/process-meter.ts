// What the sync benches measure about processes: another process's CPU time (from /proc), this one's, and a CPU profile of a window.
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) a process has used so far; undefined where /proc is not readable. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at ") "; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** This process's CPU time (user + system, ms) since `start`. */
export function ownCpuMs(start: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1000;
}

/** A CPU profile of this process between start() and stop(file) (the V8 sampling profiler, written as a .cpuprofile). */
export class WindowProfiler {
  private readonly session = new Session();

  async start(intervalUs = 500): Promise<void> {
    this.session.connect();
    await this.session.post("Profiler.enable");
    await this.session.post("Profiler.setSamplingInterval", { interval: intervalUs });
    await this.session.post("Profiler.start");
  }

  async stop(file: string): Promise<void> {
    const { profile } = await this.session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    this.session.disconnect();
  }
}
