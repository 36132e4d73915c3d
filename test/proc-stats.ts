// Process figures from /proc for the cluster harness and benches: CPU seconds of a pid, child processes by command line, processes by executable.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Cumulative CPU seconds (user + system) of a process, from /proc; undefined when it is gone or not on Linux. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces), 1-based: utime is 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}
const CLK_TCK = 100;

/** Child processes of `ppid` whose command line contains `needle` (e.g. the Mosquitto a test started). */
export function childPids(ppid: number, needle: string): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const status = readFileSync(`/proc/${e}/status`, "utf8");
      const parent = /^PPid:\s+(\d+)/m.exec(status)?.[1];
      if (Number(parent) !== ppid) continue;
      if (readFileSync(`/proc/${e}/cmdline`, "utf8").includes(needle)) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every process whose executable is `name` (e.g. every postgres process of the machine). */
export function pidsByExe(name: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/exe`).endsWith(`/${name}`)) out.push(Number(e));
    } catch {
      // not ours to read, or gone
    }
  }
  return out;
}
