// The fleet view: each kiosk's presence, last seen, config desired / applied, outbox, clock offset, driver health and software, from its last status message, with the console's filters (behind, offline > 10 min, errors).
import { z } from "zod";
import type { DeviceRow } from "./devices.js";

/** A kiosk heartbeats every 30 s: one that said online but has not been heard for this long is "stale". */
export const STALE_AFTER_MS = 120_000;
/** The console's "offline > 10 min" filter. */
export const OFFLINE_LONG_MS = 10 * 60_000;
/** Unsent ledger entries older than this make a kiosk "behind". */
export const OUTBOX_BEHIND_MS = 5 * 60_000;

export type Presence = "online" | "stale" | "offline" | "never";

/** The fields of the status message the view reads (validated again here: the stored JSON is the kiosk's). */
const StatusView = z.object({
  online: z.boolean().optional(),
  at: z.number().optional(),
  configVersion: z.number().int().optional(),
  outboxDepth: z.number().int().nonnegative().optional(),
  clockOffsetMs: z.number().int().optional(),
  software: z.object({ version: z.string().max(40), runtime: z.string().max(40) }).optional(),
  quarantine: z.object({ count: z.number().int().nonnegative() }).optional(),
  hub: z.object({ oldestUnackedAgeMs: z.number().int().nonnegative().optional() }).optional(),
  health: z
    .object({
      level: z.string().max(16).optional(),
      drivers: z
        .array(
          z.object({
            component: z.string().max(32),
            driver: z.string().max(32),
            level: z.string().max(16),
            errorCode: z.string().max(64).optional(),
            message: z.string().max(300).optional(),
          }),
        )
        .max(30)
        .optional(),
    })
    .optional(),
});

export interface DriverView {
  component: string;
  driver: string;
  level: string;
  errorCode: string | null;
  message: string | null;
}

export interface KioskView {
  deviceId: string;
  storeId: string;
  presence: Presence;
  lastSeenAt: number | null;
  /** How long it has been offline (or not heard from), when it is not online. */
  offlineForMs: number | null;
  config: { desired: number; applied: number; reported: number | null; error: string | null };
  outboxDepth: number | null;
  /** When the oldest entry the hub has not acknowledged was written (kiosk clock), when there is one. */
  oldestUnsentAt: number | null;
  clockOffsetMs: number | null;
  health: { level: string | null; drivers: DriverView[] };
  software: { version: string; runtime: string } | null;
  quarantined: number;
  flags: { behind: boolean; offlineLong: boolean; errors: boolean };
}

export type FleetFilter = "behind" | "offline" | "errors";

export function presenceOf(d: Pick<DeviceRow, "lastStatus" | "lastSeenAt">, now: number): Presence {
  if (d.lastSeenAt === null) return "never";
  const online = (d.lastStatus as { online?: unknown } | null)?.online === true;
  if (!online) return "offline";
  return now - d.lastSeenAt > STALE_AFTER_MS ? "stale" : "online";
}

export function kioskView(d: DeviceRow, now: number): KioskView {
  const parsed = StatusView.safeParse(d.lastStatus ?? {});
  const s = parsed.success ? parsed.data : {};
  const presence = presenceOf(d, now);
  const offlineForMs = presence === "online" ? null : d.lastSeenAt === null ? null : Math.max(0, now - d.lastSeenAt);
  const depth = s.outboxDepth ?? null;
  const oldestAge = s.hub?.oldestUnackedAgeMs;
  const oldestUnsentAt = depth && oldestAge !== undefined && s.at ? s.at - oldestAge : null;
  const drivers: DriverView[] = (s.health?.drivers ?? []).map((x) => ({
    component: x.component,
    driver: x.driver,
    level: x.level,
    errorCode: x.errorCode ?? null,
    message: x.message ?? null,
  }));
  const applied = d.appliedConfigVersion;
  const behind = applied < d.desiredConfigVersion || (oldestUnsentAt !== null && now - oldestUnsentAt > OUTBOX_BEHIND_MS);
  const offlineLong = presence === "never" || (presence !== "online" && (offlineForMs ?? 0) > OFFLINE_LONG_MS);
  const errors = d.configError !== null || drivers.some((x) => x.level === "down" || x.level === "degraded") || (s.quarantine?.count ?? 0) > 0;
  return {
    deviceId: d.deviceId,
    storeId: d.storeId,
    presence,
    lastSeenAt: d.lastSeenAt,
    offlineForMs,
    config: { desired: d.desiredConfigVersion, applied, reported: s.configVersion ?? null, error: d.configError },
    outboxDepth: depth,
    oldestUnsentAt,
    clockOffsetMs: s.clockOffsetMs ?? null,
    health: { level: s.health?.level ?? null, drivers },
    software: s.software ?? null,
    quarantined: s.quarantine?.count ?? 0,
    flags: { behind, offlineLong, errors },
  };
}

export function matchesFilter(v: KioskView, f: FleetFilter | undefined): boolean {
  if (!f) return true;
  return f === "behind" ? v.flags.behind : f === "offline" ? v.flags.offlineLong : v.flags.errors;
}
