// The real clock-sync source: systemd-timesyncd's flag file, else timedated's NTPSynchronized (any NTP daemon: it reflects the kernel's adjtimex state).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import type { ClockSyncReading, ClockSyncSource } from "./types.js";

export interface TimesyncdOptions {
  /** Created by systemd-timesyncd once it has synchronised since boot (systemd >= 239). */
  syncFile: string;
  /** The timedatectl binary (a path in tests). */
  timedatectl: string;
  /** Per call (ms), so a hung D-Bus never stalls the poll. */
  timeoutMs?: number;
}

export class TimesyncdClockSync implements ClockSyncSource {
  readonly driver = "timesyncd" as const;
  constructor(private readonly opts: TimesyncdOptions) {}

  async read(): Promise<ClockSyncReading> {
    if (existsSync(this.opts.syncFile)) return { synchronised: true, detail: this.opts.syncFile };
    const answer = await this.timedatectl();
    if (answer.value === "yes") return { synchronised: true, detail: "timedatectl: NTPSynchronized=yes" };
    if (answer.value === "no") return { synchronised: false, detail: `no ${this.opts.syncFile}; timedatectl: NTPSynchronized=no` };
    return { synchronised: false, detail: `no ${this.opts.syncFile}; timedatectl gave no answer (${answer.error})` };
  }

  private timedatectl(): Promise<{ value?: string; error?: string }> {
    return new Promise((resolve) => {
      execFile(
        this.opts.timedatectl,
        ["show", "-p", "NTPSynchronized", "--value"],
        { timeout: this.opts.timeoutMs ?? 3_000, maxBuffer: 4096 },
        (err, stdout) => {
          if (err) return resolve({ error: err.message.split("\n")[0]!.slice(0, 200) });
          const value = stdout.trim();
          resolve(value === "yes" || value === "no" ? { value } : { error: `unexpected output ${JSON.stringify(value.slice(0, 40))}` });
        },
      );
    });
  }
}
