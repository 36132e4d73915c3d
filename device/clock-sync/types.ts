// The clock-sync source interface (is the system clock NTP-synchronised?) and its config schema; drivers: timesyncd.ts (real), simulated.ts.
import { z } from "zod";

/** One answer from a source: synchronised or not, and what it was read from (for health and logs). */
export interface ClockSyncReading {
  synchronised: boolean;
  /** What was read: "/run/systemd/timesync/synchronized", "timedatectl: NTPSynchronized=no", "simulated". */
  detail: string;
}

export interface ClockSyncSource {
  readonly driver: "timesyncd" | "simulated";
  /** Never throws: a source that cannot tell answers `synchronised: false` with the reason. */
  read(): Promise<ClockSyncReading>;
}

export const clockConfigSchema = z.discriminatedUnion("driver", [
  z.object({
    /** The Pi's own view: /run/systemd/timesync/synchronized (timesyncd), else `timedatectl show -p NTPSynchronized`. */
    driver: z.literal("timesyncd"),
    syncFile: z.string().min(1).default("/run/systemd/timesync/synchronized"),
    timedatectl: z.string().min(1).default("timedatectl"),
    /** How often to ask (ms). */
    pollMs: z.number().int().min(1_000).max(3_600_000).default(30_000),
  }),
  z.object({
    /** For tests and desks without systemd: reports what it is set to. */
    driver: z.literal("simulated"),
    synchronised: z.boolean().default(true),
    pollMs: z.number().int().min(1_000).max(3_600_000).default(30_000),
  }),
]);
export type ClockConfig = z.infer<typeof clockConfigSchema>;
